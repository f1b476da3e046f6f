package main

import (
	"context"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/onsi/gomega"
)

// stopOnSignal's duties, each seen through its injected effects: a run
// that outlives grace after the first signal exits 2; make's signal and
// the run's own deadline signal this process; a run whose specs end
// within grace is not exited. Its context is the specs' end only:
// runSuite derives it from main's with context.WithoutCancel, because
// main's ends on the very signal the backstop must see through (a review
// found the backstop returning there, before any exit).
func TestBackstop(t *testing.T) {
	type effects struct {
		exited chan int
		self   chan os.Signal
	}
	start := func(ctx context.Context, deadline time.Time, grace time.Duration) (chan os.Signal, chan os.Signal, effects) {
		sigs, fromMake := make(chan os.Signal, 1), make(chan os.Signal, 1)
		fx := effects{exited: make(chan int, 1), self: make(chan os.Signal, 4)}
		go stopOnSignal(ctx, backstop{sigs: sigs, fromMake: fromMake, deadline: deadline, grace: grace,
			stderr: io.Discard, exit: func(code int) { fx.exited <- code }, self: func(s os.Signal) { fx.self <- s }})
		return sigs, fromMake, fx
	}
	far := time.Now().Add(time.Hour)

	t.Run("a run that outlives grace exits 2", func(t *testing.T) {
		sigs, _, fx := start(context.Background(), far, 50*time.Millisecond)
		sigs <- os.Interrupt
		if code := receive(t, "exit", fx.exited); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
	})
	t.Run("make's signal and the deadline signal this process", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, fromMake, fx := start(ctx, far, time.Hour)
		fromMake <- syscall.SIGINT
		if s := receive(t, "signal sent on for make's", fx.self); s != syscall.SIGINT {
			t.Errorf("make's SIGINT sent on as %v", s)
		}
		ctx2, cancel2 := context.WithCancel(context.Background())
		defer cancel2()
		_, _, fx2 := start(ctx2, time.Now(), time.Hour)
		if s := receive(t, "signal at the deadline", fx2.self); s != syscall.SIGTERM {
			t.Errorf("the deadline sent %v, want SIGTERM", s)
		}
	})
	t.Run("a run that stops within grace is not exited", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		sigs, _, fx := start(ctx, far, time.Second)
		sigs <- os.Interrupt
		cancel() // the specs are over, within grace
		gomega.NewWithT(t).Consistently(fx.exited).WithTimeout(2*time.Second).ShouldNot(gomega.Receive(),
			"the backstop exited a run that stopped within its grace")
	})
}

// receive returns what c gives within 10 s, and fails t (naming what it
// waited for) when it gives nothing.
func receive[T any](t *testing.T, what string, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10 s", what)
		var zero T
		return zero
	}
}
