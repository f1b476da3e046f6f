package lifecycle_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/journal"
	"github.com/nicconform/nicconform/internal/lifecycle"
	"github.com/nicconform/nicconform/internal/mock"
)

var bounds = lifecycle.Bounds{Request: 2 * time.Second, Detach: 3 * time.Second, Poll: 5 * time.Millisecond}

// world is a mock served over HTTP, optionally behind a handler that
// changes what it answers, and a client of it.
type world struct {
	m      *mock.Mock
	seed   mock.Seed
	c      *client.Client
	server string
}

func newWorld(t *testing.T, wrap func(m *mock.Mock, next http.Handler) http.Handler) world {
	t.Helper()
	m, err := mock.New(mock.Options{Delay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = m
	if wrap != nil {
		h = wrap(m, m)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); m.Close() })
	seed := m.Seed()
	c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, Auth: client.Token(mock.DefaultToken)})
	if err != nil {
		t.Fatal(err)
	}
	return world{m: m, seed: seed, c: c, server: seed.Servers[0].ServerID}
}

func (w world) port(t *testing.T, name string, attach bool) string {
	t.Helper()
	p, _, err := w.c.CreatePort(context.Background(), w.seed.NetworkID, name)
	if err != nil {
		t.Fatal(err)
	}
	if attach {
		if _, _, err := w.c.AttachPort(context.Background(), w.server, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	return p.ID
}

// clean reports whether the mock holds only its seeded world.
func (w world) clean(t *testing.T) {
	t.Helper()
	for _, p := range w.m.Ports() {
		if p.ID != w.seed.Servers[0].PrimaryPortID {
			t.Errorf("port %s %q left", p.ID, p.Name)
		}
	}
	if n := len(w.m.Interfaces(w.server)); n != 1 {
		t.Errorf("%d NICs on the server", n)
	}
	if err := w.m.CheckInvariants(); err != nil {
		t.Error(err)
	}
}

// The removal policy is delete first: a bound port goes in one call on a
// target that lets it (the mock, as Neutron), and the detach is never sent.
func TestRemovePortDeletesFirst(t *testing.T) {
	var detaches int
	var mu sync.Mutex
	w := newWorld(t, func(_ *mock.Mock, next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/os-interface/") {
				mu.Lock()
				detaches++
				mu.Unlock()
			}
			next.ServeHTTP(rw, r)
		})
	})
	id := w.port(t, "nicconform-run1-x", true)
	if err := lifecycle.RemovePort(context.Background(), w.c, id, w.server, bounds); err != nil {
		t.Fatal(err)
	}
	if detaches != 0 {
		t.Errorf("%d detaches sent", detaches)
	}
	w.clean(t)
	// A port already gone counts as removed.
	if err := lifecycle.RemovePort(context.Background(), w.c, id, w.server, bounds); err != nil {
		t.Errorf("again: %v", err)
	}
}

// A delete that gets no answer within the call's bound, and that the target
// carries out anyway (a loaded Neutron deleting a bound port), counts as
// removed once the port is seen gone; one the target never carries out stays
// an error.
func TestRemovePortLooksAfterADeleteWithNoAnswer(t *testing.T) {
	for _, deletes := range []bool{true, false} {
		w := newWorld(t, func(_ *mock.Mock, next http.Handler) http.Handler {
			return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/v2.0/ports/") {
					if deletes {
						next.ServeHTTP(httptest.NewRecorder(), r)
					}
					<-r.Context().Done() // the client gives up first
					return
				}
				next.ServeHTTP(rw, r)
			})
		})
		id := w.port(t, "nicconform-run1-x", true)
		b := bounds
		b.Request = 200 * time.Millisecond
		err := lifecycle.RemovePort(context.Background(), w.c, id, w.server, b)
		if deletes && err != nil {
			t.Errorf("the port was deleted after the client gave up: %v", err)
		}
		if !deletes && err == nil {
			t.Error("a port the target kept counts as removed")
		}
	}
}

// A target that refuses to delete a bound port (409) gets the detach, then
// the delete is retried until the port comes free, and the NIC is awaited
// off the server.
func TestRemovePortDetachesWhereTheTargetKeepsABoundPort(t *testing.T) {
	w := newWorld(t, func(m *mock.Mock, next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/v2.0/ports/") {
				id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
				for _, p := range m.Ports() {
					if p.ID == id && p.DeviceID != "" {
						rw.Header().Set("Content-Type", "application/json")
						rw.Header().Set("X-Openstack-Request-Id", "req-409")
						rw.WriteHeader(http.StatusConflict)
						_, _ = rw.Write([]byte(`{"NeutronError":{"type":"PortInUse","message":"in use","detail":""}}`))
						return
					}
				}
			}
			next.ServeHTTP(rw, r)
		})
	})
	id := w.port(t, "nicconform-run1-x", true)
	if err := lifecycle.RemovePort(context.Background(), w.c, id, "", bounds); err != nil {
		t.Fatal(err)
	}
	w.clean(t)
}

// Undo finds what a change left whose id the run never learnt: a port by
// its name; a net_id NIC as the one that was not on the server before,
// with no name or one of the run's (a NIC named by someone else is left).
func TestUndoFindsWhatTheRunNeverSawAnAnswerFor(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	w.port(t, "nicconform-run1-lost", true)
	before := []string{w.seed.Servers[0].PrimaryPortID}
	foreign := w.port(t, "someone-elses", true)
	before = append(before, foreign)
	nic, _, err := w.c.AttachNetwork(ctx, w.server, w.seed.NetworkID)
	if err != nil {
		t.Fatal(err)
	}
	did, err := lifecycle.Undo(ctx, w.c, lifecycle.Change{Kind: journal.KindPort, Run: "run1", Name: "nicconform-run1-lost", Network: w.seed.NetworkID}, bounds)
	if err != nil || len(did) != 1 {
		t.Fatalf("by name: %v %v", did, err)
	}
	ch := lifecycle.Change{Kind: journal.KindNetAttach, Run: "run1", Server: w.server, Network: w.seed.NetworkID, Before: before}
	found, err := lifecycle.Find(ctx, w.c, ch, bounds)
	if err != nil || len(found) != 1 || found[0].Port.ID != nic.PortID {
		t.Fatalf("find: %+v %v", found, err)
	}
	if did, err := lifecycle.Undo(ctx, w.c, ch, bounds); err != nil || len(did) != 1 {
		t.Fatalf("adopt: %v %v", did, err)
	}
	if err := lifecycle.RemovePort(ctx, w.c, foreign, w.server, bounds); err != nil {
		t.Fatal(err)
	}
	w.clean(t)
}

// A lock is undone when it is the run's: its locked_reason names the run,
// or it has none and the change is the run's record; another reason is
// left alone with ErrNotOurs and how to unlock it.
func TestUndoLockOnlyWhatIsProvenTheRuns(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	lockWith := func(reason string) {
		t.Helper()
		var err error
		if reason == "" {
			_, err = w.c.Lock(ctx, w.server)
		} else {
			_, err = w.c.LockWithReason(ctx, w.server, reason)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	locked := func() bool {
		l, _, err := lifecycle.LockState(ctx, w.c, w.server)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	ch := lifecycle.Change{Kind: journal.KindLock, Run: "run1", Server: w.server, Made: true}

	lockWith(lifecycle.LockReason("run1", "a test"))
	if did, err := lifecycle.Undo(ctx, w.c, ch, bounds); err != nil || len(did) != 1 || locked() {
		t.Errorf("the run's reason: %v %v", did, err)
	}
	lockWith("")
	if did, err := lifecycle.Undo(ctx, w.c, ch, bounds); err != nil || len(did) != 1 || locked() {
		t.Errorf("no reason, the run's record: %v %v", did, err)
	}
	for _, reason := range []string{"maintenance by ops", lifecycle.LockReason("run2", "another run")} {
		lockWith(reason)
		did, err := lifecycle.Undo(ctx, w.c, ch, bounds)
		if !errors.Is(err, lifecycle.ErrNotOurs) || !strings.Contains(err.Error(), `"unlock": null`) || len(did) != 0 || !locked() {
			t.Errorf("%q: %v %v", reason, did, err)
		}
		if _, err := w.c.Unlock(ctx, w.server); err != nil {
			t.Fatal(err)
		}
	}
	if did, err := lifecycle.Undo(ctx, w.c, ch, bounds); err != nil || len(did) != 0 {
		t.Errorf("not locked: %v %v", did, err)
	}
	if run, ok := lifecycle.RunOfLockReason(lifecycle.LockReason("abc123", strings.Repeat("x", 400))); !ok || run != "abc123" {
		t.Errorf("RunOfLockReason: %q %v", run, ok)
	}
	if n := len([]rune(lifecycle.LockReason("abc123", strings.Repeat("é", 400)))); n != 255 {
		t.Errorf("LockReason is %d characters, Nova takes at most 255", n)
	}
}

// The ledger journals a change before it is sent and what came of it
// after; UndoAll undoes every open change, and one made after it looked
// is undone as soon as it is made.
func TestLedgerJournalsAndUndoesEverything(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	dir := t.TempDir()
	j, err := journal.Open(dir, "run1")
	if err != nil {
		t.Fatal(err)
	}
	l := lifecycle.NewLedger(w.c, j, "run1", bounds)

	made := l.Begin(lifecycle.Change{Kind: journal.KindPort, Name: "nicconform-run1-a", Network: w.seed.NetworkID})
	p, _, err := w.c.CreatePort(ctx, w.seed.NetworkID, "nicconform-run1-a")
	if err != nil {
		t.Fatal(err)
	}
	made.Made(p.ID)
	made.Note("attach", w.server)
	if _, _, err := w.c.AttachPort(ctx, w.server, p.ID); err != nil {
		t.Fatal(err)
	}
	refused := l.Begin(lifecycle.Change{Kind: journal.KindPort, Name: "nicconform-run1-b"})
	refused.Refused()
	lock := l.Begin(lifecycle.Change{Kind: journal.KindLock, Server: w.server, Reason: lifecycle.LockReason("run1", "test")})
	if _, err := w.c.LockWithReason(ctx, w.server, lifecycle.LockReason("run1", "test")); err != nil {
		t.Fatal(err)
	}
	lock.Made("")
	late := l.Begin(lifecycle.Change{Kind: journal.KindPort, Name: "nicconform-run1-late", Network: w.seed.NetworkID})

	pending, err := journal.Read(filepath.Join(dir, journal.File))
	if err != nil {
		t.Fatal(err)
	}
	if open := journal.Pending(pending); len(open) != 3 {
		t.Errorf("journal shows %d changes open, want 3 (a made port, a lock, an intent): %+v", len(open), open)
	}
	if errs := l.UndoAll(ctx); len(errs) != 0 {
		t.Fatal(errs)
	}
	lp, _, err := w.c.CreatePort(ctx, w.seed.NetworkID, "nicconform-run1-late") // lands after UndoAll looked
	if err != nil {
		t.Fatal(err)
	}
	late.Made(lp.ID)
	l.UndoAll(ctx) // waits for the late undo
	if did, err := made.Undo(ctx); err != nil || len(did) != 1 {
		t.Errorf("a second Undo returns the first one's result: %v %v", did, err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	w.clean(t)
	if locked, _, _ := lifecycle.LockState(ctx, w.c, w.server); locked {
		t.Error("still locked")
	}
	entries, err := journal.Read(filepath.Join(dir, journal.File))
	if err != nil {
		t.Fatal(err)
	}
	if open := journal.Pending(entries); len(open) != 0 {
		t.Errorf("journal shows %d changes open after UndoAll: %+v", len(open), open)
	}
	if len(l.Open()) != 0 || len(l.Untaken()) != 0 {
		t.Errorf("ledger: open %v, untaken %v", l.Open(), l.Untaken())
	}
}

// Until and Hold are the one bounded poll: Until returns the last failure
// in plain text, StopTrying ends it at once, and a wait longer than the
// heartbeat says every beat what it awaits and the time left.
func TestPollAndHeartbeat(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	p := lifecycle.NewProgress(writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return out.Write(b)
	}), 50*time.Millisecond)
	ctx := context.Background()
	n := 0
	err := lifecycle.Until(ctx, lifecycle.Wait{What: "the thing", Timeout: 180 * time.Millisecond, Interval: 10 * time.Millisecond, Progress: p}, func(g gomega.Gomega) {
		n++
		g.Expect(n).To(gomega.BeNumerically(">", 1000), "n is only %d", n)
	})
	if err == nil || !strings.Contains(err.Error(), "n is only") {
		t.Errorf("Until: %v", err)
	}
	mu.Lock()
	beats := strings.Count(out.String(), "still waiting for the thing")
	text := out.String()
	mu.Unlock()
	if beats < 2 || !strings.Contains(text, "left") {
		t.Errorf("heartbeats: %q", text)
	}
	start := time.Now()
	err = lifecycle.Until(ctx, lifecycle.Wait{Timeout: 5 * time.Second, Interval: time.Millisecond}, func(g gomega.Gomega) {
		gomega.StopTrying("no point").Now()
	})
	if err == nil || !strings.Contains(err.Error(), "no point") || time.Since(start) > time.Second {
		t.Errorf("StopTrying: %v after %s", err, time.Since(start))
	}
	if err := lifecycle.Hold(ctx, lifecycle.Wait{Timeout: 30 * time.Millisecond, Interval: 5 * time.Millisecond}, func(gomega.Gomega) {}); err != nil {
		t.Errorf("Hold: %v", err)
	}
	var nilProgress *lifecycle.Progress
	nilProgress.Waiting("x", time.Time{})()
	nilProgress.Printf("x")
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
