package mock

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// A client that sends its body slowly, or keeps a connection idle, does not
// hold the mock: the server closes the connection (the bounds here are
// short; the mock's own are ReadTimeout and IdleTimeout).
func TestSlowBodiesAndIdleConnectionsAreClosed(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := serve(m, m, ln, timeouts{readHeader: time.Second, read: 300 * time.Millisecond, write: time.Second, idle: 300 * time.Millisecond})
	defer s.Close()
	seed := m.Seed()
	addr := strings.TrimPrefix(s.URL, "http://")

	closed := func(name string, conn net.Conn, r io.Reader) {
		t.Helper()
		// A bound of our own, far beyond the server's: hitting it means
		// the server held the connection.
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, err := io.Copy(io.Discard, r)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%s: the mock held the connection", name)
		}
	}

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	_, _ = io.WriteString(slow, "POST /v2.0/ports HTTP/1.1\r\nHost: x\r\nX-Auth-Token: "+DefaultToken+"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"port\":")
	closed("a slow body", slow, slow)

	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	_, _ = io.WriteString(idle, "GET /v2.1/"+seed.ProjectID+"/servers/"+seed.Servers[0].ServerID+"/os-interface HTTP/1.1\r\nHost: x\r\nX-Auth-Token: "+DefaultToken+"\r\n\r\n")
	br := bufio.NewReader(idle)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("the answer: %d, close %v", resp.StatusCode, resp.Close)
	}
	closed("an idle connection", idle, br)
}
