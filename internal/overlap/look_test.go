package overlap

import (
	"strings"
	"testing"
	"time"
)

// TestCompareNICs holds a look's comparison of a server's NICs to the
// ledger: a stable NIC gone or changed is an anomaly naming the probes
// aimed at it, once; a NIC the run does not know is one only when no
// attach of the run was in flight; a NIC the run saw leave that is back is
// a DETACH-COMPLETES finding (Back), also only when no attach was in
// flight; what the run changed after the look started is not compared.
// Seen failing with the quiet condition dropped from the unknown-NIC loop
// ("an attach was in flight, and the run's own new NIC was blamed") and
// with Disturbed no longer set by a departure ("recorded again").
func TestCompareNICs(t *testing.T) {
	l := NewExpectations[string]()
	l.Put(&Object[string]{Port: "witness", Server: "s", NIC: "mac 10.0.0.1", Label: "the witness NIC"})
	l.Aim("witness", "PATH-UNKNOWN-PORT")
	l.Put(&Object[string]{Port: "kept", Server: "s", NIC: "mac 10.0.0.2"})
	l.Put(&Object[string]{Port: "leaving", Server: "s", NIC: "mac 10.0.0.3"})
	l.SetMode("leaving", Leaving)
	start := time.Now()

	// An attach of the run in flight: its NIC may show, blamed on no one.
	done := l.Attaching("s")
	got := l.CompareNICs("s", map[string]string{"kept": "mac 10.0.0.2", "new": "mac 10.0.0.9"}, start, 1, nil, "the shared watch", "")
	done()
	if len(got) != 1 || got[0].Change.PortID != "witness" || got[0].Change.After != "" {
		t.Fatalf("an attach was in flight, and the run's own new NIC was blamed, or the witness's departure missed: %v", got)
	}
	if a := got[0]; len(a.Aimed) != 1 || a.Aimed[0] != "PATH-UNKNOWN-PORT" || a.How != "the shared watch" || !strings.Contains(a.String(), "(the witness NIC) is gone") {
		t.Fatalf("anomaly %q aimed %v how %q", a, a.Aimed, a.How)
	}
	if o, _ := l.Get("leaving"); o.Mode != Gone {
		t.Fatalf("a leaving NIC not listed is %d, want Gone", o.Mode)
	}
	if o, _ := l.Get("kept"); !o.Seen.Equal(start) {
		t.Fatalf("a NIC as expected was last seen %v, want the look's start %v", o.Seen, start)
	}

	// Quiet: the unknown NIC and the one back are the target's doing.
	start = time.Now()
	got = l.CompareNICs("s", map[string]string{"kept": "mac 10.0.0.2", "new": "mac 10.0.0.9", "leaving": "mac 10.0.0.3"}, start, 0, nil, "the shared watch", "DETACH-REPEAT")
	if len(got) != 1 || got[0].Change.PortID != "new" || got[0].Label != "a NIC the run did not attach" || got[0].Rerun != "DETACH-REPEAT" {
		t.Fatalf("got %v (the witness recorded again, or the unknown NIC missed)", got)
	}
	l.Mu.Lock()
	back := append([]string(nil), l.Back...)
	l.Mu.Unlock()
	if len(back) != 1 || !strings.Contains(back[0], "port leaving") {
		t.Fatalf("back: %q", back)
	}

	// What the run changed after the look started is not compared.
	before := time.Now()
	l.Put(&Object[string]{Port: "late", Server: "s", NIC: "mac 10.0.0.4"})
	if got := l.CompareNICs("s", map[string]string{"kept": "mac 10.0.0.2", "new": "mac 10.0.0.9", "leaving": "mac 10.0.0.3"}, before, 0, nil, "x", ""); len(got) != 0 {
		t.Fatalf("a NIC put after the look started was compared: %v", got)
	}
}

// TestComparePort: a watched port whose state departs is an anomaly, once;
// a free port as expected counts as seen.
func TestComparePort(t *testing.T) {
	l := NewExpectations[string]()
	l.Put(&Object[string]{Port: "free", State: "status=DOWN"})
	start := time.Now()
	if a := l.ComparePort("free", "status=DOWN", start, nil, "x", ""); a != nil {
		t.Fatalf("a port as expected: %v", a)
	}
	if o, _ := l.Get("free"); !o.Seen.Equal(start) {
		t.Fatalf("seen %v, want %v", o.Seen, start)
	}
	if ports := l.WatchedPorts(nil); len(ports) != 1 || ports[0] != "free" {
		t.Fatalf("watched %v", ports)
	}
	a := l.ComparePort("free", "absent", time.Now(), nil, "x", "")
	if a == nil || a.Change.Before != "status=DOWN" || a.Change.After != "absent" {
		t.Fatalf("got %v", a)
	}
	if a := l.ComparePort("free", "absent", time.Now(), nil, "x", ""); a != nil {
		t.Fatalf("recorded again: %v", a)
	}
	if ports := l.WatchedPorts(nil); len(ports) != 0 {
		t.Fatalf("a disturbed port still watched: %v", ports)
	}
}

// TestOverlapping: a refusal's window reaches as far as reach says, an
// accepted detach until settle after it completed (to while in flight),
// and an owner's own causes are not its suspects. Seen failing with the
// owner's exclusion dropped ("the scenario's own detach") and with a
// completed detach reaching only to its completion.
func TestOverlapping(t *testing.T) {
	l := NewExpectations[string]()
	t0 := time.Now()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	reach := func(p string) time.Duration {
		if p == "PRIMARY-FORBIDDEN" {
			return 100 * time.Second
		}
		return 3 * time.Second
	}
	l.AddCause(&Cause[string]{Kind: FromProbe, Probe: "PATH-UNKNOWN-PORT", Owner: "plan", What: "short", From: at(0)})
	l.AddCause(&Cause[string]{Kind: FromProbe, Probe: "PRIMARY-FORBIDDEN", Owner: "plan", What: "primary", From: at(0)})
	done := l.AddCause(&Cause[string]{Kind: FromDetach, Owner: "detach-repeat", What: "done", From: at(1)})
	done.Done = at(2)
	l.AddCause(&Cause[string]{Kind: FromDetach, Owner: "isolation", What: "in flight", From: at(1)})
	l.AddCause(&Cause[string]{Kind: FromDetach, Owner: "later", What: "after", From: at(50)})

	what := func(cs []*Cause[string]) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.What)
		}
		return strings.Join(out, ",")
	}
	if got, want := what(l.Overlapping(at(10), at(20), "", reach, 5*time.Second)), "primary,in flight"; got != want {
		t.Fatalf("[10s, 20s]: %s, want %s (the short window ended at 3s, the done detach reaches to 7s)", got, want)
	}
	if got, want := what(l.Overlapping(at(5), at(6), "isolation", reach, 5*time.Second)), "primary,done"; got != want {
		t.Fatalf("[5s, 6s] for isolation: %s, want %s (the scenario's own detach is no suspect; the done detach reaches to 7s)", got, want)
	}
}
