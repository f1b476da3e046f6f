package fidelity_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/report"
)

// nicconformRun runs bin/nicconform run with args against the embedded
// mock with a deviation and returns its exit status and output.
func nicconformRun(t *testing.T, deviation string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileRunBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "nicconform"), append([]string{"run"}, args...)...)
	cmd.Env = append(os.Environ(), "NICCONFORM_MOCK_DEVIATION="+deviation)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	}
	t.Fatalf("nicconform run: %v\n%s", err, out)
	return -1, ""
}

// -rerun-failed on a report with 2 failed rules runs exactly those 2 and,
// for SPEC-CONFORMANT (judged on exchanges other rules' specs make), the
// rules whose specs made the exchange that broke it, as its reproduction
// names them (no exchange of the re-run serves another rule); both fail
// again, and the new report says it re-ran them and lists every other
// rule as "not re-run (see DIR)"; the reproduction's own re-run command
// shows SPEC-CONFORMANT's break too (alone, -label-filter=SPEC-CONFORMANT
// sends no such exchange and passed: seen failing before the reproduction
// named its sources); with another target (the mock with another
// deviation) it refuses, exit 2, before any run.
func TestRerunFailed(t *testing.T) {
	t.Parallel()
	first, again, other := t.TempDir(), t.TempDir(), t.TempDir()
	if code, out := nicconformRun(t, "body-on-202", "-report-dir", first); code != 1 {
		t.Fatalf("the first run exited %d, want 1:\n%s", code, out)
	}
	var failed, rerun []string
	var crossRerun string
	for _, v := range readConformance(t, first).Rules {
		if v.Verdict != report.Fail && v.Verdict != report.Error {
			continue
		}
		failed = append(failed, v.ID)
		need := []string{v.ID}
		if v.Reproduction != nil {
			need = append(need, v.Reproduction.Rules...)
			if v.ID == report.RuleSpecConformant {
				crossRerun = strings.Join(v.Reproduction.Rules, " || ")
			}
		}
		for _, id := range need {
			if !slices.Contains(rerun, id) {
				rerun = append(rerun, id)
			}
		}
	}
	if len(failed) != 2 || crossRerun == "" || !strings.Contains(crossRerun, "||") {
		t.Fatalf("body-on-202 fails %v, want 2 rules, SPEC-CONFORMANT's reproduction re-running the rules that made its break (%q)", failed, crossRerun)
	}
	if code, out := nicconformRun(t, "body-on-202", "-label-filter="+crossRerun, "-report-dir", t.TempDir()); code != 1 || !strings.Contains(out, "| SPEC-CONFORMANT | **FAIL**") {
		t.Errorf("SPEC-CONFORMANT's reproduction re-run (%s) exited %d, want its fail again:\n%s", crossRerun, code, lastLines(out, 30))
	}
	if code, out := nicconformRun(t, "body-on-202", "-rerun-failed", first, "-report-dir", again); code != 1 {
		t.Fatalf("the re-run exited %d, want 1:\n%s", code, out)
	}
	c := readConformance(t, again)
	if c.RerunOf == nil || c.RerunOf.Dir != first || !sameSet(c.RerunOf.Rules, rerun) {
		t.Errorf("rerunOf %+v, want %s %v", c.RerunOf, first, rerun)
	}
	for _, v := range c.Rules {
		switch {
		case slices.Contains(failed, v.ID) && v.Verdict != report.Fail:
			t.Errorf("%s: %s %q on its re-run", v.ID, v.Verdict, v.Reason)
		case slices.Contains(rerun, v.ID) && v.Verdict == report.Skip:
			t.Errorf("%s, re-run for SPEC-CONFORMANT's evidence, was skipped: %q", v.ID, v.Reason)
		case !slices.Contains(rerun, v.ID) && (v.Verdict != report.Skip || v.Reason != "not re-run (see "+first+")"):
			t.Errorf("%s: %s %q, want a skip not re-run", v.ID, v.Verdict, v.Reason)
		}
	}
	md, _ := os.ReadFile(filepath.Join(again, "conformance.md"))
	if !strings.Contains(string(md), "a re-run of the rules that failed or errored in "+first+": "+strings.Join(c.RerunOf.Rules, ", ")) {
		t.Errorf("conformance.md does not say it is a re-run:\n%s", md)
	}
	for i, e := range harEntries[struct {
		Served *report.Served `json:"_nicconform"`
	}](t, again) {
		if e.Served == nil {
			continue
		}
		for _, r := range e.Served.Rules {
			if !slices.Contains(rerun, r) {
				t.Errorf("exchange %d of the re-run served %s (step %s)", i+1, r, e.Served.Step)
			}
		}
	}
	code, out := nicconformRun(t, "malformed-id-500", "-rerun-failed", first, "-report-dir", other)
	if code != 2 || !strings.Contains(out, "another target") || !strings.Contains(out, "malformed-id-500") {
		t.Errorf("a re-run against another mock exited %d, want 2 naming the other target:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(other, "exchanges.har")); err == nil {
		t.Error("the refused re-run ran")
	}
}

// sameSet reports whether a and b hold the same strings.
func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(s string) bool { return !slices.Contains(b, s) })
}
