package explore

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/journal"
	"github.com/nicconform/nicconform/internal/mock"
)

// StepRecord is one step as it ran: the request and both answers.
type StepRecord struct {
	N    int  `json:"n"`
	Step Step `json:"step"`
	// Rule is the catalog rule whose case the step is (detach-family steps).
	Rule   string `json:"rule,omitempty"`
	Target Answer `json:"target"`
	Model  Answer `json:"model"`
	// State is what the state comparison after the step found: "same", or
	// the differences.
	State string `json:"state,omitempty"`
	// Satisfied names the rule whose statement the target's answer
	// satisfied where it is not the model's (more than one rule applies,
	// and no statement orders them).
	Satisfied string `json:"satisfied,omitempty"`
	// Advisory says what the target did here that no rule covers (an
	// advisory of the run; the sequence went on).
	Advisory string `json:"advisory,omitempty"`
	// ByNet marks a step whose port was made by an attach-net; Kept an
	// attach-port of a port a detach kept.
	ByNet bool `json:"-"`
	Kept  bool `json:"-"`
}

// planned is one step as the model ran it. A sequence runs in the model
// first (in process, the steps drawn from its state), then in the target,
// step by step, each step's answers and the state after it held to the
// model's: the model does not depend on the target, so running it ahead
// changes nothing but the cost of a sequence rapid tries again.
type planned struct {
	rec    StepRecord // the step, its case and the model's answer
	f      facts      // the model's state before the step
	mex    *client.Exchange
	name   string // the name a port the step creates gets
	handle int    // the handle of the port the step made in the model (-1: none)
	// after is the model's state after the step (every server, the lock,
	// every port); changed says the step changed it.
	after   view
	changed bool
	// lockSteps and otherSteps: the sequence has, up to this step, locked
	// or unlocked, and named the other server or one of its NICs.
	lockSteps, otherSteps bool
}

// seqRun is one sequence in both worlds.
type seqRun struct {
	x     *explorer
	n     int // the sequence's number in the run (for resource names)
	mdl   *side
	model *mock.Mock

	// The model's run.
	plan         []planned
	initial      view            // the model's state before any step
	byNet        []bool          // per handle: made by an attach-net
	detached     map[string]bool // handles whose detach (from either server) the model accepted
	keptDetached map[string]bool // …of those, the ones attached by port_id
	locked       bool            // the model's server is locked
	lockSteps    bool
	otherSteps   bool
	lastModel    string // the model's state after the last step, rendered

	// The target's run.
	tgt        *side
	steps      []StepRecord
	extra      []string // ports the target made where the model made none
	lockedByUs bool     // the target's server was locked by this sequence
	addrs      *addresses
	gone       map[string]bool // handles both worlds showed deleted
	seen       map[string]int  // request ids the target gave the detach operation
	// skips are the steps the model skips: the target refused them where
	// the model carried them out, and no rule covers that (replan).
	skips map[int]bool
	// advisories are what the target did that no rule covers, or that
	// breaks a rule the run was told of (Config.Exclude, Baseline).
	advisories []advisory
}

// newSeq seeds a fresh model for a sequence; the target joins in play.
func (x *explorer) newSeq(n int) (*seqRun, error) {
	r := &seqRun{x: x, n: n, addrs: newAddresses(), gone: map[string]bool{}, seen: map[string]int{}, skips: map[int]bool{}}
	if err := r.freshModel(); err != nil {
		return nil, err
	}
	return r, nil
}

// freshModel gives the sequence a fresh model, before any step.
func (r *seqRun) freshModel() error {
	x := r.x
	servers := 1
	if x.t.OtherServerID != "" {
		servers = 2
	}
	mdl, m, err := newModel(x.spec, x.t.Profile, servers)
	if err != nil {
		return err
	}
	if servers > 1 && !x.t.Embedded {
		// A configured target's other server is left alone, its primary
		// unknown: the model's stands for it, out of every comparison.
		mdl.ignored[mdl.primaries[Other]] = true
	}
	if r.model != nil {
		r.model.Close()
	}
	r.mdl, r.model = mdl, m
	r.plan, r.byNet = nil, nil
	r.detached, r.keptDetached = map[string]bool{}, map[string]bool{}
	r.locked, r.lockSteps, r.otherSteps = false, false, false
	r.initial = r.modelView(look{lock: true, roles: r.roles()})
	r.lastModel = render(r.initial)
	return nil
}

// replan brings the model to the target's observed state after step i+1
// (plan[i]), which the target refused where the model carried it out and
// which no rule covers (a port DELETE refused while the port is bound): a
// fresh model runs the sequence again without that step (and without the
// ones skipped before), so that the steps after it are held to a model in
// the target's state. Only a step that makes no port may be skipped (the
// ports' references would shift).
func (r *seqRun) replan(ctx context.Context, i int) error {
	old := r.plan
	r.skips[i] = true
	if err := r.freshModel(); err != nil {
		return err
	}
	for j, p := range old {
		if !r.skips[j] {
			if err := r.planStep(ctx, p.rec.Step); err != nil {
				return err
			}
			continue
		}
		q := p
		q.rec.N, q.f, q.handle = len(r.plan)+1, r.facts(), -1
		q.after = r.modelView(look{lock: true, roles: r.roles()})
		q.changed, q.lockSteps, q.otherSteps = false, r.lockSteps, r.otherSteps
		r.plan = append(r.plan, q)
	}
	// The fresh model gave the ports new addresses: only changes from here
	// on count.
	r.addrs = newAddresses()
	return nil
}

// roles are the server roles the sequence has.
func (r *seqRun) roles() []string {
	if r.mdl.servers[Other] != "" {
		return []string{Main, Other}
	}
	return []string{Main}
}

// facts is what the model shows before a step: what explore draws steps
// from, and what names a step's case.
type facts struct {
	attached     map[string]string   // port reference → the server role it is attached to
	order        map[string][]string // server role → its NICs' references, in attach order
	exists       map[string]bool     // handles whose port exists
	nics         map[string]int      // server role → NICs (the target's ignored ones counted)
	locked       bool
	detached     map[string]bool
	keptDetached map[string]bool
	handles      int
}

func (r *seqRun) facts() facts {
	f := facts{attached: map[string]string{}, order: map[string][]string{}, exists: map[string]bool{}, nics: map[string]int{},
		locked: r.locked, detached: maps.Clone(r.detached), keptDetached: maps.Clone(r.keptDetached), handles: len(r.mdl.ports)}
	for _, role := range r.roles() {
		ifaces := r.model.Interfaces(r.mdl.servers[role])
		f.nics[role] = len(ifaces) + r.x.ignoredNICs[role]
		for _, i := range ifaces {
			if ref := r.mdl.ref(i.PortID); ref != "" {
				f.attached[ref] = role
				f.order[role] = append(f.order[role], ref)
			}
		}
	}
	for _, p := range r.model.Ports() {
		if ref := r.mdl.ref(p.ID); handleIndex(ref) >= 0 {
			f.exists[ref] = true
		}
	}
	return f
}

// planStep runs a step in the model.
func (r *seqRun) planStep(ctx context.Context, st Step) error {
	f := r.facts()
	p := planned{rec: StepRecord{N: len(r.plan) + 1, Step: st}, f: f, handle: -1}
	if st.Op.subject() {
		p.rec.Rule = r.x.situation(st, f)
	}
	if i := handleIndex(st.Port); i >= 0 && i < len(r.byNet) {
		p.rec.ByNet = r.byNet[i]
	}
	p.rec.Kept = st.Op == OpAttachPort && f.keptDetached[st.Port]
	p.name = fmt.Sprintf("nicconform-%s-explore-%d-%d", r.x.runID, r.n, len(r.mdl.ports)+1)
	req, c, err := r.mdl.request(st, r.x.spec, r.x.malformed, p.name)
	if err != nil {
		return err
	}
	if p.mex, err = r.mdl.send(ctx, c, req, fmt.Sprintf("sequence %d step %d: %s", r.n, p.rec.N, st)); err != nil {
		return err
	}
	p.rec.Model = answerOf(r.x.spec, p.mex)
	if st.Op == OpCreatePort || st.Op == OpAttachNet {
		if id := createdPort(st.Op, p.mex); id != "" {
			p.handle = len(r.mdl.ports)
			r.mdl.ports = append(r.mdl.ports, id)
			r.byNet = append(r.byNet, st.Op == OpAttachNet)
		}
	}
	if st.Server == Other || st.Port == RefOtherPrimary || f.attached[st.Port] == Other || st.Op == OpDetachUnknownServer {
		r.otherSteps = true
	}
	r.learn(st, p.mex)
	p.after = r.modelView(look{lock: true, roles: r.roles()})
	now := render(p.after)
	p.changed, r.lastModel = now != r.lastModel, now
	p.lockSteps, p.otherSteps = r.lockSteps, r.otherSteps
	r.plan = append(r.plan, p)
	return nil
}

// learn updates what explore tracks from the model's answer.
func (r *seqRun) learn(st Step, m *client.Exchange) {
	ok := m.Status >= 200 && m.Status < 300
	switch st.Op {
	case OpLock:
		r.lockSteps = true
		r.locked = r.locked || ok
	case OpUnlock:
		r.lockSteps = true
		r.locked = r.locked && !ok
	case OpDetach, OpDetachRepeat:
		if ok && handleIndex(st.Port) >= 0 {
			r.detached[st.Port] = true
			if i := handleIndex(st.Port); i < len(r.byNet) && !r.byNet[i] {
				r.keptDetached[st.Port] = true
			}
		}
	}
}

// startTarget readies the target's side: a fresh world for an embedded
// target, the configured one as the last cleanup left it.
func (r *seqRun) startTarget() error {
	t := r.x.t
	if t.Embedded {
		if err := t.reset(); err != nil {
			return err
		}
	}
	tgt, err := newSide(worldTarget, r.x.spec, t.ComputeURL, t.NetworkURL, t.ProjectID, t.Auth, t.Wrong, t.HTTPClient, t.RequestTimeout)
	if err != nil {
		return err
	}
	tgt.network = t.NetworkID
	tgt.servers[Main], tgt.primaries[Main] = t.ServerID, t.PrimaryPortID
	if t.OtherServerID != "" {
		tgt.servers[Other] = t.OtherServerID
		if t.Embedded {
			tgt.primaries[Other] = t.mock().Seed().Servers[1].PrimaryPortID
		}
	}
	for id := range r.x.ignored {
		tgt.ignored[id] = true
	}
	r.tgt = tgt
	return nil
}

// play runs the planned steps in the target, one by one, each followed by
// the state comparison, and stops at the first divergence. The error is set
// when the target could not be asked (no answer).
func (r *seqRun) play(ctx context.Context) (*Divergence, error) {
	if err := r.startTarget(); err != nil {
		return nil, err
	}
	if !r.x.t.Embedded { // a fresh embedded world is the model's, by construction
		d, err := r.checkAt(ctx, 0)
		if err != nil {
			return nil, err
		}
		if r.triage(d, 0) == divergent {
			// No rule's statement is at stake before any step: the
			// precondition (the target as the last cleanup left it) failed.
			return nil, fmt.Errorf("explore: sequence %d: before any step the target does not show the state explore left it in: %s", r.n, d.What)
		}
	}
	for i := 0; i < len(r.plan); i++ {
		d, err := r.playStep(ctx, i)
		if err != nil {
			return nil, err
		}
		switch r.triage(d, i+1) {
		case divergent:
			return d, nil
		case end:
			return nil, nil
		case skip:
			if err := r.replan(ctx, i); err != nil {
				return nil, err
			}
		}
		if d, err = r.checkAt(ctx, i+1); err != nil {
			return nil, err
		}
		switch r.triage(d, i+1) {
		case divergent:
			return d, nil
		case end, skip:
			return nil, nil
		}
	}
	return nil, nil
}

// playStep runs a planned step in the target and holds its answer to the
// model's.
func (r *seqRun) playStep(ctx context.Context, i int) (*Divergence, error) {
	p := &r.plan[i]
	st, rec := p.rec.Step, p.rec
	req, c, err := r.tgt.request(st, r.x.spec, r.x.malformed, p.name)
	if err != nil {
		return nil, err
	}
	creates := st.Op == OpCreatePort || st.Op == OpAttachNet
	if creates {
		r.x.journal.Record(journal.Intent, journalKind(st.Op), "", p.name)
	}
	ex, err := r.tgt.send(ctx, c, req, fmt.Sprintf("sequence %d step %d: %s", r.n, rec.N, st))
	if err != nil {
		return nil, err
	}
	rec.Target = answerOf(r.x.spec, ex)
	r.steps = append(r.steps, rec)
	if creates {
		id := createdPort(st.Op, ex)
		if p.handle >= 0 {
			for len(r.tgt.ports) < p.handle {
				r.tgt.ports = append(r.tgt.ports, "")
			}
			r.tgt.ports = append(r.tgt.ports, id)
		} else if id != "" {
			r.extra = append(r.extra, id)
		}
		if id != "" {
			r.x.journal.Record(journal.Created, "port", id, p.name)
			if st.Op == OpAttachNet && !r.x.t.Embedded {
				// The port is the cloud's: name it for sweep (best effort;
				// the journal has it anyway). Not a step: the model gets
				// no such call.
				_, _, _ = r.tgt.c.RenamePort(ctx, id, p.name)
			}
		}
	}
	if st.Op == OpLock && ex.Status >= 200 && ex.Status < 300 {
		r.lockedByUs = true
	}
	last := &r.steps[len(r.steps)-1]
	d := r.x.compareStep(last, ex, p.mex, p.f, r.seen)
	if last.Satisfied != "" {
		what := fmt.Sprintf("%s: the target answered %d (%s), the model %d (%s); both rules apply and no statement orders them: conformant",
			st, ex.Status, last.Satisfied, p.mex.Status, last.Rule)
		last.Advisory = AdvisoryRuleOrder + ": " + what
		r.advisories = append(r.advisories, advisory{kind: AdvisoryRuleOrder, key: fmt.Sprintf("%s %s %d/%s %d", AdvisoryRuleOrder, last.Satisfied, ex.Status, last.Rule, p.mex.Status),
			message: fmt.Sprintf("%s (sequence %d, step %d)", what, r.n, rec.N), evidence: fmt.Sprintf("target: %s → %d", last.Target.Request, ex.Status)})
	}
	return d, nil
}

func journalKind(op Op) string {
	if op == OpAttachNet {
		return "net-attach"
	}
	return "port"
}

// checkAt compares the worlds' states after n steps, once both are
// quiescent: the model is (its detaches complete before their 202); the
// target when it shows the model's state, or when the detach bound has
// passed (an embedded target: as soon as no detach is in flight).
func (r *seqRun) checkAt(ctx context.Context, n int) (*Divergence, error) {
	t := r.x.t
	full, lockSteps, otherSteps, changed := r.initial, false, false, false
	var last *StepRecord
	if n > 0 {
		p := &r.plan[n-1]
		full, lockSteps, otherSteps, changed = p.after, p.lockSteps, p.otherSteps, p.changed
		last = &r.steps[n-1]
	}
	l := look{gone: r.gone, lock: lockSteps, roles: []string{Main}, list: t.Embedded,
		note: fmt.Sprintf("sequence %d state after step %d", r.n, n)}
	if otherSteps {
		l.roles = r.roles()
	}
	mv := filterView(full, l)
	deadline := time.Now().Add(t.DetachBound)
	var (
		diffs  []stateDiff
		tcalls []pair
		tv     view
		err    error
	)
	for {
		quiet := t.quiescent(ctx, deadline)
		if tv, tcalls, err = r.tgt.observe(ctx, l); err != nil {
			return nil, err
		}
		a := r.addrs.clone()
		if diffs = compare(tv, mv, a, l.roles); len(diffs) == 0 {
			r.addrs = a
			break
		}
		if quiet || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(t.Poll)
	}
	if len(diffs) == 0 && t.Settle > 0 && !t.Embedded {
		// A configured target may carry out a change late: watch it for
		// the settle time.
		end := time.Now().Add(t.Settle)
		for len(diffs) == 0 && time.Now().Before(end) && ctx.Err() == nil {
			time.Sleep(t.Poll)
			if tv, tcalls, err = r.tgt.observe(ctx, l); err != nil {
				return nil, err
			}
			a := r.addrs.clone()
			if diffs = compare(tv, mv, a, l.roles); len(diffs) == 0 {
				r.addrs = a
			}
		}
	}
	if len(diffs) > 0 {
		texts := make([]string, len(diffs))
		for i, d := range diffs {
			texts[i] = d.text
		}
		if last != nil {
			last.State = strings.Join(texts, "; ")
		}
		ruleID, why := r.x.stateRule(last, diffs, changed)
		d := &Divergence{Step: n, Kind: KindState, Observed: true, What: "once both were quiescent: " + strings.Join(texts, "; "), Rule: ruleID, Covered: r.x.rules.covers(ruleID, why)}
		if last != nil {
			d.Op = last.Step.Op
		}
		return d, nil
	}
	if last != nil {
		last.State = "same"
	}
	for ref, p := range tv.ports {
		if !p.found && p.status == http.StatusNotFound && !mv.ports[ref].found {
			r.gone[ref] = true
		}
	}
	return r.neighbourObservation(n, last, tcalls), nil
}

// filterView is the part of a world's full state an observation looks at.
func filterView(full view, l look) view {
	v := view{locked: l.lock && full.locked, nics: map[string][]nicView{}, unknown: map[string]int{}, ports: map[string]portView{}}
	for _, role := range l.roles {
		v.nics[role], v.unknown[role] = full.nics[role], full.unknown[role]
	}
	for ref, p := range full.ports {
		if !l.gone[ref] {
			v.ports[ref] = p
		}
	}
	return v
}

// render renders a view for "did the model change".
func render(v view) string {
	found := map[string]portView{}
	for ref, p := range v.ports {
		if p.found {
			found[ref] = p
		}
	}
	return fmt.Sprint(v.locked, v.nics, v.unknown, found)
}

// neighbourObservation holds the target's observation calls to the
// contract: the model's answers keep it, so a violation there is a
// neighbour divergence.
func (r *seqRun) neighbourObservation(n int, last *StepRecord, tcalls []pair) *Divergence {
	for _, c := range tcalls {
		if extra := newViolations(c.ex, &client.Exchange{}); len(extra) > 0 {
			d := &Divergence{Step: n, Kind: KindNeighbour, Covered: NoRule, Observed: true,
				What: fmt.Sprintf("observing the state (%s), the target's %d breaks the contract: %s", c.what, c.ex.Status, strings.Join(extra, "; "))}
			if last != nil {
				d.Op = last.Step.Op
			}
			return d
		}
	}
	return nil
}

// exchanges returns every exchange of the sequence, the target's and the
// model's, in the order they were made.
func (r *seqRun) exchanges() []*client.Exchange {
	out := r.mdl.rec.Exchanges()
	if r.tgt != nil {
		out = append(out, r.tgt.rec.Exchanges()...)
	}
	sortByStart(out)
	return out
}

// trimmedExchanges returns the exchanges of the first n steps (and the
// state checks after them): the model ran the whole plan ahead.
func (r *seqRun) trimmedExchanges(n int) []*client.Exchange {
	var out []*client.Exchange
	for _, ex := range r.exchanges() {
		if stepOf(ex.Note) <= n {
			out = append(out, ex)
		}
	}
	return out
}

// stepOf reads the step number from an exchange's note ("…step 3:…",
// "…state after step 3:…").
func stepOf(note string) int {
	i := strings.Index(note, "step ")
	if i < 0 {
		return 0
	}
	n := 0
	for _, c := range note[i+len("step "):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}
