// Command ceiling is the throughput ceiling for scripts/bench-mock.sh: a bare
// net/http handler answering the two benchmarked routes with constant
// bodies (DELETE …/os-interface/{port_id} → 202 empty; GET …/os-interface →
// 200 with a fixed list), no state, no checks.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const listBody = `{"interfaceAttachments":[{"port_state":"ACTIVE","fixed_ips":[{"subnet_id":"5b4d9e3c-4f7e-4b59-9c1e-2f0a1d7e8c90","ip_address":"192.168.0.2"}],"port_id":"0f5c2c1e-8a9b-4c3d-9e8f-7a6b5c4d3e2f","net_id":"1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d","mac_addr":"fa:16:3e:00:00:01"}]}`

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
	fmt.Printf("LISTEN http://%s\n", ln.Addr())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/os-interface/"):
			w.WriteHeader(http.StatusAccepted)
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/os-interface"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(listBody))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}
