package diff_test

import (
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/diff"
	"github.com/nicconform/nicconform/internal/report"
)

func writeConformance(t *testing.T, c report.Conformance, exchanges ...*client.Exchange) string {
	t.Helper()
	dir := t.TempDir()
	c.Rules = []report.Verdict{{ID: "DETACH-ACCEPTED", Verdict: report.Pass}}
	if err := report.Write(dir, c, exchanges); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Runs judged by different contracts are not comparable: diff refuses
// unless forced, and says so when forced. A run that does not record its
// contract (an older report) is compared with a warning.
func TestDiffRefusesDifferentSpecs(t *testing.T) {
	a := load(t, writeConformance(t, report.Conformance{Tool: report.Tool{Version: "v1", SpecSHA256: strings.Repeat("a", 64)}}))
	b := load(t, writeConformance(t, report.Conformance{Tool: report.Tool{Version: "v2", SpecSHA256: strings.Repeat("b", 64)}}))
	err := diff.Comparable(a, b)
	if err == nil || !strings.Contains(err.Error(), "aaaaaaaaaaaa") || !strings.Contains(err.Error(), "-force") {
		t.Errorf("different specs: %v", err)
	}
	if err := diff.Comparable(a, a); err != nil {
		t.Errorf("one spec: %v", err)
	}
	old := load(t, writeConformance(t, report.Conformance{}))
	if err := diff.Comparable(a, old); err != nil {
		t.Errorf("a run without a spec hash is compared, with a warning: %v", err)
	}
	if res := diff.Compare(a, old); !strings.Contains(strings.Join(res.Warnings, "\n"), "does not record") {
		t.Errorf("warnings: %q", res.Warnings)
	}
}

// An interrupted side is named in the result's warnings.
func TestDiffWarnsOfAnInterruptedRun(t *testing.T) {
	a := load(t, writeConformance(t, report.Conformance{Interrupted: "Interrupted by User"}))
	b := load(t, writeConformance(t, report.Conformance{}))
	res := diff.Compare(a, b)
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "A was interrupted") || !strings.Contains(res.Markdown(), "A was interrupted") {
		t.Errorf("warnings %q\n%s", res.Warnings, res.Markdown())
	}
}

// A key path under a list one side only ever saw empty is not missing on
// that side: it had nothing to compare.
func TestDiffEmptyListIsNotMissingKeys(t *testing.T) {
	empty := ex("listInterfaces", "GET", 200, `{"interfaceAttachments": []}`, "Content-Type: application/json")
	full := ex("listInterfaces", "GET", 200, `{"interfaceAttachments": [{"port_id": "p", "mac_addr": "m"}]}`, "Content-Type: application/json")
	res := diff.Compare(load(t, writeConformance(t, report.Conformance{}, empty)), load(t, writeConformance(t, report.Conformance{}, full)))
	if len(res.Operations) != 0 {
		t.Errorf("an empty list reported as missing keys: %+v", res.Operations)
	}
	// but a list element's key one side lacks is still a difference
	other := ex("listInterfaces", "GET", 200, `{"interfaceAttachments": [{"port_id": "p"}]}`, "Content-Type: application/json")
	res = diff.Compare(load(t, writeConformance(t, report.Conformance{}, other)), load(t, writeConformance(t, report.Conformance{}, full)))
	if len(res.Operations) != 1 || len(res.Operations[0].Statuses) != 1 || strings.Join(res.Operations[0].Statuses[0].KeysOnlyInB, ",") != "interfaceAttachments[].mac_addr: string" {
		t.Errorf("a missing key: %+v", res.Operations)
	}
}
