package explore

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/nicconform/nicconform/internal/client"
)

// rapid keeps its settings in global flags (rapid.checks, rapid.steps,
// rapid.seed, rapid.nofailfile, rapid.shrinktime) read when a check runs:
// explore sets them for each check it runs, one check at a time.
var rapidMu sync.Mutex

// initRapid makes rapid usable outside `go test`: rapid.Check asks
// testing.Short(), which needs the testing flags registered and parsed. In
// a test binary they already are; in the command this registers them on
// the default flag set (which the command never parses from its
// arguments) and marks it parsed.
var initRapid = sync.OnceFunc(func() {
	testing.Init()
	if !flag.Parsed() {
		_ = flag.CommandLine.Parse(nil)
	}
})

// setRapid sets one of rapid's flags.
func setRapid(name, value string) error {
	if err := flag.Set("rapid."+name, value); err != nil {
		return fmt.Errorf("explore: rapid flag %s: %w", name, err)
	}
	return nil
}

// stallRuns: shrinking also stalls after ShrinkStall times this many
// sequences rapid tried (most of them the target had answered before)
// without a shorter one.
const stallRuns = 20

// attempt is one sequence's check: what rapid found, and what shrinking
// made of it.
type attempt struct {
	seed      uint64
	start     time.Time // the run's start
	sig       string    // the signature of the divergence found ("" none yet)
	best      *Finding  // the shortest divergent sequence so far
	runs      int       // sequences rapid ran in this check
	played    int       // …of those, the ones played in the target
	foundRuns int       // runs when the divergence was found
	// played when the divergence was found, and when shrinking last made
	// it shorter; and runs then.
	foundPlayed, shorter, shorterRuns int
	err                               error // the run could not go on

	// What the target answered to the step lists played so far: rapid
	// tries many a sequence again (shrinking makes the numbers it drew
	// smaller, often without changing a step), and a world answers a
	// sequence the same way each time.
	diverged map[string]outcome // a step-list prefix → the divergence it ends in
	passed   map[string]bool    // step lists (and their prefixes) that did not diverge
}

// outcome is a played sequence that diverged.
type outcome struct {
	d         *Divergence
	steps     []StepRecord
	exchanges []*client.Exchange
}

// keys returns the cache keys of every prefix of steps (keys[k] is the
// first k steps').
func keys(steps []Step) []string {
	out := make([]string, len(steps)+1)
	var b strings.Builder
	for i, st := range steps {
		fmt.Fprintf(&b, "%s|%s|%s|%s|%s|%s|%s|%t;", st.Op, st.Server, st.Port, st.Method, st.Param, st.Case, st.Literal, st.Slash)
		out[i+1] = b.String()
	}
	return out
}

// checkSequence runs one sequence drawn from seed; on a divergence it lets
// rapid shrink it and returns the shortest one.
func (x *explorer) checkSequence(seed uint64, start time.Time) (*Finding, error) {
	initRapid()
	rapidMu.Lock()
	defer rapidMu.Unlock()
	// One test case per check (rapid runs a fifth of rapid.checks, and
	// half of rapid.steps, under -short); rapid's step count is an
	// average: explore caps the steps itself (machine.step).
	checks, steps := 1, x.cfg.Steps
	if testing.Short() {
		checks, steps = 5, 2*steps
	}
	for name, value := range map[string]string{
		"checks":     strconv.Itoa(checks),
		"steps":      strconv.Itoa(steps),
		"seed":       strconv.FormatUint(seed, 10),
		"nofailfile": "true",
		"shrinktime": x.cfg.ShrinkTime.String(),
		"failfile":   "",
	} {
		if err := setRapid(name, value); err != nil {
			return nil, err
		}
	}
	a := &attempt{seed: seed, start: start, diverged: map[string]outcome{}, passed: map[string]bool{}}
	x.cur = a
	tb := &rapidTB{}
	rapid.Check(tb, x.property)
	x.cur = nil
	if a.best != nil {
		a.best.shrinking = time.Since(a.start) - a.best.FoundAfter
		a.best.Seed = seed
		a.best.ShrinkRuns = a.played - a.foundPlayed
		if a.best.Divergence.Kind == KindNeighbour {
			x.known[a.sig] = true
		}
		return a.best, a.err
	}
	if a.err != nil {
		return nil, a.err
	}
	if tb.failed && !tb.skipped && x.ctx.Err() == nil {
		return nil, fmt.Errorf("explore: rapid: %s", tb.msg)
	}
	return nil, nil
}

// property is one sequence, as rapid runs it: a state machine whose
// actions are the operations, run in the model as they are drawn; then the
// sequence is played in the target and held to the model.
func (x *explorer) property(t *rapid.T) {
	a := x.cur
	switch {
	case a.err != nil, x.ctx.Err() != nil:
		t.Skip("stopped")
	case a.best != nil && x.cfg.ShrinkRuns > 0 && a.played-a.foundPlayed >= x.cfg.ShrinkRuns:
		t.Skip("shrink budget spent")
	case a.best != nil && (a.played-max(a.shorter, a.foundPlayed) >= x.cfg.ShrinkStall ||
		a.runs-max(a.shorterRuns, a.foundRuns) >= stallRuns*x.cfg.ShrinkStall):
		// rapid goes on making the numbers it drew smaller long after
		// the sequence stopped getting shorter.
		t.Skip("shrinking stalled")
	}
	a.runs++
	r, err := x.newSeq(x.nextSeq())
	if err != nil {
		a.err = err
		t.Skip("could not set up")
	}
	m := &machine{x: x, r: r, a: a}
	acts := map[string]func(*rapid.T){}
	for _, act := range actions {
		acts[act.name] = func(t *rapid.T) { m.step(t, act) }
	}
	t.Repeat(acts)
	if a.err != nil {
		return
	}
	m.judge(t, m.outcome())
}

// machine drives one sequence for rapid.
type machine struct {
	x         *explorer
	r         *seqRun
	a         *attempt
	stopped   bool // the model could not run a step
	steps     []StepRecord
	exchanges []*client.Exchange
}

// end ends the sequence: rapid's Repeat stops after a few rejected actions.
func (m *machine) end(t *rapid.T, why string) {
	rapid.Just(true).Draw(t, "end")
	t.Skip(why)
}

// step draws a step of the action and runs it in the model.
func (m *machine) step(t *rapid.T, act action) {
	if m.stopped || len(m.r.plan) >= m.x.cfg.Steps || m.x.ctx.Err() != nil {
		m.end(t, "the sequence is over")
	}
	st, ok := m.r.drawStep(t, act, m.r.facts())
	if !ok {
		return // none of the action's operations can run now
	}
	if err := m.r.planStep(m.x.ctx, st); err != nil {
		m.a.err, m.stopped = err, true
	}
}

// outcome plays the planned sequence in the target, unless the target
// already answered it (or a prefix of it that diverged).
func (m *machine) outcome() *Divergence {
	a, r := m.a, m.r
	plan := make([]Step, len(r.plan))
	for i, p := range r.plan {
		plan[i] = p.rec.Step
	}
	ks := keys(plan)
	for _, k := range ks {
		if o, ok := a.diverged[k]; ok {
			m.steps, m.exchanges = o.steps, o.exchanges
			return o.d
		}
	}
	if a.passed[ks[len(ks)-1]] {
		return nil
	}
	a.played++
	d, err := r.play(m.x.ctx)
	if a.best == nil {
		m.x.steps += len(r.steps)
		m.x.noteAdvisories(r.advisories)
		m.x.stat.Lock()
		m.x.stat.steps, m.x.stat.advisories = m.x.steps, len(m.x.advisories)
		m.x.stat.Unlock()
	}
	m.steps, m.exchanges = r.steps, r.trimmedExchanges(len(r.steps))
	m.x.cleanup(r)
	switch {
	case err != nil:
		if a.err == nil {
			a.err = err
		}
		return nil
	case d != nil:
		a.diverged[ks[d.Step]] = outcome{d: d, steps: m.steps, exchanges: m.exchanges}
	default:
		for _, k := range ks {
			a.passed[k] = true
		}
	}
	return d
}

// judge fails the test case on a divergence of the attempt's signature
// (the first one found sets it); another divergence is not this finding,
// and passes, so that shrinking keeps to one. The message is the same for
// every run of one finding, as rapid wants.
func (m *machine) judge(t *rapid.T, d *Divergence) {
	if d == nil {
		return
	}
	sig := d.Signature()
	if m.a.sig == "" {
		if d.Kind == KindNeighbour && m.x.known[sig] {
			return // reported already
		}
		m.a.sig, m.a.foundRuns, m.a.foundPlayed = sig, m.a.runs, m.a.played
	}
	if sig != m.a.sig {
		return
	}
	best := m.a.best
	if best == nil {
		best = &Finding{FoundAfter: time.Since(m.a.start), FoundLength: len(m.steps)}
		m.a.best = best
	}
	if best.Steps != nil && len(m.steps) < len(best.Steps) {
		m.a.shorter, m.a.shorterRuns = m.a.played, m.a.runs
	}
	if best.Steps == nil || len(m.steps) <= len(best.Steps) {
		best.Divergence, best.Steps, best.exchanges = *d, m.steps, m.exchanges
	}
	t.Fatalf("divergence: %s", sig)
}

// rapidTB is the testing.TB rapid.Check reports to: explore reads its
// findings from the attempt, and keeps only whether rapid failed and why.
type rapidTB struct {
	failed, skipped bool
	msg             string
}

func (tb *rapidTB) Helper()             {}
func (tb *rapidTB) Name() string        { return "nicconform-explore" }
func (tb *rapidTB) Logf(string, ...any) {}

func (tb *rapidTB) Log(...any)                {}
func (tb *rapidTB) Skipf(string, ...any)      { tb.skipped = true }
func (tb *rapidTB) Skip(...any)               { tb.skipped = true }
func (tb *rapidTB) SkipNow()                  { tb.skipped = true }
func (tb *rapidTB) Errorf(f string, a ...any) { tb.fail(fmt.Sprintf(f, a...)) }
func (tb *rapidTB) Error(a ...any)            { tb.fail(fmt.Sprint(a...)) }
func (tb *rapidTB) Fatalf(f string, a ...any) { tb.fail(fmt.Sprintf(f, a...)) }
func (tb *rapidTB) Fatal(a ...any)            { tb.fail(fmt.Sprint(a...)) }
func (tb *rapidTB) FailNow()                  { tb.failed = true }
func (tb *rapidTB) Fail()                     { tb.failed = true }
func (tb *rapidTB) Failed() bool              { return tb.failed }

func (tb *rapidTB) fail(msg string) {
	tb.failed = true
	if tb.msg == "" {
		tb.msg = msg
	}
}
