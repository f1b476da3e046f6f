package mock_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/mock"
)

// A throttled mock answers every Nth request 429 with Retry-After, in a
// documented error shape; the client waits and retries, and gets through.
func TestThrottle(t *testing.T) {
	srv, err := mock.NewServer(mock.Options{Throttle: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	seed := srv.Mock.Seed()
	c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, Auth: client.Token(mock.DefaultToken)})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		if _, _, err := c.ListInterfaces(context.Background(), seed.Servers[0].ServerID); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	throttled := 0
	for _, ex := range c.Recorder().Exchanges() {
		if ex.Status == http.StatusTooManyRequests {
			throttled++
			if ex.ResponseHeader.Get("Retry-After") != "0" || !ex.Valid() || ex.RequestID == "" {
				t.Errorf("429: %s", ex)
			}
		}
	}
	if throttled < 2 {
		t.Errorf("%d throttled answers in %d exchanges", throttled, c.Recorder().Len())
	}
	if _, err := mock.New(mock.Options{Throttle: -1}); err == nil {
		t.Error("a negative throttle was accepted")
	}
}
