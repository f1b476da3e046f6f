package explore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/journal"
	"github.com/nicconform/nicconform/internal/lifecycle"
)

// prepare readies a configured target before the first sequence: the
// server must be ACTIVE, its primary NIC known (NICCONFORM_PRIMARY_PORT_ID,
// or the only NIC it has), and its other NICs (and the other server's) are
// left alone, out of every comparison. Then the run claims the server.
// An embedded target gets a fresh world for every sequence instead.
func (x *explorer) prepare() error {
	t := x.t
	if t.Embedded {
		// A first world, for its ids: the model of the first sequence
		// (a replay's) is seeded with as many servers as the target has.
		return t.reset()
	}
	ctx := x.ctx
	c, err := client.New(client.Config{ComputeURL: t.ComputeURL, NetworkURL: t.NetworkURL, ProjectID: t.ProjectID,
		Auth: t.Auth, Spec: x.spec, HTTPClient: t.HTTPClient, Timeout: t.RequestTimeout})
	if err != nil {
		return fmt.Errorf("explore: %w", err)
	}
	x.admin = c
	srv, _, err := c.GetServer(ctx, t.ServerID)
	if err != nil {
		return fmt.Errorf("explore: NICCONFORM_SERVER_ID %s: %w", t.ServerID, err)
	}
	if srv.Status != "ACTIVE" {
		return fmt.Errorf("explore: server %s is %s: explore needs an ACTIVE server (NICCONFORM_SERVER_ID)", t.ServerID, srv.Status)
	}
	if srv.Locked {
		return fmt.Errorf("explore: server %s is locked: unlock it first (explore locks and unlocks it itself)", t.ServerID)
	}
	nics, _, err := c.ListInterfaces(ctx, t.ServerID)
	if err != nil {
		return fmt.Errorf("explore: list the NICs of server %s: %w", t.ServerID, err)
	}
	switch {
	case t.PrimaryPortID != "":
	case len(nics) == 1:
		t.PrimaryPortID = nics[0].PortID
	default:
		return fmt.Errorf("explore: server %s has %d NICs, so its primary NIC cannot be told from the others: set NICCONFORM_PRIMARY_PORT_ID (or run `nicconform sweep` if earlier runs left NICs behind)", t.ServerID, len(nics))
	}
	found := false
	for _, n := range nics {
		if n.PortID == t.PrimaryPortID {
			found = true
		} else {
			x.ignored[n.PortID] = true
			x.ignoredNICs[Main]++
		}
	}
	if !found {
		return fmt.Errorf("explore: NICCONFORM_PRIMARY_PORT_ID %s is not attached to server %s", t.PrimaryPortID, t.ServerID)
	}
	if 1+x.ignoredNICs[Main] >= x.cfg.NICCeiling {
		return fmt.Errorf("explore: server %s already has %d NICs: the NIC ceiling (%d, the primary included) leaves no room to attach one", t.ServerID, 1+x.ignoredNICs[Main], x.cfg.NICCeiling)
	}
	if t.OtherServerID != "" {
		others, _, err := c.ListInterfaces(ctx, t.OtherServerID)
		if err != nil {
			return fmt.Errorf("explore: NICCONFORM_OTHER_SERVER_ID %s: %w", t.OtherServerID, err)
		}
		for _, n := range others {
			x.ignored[n.PortID] = true
		}
		// The model's other server has one NIC, its primary: it stands for
		// one of these, the rest count against the ceiling.
		x.ignoredNICs[Other] = max(len(others)-1, 0)
	}
	return x.claim(ctx)
}

// finish gives the server back.
func (x *explorer) finish() {
	if x.t.Embedded || x.admin == nil {
		return
	}
	x.release(context.WithoutCancel(x.ctx))
}

// cleanup undoes what a sequence did to a configured target: it unlocks
// the server if the sequence locked it, removes every port the sequence
// made by the run's one removal policy (lifecycle.RemovePort: delete
// first, detach only where the target keeps a bound port), and re-attaches the primary NIC if
// a broken target let it go. What it cannot undo is a leak, and stops the
// run: the next sequence would start from a world the model does not know.
func (x *explorer) cleanup(r *seqRun) {
	if x.t.Embedded || r == nil || r.tgt == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(x.ctx), 2*x.t.DetachBound+time.Minute)
	defer cancel()
	c, t := r.tgt.c, x.t
	before := len(x.leaks)
	leak := func(format string, args ...any) {
		x.leaks = append(x.leaks, fmt.Sprintf(format, args...)+"; "+x.sweepHint())
	}
	if r.lockedByUs {
		if _, err := c.Unlock(ctx, t.ServerID); err != nil {
			leak("server %s stays locked: %v", t.ServerID, err)
		}
	}
	ports := append(append([]string(nil), r.tgt.ports...), r.extra...)
	for i, id := range ports {
		if id == "" {
			continue
		}
		port, _, err := c.GetPort(ctx, id)
		switch {
		case errors.Is(err, client.ErrNotFound):
			x.journal.Record(journal.Removed, "port", id, "")
			continue
		case err != nil:
			leak("port %s (%s): %v", id, handleRef(i), err)
			continue
		}
		// The run's one removal policy (lifecycle.RemovePort): delete
		// first; a target that keeps a bound port (409) gets the detach
		// from the server the port names, then the delete again.
		hint := ""
		if role := r.tgt.role(port.DeviceID); role != "" {
			hint = r.tgt.servers[role]
		}
		if err := lifecycle.RemovePort(ctx, c, id, hint, lifecycle.Bounds{Detach: t.DetachBound, Poll: t.Poll}); err != nil {
			leak("port %s (%s): %v", id, handleRef(i), err)
			continue
		}
		x.journal.Record(journal.Removed, "port", id, "")
	}
	nics, _, err := c.ListInterfaces(ctx, t.ServerID)
	if err != nil {
		leak("server %s: cannot list its NICs after the sequence: %v", t.ServerID, err)
	} else if !hasPort(nics, t.PrimaryPortID) {
		if _, _, err := c.AttachPort(ctx, t.ServerID, t.PrimaryPortID); err != nil {
			leak("server %s lost its primary NIC %s and it could not be attached again: %v", t.ServerID, t.PrimaryPortID, err)
		} else {
			leak("server %s lost its primary NIC %s during the sequence; it was attached again, check the server's routing", t.ServerID, t.PrimaryPortID)
		}
	}
	if len(x.leaks) > before && x.cur != nil && x.cur.err == nil {
		x.cur.err = fmt.Errorf("explore: the cleanup after sequence %d left %d thing(s) behind: %s", r.n, len(x.leaks)-before, x.leaks[before])
	}
}

func hasPort(nics []client.Interface, portID string) bool {
	for _, n := range nics {
		if n.PortID == portID {
			return true
		}
	}
	return false
}

func (x *explorer) sweepHint() string {
	return fmt.Sprintf("sweep: nicconform sweep -run %s (ports named nicconform-%s-*), or with the run's journal", x.runID, x.runID)
}

// claim holds the server against other runs by the protocol the suite
// uses too (lifecycle.ClaimName, lifecycle.Contest), so each sees the
// other's claims; the claim is journaled here, explore's journal being its
// own.
func (x *explorer) claim(ctx context.Context) error {
	t := x.t
	start := time.Now()
	name := lifecycle.ClaimName(x.runID, t.ServerID, start, t.DetachBound)
	x.journal.Record(journal.Intent, "port", "", name)
	port, _, err := x.admin.CreatePort(ctx, t.NetworkID, name)
	if port.ID != "" {
		x.journal.Record(journal.Created, "port", port.ID, name)
		x.claimID = port.ID
	}
	if err != nil {
		return fmt.Errorf("explore: claim server %s (a port named %s on network %s): %w", t.ServerID, name, t.NetworkID, err)
	}
	if err := lifecycle.Contest(ctx, x.admin, t.NetworkID, t.ServerID, port.ID, time.Since(start)); err != nil {
		x.release(ctx)
		return fmt.Errorf("explore: %w", err)
	}
	// The claim is a lease, renewed while the run lives, so that a sweep
	// spares it (a failed renewal changes no divergence: it is the sweep's
	// to read).
	if cl, ok := lifecycle.ParseClaim(port); ok {
		x.lease = lifecycle.KeepLease(context.WithoutCancel(ctx), x.admin, cl, start, func(error, bool) {})
	}
	return nil
}

func (x *explorer) release(ctx context.Context) {
	x.lease.Stop()
	if x.claimID == "" {
		return
	}
	if err := lifecycle.RemovePort(ctx, x.admin, x.claimID, "", lifecycle.Bounds{Detach: x.t.DetachBound, Poll: x.t.Poll}); err != nil {
		x.leaks = append(x.leaks, fmt.Sprintf("the claim port %s of server %s: %v; %s", x.claimID, x.t.ServerID, err, x.sweepHint()))
		return
	}
	x.journal.Record(journal.Removed, "port", x.claimID, "")
	x.claimID = ""
}
