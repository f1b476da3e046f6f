package fidelity_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/faultproxy"
	"github.com/nicconform/nicconform/internal/report"
)

// sizeRSSBound bounds a size fault's run loosely, at twice the goal: one
// that holds what the target sends goes far past it (before issue 26: 6.8
// GB for 2 GiB bodies, 19.5 GB for 8 MiB headers), and so does one that
// keeps each of its ~450 exchanges' 1 MiB body (client.MaxBody) in memory
// (about 950 MiB, before the recorder spooled long bodies). The goal, 256
// MiB, is a figure of scripts/bench-hostile-rss.sh, not an assertion
// (measured: 103-157 MiB).
const sizeRSSBound = 512 << 20

// sizeFaults are the size faults, with the evidence a rule that fails
// under one must name: what the client says of what it cut or refused.
var sizeFaults = []struct {
	mode faultproxy.Mode
	said string // "" : any failure is a defect of the run
}{
	{faultproxy.HugeBody, "larger than 1 MiB"},
	{faultproxy.GzipBomb, "larger than 1 MiB"},
	{faultproxy.HugeHeaders, ""},
	{faultproxy.JunkList, ""},
}

// A target that sends 2 GiB bodies, gzip bombs, 8 MiB headers or lists of
// 1 MiB of {} items ends the run (no hang, no panic) within a bounded
// memory: the run's peak RSS stays under sizeRSSBound. A rule the fault
// affects is an error, or a fail whose evidence says the body was cut.
// Each run's exit status, wall time and peak RSS are logged
// (scripts/bench-hostile-rss.sh prints them as a table).
func TestSizeFaultsBounded(t *testing.T) {
	t.Parallel()
	for _, sf := range sizeFaults {
		t.Run(string(sf.mode), func(t *testing.T) {
			r := hostileExec(t, "token", faultproxy.Options{Modes: []faultproxy.Mode{sf.mode}})
			conf := readConformance(t, r.dir)
			rc := report.ExitCode(conf)
			t.Logf("size fault %-12s rc %d wall %6.1fs peak RSS %4d MiB (goal <= 256 MiB)", sf.mode, rc, r.wall.Seconds(), r.maxRSS>>20)
			if strings.Contains(r.out, "panic:") {
				t.Errorf("the suite panicked:\n%s", r.out)
			}
			if r.maxRSS == 0 || r.maxRSS >= sizeRSSBound {
				t.Errorf("peak RSS %d MiB, want under %d MiB", r.maxRSS>>20, sizeRSSBound>>20)
			}
			if rc != 1 && rc != 2 {
				t.Errorf("exit status %d, want 1 or 2 (the fault is seen):\n%s", rc, lastLines(r.out, 40))
			}
			if len(conf.Rules) == 0 {
				t.Fatalf("no rule judged:\n%s", lastLines(r.out, 40))
			}
			affected := 0
			for _, v := range conf.Rules {
				switch v.Verdict {
				case report.Error:
					affected++
				case report.Fail:
					affected++
					if ev := fmt.Sprint(v.Reason, v.Evidence); sf.said == "" || !strings.Contains(ev, sf.said) {
						t.Errorf("%s fails without saying %q: %s", v.ID, sf.said, ev)
					}
				}
			}
			if affected == 0 {
				t.Errorf("no rule is an error or a fail: the fault went unseen (%+v)", conf.Summary)
			}
		})
	}
}
