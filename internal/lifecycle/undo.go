package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/journal"
)

// Change is one change a run makes on the target, as the Ledger holds it
// and the journal records it (journal.Unfinished is its record).
type Change struct {
	// Kind is journal.KindPort, KindNetAttach or KindLock.
	Kind string
	// Run is the run that made it.
	Run string
	// ID is the port the change made, once the target has said (a port's
	// or a net_id attach's); empty for a lock.
	ID string
	// Name is the name of a port the run names.
	Name string
	// Server is the server of a NIC (once attached) or of the lock.
	Server string
	// Network is the network of a port or of a net_id attach.
	Network string
	// Before lists the ports of Server's NICs before a net_id attach.
	Before []string
	// Reason is the locked_reason a lock was sent with ("" for none).
	Reason string
	// Made is true once the target answered that it made the change.
	Made bool
	// Last marks the change undone after every other (the run's claim).
	Last bool
}

// FromJournal is the change a journal shows unfinished.
func FromJournal(u journal.Unfinished) Change {
	return Change{Kind: u.Kind, Run: u.Run, ID: u.ID, Name: u.Name, Server: u.Server, Network: u.Network,
		Before: u.Before, Reason: u.Reason, Made: u.Made}
}

// String names the change for a person.
func (ch Change) String() string {
	switch ch.Kind {
	case journal.KindLock:
		return fmt.Sprintf("the lock of server %s (run %s)", ch.Server, ch.Run)
	case journal.KindNetAttach:
		if ch.ID != "" {
			return fmt.Sprintf("the net_id NIC of port %s on server %s (run %s)", ch.ID, ch.Server, ch.Run)
		}
		return fmt.Sprintf("a net_id attach to server %s on network %s (run %s)", ch.Server, ch.Network, ch.Run)
	}
	if ch.ID != "" {
		return fmt.Sprintf("port %s %q", ch.ID, ch.Name)
	}
	return fmt.Sprintf("a port named %q", ch.Name)
}

// ErrNotOurs is the error of an undo that found something it cannot prove
// the run made: a lock whose locked_reason names no run of nicconform's,
// or another run.
var ErrNotOurs = errors.New("not proven to be a nicconform run's")

// lockReasonPattern reads the run out of a LockReason.
var lockReasonPattern = regexp.MustCompile(`^nicconform run ([a-z0-9]{1,16}): `)

// LockReason is the locked_reason a run locks a server with (Nova takes 1
// to 255 characters): it names the run, so that `nicconform sweep` can
// prove the lock is a run's. why says what the lock is for.
func LockReason(runID, why string) string {
	r := fmt.Sprintf("nicconform run %s: %s; the run unlocks it, else `nicconform sweep` does", runID, why)
	if len([]rune(r)) > 255 {
		r = string([]rune(r)[:255])
	}
	return r
}

// RunOfLockReason returns the run a locked_reason names, if it is one
// LockReason made.
func RunOfLockReason(reason string) (string, bool) {
	m := lockReasonPattern.FindStringSubmatch(reason)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// UnlockHint tells a person how to unlock a server by hand.
func UnlockHint(serverID string) string {
	return fmt.Sprintf(`POST …/v2.1/{project_id}/servers/%s/action with {"unlock": null} (openstack server unlock %s)`, serverID, serverID)
}

// LockState reads whether a server is locked, and with which reason: at
// microversion 2.73 where the target serves it (the reason shows from
// there), else at the client's (2.9 at least, where "locked" shows).
func LockState(ctx context.Context, c *client.Client, serverID string) (locked bool, reason *string, err error) {
	srv, ex, err := c.WithMicroversion(client.MicroversionLockReason).GetServer(ctx, serverID)
	if err != nil && ex != nil && (ex.Status == http.StatusNotAcceptable || ex.Status == http.StatusBadRequest) {
		srv, _, err = c.GetServer(ctx, serverID)
	}
	if err != nil {
		return false, nil, fmt.Errorf("show server %s: %w", serverID, err)
	}
	return srv.Locked, srv.LockedReason, nil
}

// Found is a port a change left on the target.
type Found struct {
	Port client.Port
	// How says how it was found, when not by the id the target answered.
	How string
}

// Find returns the ports a change (not a lock) left on the target, which
// Undo removes: the port of its id, if it still exists; before the run
// learnt the id, the ports of its name; for a net_id attach, the NIC of
// Server on Network that was not there Before and whose port has no name,
// or one of the run's.
func Find(ctx context.Context, c *client.Client, ch Change, b Bounds) ([]Found, error) {
	b = b.withDefaults()
	if ch.ID == "" {
		return lookup(ctx, c, ch, b)
	}
	p, err := bounded(ctx, b, func(ctx context.Context) (client.Port, error) {
		p, _, err := c.GetPort(ctx, ch.ID)
		return p, err
	})
	switch {
	case errors.Is(err, client.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("find %s: %w", ch, err)
	}
	return []Found{{Port: p}}, nil
}

// lookup finds what a change left whose id the run never learnt.
func lookup(ctx context.Context, c *client.Client, ch Change, b Bounds) ([]Found, error) {
	switch {
	case ch.Kind == journal.KindNetAttach:
		return adopt(ctx, c, ch, b)
	case ch.Name == "":
		return nil, nil
	}
	ports, err := bounded(ctx, b, func(ctx context.Context) ([]client.Port, error) {
		ps, _, err := c.ListPorts(ctx, client.ListPortsOpts{Name: ch.Name, NetworkID: ch.Network})
		return ps, err
	})
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", ch, err)
	}
	var out []Found
	for _, p := range ports {
		if p.Name == ch.Name { // a target may ignore the filter
			out = append(out, Found{Port: p, How: "found by its name"})
		}
	}
	return out, nil
}

// Undo undoes one change, whatever state it got to, and returns what it
// did (nothing when nothing was left to undo). A port, or a net_id NIC,
// goes by RemovePort: by the id the target answered, without asking first;
// else what Find finds. A lock is undone when the server is still locked
// and the lock is the run's: its locked_reason names the run, or it has
// none (a target without microversion 2.73) and the change is the run's
// own record; a lock with another reason is left alone, with an error that
// wraps ErrNotOurs and says how to unlock it by hand.
func Undo(ctx context.Context, c *client.Client, ch Change, b Bounds) ([]string, error) {
	b = b.withDefaults()
	if ch.Kind == journal.KindLock {
		return undoLock(ctx, c, ch, b)
	}
	found := []Found{{Port: client.Port{ID: ch.ID}}}
	if ch.ID == "" {
		var err error
		if found, err = lookup(ctx, c, ch, b); err != nil {
			return nil, err
		}
	}
	var did []string
	var errs []error
	for _, f := range found {
		if err := RemovePort(ctx, c, f.Port.ID, ch.Server, b); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ch, err))
			continue
		}
		what := "removed port " + f.Port.ID
		if ch.Name != "" {
			what += fmt.Sprintf(" %q", ch.Name)
		}
		if f.How != "" {
			what += " (" + f.How + ")"
		}
		did = append(did, what)
	}
	return did, errors.Join(errs...)
}

// adopt finds the NIC a net_id attach made before the run learnt its port.
func adopt(ctx context.Context, c *client.Client, ch Change, b Bounds) ([]Found, error) {
	if ch.Server == "" {
		return nil, nil
	}
	nics, err := bounded(ctx, b, func(ctx context.Context) ([]client.Interface, error) {
		ns, _, err := c.ListInterfaces(ctx, ch.Server)
		return ns, err
	})
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", ch, err)
	}
	var out []Found
	for _, n := range nics {
		if slices.Contains(ch.Before, n.PortID) || (ch.Network != "" && n.NetID != "" && n.NetID != ch.Network) {
			continue
		}
		p, err := bounded(ctx, b, func(ctx context.Context) (client.Port, error) {
			p, _, err := c.GetPort(ctx, n.PortID)
			return p, err
		})
		if err != nil {
			return out, fmt.Errorf("find %s: show port %s: %w", ch, n.PortID, err)
		}
		if p.Name != "" && !strings.HasPrefix(p.Name, "nicconform-"+ch.Run+"-") {
			continue // named by someone else: not the run's
		}
		out = append(out, Found{Port: p, How: "the NIC that appeared on server " + ch.Server + " with run " + ch.Run + "'s net_id attach"})
	}
	return out, nil
}

func undoLock(ctx context.Context, c *client.Client, ch Change, b Bounds) ([]string, error) {
	type state struct {
		locked bool
		reason *string
	}
	st, err := bounded(ctx, b, func(ctx context.Context) (state, error) {
		locked, reason, err := LockState(ctx, c, ch.Server)
		return state{locked, reason}, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ch, err)
	}
	if !st.locked {
		return nil, nil
	}
	if st.reason != nil && *st.reason != "" {
		if run, ok := RunOfLockReason(*st.reason); !ok || run != ch.Run {
			return nil, fmt.Errorf("server %s is locked with locked_reason %q, which names no lock of run %s: %w; if the lock is yours to undo: %s",
				ch.Server, *st.reason, ch.Run, ErrNotOurs, UnlockHint(ch.Server))
		}
	}
	// The unlock is read back: a server still locked after an unlock the
	// target answered as done gets it again, up to Attempts times.
	for attempt := 1; ; attempt++ {
		ex, err := bounded(ctx, b, func(ctx context.Context) (*client.Exchange, error) { return c.Unlock(ctx, ch.Server) })
		if err != nil {
			return nil, fmt.Errorf("unlock server %s: %w; by hand: %s", ch.Server, err, UnlockHint(ch.Server))
		}
		st, err = bounded(ctx, b, func(ctx context.Context) (state, error) {
			locked, reason, err := LockState(ctx, c, ch.Server)
			return state{locked, reason}, err
		})
		switch {
		case err != nil:
			return nil, fmt.Errorf("unlock server %s: it answered %s, and reading it back failed: %w; if it is still locked: %s", ch.Server, ex, err, UnlockHint(ch.Server))
		case !st.locked:
			return []string{fmt.Sprintf("unlocked server %s (locked by run %s)", ch.Server, ch.Run)}, nil
		case attempt >= Attempts:
			return nil, fmt.Errorf("server %s is still locked after %d unlocks the target answered as done (%s); unlock it by hand: %s", ch.Server, attempt, ex, UnlockHint(ch.Server))
		}
		if err := pause(ctx, b.Poll<<attempt); err != nil {
			return nil, fmt.Errorf("server %s is still locked after its unlock: %w; by hand: %s", ch.Server, err, UnlockHint(ch.Server))
		}
	}
}
