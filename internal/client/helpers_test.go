package client

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	project = "0123456789abcdef0123456789abcdef"
	server  = "11111111-2222-4333-8444-555555555555"
	port    = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
	port2   = "aaaaaaaa-bbbb-4ccc-8ddd-ffffffffffff"
	network = "99999999-8888-4777-8666-555555555555"
	subnet  = "12121212-3434-4565-8787-909090909090"
	canary  = "canary-token-3f9a"
)

// target is an httptest server whose handler a test sets, counting hits.
type target struct {
	*httptest.Server
	hits atomic.Int32
	mu   sync.Mutex
	seen []*http.Request
}

func newTarget(t testing.TB, h http.HandlerFunc) *target {
	t.Helper()
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.hits.Add(1)
		tg.mu.Lock()
		tg.seen = append(tg.seen, r.Clone(context.Background()))
		tg.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) last() *http.Request {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if len(tg.seen) == 0 {
		return nil
	}
	return tg.seen[len(tg.seen)-1]
}

// newClient returns a client on base with fast retries; edit adjusts cfg.
func newClient(t testing.TB, base string, edit ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		ComputeURL: base,
		ProjectID:  project,
		Timeout:    5 * time.Second,
		Retry:      RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// reply writes a status with optional content type and body.
func reply(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("X-Openstack-Request-Id", "req-test")
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func nic(portID, mac string) string {
	return fmt.Sprintf(`{"port_id":%q,"net_id":%q,"mac_addr":%s,"port_state":"ACTIVE","fixed_ips":[{"subnet_id":%q,"ip_address":"192.168.0.10"}]}`,
		portID, network, mac, subnet)
}

func listBody(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = nic(fmt.Sprintf("aaaaaaaa-bbbb-4ccc-8ddd-%012d", i), fmt.Sprintf(`"fa:16:3e:00:%02x:%02x"`, i/256, i%256))
	}
	return `{"interfaceAttachments":[` + strings.Join(items, ",") + `]}`
}

func hasKind(vs []Violation, kind string) bool {
	for _, v := range vs {
		if v.Kind == kind {
			return true
		}
	}
	return false
}

// bufferLogger returns a Debug-level logger writing into a buffer.
func bufferLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
