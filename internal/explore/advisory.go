package explore

import (
	"fmt"
	"net/http"

	"github.com/nicconform/nicconform/internal/report"
)

// Advisory kinds explore raises: the suite's (internal/report) where they
// mean the same thing, and explore's own.
const (
	// AdvisoryRuleOrder: more than one rule applied to a detach and the
	// target's refusal was another's than the model's (no statement
	// orders them); the step is conformant.
	AdvisoryRuleOrder = "rule-order"
	// AdvisoryNeighbourStatus: a neighbour call answered another status
	// than the model's, and no rule's statement covers that answer.
	AdvisoryNeighbourStatus = "neighbour-status"
	// The suite's kinds: a neighbour call departs from the contract, its
	// error body is in no documented shape, or it is not implemented.
	AdvisoryNeighbourContract   = "neighbour-contract"
	AdvisoryNeighbourErrorShape = "neighbour-error-shape"
	AdvisoryNotImplemented      = "not-implemented"
	// AdvisoryUncovered: a difference no rule covers (a header, the state
	// after a neighbour call); the sequence ends there.
	AdvisoryUncovered = "uncovered"
	// AdvisoryKnownBreak: a break of a rule the run was told of (-exclude,
	// -baseline); the sequence ends there, the run goes on.
	AdvisoryKnownBreak = "known-break"
)

// advisory is one observation of a sequence, before the run merges them.
type advisory struct {
	kind, key, message, evidence string
}

// next is what a sequence does after a step's comparison.
type next int

const (
	goOn      next = iota // nothing, or an advisory: the next step
	divergent             // a divergence: the sequence stops, and is shrunk
	skip                  // an advisory; the model skips the step (replan)
	end                   // an advisory after which the model cannot follow: the sequence ends, no divergence
)

// knownBreak reports whether a rule's break was reported already (Config.Exclude,
// Config.Baseline).
func (x *explorer) knownBreak(rule string) bool { return x.knownRules[rule] }

// triage decides what a comparison after step n (0: before any step)
// means: a break of a rule's statement is a divergence, unless the run was
// told of it; anything else is an advisory, and the sequence goes on where
// the model can be brought to the target's state.
func (r *seqRun) triage(d *Divergence, n int) next {
	if d == nil {
		return goOn
	}
	if n == 0 {
		if d.Kind == KindState {
			return divergent // the worlds differ before any step (play makes it an error)
		}
		r.advisories = append(r.advisories, advisory{kind: AdvisoryNeighbourContract, key: AdvisoryNeighbourContract + " observing before any step",
			message: fmt.Sprintf("%s (sequence %d, before any step)", d.What, r.n)})
		return goOn
	}
	rec := &r.steps[n-1]
	note := func(kind, key, what string) {
		if rec.Advisory == "" {
			rec.Advisory = kind + ": " + what
		}
		r.advisories = append(r.advisories, advisory{kind: kind, key: kind + " " + key,
			message:  fmt.Sprintf("%s (sequence %d, step %d: %s)", what, r.n, n, rec.Step),
			evidence: fmt.Sprintf("target: %s → %d; model: %s → %d", rec.Target.Request, rec.Target.Status, rec.Model.Request, rec.Model.Status)})
	}
	if d.Rule != "" {
		if !r.x.knownBreak(d.Rule) {
			return divergent
		}
		note(AdvisoryKnownBreak, d.Rule+" "+d.Signature(), fmt.Sprintf("%s (a known break of %s; the sequence ends here)", d.What, d.Rule))
		return end
	}
	t, m := rec.Target.Status, rec.Model.Status
	op := rec.Step.Op
	switch {
	case d.Kind == KindState:
		note(AdvisoryUncovered, "state after "+string(op), d.What+" (no rule covers this; the sequence ends here)")
		return end
	case d.Observed:
		note(AdvisoryNeighbourContract, "observing after "+string(op), d.What)
		return goOn
	case op.subject():
		note(AdvisoryUncovered, d.Signature(), d.What)
		return goOn
	case d.Kind == KindSpec:
		note(AdvisoryNeighbourContract, string(op), d.What)
		return goOn
	case d.Kind == KindErrorShape:
		note(AdvisoryNeighbourErrorShape, string(op), d.What)
		return goOn
	case d.Kind != KindStatus:
		note(AdvisoryUncovered, d.Signature(), d.What)
		return goOn
	}
	kind := AdvisoryNeighbourStatus
	if t == http.StatusMethodNotAllowed || t == http.StatusNotImplemented {
		kind = AdvisoryNotImplemented
	}
	what := fmt.Sprintf("%s: the target answered %d, the model %d; no rule covers this call's answer", rec.Step, t, m)
	key := fmt.Sprintf("%s %d/%d", op, t, m)
	switch {
	case t >= 400 && m >= 200 && m < 300 && op != OpCreatePort && op != OpAttachNet:
		note(kind, key, what+"; the model was brought to the target's state (the step undone in it)")
		return skip
	case (t >= 200 && t < 300) != (m >= 200 && m < 300):
		note(kind, key, what+"; the model cannot be brought to the target's state: the sequence ends here")
		return end
	}
	note(kind, key, what)
	return goOn
}

// noteAdvisories merges a sequence's advisories into the run's: one per
// kind and key, counted, with the first message and up to three pieces of
// evidence.
func (x *explorer) noteAdvisories(as []advisory) {
	for _, a := range as {
		i, ok := x.advisoryIndex[a.key]
		if !ok {
			i = len(x.advisories)
			x.advisoryIndex[a.key] = i
			x.advisories = append(x.advisories, report.Advisory{Kind: a.kind, Message: a.message})
		}
		adv := &x.advisories[i]
		adv.Count++
		if len(adv.Evidence) < 3 {
			adv.Evidence = append(adv.Evidence, a.evidence)
		}
	}
}
