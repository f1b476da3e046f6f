package fidelity_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/overlap"
	"github.com/nicconform/nicconform/internal/report"
)

// The overlapped run (docs/design.md) with a label filter: one rule runs
// alone, with its own watch, and keeps its verdict; the rules left out are
// skipped as not selected, and the run attaches no NIC for them.
func TestOneRuleRunsAlone(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the suite once per case")
	}
	cases := []struct {
		rule, deviation, want string
		// most NICs the server may hold at once (the primary included)
		nics int
	}{
		{rule: "DETACH-ACCEPTED", want: report.Pass, nics: 3},
		{rule: "PATH-UNKNOWN-PORT", deviation: "unknown-port-detaches-other-later", want: report.Fail, nics: 3},
		{rule: "STATE-LOCKED", deviation: "locked-detaches-later", want: report.Fail, nics: 3},
		{rule: "PRIMARY-FORBIDDEN", deviation: "primary-403-detaches", want: report.Fail, nics: 3},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := suite.Command(ctx, "NICCONFORM_COMPUTE_URL=", "NICCONFORM_REPORT_DIR="+dir, "NICCONFORM_DETACH_TIMEOUT=2s",
				"NICCONFORM_MOCK_DEVIATION="+c.deviation)
			cmd.Args = append(cmd.Args, "-ginkgo.label-filter="+c.rule)
			raw, _ := cmd.CombinedOutput()
			out := string(raw)
			conf := readConformance(t, dir)
			for _, v := range conf.Rules {
				want := report.Skip
				if v.ID == c.rule {
					want = c.want
				}
				if v.Verdict != want {
					t.Errorf("%s: %s, want %s (%s)", v.ID, v.Verdict, want, v.Reason)
				}
			}
			if conf.Cost == nil || conf.Cost.PeakNICs > c.nics {
				t.Errorf("cost %+v: want at most %d NICs at once", conf.Cost, c.nics)
			}
			if t.Failed() {
				t.Logf("suite output (tail):\n%s", tailOf(out, 40))
			}
		})
	}
}

// The whole catalog keeps to MaxNICs on the server at once, and says so.
func TestTheRunKeepsToFiveNICs(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the suite")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := suite.Exec(ctx, "NICCONFORM_COMPUTE_URL=", "NICCONFORM_REPORT_DIR="+dir, "NICCONFORM_MOCK_DELAY=100ms"); err != nil {
		t.Fatalf("%v\n%s", err, tailOf(out, 40))
	}
	raw, err := os.ReadFile(filepath.Join(dir, "conformance.json"))
	if err != nil {
		t.Fatal(err)
	}
	var conf report.Conformance
	if err := json.Unmarshal(raw, &conf); err != nil {
		t.Fatal(err)
	}
	if conf.Cost == nil || conf.Cost.PeakNICs < 2 || conf.Cost.PeakNICs > overlap.MaxNICs || conf.Cost.MaxNICs != overlap.MaxNICs {
		t.Errorf("cost %+v", conf.Cost)
	}
	if slices.ContainsFunc(conf.Rules, func(v report.Verdict) bool { return v.Verdict != report.Pass }) {
		t.Errorf("summary %+v", conf.Summary)
	}
}
