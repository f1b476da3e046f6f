// Command emulator serves the independent emulator (internal/emulator) on
// loopback and prints the `export NICCONFORM_…` lines a run against it needs
// (README.md, "Running against a target"), then serves until SIGINT or
// SIGTERM.
//
//	go run ./internal/emulator/cmd/emulator -addr 127.0.0.1:0 -profile huawei
//
// The token it prints is the emulator's own, made up at start; it opens
// nothing but the emulator. Requests are not logged.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nicconform/nicconform/internal/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run serves until ctx is done; it answers the exit code: 0 after a clean
// shutdown, 1 when serving failed, 2 for a usage or listen error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback)")
	profile := fs.String("profile", emulator.ProfileHuawei, "huawei (primary NIC 403, unattached port 404) or nova")
	delay := fs.Duration("delay", 50*time.Millisecond, "how long an accepted detach takes to complete")
	token := fs.String("token", "", "the X-Auth-Token to accept (default: a random one)")
	project := fs.String("project", "", "the project id, 32 lowercase hex characters (default: a random one)")
	netRoot := fs.String("network-root", "/network", "the path the network endpoint is served below")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "emulator: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	h, world, err := emulator.New(emulator.Options{Profile: *profile, DetachDelay: *delay, Token: *token, ProjectID: *project, NetworkRoot: *netRoot})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "emulator: listen on %s: %v\n", *addr, err)
		return 2
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "# the emulator (profile %s) listens on %s\n", world.Profile, ln.Addr())
	// The primary probe only where the profile forbids the detach: in the
	// nova profile a probe really detaches the primary NIC (docs/reference.md
	// §2), which a run then reports as a server that lost its primary.
	probe := "true"
	if world.Profile != emulator.ProfileHuawei {
		probe = "false"
	}
	for _, kv := range [][2]string{
		{"NICCONFORM_COMPUTE_URL", base},
		{"NICCONFORM_NETWORK_URL", base + world.NetworkRoot},
		{"NICCONFORM_AUTH_TOKEN", world.Token},
		{"NICCONFORM_PROJECT_ID", world.ProjectID},
		{"NICCONFORM_SERVER_ID", world.ServerID},
		{"NICCONFORM_OTHER_SERVER_ID", world.OtherServerID},
		{"NICCONFORM_PRIMARY_PORT_ID", world.PrimaryPortID},
		{"NICCONFORM_NETWORK_ID", world.NetworkID},
		{"NICCONFORM_PROFILE", world.Profile},
		{"NICCONFORM_ALLOW_PRIMARY_PROBE", probe},
		{"NICCONFORM_DETACH_TIMEOUT", "10s"},
		{"NICCONFORM_POLL_INTERVAL", "10ms"},
	} {
		fmt.Fprintf(stdout, "export %s=%s\n", kv[0], kv[1])
	}
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync() // best effort: a pipe cannot sync
	}

	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "emulator: serve: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "emulator: shutdown: %v\n", err)
		return 1
	}
	return 0
}
