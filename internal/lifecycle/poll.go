// Package lifecycle is how a run changes the target and undoes what it
// changed, in one place, for the suite's fixtures and `nicconform sweep`
// alike:
//
//   - create-and-track (Ledger): the journal's intent is written before a
//     change is sent, its undo is registered before anything can fail, and
//     what the target made is written the moment the answer comes;
//   - one removal policy (RemovePort) and one undo per kind of change
//     (Undo): a run's cleanup and a sweep remove a port the same way;
//   - one bounded poll (Until, Hold), with a heartbeat while a wait lasts;
//   - one answer to "has this port left the server" (Detached).
//
// The changes are those of docs/design.md's target contract: ports the run
// creates (the claim and the witness among them), NICs it attaches by
// port_id or net_id, and the server lock.
package lifecycle

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/report"
)

// Wait is one bounded poll.
type Wait struct {
	// What is awaited, as a heartbeat and an error name it ("the detach
	// of port X to complete").
	What string
	// Timeout bounds the wait; Interval is how often it looks (at least
	// 1ms).
	Timeout, Interval time.Duration
	// Progress gets a heartbeat while the wait lasts; nil: none.
	Progress *Progress
}

// Until polls check every w.Interval until it passes, for at most
// w.Timeout and no longer than ctx, and returns nil, or an error with the
// last failure of check in plain text. check fails by failing its Gomega;
// gomega.StopTrying ends the wait at once with its message. It is the one
// bounded poll of nicconform (Gomega's Eventually, returning the failure
// instead of failing a spec).
func Until(ctx context.Context, w Wait, check func(gomega.Gomega)) error {
	defer w.Progress.Waiting(w.What, time.Now().Add(w.Timeout))()
	var failure string
	g := gomega.NewGomega(func(message string, _ ...int) { failure = message })
	if !g.Eventually(ctx, check).WithTimeout(w.Timeout).WithPolling(max(w.Interval, time.Millisecond)).Should(gomega.Succeed()) {
		return fmt.Errorf("%s", report.Plain(failure))
	}
	return nil
}

// Hold checks that check keeps passing for w.Timeout, looking every
// w.Interval, and returns its first failure in plain text if it does not.
func Hold(ctx context.Context, w Wait, check func(gomega.Gomega)) error {
	defer w.Progress.Waiting(w.What, time.Now().Add(w.Timeout))()
	var failure string
	g := gomega.NewGomega(func(message string, _ ...int) { failure = message })
	if !g.Consistently(ctx, check).WithTimeout(w.Timeout).WithPolling(max(w.Interval, time.Millisecond)).Should(gomega.Succeed()) {
		return fmt.Errorf("%s", report.Plain(failure))
	}
	return nil
}

// DefaultHeartbeat is how often a long wait says it is still waiting
// (docs/design.md, "Progress").
const DefaultHeartbeat = 10 * time.Second

// Progress writes the heartbeats of long waits: while a wait lasts longer
// than Every, one line every Every naming what is awaited and the time
// left. A nil *Progress writes nothing. Safe for concurrent use.
type Progress struct {
	w     io.Writer
	every time.Duration
	mu    sync.Mutex
}

// NewProgress writes heartbeats to w every DefaultHeartbeat (every, when
// positive).
func NewProgress(w io.Writer, every time.Duration) *Progress {
	if every <= 0 {
		every = DefaultHeartbeat
	}
	return &Progress{w: w, every: every}
}

// Printf writes one line of progress.
func (p *Progress) Printf(format string, args ...any) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}

// Waiting starts the heartbeat of a wait for what that ends by deadline
// (zero: no bound) and returns the function that stops it.
func (p *Progress) Waiting(what string, deadline time.Time) (stop func()) {
	if p == nil || what == "" {
		return func() {}
	}
	done := make(chan struct{})
	start := time.Now()
	go func() {
		t := time.NewTicker(p.every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				left := "no bound"
				if !deadline.IsZero() {
					left = max(deadline.Sub(now), 0).Round(time.Second).String() + " left"
				}
				p.Printf("nicconform: still waiting for %s (%s so far, %s)", what, now.Sub(start).Round(time.Second), left)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}
