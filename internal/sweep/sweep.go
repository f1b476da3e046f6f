// Package sweep finds and removes what conformance runs left on a target:
// ports named nicconform-<run>-<purpose> (and the NICs they back), and the
// ports a run's journal shows it created and never removed (a port the
// cloud created for a net_id attach has no name of ours until the run
// renames it). Killed runs leave such things; the sweep finishes their
// cleanup through the API alone.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/journal"
)

// Prefix starts the name of every resource a run creates.
const Prefix = "nicconform-"

// Options say what to sweep.
type Options struct {
	Client    *client.Client
	NetworkID string // narrows the port listing; empty lists every port
	// RunID, when set, limits the sweep to one run's resources.
	RunID string
	// OlderThan, when positive, spares runs younger than this (their age is
	// read from the run id); ids whose age cannot be read are swept only
	// when OlderThan is zero.
	OlderThan time.Duration
	// Journals are journal files whose outstanding ports are swept too. A
	// missing file, or one that is not a journal, is an error before any
	// request.
	Journals []string
	DryRun   bool
	// Bound is how long one port may take to detach before its deletion.
	Bound time.Duration
	Poll  time.Duration
	Now   time.Time
	Out   io.Writer
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
}

// Run sweeps. It returns an error, having changed nothing, when a journal
// cannot be read or the target could not be listed, and an error when
// something found could not be removed.
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
	res := Result{Failed: map[string]error{}}
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
	found, err := find(ctx, o, journals)
	if err != nil {
		return res, err
	}
	res.Found = found
	for _, f := range found {
		p := f.Port
		action := "delete"
		if p.DeviceID != "" {
			action = "detach from server " + p.DeviceID + " and delete"
		}
		if o.DryRun {
			fmt.Fprintf(o.Out, "would %s port %s %q (found by %s)\n", action, p.ID, p.Name, f.Source)
			continue
		}
		if err := remove(ctx, o, p); err != nil {
			res.Failed[p.ID] = err
			fmt.Fprintf(o.Out, "FAILED to %s port %s %q: %v\n", action, p.ID, p.Name, err)
			continue
		}
		res.Removed = append(res.Removed, p.ID)
		fmt.Fprintf(o.Out, "removed port %s %q (%s)\n", p.ID, p.Name, action)
	}
	if len(res.Failed) > 0 {
		return res, fmt.Errorf("sweep: %d of %d leftover ports could not be removed", len(res.Failed), len(found))
	}
	return res, nil
}

// find lists the leftover ports: named ones from the port listing, and the
// journals' outstanding ones that still exist.
func find(ctx context.Context, o Options, journals [][]journal.Entry) ([]Found, error) {
	ports, _, err := o.Client.ListPorts(ctx, client.ListPortsOpts{NetworkID: o.NetworkID})
	if err != nil {
		return nil, fmt.Errorf("sweep: list ports: %w", err)
	}
	var out []Found
	seen := map[string]bool{}
	for _, p := range ports {
		if strings.HasPrefix(p.Name, Prefix) && o.selects(runOf(p.Name)) {
			seen[p.ID] = true
			out = append(out, Found{Port: p, Source: "name"})
		}
	}
	for i, path := range o.Journals {
		for _, e := range journal.Outstanding(journals[i]) {
			if seen[e.ID] || !o.selects(e.Run) {
				continue
			}
			p, _, err := o.Client.GetPort(ctx, e.ID)
			if errors.Is(err, client.ErrNotFound) {
				continue // already gone
			}
			if err != nil {
				return nil, fmt.Errorf("sweep: port %s from %s: %w", e.ID, path, err)
			}
			seen[p.ID] = true
			out = append(out, Found{Port: p, Source: path})
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
	if o.OlderThan <= 0 {
		return true
	}
	started, ok := config.RunTime(run)
	return ok && o.Now.Sub(started) >= o.OlderThan
}

// remove detaches the port from its server if it is bound, then deletes it,
// retrying the delete while the target says the port is still in use.
func remove(ctx context.Context, o Options, p client.Port) error {
	if p.DeviceID != "" && strings.HasPrefix(p.DeviceOwner, "compute:") {
		ex, err := o.Client.Detach(ctx, p.DeviceID, p.ID)
		if err != nil {
			return fmt.Errorf("detach: %w", err)
		}
		if ex.Status >= 300 && ex.Status != http.StatusNotFound {
			return fmt.Errorf("detach: %s", ex)
		}
	}
	return o.Client.RemovePort(ctx, p.ID, o.Bound, o.Poll)
}
