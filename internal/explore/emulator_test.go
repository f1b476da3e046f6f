package explore_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/emulator"
	"github.com/nicconform/nicconform/internal/explore"
)

// emulatorTarget serves a fresh internal/emulator (written from
// docs/reference.md alone, by someone who had not read explore or the
// reference mock) as a configured target, with the environment its own
// command prints.
func emulatorTarget(t *testing.T, profile string) *explore.Target {
	t.Helper()
	h, w, err := emulator.New(emulator.Options{Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	env := map[string]string{
		"NICCONFORM_COMPUTE_URL": srv.URL, "NICCONFORM_NETWORK_URL": srv.URL + w.NetworkRoot, "NICCONFORM_AUTH_TOKEN": w.Token,
		"NICCONFORM_PROJECT_ID": w.ProjectID, "NICCONFORM_SERVER_ID": w.ServerID, "NICCONFORM_OTHER_SERVER_ID": w.OtherServerID,
		"NICCONFORM_PRIMARY_PORT_ID": w.PrimaryPortID, "NICCONFORM_NETWORK_ID": w.NetworkID, "NICCONFORM_PROFILE": w.Profile,
		"NICCONFORM_ALLOW_PRIMARY_PROBE": strconv.FormatBool(profile == emulator.ProfileHuawei),
		"NICCONFORM_DETACH_TIMEOUT":      "10s", "NICCONFORM_POLL_INTERVAL": "10ms", "NICCONFORM_RUN_ID": "exploreemu",
	}
	tg := configuredTarget(t, env)
	return tg
}

// TestAgainstTheEmulator: explore against a faithful target it did not
// grow up with (internal/emulator: a port checked before the lock, a bound
// port's DELETE refused with 409, asynchronous detaches) finds no
// divergence, with each seed for its whole budget, and lists what it saw as
// advisories. 3 seeds × 10 s a profile by default;
// NICCONFORM_EXPLORE_EMULATOR_SEEDS and _DURATION scale it (the closing
// note's 20 × 60 s).
func TestAgainstTheEmulator(t *testing.T) {
	t.Parallel()
	if raceEnabled || testing.Short() {
		t.Skip("10 s of exploring a seed: runs without -race and without -short (make test runs it so)")
	}
	seeds, duration := 3, 10*time.Second
	if v := os.Getenv("NICCONFORM_EXPLORE_EMULATOR_SEEDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		seeds = n
	}
	if v := os.Getenv("NICCONFORM_EXPLORE_EMULATOR_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		duration = d
	}
	profiles := []string{emulator.ProfileHuawei}
	if v := os.Getenv("NICCONFORM_EXPLORE_EMULATOR_PROFILES"); v != "" {
		profiles = strings.Split(v, ",")
	}
	for _, profile := range profiles {
		for seed := 1; seed <= seeds; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", profile, seed), func(t *testing.T) {
				t.Parallel()
				res, err := explore.Run(context.Background(), explore.Config{Target: emulatorTarget(t, profile), Seqs: 100000, Steps: 20,
					Seed: uint64(seed), Duration: duration, RunID: "exploreemu", ShrinkRuns: 30, ShrinkTime: 20 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%d sequences, %d steps in %s; stopped: %s", res.Sequences, res.Steps, res.Elapsed.Round(time.Millisecond), res.Stopped)
				for _, a := range res.Advisories {
					t.Logf("advisory %s ×%d: %s", a.Kind, a.Count, a.Message)
				}
				for _, f := range res.Findings {
					t.Errorf("divergence %s (%s): %s", f.Divergence.Signature(), f.Divergence.Rule, f.Divergence.What)
					for _, s := range f.Steps {
						t.Logf("  %d %s: target %d %s, model %d %s; %s", s.N, s.Step, s.Target.Status, s.Target.Body, s.Model.Status, s.Model.Body, s.State)
					}
				}
				if len(res.Leaks) > 0 || res.Stopped != "duration" {
					t.Errorf("stopped: %s; leaks %v", res.Stopped, res.Leaks)
				}
			})
		}
	}
}
