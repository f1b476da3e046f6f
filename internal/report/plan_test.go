package report_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/report"
)

// The plan states the server lock (when, for how long) and the expected
// wall time and cost from the configured bound and the calibration the run
// would do: at the README's bench latencies its estimate is the measured
// one (31.4 s at 2 s latency, bound 30 s; 301.8 s at 10 s, bound 300 s).
func TestPlanStatesLockAndEstimate(t *testing.T) {
	lock := &client.Exchange{Operation: "serverAction", Method: "POST", URL: "http://t/v2.1/p/servers/s/action", Status: 202, RequestBody: []byte(`{"lock": {"locked_reason": "nicconform"}}`)}
	probe := &client.Exchange{Operation: "detachInterface", Method: "DELETE", URL: "http://t/v2.1/p/servers/s/os-interface/prim", Status: 403}
	run := report.Run{Target: "https://ecs.example.com", PrimaryPortID: "prim", Cost: &report.Cost{Server: "s", PeakNICs: 5, MaxNICs: 5},
		Bounds: report.Bounds{Server: "s", Detach: 30 * time.Second, Poll: 500 * time.Millisecond}}
	plan := report.Plan(run, []*client.Exchange{lock, probe})
	for _, want := range []string{
		"server lock", "locks server s", "settle window", // the lock: when and for how long
		"detach bound 30s", "wall time", "| 2s | 6s | 30s |", "| 10s | 30s | 2m0s |", // the estimate per latency, the primary watch the longest
		"at most 5 in the rehearsal", "HTTP calls: 2 in the rehearsal",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	run.Bounds = report.Bounds{Server: "s", Detach: 300 * time.Second, Poll: time.Second}
	run.PrimaryPortID = ""
	plan = report.Plan(run, []*client.Exchange{lock})
	for _, want := range []string{"| 10s | 30s | 2m0s |", "| 2s | 6s | 24s |", "| 30s | 1m30s | 6m0s |"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan (no primary probe, bound 300s) lacks %q:\n%s", want, plan)
		}
	}
	if strings.Contains(plan, "locks server") && !strings.Contains(plan, "locks server s") {
		t.Error("lock line without the server")
	}
	noLock := report.Plan(run, nil)
	if !strings.Contains(noLock, "server lock: none") {
		t.Errorf("a run without STATE-LOCKED must say it takes no lock:\n%s", noLock)
	}
}
