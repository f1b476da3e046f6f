package explore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/explore"
	"github.com/nicconform/nicconform/internal/mock"
)

// TestKnownBreaksDoNotBlind: a target with two breaks (STATE-LOCKED and
// AUTH-MISSING) stops at one; with it excluded, or with the explore.json
// that reported it as the baseline, explore goes past it (a known-break
// advisory) and finds the other. An unknown rule id is an error.
func TestKnownBreaksDoNotBlind(t *testing.T) {
	devs := []string{string(mock.DevLockIgnored), string(mock.DevAuthOptional)}
	run := func(exclude, baseline []string) *explore.Result {
		t.Helper()
		res, err := explore.Run(context.Background(), explore.Config{Target: embedded(t, "", devs...), Seqs: 300, Steps: 12, Seed: 3,
			ShrinkTime: time.Second, Exclude: exclude, Baseline: baseline})
		if err != nil || !res.Diverged() {
			t.Fatalf("%v; no divergence in %d sequences", err, res.Sequences)
		}
		return res
	}
	first := run(nil, nil)
	found := first.Findings[0].Divergence.Rule
	other := map[string]string{"STATE-LOCKED": "AUTH-MISSING", "AUTH-MISSING": "STATE-LOCKED"}[found]
	if other == "" {
		t.Fatalf("first divergence %s (%s)", first.Findings[0].Divergence.Signature(), found)
	}
	if res := run([]string{found}, nil); res.Findings[0].Divergence.Rule != other {
		t.Errorf("-exclude %s: found %s, want %s", found, res.Findings[0].Divergence.Rule, other)
	}
	dir := t.TempDir()
	if err := explore.WriteReports(dir, first); err != nil {
		t.Fatal(err)
	}
	known, err := explore.LoadBaseline(dir)
	if err != nil || len(known) != 1 || known[0] != found {
		t.Fatalf("baseline %v: %v", known, err)
	}
	res := run(nil, known)
	if res.Findings[0].Divergence.Rule != other {
		t.Errorf("-baseline: found %s, want %s", res.Findings[0].Divergence.Rule, other)
	}
	conf := filepath.Join(dir, "conformance.json")
	if err := os.WriteFile(conf, []byte(`{"rules":[{"id":"PATH-MALFORMED","verdict":"fail"},{"id":"AUTH-MISSING","verdict":"pass"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if known, err := explore.LoadBaseline(conf); err != nil || strings.Join(known, ",") != "PATH-MALFORMED" {
		t.Errorf("conformance.json baseline: %v, %v", known, err)
	}
	if _, err := explore.Run(context.Background(), explore.Config{Target: embedded(t, ""), Exclude: []string{"NO-SUCH-RULE"}}); err == nil || !strings.Contains(err.Error(), "NO-SUCH-RULE") {
		t.Errorf("an unknown rule id: %v", err)
	}
}
