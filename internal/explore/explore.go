package explore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nicconform/nicconform/internal/cases"
	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/journal"
	"github.com/nicconform/nicconform/internal/lifecycle"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/spec"
)

// Defaults of Config.
const (
	DefaultSeqs        = 200
	DefaultSteps       = 20
	DefaultDuration    = 5 * time.Minute
	DefaultNICCeiling  = 5 // NICs of one server, the primary included
	DefaultShrinkTime  = 30 * time.Second
	DefaultShrinkStall = 500
)

// Config bounds a run.
type Config struct {
	// Target is where the sequences go. Required.
	Target *Target
	// Seqs is how many sequences to try at most; Steps the most steps one
	// may have (rapid draws lengths around it; explore caps them).
	Seqs, Steps int
	// Seed makes the run reproducible: the same seed draws the same
	// sequences (zero: one from the clock, reported).
	Seed uint64
	// Duration bounds the exploration (shrinking comes on top, within
	// ShrinkTime).
	Duration time.Duration
	// NICCeiling is the most NICs a server may have, the primary included;
	// no attach goes beyond it.
	NICCeiling int
	// ShrinkTime bounds the shrinking of a divergence; ShrinkRuns, when
	// positive, bounds the replays it may take.
	ShrinkTime time.Duration
	ShrinkRuns int
	// ShrinkStall ends shrinking once that many sequences played in the
	// target in a row (or 20 times as many tried, most of them answered
	// before) made it no shorter (default 500): rapid would go on making
	// the numbers it drew smaller, a whole sequence per try.
	ShrinkStall int
	// RunID goes into resource names: nicconform-<run>-explore-….
	RunID string
	// Journal records what a configured target gets created (nil: none).
	Journal *journal.Journal
	// Ops restricts the operations drawn (nil: every one in Ops).
	Ops []Op
	// Exclude and Baseline are rules whose breaks do not stop the run: a
	// target's known breaks (Exclude from -exclude, Baseline from an
	// earlier explore.json or conformance.json: LoadBaseline). A break of
	// one ends its sequence with a known-break advisory; the requests that
	// are cases of only such rules are not drawn. Exclude's ids must be
	// the catalog's.
	Exclude, Baseline []string
	// Progress, when non-nil, gets a line per finding and at the end;
	// against a configured target also one every ProgressEvery (default
	// DefaultProgressEvery): sequences, steps, advisories so far, time
	// left.
	Progress      io.Writer
	ProgressEvery time.Duration
}

// DefaultProgressEvery is how often a run against a configured target
// says where it is.
const DefaultProgressEvery = 10 * time.Second

func (c *Config) defaults() error {
	if c.Target == nil {
		return errors.New("explore: no target")
	}
	if c.Seqs <= 0 {
		c.Seqs = DefaultSeqs
	}
	if c.Steps <= 0 {
		c.Steps = DefaultSteps
	}
	if c.Duration <= 0 {
		c.Duration = DefaultDuration
	}
	if c.NICCeiling <= 0 {
		c.NICCeiling = DefaultNICCeiling
	}
	if c.NICCeiling < 2 {
		return fmt.Errorf("explore: a NIC ceiling of %d leaves no room beside the primary NIC", c.NICCeiling)
	}
	if c.ShrinkTime <= 0 {
		c.ShrinkTime = DefaultShrinkTime
	}
	if c.ShrinkStall <= 0 {
		c.ShrinkStall = DefaultShrinkStall
	}
	if c.Seed == 0 {
		c.Seed = uint64(time.Now().UnixNano())
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = DefaultProgressEvery
	}
	if c.RunID == "" {
		c.RunID = "explore"
	}
	if len(c.Ops) == 0 {
		c.Ops = Ops
	}
	for _, op := range c.Ops {
		if !slices.Contains(Ops, op) {
			return fmt.Errorf("explore: unknown op %q", op)
		}
	}
	return nil
}

// CheckRules checks rule ids against the catalog (spec/openapi.yaml): an
// error names the first unknown one and lists the catalog's.
func CheckRules(s *spec.Spec, ids []string) error {
	known := map[string]bool{}
	var all []string
	for _, r := range s.Rules() {
		known[r.ID] = true
		all = append(all, r.ID)
	}
	for _, id := range ids {
		if !known[id] {
			return fmt.Errorf("explore: %q is no rule of the catalog (the rules: %s)", id, strings.Join(all, ", "))
		}
	}
	return nil
}

// Finding is one divergence, shrunk to the shortest sequence that still
// diverges the same way.
type Finding struct {
	Divergence Divergence `json:"divergence"`
	// Sequence is the number of the sequence it was found in, Seed the
	// seed rapid drew that sequence from.
	Sequence int    `json:"sequence"`
	Seed     uint64 `json:"seed"`
	// FoundAfter is the time from the start of the run to the end of the
	// first sequence that diverged; FoundLength that sequence's length.
	FoundAfter  time.Duration `json:"foundAfterNs"`
	FoundLength int           `json:"foundLength"`
	// ShrinkRuns is how many sequences shrinking played in the target
	// (rapid tried more; those the target had answered before cost no
	// call).
	ShrinkRuns int `json:"shrinkRuns"`
	// Steps is the shortest sequence, as it last ran.
	Steps []StepRecord `json:"steps"`

	exchanges []*client.Exchange
	shrinking time.Duration // how long shrinking took
}

// Script returns the finding's steps, for a replay.
func (f *Finding) Script() []Step { return stepsOf(f.Steps) }

func stepsOf(recs []StepRecord) []Step {
	out := make([]Step, len(recs))
	for i, r := range recs {
		out[i] = r.Step
	}
	return out
}

// Result is what a run found.
type Result struct {
	Target  string        `json:"target"`
	Profile string        `json:"profile"`
	Seed    uint64        `json:"seed"`
	Started time.Time     `json:"started"`
	Elapsed time.Duration `json:"elapsedNs"`
	// Sequences and Steps count what the exploration ran (shrinking apart).
	Sequences int `json:"sequences"`
	Steps     int `json:"steps"`
	// Shrinking is the part of Elapsed spent shrinking divergences.
	Shrinking time.Duration `json:"shrinkingNs"`
	// Stopped says why exploring ended.
	Stopped string `json:"stopped"`
	// Findings: the divergence exploring stopped at first, then the
	// neighbour divergences met on the way (with PastNeighbours; they are
	// reported apart).
	Findings []*Finding `json:"findings"`
	// Advisories are what the target did that no rule's statement covers
	// (a neighbour call's answer, a header, the state after a neighbour
	// call), the rule each refusal satisfied where more than one applied,
	// and the known breaks met (Config.Exclude, Config.Baseline): the
	// suite's advisory shape, merged by kind and what they concern.
	Advisories []report.Advisory `json:"advisories"`
	// Leaks are what a cleanup could not undo, with how to sweep it.
	Leaks []string `json:"leaks,omitempty"`
	// Replay is set when the run replayed a recorded sequence.
	Replay bool `json:"replay,omitempty"`
	// Caps are the bounds the run ran with.
	Caps Caps `json:"caps"`
}

// Caps are a run's bounds, as reported.
type Caps struct {
	Seqs       int           `json:"seqs"`
	Steps      int           `json:"steps"`
	Duration   time.Duration `json:"durationNs"`
	NICCeiling int           `json:"nicCeiling"`
	ShrinkTime time.Duration `json:"shrinkTimeNs"`
	ShrinkRuns int           `json:"shrinkRuns,omitempty"`
}

// StepsPerSecond is the exploration's rate, shrinking left out.
func (r *Result) StepsPerSecond() float64 {
	if d := (r.Elapsed - r.Shrinking).Seconds(); d > 0 {
		return float64(r.Steps) / d
	}
	return 0
}

// Diverged reports whether the run found a divergence.
func (r *Result) Diverged() bool { return len(r.Findings) > 0 }

// explorer is one run's shared state.
type explorer struct {
	ctx       context.Context
	cfg       Config
	t         *Target
	spec      *spec.Spec
	rules     rules
	malformed map[string]cases.Case // "param/kind" → case
	caseKinds map[string][]string   // param → kinds
	runID     string
	journal   *journal.Journal
	// ignored are NICs of the configured target's servers that were there
	// before the run (the primaries apart): never touched, never compared.
	ignored     map[string]bool
	ignoredNICs map[string]int
	seq         int // sequences started, shrinking included
	known       map[string]bool
	cur         *attempt
	leaks       []string
	steps       int
	admin       *client.Client   // a configured target's client for the claim and the checks
	claimID     string           // the run's claim port
	lease       *lifecycle.Lease // the claim's lease, renewed while the run lives
	// knownRules are the rules whose breaks do not stop the run
	// (Config.Exclude and Config.Baseline).
	knownRules    map[string]bool
	advisories    []report.Advisory
	advisoryIndex map[string]int
	// out serialises the progress lines (the heartbeat writes from its
	// own goroutine); stat is what the heartbeat reads.
	out  sync.Mutex
	stat struct {
		sync.Mutex
		seqs, steps, advisories, current int
	}
}

func newExplorer(ctx context.Context, cfg Config) (*explorer, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	s, err := spec.Load()
	if err != nil {
		return nil, fmt.Errorf("explore: %w", err)
	}
	cs, err := cases.Malformed(s.Detach())
	if err != nil {
		return nil, fmt.Errorf("explore: %w", err)
	}
	x := &explorer{
		ctx: ctx, cfg: cfg, t: cfg.Target, spec: s, rules: newRules(s, cfg.Target.Profile),
		malformed: map[string]cases.Case{}, caseKinds: map[string][]string{},
		runID: cfg.RunID, journal: cfg.Journal, ignored: map[string]bool{}, ignoredNICs: map[string]int{},
		known: map[string]bool{}, knownRules: map[string]bool{}, advisoryIndex: map[string]int{},
	}
	if err := CheckRules(s, cfg.Exclude); err != nil {
		return nil, err
	}
	for _, id := range append(slices.Clone(cfg.Exclude), cfg.Baseline...) {
		x.knownRules[id] = true
	}
	for _, c := range cs {
		if c.In != "path" {
			continue
		}
		x.malformed[c.Param+"/"+c.Kind] = c
		x.caseKinds[c.Param] = append(x.caseKinds[c.Param], c.Kind)
	}
	return x, nil
}

func (x *explorer) progress(format string, args ...any) {
	if x.cfg.Progress != nil {
		x.out.Lock()
		defer x.out.Unlock()
		fmt.Fprintf(x.cfg.Progress, format+"\n", args...)
	}
}

// heartbeat says where the run is every ProgressEvery, until stop is
// called: against a configured target a sequence may take minutes.
func (x *explorer) heartbeat(deadline time.Time) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(x.cfg.ProgressEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				x.stat.Lock()
				seqs, steps, advs, cur := x.stat.seqs, x.stat.steps, x.stat.advisories, x.stat.current
				x.stat.Unlock()
				left := max(time.Until(deadline), 0).Round(time.Second)
				x.progress("explore: %d sequences, %d steps done, %d advisories so far; in sequence %d; %s left of %s (at most %d sequences)",
					seqs, steps, advs, cur, left, x.cfg.Duration, x.cfg.Seqs)
			}
		}
	}()
	return func() { close(done); <-finished }
}

// noteStatus updates what the heartbeat reads.
func (x *explorer) noteStatus(seqs, current int) {
	x.stat.Lock()
	defer x.stat.Unlock()
	x.stat.seqs, x.stat.current, x.stat.steps, x.stat.advisories = seqs, current, x.steps, len(x.advisories)
}

// nextSeq numbers a new sequence (shrinking replays included).
func (x *explorer) nextSeq() int {
	x.seq++
	return x.seq
}

// sequenceSeed derives the seed of the i-th sequence from the run's seed
// (splitmix64), never zero (rapid takes zero for "draw one").
func sequenceSeed(seed uint64, i int) uint64 {
	z := seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	if z == 0 {
		z = 1
	}
	return z
}

// Run explores: sequence after sequence until one diverges (past
// neighbour divergences with PastNeighbours) or the caps are reached;
// shrinks each divergence; cleans up after every sequence. The error is set when the
// run could not run (a target that does not answer, a cleanup that failed,
// a bug); a divergence is a result, not an error.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	x, err := newExplorer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	res := x.result()
	defer func() { res.Leaks, res.Advisories = x.leaks, x.advisories }()
	if err := x.prepare(); err != nil {
		x.finish()
		return res, err
	}
	defer x.finish()
	start := time.Now()
	deadline := start.Add(x.cfg.Duration)
	if x.cfg.Progress != nil && !x.t.Embedded {
		defer x.heartbeat(deadline)()
	}
	res.Stopped = "sequences"
	for i := 0; i < x.cfg.Seqs; i++ {
		x.noteStatus(i, i+1)
		if ctx.Err() != nil {
			res.Stopped = "interrupted"
			break
		}
		if time.Now().After(deadline) {
			res.Stopped = "duration"
			break
		}
		seed := sequenceSeed(x.cfg.Seed, i)
		f, err := x.checkSequence(seed, start)
		res.Sequences++
		if f != nil {
			res.Shrinking += f.shrinking
			f.Sequence = i + 1
			res.Findings = append(res.Findings, f)
			x.progress("explore: sequence %d diverged (%s) after %s; shrunk from %d to %d steps in %d replays",
				i+1, f.Divergence.Signature(), f.FoundAfter.Round(time.Millisecond), f.FoundLength, len(f.Steps), f.ShrinkRuns)
		}
		if err != nil {
			res.Steps, res.Elapsed, res.Leaks = x.steps, time.Since(start), x.leaks
			sortFindings(res)
			return res, err
		}
		if f != nil {
			res.Stopped = "divergence"
			break
		}
	}
	res.Steps, res.Elapsed, res.Leaks = x.steps, time.Since(start), x.leaks
	sortFindings(res)
	return res, nil
}

// sortFindings puts the divergence that stopped the run first; the
// neighbour ones follow in the order found.
func sortFindings(res *Result) {
	slices.SortStableFunc(res.Findings, func(a, b *Finding) int {
		an, bn := a.Divergence.Kind == KindNeighbour, b.Divergence.Kind == KindNeighbour
		switch {
		case an == bn:
			return 0
		case bn:
			return -1
		}
		return 1
	})
}

func (x *explorer) result() *Result {
	return &Result{
		Target: x.t.Description, Profile: x.t.Profile, Seed: x.cfg.Seed, Started: time.Now().UTC(),
		Caps: Caps{Seqs: x.cfg.Seqs, Steps: x.cfg.Steps, Duration: x.cfg.Duration, NICCeiling: x.cfg.NICCeiling,
			ShrinkTime: x.cfg.ShrinkTime, ShrinkRuns: x.cfg.ShrinkRuns},
	}
}

// Replay runs a recorded sequence exactly, step by step, in both worlds,
// and reports the first divergence, if any.
func Replay(ctx context.Context, cfg Config, steps []Step) (*Result, error) {
	x, err := newExplorer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	for i, st := range steps {
		if err := st.validate(); err != nil {
			return nil, fmt.Errorf("explore: replay: step %d: %w", i+1, err)
		}
	}
	res := x.result()
	res.Replay, res.Seed, res.Stopped = true, 0, "replayed"
	if err := x.prepare(); err != nil {
		x.finish()
		return res, err
	}
	defer x.finish()
	start := time.Now()
	r, err := x.newSeq(x.nextSeq())
	if err != nil {
		return res, err
	}
	d, err := x.replaySteps(r, steps)
	exchanges := r.trimmedExchanges(len(r.steps))
	x.cleanup(r)
	x.noteAdvisories(r.advisories)
	res.Sequences, res.Steps, res.Elapsed, res.Leaks, res.Advisories = 1, len(r.steps), time.Since(start), x.leaks, x.advisories
	if d != nil {
		res.Findings = []*Finding{{Divergence: *d, Sequence: 1, FoundAfter: time.Since(start), FoundLength: len(r.steps),
			Steps: append([]StepRecord(nil), r.steps...), exchanges: exchanges}}
	}
	if err == nil && len(x.leaks) > 0 {
		err = fmt.Errorf("explore: the cleanup left %d thing(s) behind", len(x.leaks))
	}
	return res, err
}

// replaySteps runs the recorded steps in the model, then plays them in the
// target, and reports the first divergence.
func (x *explorer) replaySteps(r *seqRun, steps []Step) (*Divergence, error) {
	for _, st := range steps {
		if st.Server == "" && st.Op != OpDeletePort && st.Op != OpShowPort && st.Op != OpDetachUnknownServer {
			st.Server = Main
		}
		if st.Server == Other && r.mdl.servers[Other] == "" {
			return nil, fmt.Errorf("explore: replay: step %q needs a second server (NICCONFORM_OTHER_SERVER_ID)", st)
		}
		if !x.primaryProbe() && aimsAtPrimary(st) {
			return nil, fmt.Errorf("explore: replay: step %q aims at the server's primary NIC, which this run may not (NICCONFORM_ALLOW_PRIMARY_PROBE, and a profile with a primary NIC): a detach of it could not be undone", st)
		}
		if i := handleIndex(st.Port); i >= len(r.mdl.ports) {
			return nil, fmt.Errorf("explore: replay: step %q names port %s, which the sequence has not made", st, st.Port)
		}
		if err := r.planStep(x.ctx, st); err != nil {
			return nil, err
		}
	}
	d, err := r.play(x.ctx)
	x.steps += len(r.steps)
	return d, err
}

// aimsAtPrimary reports whether a detach-family step names a primary NIC.
func aimsAtPrimary(st Step) bool {
	return st.Op.subject() && (st.Op == OpDetachPrimary || st.Port == RefPrimary || st.Port == RefOtherPrimary)
}
