package client

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/paths"
)

func TestNewChecksConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{}, "ComputeURL"},
		{Config{ComputeURL: "ecs.example.com"}, "ComputeURL"},
		{Config{ComputeURL: "ftp://ecs.example.com"}, "ComputeURL"},
		{Config{ComputeURL: "http://"}, "ComputeURL"},
		{Config{ComputeURL: "http://h/%zz"}, "ComputeURL"},
		{Config{ComputeURL: "http://h", NetworkURL: "/v2.0"}, "NetworkURL"},
		{Config{ComputeURL: "http://h", Timeout: -1}, "Timeout"},
		{Config{ComputeURL: "http://h", Retry: RetryPolicy{MaxAttempts: -1}}, "MaxAttempts"},
	} {
		_, err := New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("New(%+v) = %v, want an error naming %s", tc.cfg, err, tc.field)
		}
	}
	hc := &http.Client{}
	if _, err := New(Config{ComputeURL: "https://ecs.example.com/prefix/", HTTPClient: hc}); err != nil {
		t.Fatal(err)
	}
	if hc.CheckRedirect != nil {
		t.Error("New modified the caller's http.Client")
	}
}

func TestRetriesStopAtMaxAttempts(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusTooManyRequests, "application/json", `{"overLimit":{"code":429,"message":"slow down"}}`)
	})
	c := newClient(t, tg.URL, func(c *Config) { c.Retry.MaxAttempts = 3 })
	ex, err := c.Detach(context.Background(), server, port)
	if err != nil {
		t.Fatal(err)
	}
	if got := tg.hits.Load(); got != 3 || c.Recorder().Len() != 3 {
		t.Fatalf("attempts %d, recorded %d, want 3", got, c.Recorder().Len())
	}
	if ex.Attempt != 3 || ex.Status != 429 {
		t.Errorf("last exchange: %s", ex)
	}
	for i, e := range c.Recorder().Exchanges() {
		if e.Seq != i+1 || e.Attempt != i+1 {
			t.Errorf("exchange %d: seq %d attempt %d", i, e.Seq, e.Attempt)
		}
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	var tg *target
	tg = newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		if tg.hits.Load() == 1 {
			w.Header().Set("Retry-After", "1")
			reply(w, http.StatusServiceUnavailable, "application/json", `{"serviceUnavailable":{"code":503,"message":"busy"}}`)
			return
		}
		reply(w, http.StatusAccepted, "", "")
	})
	c := newClient(t, tg.URL, func(c *Config) { c.Retry.MaxDelay = time.Second })
	start := time.Now()
	ex, err := c.Detach(context.Background(), server, port)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 900*time.Millisecond {
		t.Errorf("retried after %v, want about 1s (Retry-After: 1)", took)
	}
	if ex.Status != 202 || tg.hits.Load() != 2 {
		t.Errorf("status %d after %d attempts", ex.Status, tg.hits.Load())
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"3":                             3 * time.Second,
		"0":                             0,
		"Thu, 02 Jan 2025 03:04:15 GMT": 10 * time.Second,
		"Thu, 02 Jan 2025 03:00:00 GMT": 0,
	} {
		if got, ok := parseRetryAfter(in, now); !ok || got != want {
			t.Errorf("parseRetryAfter(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "soon"} {
		if _, ok := parseRetryAfter(in, now); ok {
			t.Errorf("parseRetryAfter(%q) accepted", in)
		}
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	c := newClient(t, "http://h", func(c *Config) {
		c.Retry = RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: 300 * time.Millisecond}
	})
	if d := c.backoff(1); d < 100*time.Millisecond || d > 110*time.Millisecond {
		t.Errorf("backoff(1) = %v", d)
	}
	if d := c.backoff(2); d < 200*time.Millisecond || d > 220*time.Millisecond {
		t.Errorf("backoff(2) = %v", d)
	}
	if d := c.backoff(10); d != 300*time.Millisecond {
		t.Errorf("backoff(10) = %v", d)
	}
}

func TestDeleteAnswered500IsAttemptedOnce(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusInternalServerError, "application/json", `{"computeFault":{"code":500,"message":"x"}}`)
	})
	ex, err := newClient(t, tg.URL).Detach(context.Background(), server, port)
	if err != nil || ex.Status != 500 || tg.hits.Load() != 1 {
		t.Fatalf("err %v, status %d, attempts %d", err, ex.Status, tg.hits.Load())
	}
}

// hangup answers every request by closing the connection.
func hangup(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestDeleteWithTransportErrorIsAttemptedOnce(t *testing.T) {
	tg := newTarget(t, hangup)
	c := newClient(t, tg.URL)
	ex, err := c.Detach(context.Background(), server, port)
	if err == nil {
		t.Fatal("no error")
	}
	if tg.hits.Load() != 1 || c.Recorder().Len() != 1 {
		t.Fatalf("attempts %d, recorded %d", tg.hits.Load(), c.Recorder().Len())
	}
	if ex == nil || ex.Status != 0 || ex.Err == "" {
		t.Errorf("exchange: %v", ex)
	}
	if !strings.Contains(err.Error(), "DELETE http://") {
		t.Errorf("error does not name the request: %v", err)
	}
}

func TestGetWithTransportErrorIsRetried(t *testing.T) {
	tg := newTarget(t, hangup)
	c := newClient(t, tg.URL, func(c *Config) { c.Retry.MaxAttempts = 2 })
	_, _, err := c.GetServer(context.Background(), server)
	if err == nil || tg.hits.Load() != 2 {
		t.Fatalf("err %v attempts %d", err, tg.hits.Load())
	}
}

func TestGet503Then200Succeeds(t *testing.T) {
	var tg *target
	tg = newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		if tg.hits.Load() == 1 {
			reply(w, http.StatusServiceUnavailable, "application/json", `{"serviceUnavailable":{"code":503,"message":"busy"}}`)
			return
		}
		reply(w, http.StatusOK, "application/json", `{"server":{"id":"`+server+`","name":"vm","status":"ACTIVE","locked":true}}`)
	})
	c := newClient(t, tg.URL)
	s, ex, err := c.GetServer(context.Background(), server)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != server || !s.Locked || ex.Attempt != 2 || !ex.Valid() {
		t.Fatalf("server %+v, %s", s, ex)
	}
}

func TestRetryNeverWaitsPastTheDeadline(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "60")
		reply(w, http.StatusServiceUnavailable, "application/json", `{"serviceUnavailable":{"code":503,"message":"busy"}}`)
	})
	c := newClient(t, tg.URL, func(c *Config) { c.Retry.MaxDelay = 5 * time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	ex, err := c.Detach(ctx, server, port)
	if took := time.Since(start); took > 300*time.Millisecond {
		t.Errorf("took %v", took)
	}
	if err != nil || ex.Status != 503 || tg.hits.Load() != 1 {
		t.Errorf("err %v status %d attempts %d", err, ex.Status, tg.hits.Load())
	}
}

func TestNoRetry(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusServiceUnavailable, "application/json", `{"serviceUnavailable":{"code":503,"message":"busy"}}`)
	})
	c := newClient(t, tg.URL)
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Segments: paths.Server.Segments(c.project, server), NoRetry: true}); err != nil {
		t.Fatal(err)
	}
	if tg.hits.Load() != 1 {
		t.Errorf("attempts %d", tg.hits.Load())
	}
}

func TestUnreachableTarget(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := newClient(t, "http://"+addr)
	_, err = c.Detach(context.Background(), server, port)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	for _, want := range []string{"DELETE", "http://" + addr + "/v2.1/", "target unreachable", "refused"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// rawTarget accepts connections and hands each to serve.
func rawTarget(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go serve(conn)
		}
	}()
	return "http://" + l.Addr().String()
}

func TestGarbageResponse(t *testing.T) {
	base := rawTarget(t, func(conn net.Conn) {
		defer conn.Close()
		if _, err := http.ReadRequest(bufio.NewReader(conn)); err != nil {
			return
		}
		conn.Write([]byte("garbage\r\n\r\n"))
	})
	c := newClient(t, base)
	ex, err := c.Detach(context.Background(), server, port)
	if !errors.Is(err, ErrNotHTTP) {
		t.Fatalf("err = %v, want ErrNotHTTP", err)
	}
	if !strings.Contains(err.Error(), "DELETE "+base) || ex == nil || ex.Status != 0 {
		t.Errorf("err %v, exchange %v", err, ex)
	}
}

// A server that speaks first (an SSH or SMTP banner on the configured
// port): net/http's transport reads its bytes on an idle connection and
// fails with "readLoopPeekFailLocked: %!w(<nil>)", whose text says
// nothing to an operator. Which of that and "malformed HTTP response" a
// run gets depends on timing (the first on a loaded machine), so the
// transport's error is given as it is.
func TestServerThatSpeaksFirstIsNotHTTP(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1")
	ctx := context.Background()
	te := c.transportError(ctx, ctx, http.MethodGet, "http://127.0.0.1:1/v2.1", errors.New("readLoopPeekFailLocked: %!w(<nil>)"), 4, &redactor{})
	if te.Kind != ErrNotHTTP || strings.Contains(te.Error(), "%!") || !strings.Contains(te.Error(), "not an HTTP server") {
		t.Errorf("kind %v, error %q", te.Kind, te.Error())
	}
}

func TestTargetThatNeverAnswersTimesOut(t *testing.T) {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	base := rawTarget(t, func(conn net.Conn) {
		defer conn.Close()
		<-done
	})
	c := newClient(t, base, func(c *Config) { c.Timeout = 200 * time.Millisecond; c.Retry.MaxAttempts = 2 })
	start := time.Now()
	_, _, err := c.GetServer(context.Background(), server)
	took := time.Since(start)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	// GET is retried: 2 attempts of 200ms and a short backoff.
	if took > 2*200*time.Millisecond+500*time.Millisecond {
		t.Errorf("took %v", took)
	}
	ex, err := c.Do(context.Background(), Request{Method: http.MethodDelete, Segments: paths.Interface.Segments(c.project, server, port)})
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "no response within 200ms") || ex.Duration > time.Second {
		t.Errorf("err %v, exchange %v", err, ex)
	}
}

func TestExchangeString(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusForbidden, "application/json", `{"forbidden":{"code":403,"message":"primary NIC"}}`)
	})
	ex, err := newClient(t, tg.URL).Detach(context.Background(), server, port)
	if err != nil {
		t.Fatal(err)
	}
	s := ex.String()
	for _, want := range []string{"DELETE", tg.URL + "/v2.1/" + project + "/servers/" + server + "/os-interface/" + port, "→ 403", "req-test", "primary NIC"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %q lacks %q", s, want)
		}
	}
	if ex.RequestID != "req-test" {
		t.Errorf("request id %q", ex.RequestID)
	}
}

func TestRecorderSince(t *testing.T) {
	r := NewRecorder()
	for range 3 {
		r.add(&Exchange{})
	}
	if got := r.Since(1); len(got) != 2 || got[0].Seq != 2 {
		t.Errorf("Since(1) = %v", got)
	}
	if r.Since(3) != nil || r.Since(10) != nil || len(r.Since(-1)) != 3 {
		t.Error("Since out of range")
	}
}

func TestConcurrentRequestsAreAllRecorded(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusAccepted, "", "") })
	logger, _ := bufferLogger()
	c := newClient(t, tg.URL, func(c *Config) { c.Logger = logger; c.Auth = Token(canary) })
	const n = 16
	done := make(chan error, n)
	for i := range n {
		cl := c
		if i%2 == 1 {
			cl = c.WithAuth(Token("other-token-" + strings.Repeat("x", i)))
		}
		go func() { _, err := cl.Detach(context.Background(), server, port); done <- err }()
	}
	for range n {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	seen := map[int]bool{}
	for _, ex := range c.Recorder().Exchanges() {
		seen[ex.Seq] = true
	}
	if len(seen) != n || !seen[1] || !seen[n] {
		t.Errorf("seqs %v", seen)
	}
}

func TestInvalidMethodIsAnErrorNotAPanic(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1")
	if _, err := c.Do(context.Background(), Request{Method: "GET X", Segments: []string{"a"}}); err == nil {
		t.Error("accepted")
	}
}
