package fidelity_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/faultproxy"
	"github.com/nicconform/nicconform/internal/journal"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/internal/sweep"
)

// sweepMock runs `nicconform sweep` against the mock itself (the fault
// proxy out of the way), with the run's journal, and returns what is left.
func sweepMock(t *testing.T, srv *mock.Server, dir string) []string {
	t.Helper()
	seed := srv.Mock.Seed()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, Auth: client.Token(hostileToken(srv))})
	if err != nil {
		t.Fatal(err)
	}
	var servers []string
	for _, s := range seed.Servers {
		servers = append(servers, s.ServerID)
	}
	if _, err := sweep.Run(ctx, sweep.Options{Client: c, NetworkID: seed.NetworkID, Servers: servers,
		Journals: []string{filepath.Join(dir, journal.File)}, Bound: 2 * time.Second, Poll: 10 * time.Millisecond}); err != nil {
		t.Errorf("sweep: %v", err)
	}
	left := waitClean(srv.Mock, seed)
	for _, s := range seed.Servers {
		if locked, _ := srv.Mock.Locked(s.ServerID); locked {
			left = append(left, "the lock of "+s.ServerID)
		}
	}
	return left
}

// hostileToken is the token the mock of a "token" hostile run takes.
func hostileToken(srv *mock.Server) string { return srv.Mock.Options().Token }

// leakNames reports whether some leak of conf names what.
func leakNames(conf report.Conformance, what string) bool {
	for _, l := range conf.Leaks {
		if strings.Contains(l.What, what) {
			return true
		}
	}
	return false
}

// A port DELETE answered 204 that deleted nothing is seen by looking: the
// ports the run could not remove are named in the leaks, with how to
// remove them, and `nicconform sweep` then removes them.
func TestUndoNoopPortDeleteIsNamedAndSwept(t *testing.T) {
	t.Parallel()
	srv, _, out, _, dir := hostileRunMock(t, "token", faultproxy.Options{Modes: []faultproxy.Mode{faultproxy.NoopPortDelete}})
	seed := srv.Mock.Seed()
	left := leftovers(srv.Mock, seed)
	if len(left) == 0 {
		t.Fatalf("the run left nothing behind a port DELETE that deletes nothing: the test proves nothing\n%s", lastLines(out, 40))
	}
	conf := readConformance(t, dir)
	for _, p := range srv.Mock.Ports() {
		if strings.HasPrefix(p.Name, sweep.Prefix) && !leakNames(conf, p.ID) {
			t.Errorf("port %s %q is left on the target and no leak names it; leaks: %+v", p.ID, p.Name, conf.Leaks)
		}
	}
	if report.ExitCode(conf) == 0 {
		t.Errorf("exit status 0 with %d things left", len(left))
	}
	if left := sweepMock(t, srv, dir); len(left) > 0 {
		t.Errorf("left after the sweep: %v", left)
	}
}

// A port DELETE that deletes the port and leaves its NIC listed on the
// server: the run sees the NIC by looking and detaches it (0 left), or
// names it in the leaks.
func TestUndoListedNICAfterPortDeleteIsDetached(t *testing.T) {
	t.Parallel()
	_, px, out, _, dir := hostileRunMock(t, "token", faultproxy.Options{Modes: []faultproxy.Mode{faultproxy.NICStaysListed}})
	conf := readConformance(t, dir)
	if conf.Summary.Pass < 10 {
		t.Fatalf("the run did not get far enough to prove anything: %+v\n%s", conf.Summary, lastLines(out, 40))
	}
	for _, ph := range px.Phantoms() {
		_, port, _ := strings.Cut(ph, "/")
		if !leakNames(conf, port) {
			t.Errorf("the NIC of port %s is still listed on the target and no leak names it", ph)
		}
	}
	if n := len(px.Phantoms()); n > 0 {
		t.Logf("%d NICs left listed (named in the leaks)", n)
	}
}

// An unlock answered 202 that leaves the server locked is seen by
// looking: the lock is named in the leaks, with how to unlock, and
// `nicconform sweep` (the journal shows the lock unverified) unlocks it.
// No rule fails on what met the lock after STATE-LOCKED's window: those
// are errors naming the unlock.
func TestUndoNoopUnlockIsNamedAndSwept(t *testing.T) {
	t.Parallel()
	srv, _, out, _, dir := hostileRunMock(t, "token", faultproxy.Options{Modes: []faultproxy.Mode{faultproxy.NoopUnlock}})
	seed := srv.Mock.Seed()
	var locked []string
	for _, s := range seed.Servers {
		if l, _ := srv.Mock.Locked(s.ServerID); l {
			locked = append(locked, s.ServerID)
		}
	}
	if len(locked) == 0 {
		t.Fatalf("no server left locked behind an unlock that does nothing: the test proves nothing\n%s", lastLines(out, 40))
	}
	conf := readConformance(t, dir)
	noFail(t, conf, out)
	for _, id := range locked {
		if !leakNames(conf, id) || !leakNames(conf, "unlock") {
			t.Errorf("server %s is left locked and no leak names it; leaks: %+v", id, conf.Leaks)
		}
	}
	if left := sweepMock(t, srv, dir); len(left) > 0 {
		t.Errorf("left after the sweep: %v", left)
	}
}

// A cleanup call whose answer is lost (it took effect) is sent again
// within its bound: nothing is left, and no leak is reported.
func TestUndoLostCleanupAnswerIsRetried(t *testing.T) {
	t.Parallel()
	srv, px, out, _, dir := hostileRunMock(t, "token", faultproxy.Options{Modes: []faultproxy.Mode{faultproxy.LoseCleanupAnswer}})
	if px.Lost() == 0 {
		t.Fatalf("no cleanup answer was lost: the test proves nothing\n%s", lastLines(out, 40))
	}
	conf := readConformance(t, dir)
	if conf.Summary.Pass < 10 {
		t.Fatalf("the run did not get far enough to prove anything: %+v\n%s", conf.Summary, lastLines(out, 40))
	}
	if len(conf.Leaks) > 0 {
		t.Errorf("%d answers lost, and leaks reported: %+v", px.Lost(), conf.Leaks)
	}
	seed := srv.Mock.Seed()
	left := waitClean(srv.Mock, seed)
	for _, s := range seed.Servers {
		if locked, _ := srv.Mock.Locked(s.ServerID); locked {
			left = append(left, "the lock of "+s.ServerID)
		}
	}
	if len(left) > 0 {
		t.Errorf("left on the target: %v", left)
	}
}

// Garbage after every answer on kept-alive connections hangs no run: each
// of 20 runs ends on its own, well within its context, with a report.
// Before issue 26's fixes 3 runs in 8 hung (a NIC gate's wait with no
// deadline); a run takes about 2 s against the mock.
func TestHostileTrailingGarbageHangsNoRun(t *testing.T) {
	t.Parallel()
	for i := range 20 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			_, out, err, dir := hostileRun(t, "token", faultproxy.Options{Modes: []faultproxy.Mode{faultproxy.TrailingGarbage}})
			if errors.Is(err, context.DeadlineExceeded) || strings.Contains(fmt.Sprint(err), "signal: killed") {
				t.Fatalf("the run hung: %v\n%s", err, lastLines(out, 40))
			}
			conf := readConformance(t, dir)
			if len(conf.Rules) == 0 {
				t.Errorf("no verdicts: %+v", conf.Summary)
			}
		})
	}
}

// An undo whose answer cannot be read (it took effect) fails no rule and
// leaves nothing unreported: the call is sent again, and what it finds is
// read back.
func TestUndoGarbledAnswerFailsNoRule(t *testing.T) {
	t.Parallel()
	srv, px, out, _, dir := hostileRunMock(t, "token", faultproxy.Options{Modes: []faultproxy.Mode{faultproxy.GarbleUndo}})
	if px.Lost() == 0 {
		t.Fatalf("no undo answer was garbled: the test proves nothing\n%s", lastLines(out, 40))
	}
	conf := readConformance(t, dir)
	noFail(t, conf, out)
	seed := srv.Mock.Seed()
	if left := waitClean(srv.Mock, seed); len(left) > 0 && len(conf.Leaks) == 0 {
		t.Errorf("left on the target, and no leak says so: %v", left)
	}
}

// An attach whose answer cannot be read (the NIC was attached) is an error
// naming the attach, never a fail: the rules that needed it are errors,
// and no other rule is blamed for the NIC the run could not learn of.
// Nothing is left unreported.
func TestUndoGarbledAttachIsAnError(t *testing.T) {
	t.Parallel()
	srv, px, out, _, dir := hostileRunMock(t, "token", faultproxy.Options{Modes: []faultproxy.Mode{faultproxy.GarbleAttach}})
	if px.Garbled() == 0 {
		t.Fatalf("no attach answer was garbled: the test proves nothing\n%s", lastLines(out, 40))
	}
	conf := readConformance(t, dir)
	noFail(t, conf, out)
	named := false
	for _, r := range conf.Rules {
		if r.Verdict == string(report.Error) && strings.Contains(r.Reason, "attach") && strings.Contains(r.Reason, "decode") {
			named = true
		}
		if strings.Contains(r.Reason, "a NIC the run did not attach") {
			t.Errorf("%s is blamed for a NIC the run attached and could not read the answer of: %s", r.ID, r.Reason)
		}
	}
	if strings.Contains(out, "a NIC the run did not attach") {
		t.Errorf("the run took a NIC it attached, and could not read the answer of, for one it did not attach:\n%s", lastLines(out, 60))
	}
	if !named {
		t.Errorf("%d attach answers garbled, and no rule is an error naming an attach whose answer could not be read: %+v", px.Garbled(), conf.Summary)
	}
	seed := srv.Mock.Seed()
	if left := waitClean(srv.Mock, seed); len(left) > 0 && len(conf.Leaks) == 0 {
		t.Errorf("left on the target, and no leak says so: %v", left)
	}
}

// noFail fails t for every rule conf fails.
func noFail(t *testing.T, conf report.Conformance, out string) {
	t.Helper()
	if len(conf.Rules) == 0 {
		t.Fatalf("no verdicts:\n%s", lastLines(out, 40))
	}
	for _, r := range conf.Rules {
		if r.Verdict == string(report.Fail) {
			t.Errorf("%s failed: %s", r.ID, r.Reason)
		}
	}
}
