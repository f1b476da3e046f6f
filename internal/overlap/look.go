package overlap

import (
	"fmt"
	"sort"
	"time"

	"github.com/nicconform/nicconform/internal/client"
)

// A look reads the target (a server's NICs, a port's state) and compares
// what it read to the ledger; the reading is the caller's (it holds the
// client), the comparison is here. Each departure is recorded as an
// anomaly, once per object, with rerun: the re-run whose window was open
// when it was seen (P's zero value when none was).

// CompareNICs compares server's NICs as a look listed them (port id →
// NICString) to the ledger. The look started at start, when pendingBefore
// attaches of the run were in flight on the server (InFlight): what the run
// changed since is not compared, and a NIC the run does not know, or one it
// saw leave that is back, counts only when no attach was in flight on the
// server from before the look until now. A NIC seen leave and back is
// recorded in Back for DETACH-COMPLETES. It returns the anomalies it
// recorded, in order.
func (l *Expectations[P]) CompareNICs(server string, listed map[string]string, start time.Time, pendingBefore int, ex *client.Exchange, how string, rerun P) []*Anomaly[P] {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	var out []*Anomaly[P]
	depart := func(o *Object[P], d Difference) { out = append(out, l.departLocked(o, d, start, ex, how, rerun)) }
	quiet := pendingBefore == 0 && l.Pending[server] == 0
	for _, o := range l.Objs {
		if o.Server != server || o.Changed.After(start) {
			continue
		}
		fp, present := listed[o.Port]
		switch o.Mode {
		case Stable:
			switch {
			case o.Disturbed:
			case !present:
				depart(o, Difference{Kind: "NIC", PortID: o.Port, Before: o.NIC})
			case fp != o.NIC:
				depart(o, Difference{Kind: "NIC", PortID: o.Port, Before: o.NIC, After: fp})
			default:
				o.Seen = start
			}
		case Leaving:
			if !present {
				o.Mode = Gone
			}
		case Gone:
			if present && !o.Back && quiet {
				o.Back = true
				l.Back = append(l.Back, fmt.Sprintf("port %s (%s), whose detach had completed, is attached to server %s again (%s): the detach did not stay complete (seen by %s: %s)",
					o.Port, o.Label, server, fp, how, ex))
			}
		}
	}
	for port, fp := range listed {
		if l.Objs[port] == nil && quiet {
			o := &Object[P]{Port: port, Server: server, NIC: fp, Mode: Stable, Label: "a NIC the run did not attach"}
			l.Objs[port] = o
			depart(o, Difference{Kind: "NIC", PortID: port, After: fp})
		}
	}
	return out
}

// ComparePort compares a watched port's state, as a look that started at
// start read it, to the ledger: a stable, undisturbed object whose state
// the ledger holds and the run did not change since start. It returns the
// anomaly it recorded, or nil.
func (l *Expectations[P]) ComparePort(port, state string, start time.Time, ex *client.Exchange, how string, rerun P) *Anomaly[P] {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	o := l.Objs[port]
	if o == nil || o.Mode != Stable || o.Disturbed || o.State == "" || o.Changed.After(start) {
		return nil
	}
	if state != o.State {
		return l.departLocked(o, Difference{Kind: "port", PortID: port, Before: o.State, After: state}, start, ex, how, rerun)
	}
	if o.Seen.Before(start) && o.Server == "" {
		o.Seen = start
	}
	return nil
}

// WatchedPorts lists, sorted, the ports of every stable, undisturbed
// object whose state the ledger holds, free or attached to one of servers.
func (l *Expectations[P]) WatchedPorts(servers []string) []string {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	on := map[string]bool{"": true}
	for _, s := range servers {
		on[s] = true
	}
	var out []string
	for _, o := range l.Objs {
		if o.State != "" && o.Mode == Stable && !o.Disturbed && on[o.Server] {
			out = append(out, o.Port)
		}
	}
	sort.Strings(out)
	return out
}

// departLocked records a departure of o seen at at (l.Mu held): o is
// disturbed from now on, and the anomaly names the probes aimed at it.
func (l *Expectations[P]) departLocked(o *Object[P], d Difference, at time.Time, ex *client.Exchange, how string, rerun P) *Anomaly[P] {
	o.Disturbed = true
	a := &Anomaly[P]{Change: d, Server: o.Server, Label: o.Label, At: at, Since: o.Seen, Evidence: ex, How: how,
		Aimed: append([]P(nil), o.Aimed...), Rerun: rerun}
	l.Anomalies = append(l.Anomalies, a)
	return a
}

// Overlapping lists the causes of change whose reach meets [from, to],
// but those of owner (when owner is not ""): a refusal's window reaches
// until reach(its probe) after its request, an accepted detach until
// settle after it was seen complete (or until to, while in flight).
func (l *Expectations[P]) Overlapping(from, to time.Time, owner string, reach func(P) time.Duration, settle time.Duration) []*Cause[P] {
	l.Mu.Lock()
	defer l.Mu.Unlock()
	var out []*Cause[P]
	for _, s := range l.Causes {
		if s.Owner == owner && owner != "" {
			continue
		}
		if s.From.After(to) {
			continue
		}
		var until time.Time
		switch s.Kind {
		case FromProbe:
			until = s.From.Add(reach(s.Probe))
		case FromDetach:
			until = to
			if !s.Done.IsZero() {
				until = s.Done.Add(settle)
			}
		}
		if until.Before(from) {
			continue
		}
		out = append(out, s)
	}
	return out
}
