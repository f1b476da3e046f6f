package fidelity_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/fidelity"
)

func TestJSONAndMarkdownAgree(t *testing.T) {
	t.Parallel()
	results := []fidelity.Result{
		{Case: fidelity.Case{Name: "faithful-huawei", Profile: "huawei"}},
		{Case: fidelity.Case{Name: "faithful-nova", Profile: "nova", Errors: "huawei"}, Failed: []string{"ERROR-SHAPE"}, Skipped: []string{"PRIMARY-FORBIDDEN"}},
		{Case: fidelity.Case{Name: "body-on-202", Profile: "huawei", Deviation: "body-on-202", Rule: "BODY-EMPTY-RESPONSE"}, Failed: []string{"BODY-EMPTY-RESPONSE", "SPEC-CONFORMANT"}},
		{Case: fidelity.Case{Name: "lock-ignored", Profile: "huawei", Deviation: "lock-ignored", Rule: "STATE-LOCKED"}, Failed: []string{"REQUEST-ID"}},
		{Case: fidelity.Case{Name: "repeat-500", Profile: "huawei", Deviation: "repeat-500", Rule: "DETACH-REPEAT"}, Err: errors.New("no report")},
	}
	raw, err := fidelity.JSON(results)
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Name, Profile, Deviation, Errors, IntendedRule, Outcome, Error string
		Caught                                                         bool
		FailedRules, SkippedRules                                      []string
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if len(got) != len(results) {
		t.Fatalf("%d runs, want %d", len(got), len(results))
	}
	want := []struct {
		outcome string
		caught  bool
	}{{"clean", false}, {"not clean", false}, {"yes", true}, {"no", false}, {"error", false}}
	for i, g := range got {
		r := results[i]
		if g.Name != r.Name || g.Profile != r.Profile || g.Deviation != r.Deviation || g.Errors != r.Errors || g.IntendedRule != r.Rule ||
			g.Outcome != want[i].outcome || g.Caught != want[i].caught || len(g.FailedRules) != len(r.Failed) ||
			len(g.SkippedRules) != len(r.Skipped) || g.FailedRules == nil || g.SkippedRules == nil {
			t.Errorf("run %d: %+v", i, g)
		}
	}
	if got[4].Error != "no report" {
		t.Errorf("error text %q", got[4].Error)
	}
	md := fidelity.Markdown(results)
	for _, cell := range []string{"| clean |", "| **NOT CLEAN** |", "| yes |", "| **NO** |", "| ERROR |"} {
		if !strings.Contains(md, cell) {
			t.Errorf("markdown lacks %q:\n%s", cell, md)
		}
	}
}
