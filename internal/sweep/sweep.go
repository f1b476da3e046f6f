// Package sweep finds and undoes what conformance runs left on a target,
// sparing every live run (its claim's lease fresh, or its claim never
// renewed and within its ttl: lifecycle.Claim.Live) unless told to remove
// one run's resources with RunID and Force:
// a server lock a run can be proven to have made (its journal shows it, or
// the server's locked_reason names the run), first; then ports named
// nicconform-<run>-<purpose> (and the NICs they back), and the ports and
// NICs a run's journal shows it began and never undid (a port the cloud
// created for a net_id attach has no name of ours until the run renames
// it). Killed runs leave such things; the sweep finishes their cleanup
// through the API alone, by the run's own undo (internal/lifecycle).
package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/journal"
	"github.com/nicconform/nicconform/internal/lifecycle"
)

// Prefix starts the name of every resource a run creates.
const Prefix = "nicconform-"

// Options say what to sweep.
type Options struct {
	Client    *client.Client
	NetworkID string // narrows the port listing; empty lists every port
	// RunID, when set, limits the sweep to one run's resources.
	RunID string
	// Force, with RunID, removes that run's resources even while its lease
	// is fresh (or its claim, never renewed, is within its ttl); without
	// it every live run is spared (lifecycle.Claim.Live).
	Force bool
	// OlderThan, when positive, spares runs younger than this (their age is
	// read from the run id); ids whose age cannot be read are swept only
	// when OlderThan is zero.
	OlderThan time.Duration
	// Journals are journal files whose outstanding ports are swept too. A
	// missing file, or one that is not a journal, is an error before any
	// request.
	Journals []string
	DryRun   bool
	// Servers are checked for a lock besides those the journals name
	// (the configured server and the other server).
	Servers []string
	// Bound is how long one port may take to detach before its deletion.
	Bound time.Duration
	Poll  time.Duration
	// Request bounds one call (default lifecycle.CleanupRequest).
	Request time.Duration
	Now     time.Time
	Out     io.Writer
	// Watch is how long the sweep watches a fresh lease for a renewal
	// (default 4 × lifecycle.LeaseRenew): one not renewed is a dead run's.
	Watch time.Duration

	live    map[string]string // the live runs it spares, with why (Run)
	removed []string          // the ports it already removed (Run)
}

// Found is one leftover port.
type Found struct {
	Port   client.Port
	Source string // "name" or the journal file
}

// Result lists what was found, removed, and could not be removed.
type Result struct {
	Found   []Found
	Removed []string
	Failed  map[string]error
	// Unlocked are the servers the sweep unlocked (would unlock, in a dry
	// run); Locked those locked by a lock it cannot prove a run's, which
	// it leaves alone.
	Unlocked []string
	Locked   map[string]string
	// Spared are the live runs the sweep left alone, each with why.
	Spared map[string]string
}

// Run sweeps: the locks first (a locked server refuses a detach), then the
// ports. It returns an error, having changed nothing, when a journal
// cannot be read or the ports could not be listed; an error when something
// found could not be removed; and an error when a server is locked and
// nothing proves a run locked it (the error says how to unlock it).
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Bound == 0 {
		o.Bound = config.DefaultDetachTimeoutLive
	}
	if o.Poll == 0 {
		o.Poll = time.Second
	}
	res := Result{Failed: map[string]error{}, Locked: map[string]string{}, Spared: map[string]string{}}
	// Every journal is read before any request: one that is missing or is
	// not a journal stops the sweep with nothing changed.
	journals := make([][]journal.Entry, len(o.Journals))
	for i, path := range o.Journals {
		entries, skipped, err := journal.Load(path)
		if err != nil {
			return res, fmt.Errorf("sweep: %w", err)
		}
		if skipped > 0 {
			fmt.Fprintf(o.Out, "journal %s: skipped %d line(s) that are not journal entries (a write cut by a kill)\n", path, skipped)
		}
		journals[i] = entries
	}
	// The live runs (a fresh lease, or a claim never renewed within its
	// ttl) are spared, each said, before anything is changed.
	ports, _, err := o.Client.ListPorts(ctx, client.ListPortsOpts{NetworkID: o.NetworkID})
	if err != nil {
		return res, fmt.Errorf("sweep: list ports: %w", err)
	}
	if o.Watch == 0 {
		o.Watch = 4 * lifecycle.LeaseRenew
	}
	o.live = map[string]string{}
	var forced []client.Port
	beating := map[string]lifecycle.Claim{} // live claims, by port id
	for _, p := range ports {
		if cl, ok := lifecycle.ParseClaim(p); ok && !(o.Force && o.RunID == cl.Run) {
			if alive, _ := cl.Live(o.Now); alive {
				beating[p.ID] = cl
			}
		}
	}
	if len(beating) > 0 {
		// A live claim may be a run killed less than a minute ago: the
		// sweep watches for a renewal, which a live run makes every
		// LeaseRenew; a lease not renewed meanwhile is a dead run's.
		fmt.Fprintf(o.Out, "watching %d live claim(s) for a renewal of their lease, for %s…\n", len(beating), o.Watch)
		select {
		case <-ctx.Done():
			return res, fmt.Errorf("sweep: %w", ctx.Err())
		case <-time.After(o.Watch):
		}
		if ports, _, err = o.Client.ListPorts(ctx, client.ListPortsOpts{NetworkID: o.NetworkID}); err != nil {
			return res, fmt.Errorf("sweep: list ports: %w", err)
		}
		o.Now = o.Now.Add(o.Watch)
	}
	for _, p := range ports {
		cl, ok := lifecycle.ParseClaim(p)
		if !ok {
			continue
		}
		if before, ok := beating[p.ID]; ok && !cl.Renewed.After(before.Renewed) {
			if dead, why := o.dead(ctx, p, cl); dead {
				fmt.Fprintf(o.Out, "run %s is dead: %s\n", cl.Run, why)
				continue
			}
		}
		if alive, why := cl.Live(o.Now); alive {
			if o.Force && o.RunID == cl.Run {
				forced = append(forced, p)
				fmt.Fprintf(o.Out, "run %s is live (claim port %s on server %s: %s): removing its resources anyway (-run %s -force)\n", cl.Run, p.ID, cl.ServerID, why, cl.Run)
				continue
			}
			o.live[cl.Run] = fmt.Sprintf("claim port %s on server %s: %s", p.ID, cl.ServerID, why)
		}
	}
	runs := make([]string, 0, len(o.live))
	for run := range o.live {
		runs = append(runs, run)
	}
	sort.Strings(runs)
	for _, run := range runs {
		if o.RunID != "" && run != o.RunID {
			continue
		}
		why := o.live[run]
		res.Spared[run] = why
		fmt.Fprintf(o.Out, "spared run %s: it is live (%s); to remove its resources anyway: nicconform sweep -run %s -force\n", run, why, run)
	}
	var errs []error
	// A forced live run's claim goes first: the run sees it gone at its
	// next renewal and stops, rather than meet its resources vanishing.
	for _, p := range forced {
		if o.DryRun {
			fmt.Fprintf(o.Out, "would delete port %s %q (the claim of a live run)\n", p.ID, p.Name)
			continue
		}
		if err := lifecycle.RemovePort(ctx, o.Client, p.ID, p.DeviceID, o.bounds()); err != nil {
			res.Failed[p.ID] = err
			errs = append(errs, fmt.Errorf("sweep: remove the claim of live run: port %s: %w", p.ID, err))
			continue
		}
		res.Removed = append(res.Removed, p.ID)
		fmt.Fprintf(o.Out, "removed port %s %q (the claim of a live run)\n", p.ID, p.Name)
	}
	if err := unlock(ctx, o, journals, &res); err != nil {
		errs = append(errs, err)
	}
	o.removed = res.Removed
	found, err := find(ctx, o, journals)
	if err != nil {
		return res, errors.Join(append(errs, err)...)
	}
	res.Found = found
	for _, f := range found {
		p := f.Port
		action := "delete"
		if p.DeviceID != "" {
			action = "delete (it backs a NIC of server " + p.DeviceID + ": the delete takes the NIC, or, where the target refuses, a detach first)"
		}
		if o.DryRun {
			fmt.Fprintf(o.Out, "would %s port %s %q (found by %s)\n", action, p.ID, p.Name, f.Source)
			continue
		}
		if err := lifecycle.RemovePort(ctx, o.Client, p.ID, p.DeviceID, o.bounds()); err != nil {
			res.Failed[p.ID] = err
			fmt.Fprintf(o.Out, "FAILED to remove port %s %q: %v\n", p.ID, p.Name, err)
			continue
		}
		res.Removed = append(res.Removed, p.ID)
		fmt.Fprintf(o.Out, "removed port %s %q (found by %s)\n", p.ID, p.Name, f.Source)
	}
	if len(res.Failed) > 0 {
		errs = append(errs, fmt.Errorf("sweep: %d of %d leftover ports could not be removed", len(res.Failed), len(found)))
	}
	return res, errors.Join(errs...)
}

// dead decides whether the run of a live claim whose lease was not
// renewed while the sweep watched is dead. A lease renewed before is: a
// live run renews it every LeaseRenew. A claim never renewed is when the
// target takes the renewal: a rename of the claim to its own name (which
// changes nothing) is accepted. Where the target refuses it, its runs
// cannot renew, and the claim is live for its ttl.
func (o Options) dead(ctx context.Context, p client.Port, cl lifecycle.Claim) (bool, string) {
	if !cl.Renewed.IsZero() {
		return true, fmt.Sprintf("its lease (claim port %s) was not renewed in %s (a live run renews it every %s)", p.ID, o.Watch, lifecycle.LeaseRenew)
	}
	if o.DryRun {
		return false, ""
	}
	rctx, cancel := context.WithTimeout(ctx, max(o.Request, lifecycle.CleanupRequest))
	defer cancel()
	if _, _, err := o.Client.RenamePort(rctx, p.ID, p.Name); err != nil {
		return false, "" // refused, or no answer: its ttl decides
	}
	return true, fmt.Sprintf("its claim (port %s) was not renewed in %s, though the target takes the renewal (a rename of the claim to its own name was accepted)", p.ID, o.Watch)
}

func (o Options) bounds() lifecycle.Bounds {
	return lifecycle.Bounds{Request: o.Request, Detach: o.Bound, Poll: o.Poll}
}

// unlock undoes the locks runs left: those a selected run's journal shows
// begun and not undone, and those whose locked_reason names a selected
// run, on the servers of the journals and of Options.Servers. A locked
// server nothing proves a run's is reported, with how to unlock it, and
// left alone.
func unlock(ctx context.Context, o Options, journals [][]journal.Entry, res *Result) error {
	type proof struct {
		ch  lifecycle.Change
		why string
	}
	var servers []string
	listed := map[string]bool{}
	add := func(id string) {
		if id != "" && !listed[id] {
			listed[id] = true
			servers = append(servers, id)
		}
	}
	for _, id := range o.Servers {
		add(id)
	}
	journaled := map[string]proof{}
	for i, path := range o.Journals {
		for _, u := range journal.Pending(journals[i]) {
			add(u.Server)
			if u.Kind == journal.KindLock && o.selects(u.Run) {
				journaled[u.Server] = proof{lifecycle.FromJournal(u), fmt.Sprintf("run %s's lock, in %s", u.Run, path)}
			}
		}
	}
	var errs []error
	for _, id := range servers {
		type state struct {
			locked bool
			reason *string
		}
		st, err := func() (state, error) {
			ctx, cancel := context.WithTimeout(ctx, max(o.Request, lifecycle.CleanupRequest))
			defer cancel()
			locked, reason, err := lifecycle.LockState(ctx, o.Client, id)
			return state{locked, reason}, err
		}()
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep: %w", err))
			continue
		}
		if !st.locked {
			continue
		}
		var p *proof
		named := st.reason != nil && *st.reason != ""
		switch run, ours := lifecycle.RunOfLockReason(deref(st.reason)); {
		case ours && !o.selects(run):
			fmt.Fprintf(o.Out, "server %s is locked by run %s, which this sweep spares (-run, -older-than, a live run)\n", id, run)
			continue
		case ours:
			p = &proof{lifecycle.Change{Kind: journal.KindLock, Run: run, Server: id}, "its locked_reason names run " + run}
		case !named:
			if j, ok := journaled[id]; ok {
				p = &j
			}
		}
		if p == nil {
			why := "it has no locked_reason, and no run's journal shows a lock of it"
			if named {
				why = fmt.Sprintf("its locked_reason %q names no nicconform run", *st.reason)
			}
			res.Locked[id] = why
			msg := fmt.Sprintf("server %s is locked, and nothing proves a nicconform run locked it (%s): left alone. If the lock is yours to undo: %s", id, why, lifecycle.UnlockHint(id))
			fmt.Fprintln(o.Out, msg)
			errs = append(errs, errors.New("sweep: "+msg))
			continue
		}
		if o.DryRun {
			res.Unlocked = append(res.Unlocked, id)
			fmt.Fprintf(o.Out, "would unlock server %s (%s)\n", id, p.why)
			continue
		}
		if _, err := lifecycle.Undo(ctx, o.Client, p.ch, o.bounds()); err != nil {
			if errors.Is(err, lifecycle.ErrNotOurs) {
				res.Locked[id] = err.Error()
			}
			fmt.Fprintf(o.Out, "FAILED to unlock server %s: %v\n", id, err)
			errs = append(errs, fmt.Errorf("sweep: %w", err))
			continue
		}
		res.Unlocked = append(res.Unlocked, id)
		fmt.Fprintf(o.Out, "unlocked server %s (%s)\n", id, p.why)
	}
	return errors.Join(errs...)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// find lists the leftover ports: named ones from the port listing, and
// what the journals show begun and never undone that is still there.
func find(ctx context.Context, o Options, journals [][]journal.Entry) ([]Found, error) {
	ports, _, err := o.Client.ListPorts(ctx, client.ListPortsOpts{NetworkID: o.NetworkID})
	if err != nil {
		return nil, fmt.Errorf("sweep: list ports: %w", err)
	}
	var out []Found
	seen := map[string]bool{}
	for _, id := range o.removed {
		seen[id] = true
	}
	for _, p := range ports {
		if seen[p.ID] {
			continue
		}
		if strings.HasPrefix(p.Name, Prefix) && o.selects(runOf(p.Name)) {
			seen[p.ID] = true
			out = append(out, Found{Port: p, Source: "name"})
		}
	}
	for i, path := range o.Journals {
		for _, u := range journal.Pending(journals[i]) {
			if u.Kind == journal.KindLock || !o.selects(u.Run) {
				continue
			}
			fs, err := lifecycle.Find(ctx, o.Client, lifecycle.FromJournal(u), o.bounds())
			if err != nil {
				return nil, fmt.Errorf("sweep: from %s: %w", path, err)
			}
			for _, f := range fs {
				if seen[f.Port.ID] {
					continue
				}
				seen[f.Port.ID] = true
				src := path
				if f.How != "" {
					src += ": " + f.How
				}
				out = append(out, Found{Port: f.Port, Source: src})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Port.Name+out[i].Port.ID < out[j].Port.Name+out[j].Port.ID })
	return out, nil
}

// runOf reads the run id out of nicconform-<run>-<purpose>.
func runOf(name string) string {
	rest := strings.TrimPrefix(name, Prefix)
	run, _, _ := strings.Cut(rest, "-")
	return run
}

func (o Options) selects(run string) bool {
	if o.RunID != "" && run != o.RunID {
		return false
	}
	if _, live := o.live[run]; live {
		return false
	}
	if o.OlderThan <= 0 {
		return true
	}
	started, ok := config.RunTime(run)
	return ok && o.Now.Sub(started) >= o.OlderThan
}
