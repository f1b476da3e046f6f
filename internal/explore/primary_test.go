package explore_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/explore"
	"github.com/nicconform/nicconform/internal/mock"
)

// novaWithProbe serves the faithful nova mock as a configured target under
// the nova profile with NICCONFORM_ALLOW_PRIMARY_PROBE set.
func novaWithProbe(t *testing.T) (*explore.Target, *recorder) {
	t.Helper()
	const token = "explore-nova-token"
	m, err := mock.New(mock.Options{Profile: mock.Profile("nova"), ImmediateDetach: true, Servers: 2, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	rc := &recorder{m: m}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	seed := m.Seed()
	env := map[string]string{
		"NICCONFORM_COMPUTE_URL": srv.URL, "NICCONFORM_PROJECT_ID": seed.ProjectID, "NICCONFORM_SERVER_ID": seed.Servers[0].ServerID,
		"NICCONFORM_OTHER_SERVER_ID": seed.Servers[1].ServerID, "NICCONFORM_NETWORK_ID": seed.NetworkID,
		"NICCONFORM_AUTH_TOKEN": token, "NICCONFORM_DETACH_TIMEOUT": "300ms", "NICCONFORM_POLL_INTERVAL": "5ms",
		"NICCONFORM_RUN_ID": "explorenova", "NICCONFORM_PROFILE": "nova", "NICCONFORM_ALLOW_PRIMARY_PROBE": "1",
	}
	tg := configuredTarget(t, env)
	return tg, rc
}

// TestNovaNeverDetachesTheBootNIC: under the nova profile (no primary
// NIC: the first is the boot NIC, whose detach Nova answers by deleting
// a port it made) the primary probe's opt-in does not let explore send a
// DELETE aimed at it, in exploration or in a replay; the servers keep
// their first NIC.
func TestNovaNeverDetachesTheBootNIC(t *testing.T) {
	tg, rc := novaWithProbe(t)
	res, err := explore.Run(context.Background(), explore.Config{Target: tg, Seqs: 40, Steps: 12, Seed: 5, RunID: "explorenova",
		ShrinkRuns: 10, ShrinkTime: 10 * time.Second})
	if err != nil || len(res.Leaks) > 0 || res.Diverged() {
		t.Fatalf("%v; leaks %v; findings %+v", err, res.Leaks, res.Findings)
	}
	seed := rc.m.Seed()
	check := func(when string) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, p := range rc.deletes {
			for _, s := range seed.Servers {
				if strings.Contains(p, "/"+s.PrimaryPortID) {
					t.Errorf("%s: a DELETE aimed at boot NIC %s: %s", when, s.PrimaryPortID, p)
				}
			}
		}
		for _, s := range seed.Servers {
			if got := rc.m.Interfaces(s.ServerID); len(got) != 1 || got[0].PortID != s.PrimaryPortID {
				t.Errorf("%s: server %s left with NICs %+v", when, s.ServerID, got)
			}
		}
	}
	check("exploring")
	_, err = explore.Replay(context.Background(), explore.Config{Target: tg, RunID: "explorenova"}, []explore.Step{{Op: explore.OpDetachPrimary}})
	if err == nil || !strings.Contains(err.Error(), "primary NIC") {
		t.Errorf("a replay of a detach of the boot NIC: %v", err)
	}
	check("replaying")
}
