package report_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/spec"
)

// A rule's evidence starts with the exchange its reason names, even when
// the rule's spec recorded more exchanges than the evidence keeps; the
// whole reason is in conformance.json and junit.xml (conformance.md may
// cut it); a JUnit case lasts from the rule's first request to its
// verdict.
func TestEvidenceHoldsWhatTheReasonNames(t *testing.T) {
	s, _ := spec.Load()
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	var exchanges []*client.Exchange
	for i := 1; i <= 25; i++ {
		e := ex(i, 202, fmt.Sprintf("req-%02d", i), "")
		e.Started = t0.Add(time.Duration(i) * time.Second)
		exchanges = append(exchanges, e)
	}
	long := "BODY-EMPTY-RESPONSE: the detach (request id req-23) answered a body: " + strings.Repeat("more words ", 80) + "→ 409 at the end"
	results := []report.Result{{Text: "b", Labels: []string{"BODY-EMPTY-RESPONSE"}, Outcome: report.Failed, Message: long,
		Exchanges: exchanges, Ended: t0.Add(40 * time.Second)}}
	c := report.Build(s, report.Run{Profile: "huawei", Started: t0}, results, exchanges)
	v := verdicts(c)["BODY-EMPTY-RESPONSE"]
	if len(v.Evidence) == 0 || v.Evidence[0] != "req-23" || len(v.Evidence) > 20 {
		t.Errorf("evidence %v: want req-23 first, at most 20", v.Evidence)
	}
	if v.Reason != long {
		t.Errorf("the reason is cut: %q", v.Reason[max(0, len(v.Reason)-40):])
	}
	if v.Seconds != 39 {
		t.Errorf("duration %v s, want 39 (first request at 1 s, verdict at 40 s)", v.Seconds)
	}
	dir := t.TempDir()
	if err := report.Write(dir, c, exchanges); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "conformance.json"))
	var back report.Conformance
	if err := json.Unmarshal(raw, &back); err != nil || verdicts(back)["BODY-EMPTY-RESPONSE"].Reason != long {
		t.Errorf("conformance.json cuts the reason: %v", err)
	}
	junit, _ := os.ReadFile(filepath.Join(dir, "junit.xml"))
	var suites struct {
		Suites []struct {
			Cases []struct {
				Name    string  `xml:"name,attr"`
				Time    float64 `xml:"time,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(junit, &suites); err != nil {
		t.Fatal(err)
	}
	for _, tc := range suites.Suites[0].Cases {
		if strings.HasPrefix(tc.Name, "BODY-EMPTY-RESPONSE:") && (tc.Failure == nil || tc.Failure.Message != long || tc.Time != 39) {
			t.Errorf("junit case: time %v, message cut: %v", tc.Time, tc.Failure == nil || tc.Failure.Message != long)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "conformance.md"))
	if !strings.Contains(string(md), "…") {
		t.Error("conformance.md keeps the long reason whole; its cell should be cut")
	}
}
