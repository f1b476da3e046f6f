package explore

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/spec"
)

// Kinds of divergence.
const (
	KindStatus     = "status"      // the detach operation: a status the profile does not allow both ways
	KindErrorShape = "error-shape" // the detach operation: an error body in no documented shape
	KindSpec       = "spec"        // the detach operation: a contract violation the model does not show
	KindRequestID  = "request-id"  // the detach operation: no request id, or one given twice
	KindHeader     = "header"      // the detach operation: a 405 without Allow
	KindState      = "state"       // the observable state, once both worlds are quiescent
	KindNeighbour  = "neighbour"   // a neighbour call answered differently where a rule's statement covers its answer
)

// NoRule is what a divergence no catalog rule covers says.
const NoRule = "no rule covers this sequence"

// Divergence is the first point where the target and the model differ.
type Divergence struct {
	// Step is the step it shows at (1-based; 0 for the state before any step).
	Step int `json:"step"`
	// Op is that step's operation ("" for step 0).
	Op   Op     `json:"op,omitempty"`
	Kind string `json:"kind"`
	// What says, in words, how the worlds differ.
	What string `json:"what"`
	// Rule is the catalog rule whose statement the target's behaviour
	// breaks, as far as explore can tell ("" when none: Covered says so).
	Rule string `json:"rule,omitempty"`
	// Covered says which rule covers the behaviour, or NoRule.
	Covered string `json:"covered"`
	// Observed is set when the divergence showed while observing the
	// state after the step (rather than in the step's own answers).
	Observed bool `json:"observed,omitempty"`
}

// Signature is what shrinking keeps: the kind, the operation where the
// divergence shows, and whether it showed in the step's answers or in the
// state after it. A shorter sequence that diverges otherwise is not the
// same finding.
func (d Divergence) Signature() string {
	s := d.Kind + " at " + string(d.Op)
	if d.Op == "" {
		s = d.Kind + " before any step"
	}
	if d.Observed && d.Kind != KindState {
		s += " (observed after it)"
	}
	return s
}

// Answer is one world's answer to a step.
type Answer struct {
	Request    string   `json:"request"` // METHOD URL (credentials redacted)
	Status     int      `json:"status"`
	RequestID  string   `json:"requestId,omitempty"`
	Body       string   `json:"body,omitempty"`
	Violations []string `json:"violations,omitempty"`
	// ErrorShape says what is wrong with an error body ("" when it is in a
	// documented shape, or for a success).
	ErrorShape string `json:"errorShape,omitempty"`
}

// maxBody is how much of a body an answer keeps.
const maxBody = 300

func answerOf(s *spec.Spec, ex *client.Exchange) Answer {
	a := Answer{Request: ex.Method + " " + ex.URL, Status: ex.Status, RequestID: ex.RequestID}
	body := strings.Join(strings.Fields(string(ex.ResponseBody)), " ")
	if len(body) > maxBody {
		body = body[:maxBody] + "…"
	}
	a.Body = strings.ToValidUTF8(body, "?")
	for _, v := range ex.Violations {
		a.Violations = append(a.Violations, v.String())
	}
	if ex.Status >= 400 {
		a.ErrorShape = client.ErrorShapeProblem(s, ex)
	}
	return a
}

// rules looks up what the run's profile expects of a rule.
type rules struct {
	profile string
	byID    map[string]spec.Rule
}

func newRules(s *spec.Spec, profile string) rules {
	r := rules{profile: profile, byID: map[string]spec.Rule{}}
	for _, rule := range s.Rules() {
		r.byID[rule.ID] = rule
	}
	return r
}

// expect returns the statuses a rule pins in the profile (none when it
// pins none, or is skipped there).
func (r rules) expect(id string) spec.Expectation {
	e := r.byID[id].For(r.profile)
	if e.Skip != "" {
		return spec.Expectation{}
	}
	return e
}

// statusesAgree: the same status, or two the rule's expectation allows
// (a class such as 4XX, or a list such as 405 or 404).
func statusesAgree(e spec.Expectation, target, model int) bool {
	return target == model || (len(e.Status) > 0 && e.Allows(target) && e.Allows(model))
}

// covers renders the rule that covers a divergence.
func (r rules) covers(id, why string) string {
	if id == "" {
		return NoRule
	}
	s := id + ": " + r.byID[id].Statement
	if why != "" {
		s += " (" + why + ")"
	}
	return s
}

// compareStep holds a step's two answers against each other: the status
// (or the class the rule allows), the error shape, the contract
// violations, and for the detach operation the request id and Allow.
// seen holds the request ids the target gave the detach operation so far.
//
// Where more than one rule applies to a detach-family step (alternatives)
// and the target's refusal is one another applicable rule's statement
// allows, the step is conformant: rec.Satisfied names that rule.
func (x *explorer) compareStep(rec *StepRecord, t, m *client.Exchange, f facts, seen map[string]int) *Divergence {
	n, st, rule := rec.N, rec.Step, rec.Rule
	subject := st.Op.subject()
	div := func(kind, what, ruleID, why string) *Divergence {
		if !subject && ruleID != "" {
			kind = KindNeighbour
		}
		return &Divergence{Step: n, Op: st.Op, Kind: kind, What: what, Rule: ruleID, Covered: x.rules.covers(ruleID, why)}
	}
	e := x.rules.expect(rule)
	if !statusesAgree(e, t.Status, m.Status) && subject {
		rec.Satisfied = x.alternative(st, f, t.Status, m.Status)
	}
	if !statusesAgree(e, t.Status, m.Status) && rec.Satisfied == "" {
		what := fmt.Sprintf("the target answered %d, the reference model %d", t.Status, m.Status)
		switch {
		case subject && len(e.Status) > 0 && !e.Allows(t.Status):
			return div(KindStatus, what, rule, fmt.Sprintf("the %s profile wants %s here", x.rules.profile, e))
		case subject:
			return div(KindStatus, what, "", "")
		}
		ruleID, why := x.neighbourRule(st, t, m, f)
		return div(KindStatus, what, ruleID, why)
	}
	if t.Status >= 400 && m.Status >= 400 {
		if tp, mp := client.ErrorShapeProblem(x.spec, t), client.ErrorShapeProblem(x.spec, m); tp != "" && mp == "" {
			ruleID := ""
			if subject {
				ruleID = "ERROR-SHAPE"
			}
			return div(KindErrorShape, fmt.Sprintf("%s; the target's error body is wrong: %s", answered(t.Status, m.Status), tp), ruleID, "")
		}
	}
	if extra := newViolations(t, m); len(extra) > 0 {
		ruleID := ""
		switch {
		case subject && t.Status >= 200 && t.Status < 300 && t.BodySize() > 0:
			ruleID = "BODY-EMPTY-RESPONSE"
		case subject:
			ruleID = "SPEC-CONFORMANT"
		}
		return div(KindSpec, fmt.Sprintf("the target's %d breaks the contract where the model's %d does not: %s", t.Status, m.Status, strings.Join(extra, "; ")), ruleID, "")
	}
	if !subject {
		return nil
	}
	switch {
	case t.RequestID == "" && m.RequestID != "":
		return div(KindRequestID, fmt.Sprintf("the target's %d carries no request id header", t.Status), "REQUEST-ID", "")
	case t.RequestID != "" && seen[t.RequestID] > 0:
		return div(KindRequestID, fmt.Sprintf("the target's %d carries request id %s, which it already gave step %d", t.Status, t.RequestID, seen[t.RequestID]), "REQUEST-ID", "")
	}
	if t.RequestID != "" {
		seen[t.RequestID] = n
	}
	if t.Status == http.StatusMethodNotAllowed && m.Status == http.StatusMethodNotAllowed &&
		t.ResponseHeader.Get("Allow") == "" && m.ResponseHeader.Get("Allow") != "" {
		if st.Op == OpDetachMethod {
			return div(KindHeader, "both answered 405; the target's has no Allow header", "METHOD-NOT-ALLOWED", "a 405 must name the allowed methods")
		}
		return div(KindHeader, "both answered 405; the target's has no Allow header (RFC 9110 §15.5.6 wants one on every 405)", "", "")
	}
	return nil
}

// answered says what each world answered: "both answered 404", or "the
// target answered 404, the model 405" (two statuses a rule allows).
func answered(target, model int) string {
	if target == model {
		return fmt.Sprintf("both answered %d", target)
	}
	return fmt.Sprintf("the target answered %d, the model %d", target, model)
}

// alternative returns the rule, other than the model's, whose statement
// the target's refusal satisfies ("" for none). The model checks in Nova's
// order (the lock before the NIC: nova/compute/api.py's check_instance_lock
// decorator runs before detach_interface looks the port up); no rule's
// statement orders the checks, so on a locked server a detach that another
// rule refuses (an unknown or detached port, the primary NIC) may get that
// rule's refusal instead of STATE-LOCKED's 409. Only refusals: both worlds
// must refuse (the state stays as it was either way), and the target's
// status must be a 4XX the other rule's expectation allows.
func (x *explorer) alternative(st Step, f facts, target, model int) string {
	if target < 400 || target >= 500 || model < 400 {
		return ""
	}
	for _, id := range x.alternatives(st, f) {
		if e := x.rules.expect(id); len(e.Status) > 0 && e.Allows(target) {
			return id
		}
	}
	return ""
}

// alternatives are the rules that apply to a detach-family step besides
// the one situation names: on a locked server, the rule of the case the
// step would be on an unlocked one, when that rule refuses.
func (x *explorer) alternatives(st Step, f facts) []string {
	first := x.situation(st, f)
	if first != "STATE-LOCKED" {
		return nil
	}
	f.locked = false
	switch id := x.situation(st, f); id {
	case "PATH-UNKNOWN-PORT", "DETACH-REPEAT", "PRIMARY-FORBIDDEN":
		return []string{id}
	}
	return nil
}

// neighbourRule finds the rule a neighbour call's differing status falls
// under, where the catalog states one: a kept port that cannot be
// attached again, a detached NIC that is still shown.
func (x *explorer) neighbourRule(st Step, t, m *client.Exchange, f facts) (string, string) {
	switch {
	case st.Op == OpAttachPort && f.keptDetached[st.Port] && m.Status == http.StatusOK:
		return "PORT-ID-RETAINED", "a kept port must attach again"
	case (st.Op == OpShowNIC) && f.detached[st.Port] && m.Status == http.StatusNotFound:
		return "DETACH-COMPLETES", "show answers 404 once the NIC is detached"
	}
	return "", ""
}

// newViolations lists the kinds of violation the target's response shows
// and the model's does not.
func newViolations(t, m *client.Exchange) []string {
	have := map[string]bool{}
	for _, v := range m.Violations {
		have[v.Kind] = true
	}
	extra := map[string]string{}
	for _, v := range t.Violations {
		if !have[v.Kind] && extra[v.Kind] == "" {
			extra[v.Kind] = v.String()
		}
	}
	out := make([]string, 0, len(extra))
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		out = append(out, extra[k])
	}
	return out
}

// situation is the catalog rule whose case a detach-family step is, by
// the model's state before it (the model checks in Nova's order: the
// server, the lock, the primary, whether the NIC is attached).
func (x *explorer) situation(st Step, f facts) string {
	switch st.Op {
	case OpDetachNoAuth:
		return "AUTH-MISSING"
	case OpDetachBadAuth:
		return "AUTH-INVALID"
	case OpDetachForeign:
		return "PATH-FOREIGN-PROJECT"
	case OpDetachMalformed:
		return "PATH-MALFORMED"
	case OpDetachMethod:
		return "METHOD-NOT-ALLOWED"
	case OpDetachCollection:
		return "PATH-MISSING-PORT"
	case OpDetachUnknownServer:
		return "PATH-UNKNOWN-SERVER"
	}
	role := st.Server
	if role == "" {
		role = Main
	}
	port := st.Port
	if st.Op == OpDetachPrimary {
		port = RefPrimary
		if role == Other {
			port = RefOtherPrimary
		}
	}
	primary := (role == Main && port == RefPrimary) || (role == Other && port == RefOtherPrimary)
	switch {
	case role == Main && f.locked:
		return "STATE-LOCKED"
	case primary && x.rules.profile == spec.ProfileHuawei:
		return "PRIMARY-FORBIDDEN"
	case primary || f.attached[port] == role:
		return "DETACH-ACCEPTED"
	case role == Main && f.detached[port]:
		return "DETACH-REPEAT"
	}
	return "PATH-UNKNOWN-PORT"
}

// stateRule finds the rule a state difference after a step concerns: for
// a step of the detach operation the model refused (its world unchanged),
// the rule of the step's case ("nothing changes"); for an accepted detach
// of p, DETACH-ISOLATION when anything but p differs, else
// DETACH-COMPLETES (p's NIC stays), NET-ID-DELETED or PORT-ID-RETAINED
// (p's port); after a neighbour call, none (the catalog judges the detach
// operation).
func (x *explorer) stateRule(st *StepRecord, diffs []stateDiff, modelChanged bool) (string, string) {
	if st == nil {
		return "", "the worlds differ before any step"
	}
	if !st.Step.Op.subject() {
		return x.neighbourStateRule(st, diffs)
	}
	if !modelChanged {
		return st.Rule, "nothing may change"
	}
	port := st.Step.Port
	if st.Step.Op == OpDetachPrimary {
		port = RefPrimary
	}
	if st.Rule != "DETACH-ACCEPTED" {
		return "DETACH-ISOLATION", "only the NIC named may change"
	}
	named := map[string]bool{}
	for _, d := range diffs {
		if d.ref != port {
			return "DETACH-ISOLATION", "only the NIC named may change"
		}
		named[d.aspect] = true
	}
	switch {
	case named[aspectNIC]:
		return "DETACH-COMPLETES", "the NIC must leave"
	case named[aspectExists] && st.ByNet:
		return "NET-ID-DELETED", "the port of a net_id NIC is deleted"
	default:
		return "PORT-ID-RETAINED", "the port of a port_id NIC is kept, unbound, DOWN, with its MAC and IPs"
	}
}

// neighbourStateRule finds the rule a state difference after a neighbour
// call concerns, where a rule's statement covers it: a port kept by a
// detach (attached by port_id) keeps its MAC and IPs, also when it is
// attached again (PORT-ID-RETAINED). Other differences after a neighbour
// call no rule covers.
func (x *explorer) neighbourStateRule(st *StepRecord, diffs []stateDiff) (string, string) {
	if st.Step.Op != OpAttachPort || !st.Kept {
		return "", ""
	}
	for _, d := range diffs {
		if d.ref == st.Step.Port && (d.aspect == aspectAddress || d.aspect == aspectNIC) {
			return "PORT-ID-RETAINED", "a kept port keeps its MAC and IPs when it is attached again"
		}
	}
	return "", ""
}
