package explore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/explore"
	"github.com/nicconform/nicconform/internal/mock"
)

// lockedBuffer is a progress writer safe for the heartbeat's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestProgressAgainstASlowTarget: against a configured target that takes
// 15 ms an answer, explore says where it is on every heartbeat (here every
// 100 ms): sequences, steps, advisories so far and the time left.
func TestProgressAgainstASlowTarget(t *testing.T) {
	const token = "explore-slow-token"
	m, err := mock.New(mock.Options{ImmediateDetach: true, Servers: 1, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(15 * time.Millisecond):
		case <-r.Context().Done():
		}
		m.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	seed := m.Seed()
	env := map[string]string{
		"NICCONFORM_COMPUTE_URL": srv.URL, "NICCONFORM_PROJECT_ID": seed.ProjectID, "NICCONFORM_SERVER_ID": seed.Servers[0].ServerID,
		"NICCONFORM_NETWORK_ID": seed.NetworkID, "NICCONFORM_AUTH_TOKEN": token, "NICCONFORM_DETACH_TIMEOUT": "300ms",
		"NICCONFORM_POLL_INTERVAL": "5ms", "NICCONFORM_RUN_ID": "exploreslow",
	}
	tg := configuredTarget(t, env)
	var out lockedBuffer
	res, err := explore.Run(context.Background(), explore.Config{Target: tg, Seqs: 4, Steps: 6, Seed: 9, RunID: "exploreslow",
		Duration: time.Minute, Progress: &out, ProgressEvery: 100 * time.Millisecond})
	if err != nil || res.Diverged() || len(res.Leaks) > 0 {
		t.Fatalf("%v; findings %+v; leaks %v", err, res.Findings, res.Leaks)
	}
	var beats []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, "left of 1m0s") {
			beats = append(beats, l)
		}
	}
	if len(beats) < 2 || !strings.Contains(beats[len(beats)-1], "advisories so far; in sequence") || !strings.Contains(beats[len(beats)-1], "steps done") {
		t.Errorf("heartbeats over %s:\n%s", res.Elapsed, out.String())
	}
	t.Logf("%d heartbeats over %s", len(beats), res.Elapsed.Round(time.Millisecond))
}
