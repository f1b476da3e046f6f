package mock

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server is a Mock served over HTTP on a loopback port, in the spirit of
// httptest.NewServer.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT, serving /v2.1 and /v2.0.
	URL string
	// Mock is the served mock, for seeds and inspection.
	Mock *Mock

	srv  *http.Server
	done chan struct{}
}

// NewServer creates a Mock with opts and serves it on 127.0.0.1 on a free
// port. Close it when done.
func NewServer(opts Options) (*Server, error) {
	m, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mock: listen: %w", err)
	}
	return Serve(m, ln), nil
}

// The bounds of the mock's HTTP server, so that no client holds it: a
// request's headers must arrive within ReadHeaderTimeout and the whole
// request (its body at most 64 KiB, else 413) within ReadTimeout; an answer
// must be written within WriteTimeout of the request's headers (a test's
// Hold counts); a kept-alive connection idle for IdleTimeout is closed.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 5 * time.Minute
	IdleTimeout       = 2 * time.Minute
)

// timeouts are an http.Server's bounds.
type timeouts struct{ readHeader, read, write, idle time.Duration }

// serverTimeouts are the mock's bounds.
func serverTimeouts() timeouts {
	return timeouts{ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout}
}

// Serve serves m on ln until Close or Shutdown.
func Serve(m *Mock, ln net.Listener) *Server { return serve(m, m, ln, serverTimeouts()) }

// serve serves m through h (m itself, or holds in front of it), within t.
func serve(m *Mock, h http.Handler, ln net.Listener, t timeouts) *Server {
	s := &Server{
		URL:  "http://" + ln.Addr().String(),
		Mock: m,
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: t.readHeader,
			ReadTimeout:       t.read,
			WriteTimeout:      t.write,
			IdleTimeout:       t.idle,
			MaxHeaderBytes:    64 << 10,
		},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln) // returns http.ErrServerClosed after Shutdown/Close
	}()
	return s
}

// Shutdown stops accepting connections, waits for in-flight requests (up to
// ctx) and stops the mock's pending detaches.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = errors.Join(err, s.srv.Close())
	}
	<-s.done
	s.Mock.Close()
	if err != nil {
		return fmt.Errorf("mock: shutdown: %w", err)
	}
	return nil
}

// Close shuts the server down at once, like httptest.Server.Close: it
// closes the listener and every connection (a graceful Shutdown would wait
// up to 5 s for a client's dialled-but-unused connection) and stops the
// mock's pending detaches. Serve the mock with Shutdown for a graceful stop.
func (s *Server) Close() {
	_ = s.srv.Close()
	<-s.done
	s.Mock.Close()
}
