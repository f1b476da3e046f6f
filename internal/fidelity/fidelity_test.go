package fidelity_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/fidelity"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/spec"
)

// TestEveryRuleCanFail runs the suite against the faithful mock (both
// profiles, both error shapes) and against every deviation, and holds the
// suite to its promise: clean where the mock is faithful (no fail, no
// error); each deviation that breaks a rule caught by that rule, and no
// other rule failing but those whose own statements it also breaks; each
// variant passing every rule and raising its advisory. A rule no deviation
// breaks is unproven.
func TestEveryRuleCanFail(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the whole suite once per deviation")
	}
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	proven := map[string]bool{}
	runs := []fidelity.Case{
		{Name: "faithful-huawei", Profile: "huawei"},
		{Name: "faithful-nova", Profile: "nova"},
		{Name: "faithful-huawei-errors-huawei", Profile: "huawei", Errors: "huawei"},
		{Name: "faithful-nova-errors-huawei", Profile: "nova", Errors: "huawei"},
		// The reserve_port variant: its profile against the variant mock.
		{Name: "faithful-huawei-reserve-port", Profile: "huawei-reserve-port"},
	}
	for _, d := range mock.Deviations() {
		profile := d.Profile
		if profile == "" {
			profile = "huawei"
		}
		runs = append(runs, fidelity.Case{Name: string(d.Name), Profile: profile, Deviation: string(d.Name), Rule: d.Rule,
			Variant: d.Kind == mock.Variant, SequenceOnly: d.Kind == mock.SequenceOnly, Advisory: d.Advisory, AlsoBreaks: d.AlsoBreaks, Exact: d.Exact})
		if d.Kind == mock.BreaksRule {
			proven[d.Rule] = true
		}
	}
	for _, r := range s.Rules() {
		if !proven[r.ID] {
			t.Errorf("%s: no mock deviation breaks it, so nothing shows its specs can fail", r.ID)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	short := suite
	short.Env = []string{"NICCONFORM_DETACH_TIMEOUT=2s"}
	results := short.RunAll(ctx, runs, t.TempDir(), 2)
	matrix := fidelity.Markdown(results)
	t.Logf("kill matrix:\n%s", matrix)
	if out := os.Getenv("NICCONFORM_FIDELITY_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(matrix), 0o644); err != nil {
			t.Error(err)
		}
		js, err := fidelity.JSON(results)
		if err != nil {
			t.Error(err)
		} else if err := os.WriteFile(strings.TrimSuffix(out, filepath.Ext(out))+".json", js, 0o644); err != nil {
			t.Error(err)
		}
	}
	for _, r := range results {
		switch {
		case r.SequenceOnly:
			// Expects nothing: explore's kill matrix (internal/explore)
			// holds these deviations; the matrix shows what rules, if any,
			// failed.
		case r.Err != nil:
			t.Errorf("%s: %v", r.Name, r.Err)
		case r.Deviation == "" && (len(r.Failed) > 0 || len(r.Errored) > 0):
			t.Errorf("%s: the faithful mock failed %v, errored %v", r.Name, r.Failed, r.Errored)
		case r.Variant && (len(r.Failed) > 0 || len(r.Errored) > 0):
			t.Errorf("%s: a variant failed %v, errored %v", r.Name, r.Failed, r.Errored)
		case r.Variant && !r.Advised(r.Advisory):
			t.Errorf("%s: a variant raised no %s advisory (advisories: %v)", r.Name, r.Advisory, r.Advisories)
		case r.Deviation != "" && !r.Variant && !r.Caught():
			t.Errorf("%s: not caught by %s (failed: %v)", r.Name, r.Rule, r.Failed)
		case r.Deviation != "" && !r.Variant && len(r.Beyond()) > 0:
			t.Errorf("%s: blame beyond %s: %v also failed (their statements are not broken by it)", r.Name, r.Rule, r.Beyond())
		case len(r.Missing()) > 0:
			t.Errorf("%s: %v did not fail; its expected fails are exactly %s and %v (failed: %v)", r.Name, r.Missing(), r.Rule, r.AlsoBreaks, r.Failed)
		}
	}
	for _, r := range results[:4] {
		want := []string(nil)
		if r.Profile == "nova" {
			want = []string{"PRIMARY-FORBIDDEN"}
		}
		if !slices.Equal(r.Skipped, want) {
			t.Errorf("%s skipped %v, want %v", r.Name, r.Skipped, want)
		}
	}
}
