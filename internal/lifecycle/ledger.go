package lifecycle

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/journal"
)

// Ledger is a run's record of the changes it made on the target and has
// not undone: create-and-track, in one place. Begin writes the journal's
// intent before a change is sent and returns its Handle; the caller
// registers the handle's undo (a Ginkgo DeferCleanup, a defer) before it
// sends the change, and tells the handle what came of it (Made, Refused).
// Whatever happens next, the undo is right: before the change was sent,
// while it is in flight, after the target refused it, after it was made.
//
// UndoAll undoes everything at once, in parallel (a lock before the ports,
// the claim last): what a run does when it is interrupted. Safe for
// concurrent use.
type Ledger struct {
	c   *client.Client
	j   *journal.Journal
	run string
	b   Bounds

	mu      sync.Mutex
	seq     int
	open    []*Handle // begun and not undone, in order
	closing bool      // UndoAll started: what is made from now on is undone at once
	late    sync.WaitGroup
	undos   []*Handle // every handle an undo ran for, for Untaken
}

// NewLedger records the changes of run in j (nil: in memory only, as for
// the embedded mock, whose world dies with the run) and undoes them with c
// within b.
func NewLedger(c *client.Client, j *journal.Journal, runID string, b Bounds) *Ledger {
	return &Ledger{c: c, j: j, run: runID, b: b.withDefaults()}
}

// Bounds are the ledger's undo bounds.
func (l *Ledger) Bounds() Bounds { return l.b }

// Handle is one change of the ledger.
type Handle struct {
	l  *Ledger
	op string

	mu      sync.Mutex
	ch      Change
	running chan struct{} // while an undo runs; closed when it ends
	done    bool          // an undo ran to its end (err says how)
	did     []string
	err     error
	taken   bool // err was handed to a caller, who reports it
}

// Begin records the intent of a change in the journal, before the change
// is sent, and returns its handle. ch.Run is the ledger's.
func (l *Ledger) Begin(ch Change) *Handle {
	l.mu.Lock()
	l.seq++
	ch.Run = l.run
	h := &Handle{l: l, op: fmt.Sprintf("%d.%d", os.Getpid(), l.seq), ch: ch}
	l.open = append(l.open, h)
	l.mu.Unlock()
	l.j.Append(journal.Entry{Event: journal.Intent, Kind: ch.Kind, Op: h.op, ID: ch.ID, Name: ch.Name,
		Server: ch.Server, Network: ch.Network, Before: ch.Before, Reason: ch.Reason})
	return h
}

// Made records that the target made the change; id is what it made (a
// port's id; "" for a lock). If the run is already undoing everything
// (UndoAll), the change is undone at once.
func (h *Handle) Made(id string) {
	h.mu.Lock()
	if id != "" {
		h.ch.ID = id
	}
	h.ch.Made = true
	redo := h.done && h.err == nil
	if redo {
		h.done = false
	}
	ch := h.ch
	h.mu.Unlock()
	h.l.j.Append(journal.Entry{Event: journal.Created, Kind: ch.Kind, Op: h.op, ID: ch.ID, Name: ch.Name, Server: ch.Server})
	h.l.mu.Lock()
	closing := h.l.closing
	if redo {
		h.l.open = append(h.l.open, h)
	}
	if closing {
		h.l.late.Add(1)
	}
	h.l.mu.Unlock()
	if closing { // made after UndoAll looked: undo it now
		go func() {
			defer h.l.late.Done()
			ctx, cancel := context.WithTimeout(context.Background(), h.l.b.Total())
			defer cancel()
			_, _ = h.undo(ctx)
		}()
	}
}

// Refused records that the target answered no: nothing was made, and
// nothing is left to undo.
func (h *Handle) Refused() {
	h.mu.Lock()
	h.done = true
	ch := h.ch
	h.mu.Unlock()
	h.l.forget(h)
	h.l.j.Append(journal.Entry{Event: journal.Removed, Kind: ch.Kind, Op: h.op, Server: ch.Server})
}

// Note records, before it is sent, a change to what the change made:
// action is "attach", "rename" or "detach"; server, when set, is the
// server the change now concerns (the NIC's after an attach).
func (h *Handle) Note(action, server string) {
	h.mu.Lock()
	if server != "" {
		h.ch.Server = server
	}
	ch := h.ch
	h.mu.Unlock()
	h.l.j.Append(journal.Entry{Event: journal.Change, Kind: ch.Kind, Op: h.op, Action: action, ID: ch.ID, Server: ch.Server})
}

// Change returns the change as the handle holds it now.
func (h *Handle) Change() Change {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ch
}

// Undo undoes the change (see Undo for how), once: a caller that comes
// while another undo of it runs waits for that one. It returns what was
// done, and the error of a failed undo to the first caller only: that
// caller reports it (Untaken lists those nobody took).
func (h *Handle) Undo(ctx context.Context) ([]string, error) {
	did, err := h.undo(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.taken {
		return did, nil
	}
	h.taken = err != nil
	return did, err
}

func (h *Handle) undo(ctx context.Context) ([]string, error) {
	h.mu.Lock()
	if h.done {
		defer h.mu.Unlock()
		return h.did, h.err
	}
	if running := h.running; running != nil {
		h.mu.Unlock()
		select {
		case <-running:
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: %w", h.Change(), ctx.Err())
		}
		return h.undo(ctx)
	}
	running := make(chan struct{})
	h.running = running
	ch := h.ch
	h.mu.Unlock()

	action := "remove"
	if ch.Kind == journal.KindLock {
		action = "unlock"
	}
	var did []string
	var err error
	for {
		h.l.j.Append(journal.Entry{Event: journal.Change, Kind: ch.Kind, Op: h.op, Action: action, ID: ch.ID, Server: ch.Server})
		d, e := Undo(ctx, h.l.c, ch, h.l.b)
		did, err = append(did, d...), e
		if err == nil && (ch.Made || len(d) > 0) {
			h.l.j.Append(journal.Entry{Event: journal.Removed, Kind: ch.Kind, Op: h.op, ID: ch.ID, Server: ch.Server})
		}
		h.mu.Lock()
		if err != nil || h.ch.Made == ch.Made && h.ch.ID == ch.ID {
			break // h.mu stays locked
		}
		ch = h.ch // made while this undo ran: undo what was made
		h.mu.Unlock()
	}
	h.running, h.done, h.did, h.err = nil, true, did, err
	h.mu.Unlock()
	close(running)
	h.l.forget(h)
	h.l.mu.Lock()
	h.l.undos = append(h.l.undos, h)
	h.l.mu.Unlock()
	return did, err
}

// forget drops a handle from the open ones.
func (l *Ledger) forget(h *Handle) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open = slices.DeleteFunc(l.open, func(o *Handle) bool { return o == h })
}

// Open returns the changes begun and not undone, in order.
func (l *Ledger) Open() []Change {
	l.mu.Lock()
	handles := slices.Clone(l.open)
	l.mu.Unlock()
	out := make([]Change, 0, len(handles))
	for _, h := range handles {
		out = append(out, h.Change())
	}
	return out
}

// UndoAll undoes every open change at once: the locks first, then every
// other change in parallel, the claim (Change.Last) after them; a change
// made while it runs is undone as soon as it is made. It returns when all
// are done or ctx ends, with the errors (which the undos' callers also
// get, see Handle.Undo).
func (l *Ledger) UndoAll(ctx context.Context) []error {
	l.mu.Lock()
	l.closing = true
	handles := slices.Clone(l.open)
	l.mu.Unlock()
	var errs []error
	var mu sync.Mutex
	phase := func(pick func(Change) bool) {
		var wg sync.WaitGroup
		for _, h := range handles {
			if !pick(h.Change()) {
				continue
			}
			wg.Go(func() {
				if _, err := h.undo(ctx); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
	phase(func(ch Change) bool { return ch.Kind == journal.KindLock })
	phase(func(ch Change) bool { return ch.Kind != journal.KindLock && !ch.Last })
	phase(func(ch Change) bool { return ch.Last })
	done := make(chan struct{})
	go func() { l.late.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return errs
}

// Untaken returns the errors of undos that no caller took to report (an
// UndoAll after an interrupt, whose callers the interrupt skipped).
func (l *Ledger) Untaken() []error {
	l.mu.Lock()
	handles := slices.Clone(l.undos)
	l.mu.Unlock()
	var out []error
	for _, h := range handles {
		h.mu.Lock()
		if h.err != nil && !h.taken {
			h.taken = true
			out = append(out, h.err)
		}
		h.mu.Unlock()
	}
	return out
}
