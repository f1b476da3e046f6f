package fidelity_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nicconform/nicconform/internal/faultproxy"
	"github.com/nicconform/nicconform/internal/report"
)

// BenchmarkHostileFaults runs the suite once against the mock behind the
// fault proxy in each mode (password auth, hostileCanary the password;
// the redirect's catcher counted) and reports, per mode, the run's exit
// status, wall time, peak RSS, what it left on the mock (looked at after
// the run: ports and NICs of the run, locks, NICs the proxy still lists)
// against the leaks its report names, and the renderings of a credential
// in its outputs plus the requests that reached the catcher: the before
// and after table of issue 26; the exit status is the one its report
// gives, as nicconform run exits, -1 when it wrote none (scripts/bench-hostile.sh prints it, for
// the suite built from this tree or from an earlier commit). It judges
// nothing: the tests of hostile_test.go and hostile_undo_test.go do.
// Run with -benchtime=1x.
func BenchmarkHostileFaults(b *testing.B) {
	modes := make([]string, 0)
	for m := range faultproxy.Modes() {
		modes = append(modes, string(m))
	}
	slices.Sort(modes)
	for _, mode := range modes {
		b.Run(mode, func(b *testing.B) {
			catcher, caught := newCatcher(b)
			r := hostileExec(b, "password", faultproxy.Options{Modes: []faultproxy.Mode{faultproxy.Mode(mode)}, RedirectTo: catcher.URL})
			var conf report.Conformance
			raw, err := os.ReadFile(filepath.Join(r.dir, "conformance.json"))
			if err == nil {
				err = json.Unmarshal(raw, &conf)
			}
			rc := -1 // no report
			if err != nil {
				b.Logf("%s: no report: %v", mode, err)
			} else {
				rc = report.ExitCode(conf)
			}
			seed := r.srv.Mock.Seed()
			left := append(waitClean(r.srv.Mock, seed), r.px.Phantoms()...)
			for _, s := range seed.Servers {
				if locked, _ := r.srv.Mock.Locked(s.ServerID); locked {
					left = append(left, "the lock of "+s.ServerID)
				}
			}
			found, _ := credentialsIn(r.px, r.out, r.dir)
			renderings := 0
			for _, f := range found {
				renderings += len(f)
			}
			b.ReportMetric(float64(rc), "rc")
			b.ReportMetric(r.wall.Seconds(), "wall-s")
			b.ReportMetric(float64(r.maxRSS>>20), "peak-MiB")
			b.ReportMetric(float64(len(left)), "left")
			b.ReportMetric(float64(len(conf.Leaks)), "reported-leaks")
			b.ReportMetric(float64(renderings+int(caught.Load())), "canaries")
			b.Logf("hostile %-20s rc %d wall %.1fs peak RSS %d MiB left %d reported %d canaries %d summary %+v",
				mode, rc, r.wall.Seconds(), r.maxRSS>>20, len(left), len(conf.Leaks), renderings+int(caught.Load()), conf.Summary)
		})
	}
}
