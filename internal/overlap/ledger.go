package overlap

import (
	"strings"
	"sync"
	"time"

	"github.com/nicconform/nicconform/internal/client"
)

// The ledger of expectations (Expectations) is the overlapped run's record
// of the world: every NIC and port it knows, what it expects of each (the
// changes the run itself causes are expected by construction: a NIC it
// detaches is Leaving, then Gone), the probes aimed at each, and the sources
// of disturbance in time (each refusal's window, each accepted detach of the
// run until its settle time after completion). A look compares the target to
// it; what departs is an anomaly, attributed once the run is over
// (internal/fixtures: look.go, attribute.go). P is the run's type of probe
// (one refusal it sends), which the ledger only keeps and hands back.

// Expect is what the run expects of an object.
type Expect int

const (
	// Stable: attached with this MAC and these IPs (or a port in this
	// state), and must stay so.
	Stable Expect = iota
	// Leaving: the run sent a detach (or a delete) of it: it may leave.
	Leaving
	// Gone: the run saw it leave: it must not come back.
	Gone
)

// Object is one NIC (or free port) the run knows.
type Object[P any] struct {
	Port   string // its port's id
	Server string // the server it is attached to; "" for a free port
	NIC    string // expected "mac ip,ip" while attached
	// State is the expected port state, when the port itself is watched
	// (the objects probes aim at).
	State string
	Mode  Expect
	// Owner is the task that made it; "" for what the server had at the
	// start (its primary…), "plan" for the run's shared objects.
	Owner string
	Label string // what it is, in the run's words
	Aimed []P    // the probes aimed at it
	// Seen is the start of the last look that found it as expected;
	// Changed is when the run last changed what it expects of it (a look
	// that started before compares nothing about it).
	Seen      time.Time
	Changed   time.Time
	Disturbed bool // an anomaly about it was recorded
	Back      bool // its coming back was reported
	// Queued counts the run's NIC operations on it that are waiting for
	// the server's gate (a busy server's queue, Gate) or being sent
	// again after a busy 409: still attached and expected stable by a
	// look, but about to change, so no scenario's window judges it
	// (fixtures' Task.judges).
	Queued int
}

// CauseKind says what may have disturbed the world.
type CauseKind int

const (
	// FromProbe is a refusal's window.
	FromProbe CauseKind = iota
	// FromDetach is an accepted detach of the run.
	FromDetach
)

// Cause is one cause of change in time: a refusal (its window: from its
// request until its watch ends) or an accepted detach of the run (from its
// request until the settle time after it was seen complete).
type Cause[P any] struct {
	Kind  CauseKind
	Probe P         // the refusal, for FromProbe
	Owner string    // the owner (client.OwnerOf) of the work that caused it
	What  string    // what it is, in words
	From  time.Time // when its request was sent
	// Done is when a detach was seen complete (zero while in flight).
	Done time.Time
}

// Anomaly is one departure from the ledger.
type Anomaly[P any] struct {
	Change    Difference       // what differs from the ledger
	Server    string           // the server of the object, "" for a free port
	Label     string           // the object's Label
	At, Since time.Time        // seen at; last seen as expected at
	Evidence  *client.Exchange // the look that saw it
	// How says who saw it: "the shared watch", "the primary NIC's watch",
	// "the PORT-ID-RETAINED scenario, which passed when run alone".
	How string
	// Aimed are the probes aimed at the object when it was seen (nil: an
	// object no probe aimed at).
	Aimed []P
	// Explained names the cause found.
	Explained string
	// Text describes a change a scenario saw (instead of Change); Owner is
	// that scenario's task, whose own detaches are not suspects.
	Text, Owner string
	// Rerun is the re-run whose window saw it (its own evidence, not a
	// change to explain).
	Rerun P
}

// String says what departed, from what, on which server.
func (a *Anomaly[P]) String() string {
	if a.Text != "" {
		return a.Text
	}
	s := a.Change.String()
	if a.Label != "" {
		s = strings.Replace(s, a.Change.Kind+" "+a.Change.PortID, a.Change.Kind+" "+a.Change.PortID+" ("+a.Label+")", 1)
	}
	if a.Server != "" {
		s += " on server " + a.Server
	}
	return s
}

// Expectations is the ledger of expectations: the objects, the sources
// and the anomalies. Mu guards every field and every Object, Cause and
// Anomaly it holds; its methods take it, and a caller that reads or
// changes the fields directly holds it.
type Expectations[P any] struct {
	Mu        sync.Mutex
	Objs      map[string]*Object[P] // by port id
	Pending   map[string]int        // attaches in flight, per server
	Causes    []*Cause[P]
	Anomalies []*Anomaly[P]
	// Back are NICs the run saw leave that came back: findings against
	// DETACH-COMPLETES.
	Back []string
}

// NewExpectations is an empty ledger.
func NewExpectations[P any]() *Expectations[P] {
	return &Expectations[P]{Objs: map[string]*Object[P]{}, Pending: map[string]int{}}
}

// Put records (or replaces) an object as stable.
func (l *Expectations[P]) Put(o *Object[P]) {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	if old := l.Objs[o.Port]; old != nil && len(o.Aimed) == 0 {
		o.Aimed = old.Aimed
	}
	o.Mode, o.Seen, o.Changed = Stable, time.Now(), time.Now()
	l.Objs[o.Port] = o
}

// Get returns a copy of an object.
func (l *Expectations[P]) Get(port string) (Object[P], bool) {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	o := l.Objs[port]
	if o == nil {
		return Object[P]{}, false
	}
	return *o, true
}

// SetMode changes what the run expects of an object.
func (l *Expectations[P]) SetMode(port string, m Expect) {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	if o := l.Objs[port]; o != nil {
		o.Mode, o.Changed = m, time.Now()
		if m == Stable {
			o.Seen, o.Disturbed = time.Now(), false
		}
	}
}

// Aim records that a probe aims at an object.
func (l *Expectations[P]) Aim(port string, p P) {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	if o := l.Objs[port]; o != nil {
		o.Aimed = append(o.Aimed, p)
	}
}

// Attaching counts an attach in flight on a server (done undoes it).
func (l *Expectations[P]) Attaching(server string) (done func()) {
	l.Mu.Lock()
	l.Pending[server]++
	l.Mu.Unlock()
	return func() {
		l.Mu.Lock()
		l.Pending[server]--
		l.Mu.Unlock()
	}
}

// InFlight counts the attaches in flight on a server.
func (l *Expectations[P]) InFlight(server string) int {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	return l.Pending[server]
}

// Queue records that a NIC operation of the run on port waits for its
// server's gate (done undoes it); see Object.Queued.
func (l *Expectations[P]) Queue(port string) (done func()) {
	l.Mu.Lock()
	if o := l.Objs[port]; o != nil {
		o.Queued++
	}
	l.Mu.Unlock()
	return func() {
		l.Mu.Lock()
		if o := l.Objs[port]; o != nil {
			o.Queued = max(o.Queued-1, 0)
		}
		l.Mu.Unlock()
	}
}

// AddCause records a cause of change.
func (l *Expectations[P]) AddCause(s *Cause[P]) *Cause[P] {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	l.Causes = append(l.Causes, s)
	return s
}

// Complete records that a detach source's NIC was seen gone.
func (l *Expectations[P]) Complete(s *Cause[P]) {
	if s == nil {
		return
	}
	l.Mu.Lock()
	defer l.Mu.Unlock()
	if s.Done.IsZero() {
		s.Done = time.Now()
	}
}

// Record adds an anomaly.
func (l *Expectations[P]) Record(a *Anomaly[P]) {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	l.Anomalies = append(l.Anomalies, a)
}
