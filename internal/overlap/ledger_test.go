package overlap

import (
	"testing"
	"time"
)

// TestLedgerKeepsWhatIsAimedAndWhatIsExpected: an object recorded again
// (a NIC re-attached by the same port) keeps the probes aimed at it; a
// mode set back to Stable forgets an earlier anomaly and counts as seen; a
// queued operation's count goes back down with its done, never below 0;
// a cause's Done is the first time it was seen complete. Seen failing with
// Put's carrying over of Aimed removed ("aimed at the re-attached NIC:
// []") and with SetMode's reset of Disturbed removed.
func TestLedgerKeepsWhatIsAimedAndWhatIsExpected(t *testing.T) {
	l := NewExpectations[string]()
	l.Put(&Object[string]{Port: "p", Server: "s", NIC: "mac 10.0.0.1"})
	l.Aim("p", "PATH-UNKNOWN-PORT")
	l.Put(&Object[string]{Port: "p", Server: "s", NIC: "mac 10.0.0.2"})
	o, ok := l.Get("p")
	if !ok || len(o.Aimed) != 1 || o.Aimed[0] != "PATH-UNKNOWN-PORT" || o.NIC != "mac 10.0.0.2" || o.Mode != Stable {
		t.Fatalf("aimed at the re-attached NIC: %v (found %t, NIC %q, mode %d)", o.Aimed, ok, o.NIC, o.Mode)
	}

	l.Mu.Lock()
	l.Objs["p"].Disturbed = true
	l.Mu.Unlock()
	l.SetMode("p", Leaving)
	if o, _ := l.Get("p"); o.Mode != Leaving || !o.Disturbed {
		t.Fatalf("after SetMode(Leaving): mode %d, disturbed %t", o.Mode, o.Disturbed)
	}
	before := time.Now()
	l.SetMode("p", Stable)
	if o, _ := l.Get("p"); o.Disturbed || o.Seen.Before(before) {
		t.Fatalf("after SetMode(Stable): disturbed %t, seen %v (before %v)", o.Disturbed, o.Seen, before)
	}

	done1, done2 := l.Queue("p"), l.Queue("p")
	if o, _ := l.Get("p"); o.Queued != 2 {
		t.Fatalf("queued %d, want 2", o.Queued)
	}
	done1()
	done2()
	done2()
	if o, _ := l.Get("p"); o.Queued != 0 {
		t.Fatalf("queued %d after every done, want 0", o.Queued)
	}

	end := l.Attaching("s")
	if n := l.InFlight("s"); n != 1 {
		t.Fatalf("%d attaches in flight, want 1", n)
	}
	end()
	if n := l.InFlight("s"); n != 0 {
		t.Fatalf("%d attaches in flight after done, want 0", n)
	}

	c := l.AddCause(&Cause[string]{Kind: FromDetach, What: "a detach", From: time.Now()})
	l.Complete(c)
	first := c.Done
	l.Complete(c)
	l.Complete(nil)
	if first.IsZero() || !c.Done.Equal(first) {
		t.Fatalf("done %v then %v: want the first completion kept", first, c.Done)
	}
}

// TestAnomalyNamesItsObject: an anomaly reads as its difference, with the
// object's label after its port and the server after it.
func TestAnomalyNamesItsObject(t *testing.T) {
	a := &Anomaly[string]{Change: Difference{Kind: "NIC", PortID: "p", Before: "mac 10.0.0.1"}, Server: "s", Label: "the witness NIC"}
	if got, want := a.String(), "NIC p (the witness NIC) is gone (was mac 10.0.0.1) on server s"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	a.Text = "the detach scenario saw: x"
	if got := a.String(); got != a.Text {
		t.Fatalf("got %q, want the scenario's own words", got)
	}
}
