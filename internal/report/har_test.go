package report_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/spec"
)

// Each HAR entry names, in _nicconform, the rules it served (as a spec's
// exchange or evidence, or through a cross-cutting rule) and the run step
// that made it.
func TestHAREntriesNameTheirRulesAndStep(t *testing.T) {
	s, _ := spec.Load()
	detach := subject(ex(1, 202, "req-1", ""))
	detach.Owner = "task:detach"
	refusal := subject(ex(2, 404, "req-2", `{"itemNotFound":{"code":404,"message":"x"}}`, "Content-Type", "application/json"))
	refusal.Owner = "probe:PATH-UNKNOWN-PORT"
	setup := ex(3, 200, "req-3", "")
	setup.Method, setup.Owner = "GET", "set-up"
	all := []*client.Exchange{detach, refusal, setup}
	results := []report.Result{
		{Text: "a", Labels: []string{"DETACH-ACCEPTED"}, Outcome: report.Passed, Exchanges: []*client.Exchange{detach}},
		{Text: "b", Labels: []string{"BODY-EMPTY-RESPONSE"}, Outcome: report.Passed, Exchanges: []*client.Exchange{detach}},
		{Text: "p", Labels: []string{"PATH-UNKNOWN-PORT"}, Outcome: report.Passed, Exchanges: []*client.Exchange{refusal}},
		{Text: "s", Labels: []string{report.RuleSpecConformant}, Outcome: report.Passed},
		{Text: "r", Labels: []string{report.RuleRequestID}, Outcome: report.Passed},
		{Text: "e", Labels: []string{report.RuleErrorShape}, Outcome: report.Passed},
	}
	dir := t.TempDir()
	if err := report.Write(dir, report.Build(s, report.Run{Profile: "huawei"}, results, all), all); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "exchanges.har"))
	var h struct {
		Log struct {
			Entries []struct {
				N *struct {
					Rules []string `json:"rules"`
					Step  string   `json:"step"`
				} `json:"_nicconform"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(raw, &h); err != nil || len(h.Log.Entries) != 3 {
		t.Fatalf("%v %s", err, raw)
	}
	want := []struct {
		rules []string
		step  string
	}{
		{[]string{"DETACH-ACCEPTED", "BODY-EMPTY-RESPONSE", report.RuleRequestID, report.RuleSpecConformant}, "task:detach"},
		{[]string{"PATH-UNKNOWN-PORT", report.RuleErrorShape, report.RuleRequestID, report.RuleSpecConformant}, "probe:PATH-UNKNOWN-PORT"},
		{nil, "set-up"},
	}
	for i, e := range h.Log.Entries {
		if e.N == nil {
			t.Errorf("entry %d has no _nicconform", i)
			continue
		}
		for _, r := range want[i].rules {
			if !slices.Contains(e.N.Rules, r) {
				t.Errorf("entry %d: rules %v lack %s", i, e.N.Rules, r)
			}
		}
		if len(want[i].rules) == 0 && len(e.N.Rules) > 0 || e.N.Step != want[i].step {
			t.Errorf("entry %d: %+v, want %+v", i, *e.N, want[i])
		}
	}
}
