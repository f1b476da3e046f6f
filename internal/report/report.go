// Package report turns a conformance run into its verdicts and writes them.
// It is the back half of one pipeline: the suite turns its test framework's
// report into plain Results (internal/fixtures does it for Ginkgo), Build
// decides one Verdict per catalog rule, and each writer (writers.go) puts
// the verdicts in one format: conformance.json, conformance.md,
// conformance.html, junit.xml, exchanges.har, and plan.md for a dry run. A
// new format is one writer.
//
// The verdict model is docs/design.md's "Verdicts": pass, fail (evidence
// against the rule's own statement), skip (does not apply, or not
// selected), error (a precondition outside the statement did not hold).
package report

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/spec"
)

// Verdicts.
const (
	Pass  = "pass"
	Fail  = "fail"
	Skip  = "skip"
	Error = "error"
)

// Cross-cutting rules: besides their own specs, every exchange of the
// detach operation in the run is held to them.
const (
	RuleSpecConformant = "SPEC-CONFORMANT"
	RuleRequestID      = "REQUEST-ID"
	RuleErrorShape     = "ERROR-SHAPE"
)

// Outcome is what became of one spec.
type Outcome string

// Outcomes of a spec.
const (
	// Passed: every check held.
	Passed Outcome = "passed"
	// Failed: a check of the rule's own statement did not hold.
	Failed Outcome = "failed"
	// Errored: the spec could not judge its rule (a fixture step, a
	// neighbour call, the target unreachable, an interrupt, a timeout).
	Errored Outcome = "errored"
	// Skipped: the rule does not apply (profile, missing opt-in).
	Skipped Outcome = "skipped"
	// NotSelected: left out by the run's label or focus filter.
	NotSelected Outcome = "not-selected"
)

// Result is one spec's outcome, as the suite saw it.
type Result struct {
	Text    string
	Labels  []string
	Outcome Outcome
	// Message is the failure, error or skip message.
	Message string
	// Precondition names what did not hold, for an Errored spec, when the
	// spec knew (an x-preconditions id, or "" when the cause was elsewhere).
	Precondition string
	Exchanges    []*client.Exchange
	// Ended is when the spec ended: its verdict's time.
	Ended time.Time
}

// Finding is evidence against a rule seen outside its own specs: a NIC that
// changed although no request named it, a detached NIC that came back.
type Finding struct {
	Rule     string   `json:"rule"`
	Message  string   `json:"message"`
	Evidence []string `json:"evidence,omitempty"`
}

// Advisory is an observation that changes no verdict but matters to a
// user: a neighbour call that departs from the contract or that the target
// does not implement, a Content-Type on an empty body, a 409 to a repeated
// detach in flight.
type Advisory struct {
	// Kind groups advisories: "neighbour-contract", "not-implemented",
	// "content-type-on-empty-body", "repeat-in-flight", "optional-step", …
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// Count is how many observations the advisory stands for.
	Count    int      `json:"count"`
	Evidence []string `json:"evidence,omitempty"`
}

// Cost is what a run held on the target at once.
type Cost struct {
	Server string `json:"server"`
	// PeakNICs is the most NICs the server had attached at once during the
	// run (its primary and the NICs it had before the run included), by the
	// run's own count; MaxNICs is the limit the run keeps to.
	PeakNICs int `json:"peakNICs"`
	MaxNICs  int `json:"maxNICs"`
	// Queued says the target refused concurrent NIC operations (409 while
	// one was in flight), so the run queued them.
	Queued bool `json:"queued,omitempty"`
}

// Leak is something the run created or changed and could not undo.
type Leak struct {
	What  string `json:"what"`
	Sweep string `json:"sweep"`
}

// Conformance is the content of conformance.json.
type Conformance struct {
	Target string `json:"target"`
	// Region is the target's region (HW_REGION_NAME / OS_REGION_NAME), if
	// any: `nicconform summary` heads its column with it.
	Region     string     `json:"region,omitempty"`
	Profile    string     `json:"profile"`
	Started    time.Time  `json:"started"`
	Finished   time.Time  `json:"finished"`
	Summary    Summary    `json:"summary"`
	Rules      []Verdict  `json:"rules"`
	Advisories []Advisory `json:"advisories"`
	Leaks      []Leak     `json:"leaks"`
	// Cost is what the run held on the target at once (absent when the run
	// did not get that far).
	Cost *Cost `json:"cost,omitempty"`
	// Tool is what ran: the tool's version and the contract's and the
	// profile's SHA-256.
	Tool Tool `json:"tool"`
	// Interrupted, when set, says why the run stopped before its end (a
	// signal, the run's timeout): the rules not judged are errors.
	Interrupted string `json:"interrupted,omitempty"`
	// RerunOf, for `nicconform run -rerun-failed DIR`, names DIR and the
	// rules re-run (those that failed or errored there); the others are
	// skips "not re-run (see DIR)".
	RerunOf *RerunOf `json:"rerunOf,omitempty"`
	// served are the rules each exchange served, by Seq, for the HAR.
	served map[int][]string
	// settled is when each rule's verdict settled (its last spec's end),
	// for conformance.html's timeline.
	settled map[string]time.Time
}

// RerunOf names the report a re-run re-ran the failures of: its folder
// and the rules re-run.
type RerunOf struct {
	Dir   string   `json:"dir"`
	Rules []string `json:"rules"`
}

// Tool names what ran: the nicconform version (internal/version) and the
// hex SHA-256 of the contract (spec/openapi.yaml, spec.SHA256) and of the
// profile file (spec.Profile.SHA256) the run judged by.
type Tool struct {
	Version       string `json:"version"`
	SpecSHA256    string `json:"specSHA256"`
	ProfileSHA256 string `json:"profileSHA256,omitempty"`
}

// Summary counts the verdicts.
type Summary struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Skip  int `json:"skip"`
	Error int `json:"error"`
}

// Verdict is one rule's outcome.
type Verdict struct {
	ID        string `json:"id"`
	Title     string `json:"title,omitempty"`
	Statement string `json:"statement"`
	Verdict   string `json:"verdict"`
	Reason    string `json:"reason,omitempty"`
	// Expected is what the run's profile expected of the status the rule
	// judges ("404", "2XX or 4XX", "skip: why"), where it expected one.
	Expected string `json:"expected,omitempty"`
	// Precondition names what did not hold, for an error.
	Precondition string   `json:"precondition,omitempty"`
	Evidence     []string `json:"evidence"`
	Specs        []string `json:"specs,omitempty"`
	// Reproduction, for a failed or errored rule whose evidence holds an
	// exchange, is how to reproduce it by hand (repro.go).
	Reproduction *Reproduction `json:"reproduction,omitempty"`
	// Seconds is how long judging the rule took: from its first request to
	// its verdict (its last spec's end); 0 when it sent none.
	Seconds float64 `json:"seconds,omitempty"`
}

// maxEvidence bounds the request ids listed per rule.
const maxEvidence = 20

// Run describes the run a report is about, beyond its spec results.
type Run struct {
	Target  string // masked description of the target
	Region  string
	Profile string
	Started time.Time
	// SetupError, when set, says why the run could not start (the
	// configuration, the target unreachable, another run holding the
	// server): every rule is an error with it.
	SetupError string
	// DryRun marks a rehearsal against the embedded mock: it gets a plan,
	// not verdicts. PrimaryPortID lets the plan spot the primary probe.
	DryRun        bool
	PrimaryPortID string
	Findings      []Finding
	Advisories    []Advisory
	Leaks         []Leak
	// Expected is what the profile expected of each rule, by rule id.
	Expected map[string]string
	Cost     *Cost
	// Bounds are the bounds a run against the target would use, for the
	// dry run's estimate (zero: no estimate).
	Bounds Bounds
	// Tool is what ran; Interrupted why the run stopped early, if it did.
	Tool        Tool
	Interrupted string
	// RerunOf, when set, is the report folder whose failed and errored
	// rules this run re-runs (its label filter selects them): the rules
	// it leaves out are "not re-run (see RerunOf)".
	RerunOf string
	// Judgements are, by rule id, the judgements of the rules every
	// exchange of the detach operation is held to (the suite's: ERROR-SHAPE,
	// REQUEST-ID, SPEC-CONFORMANT). Their specs apply them to what the run
	// showed them; Build applies the same functions to every answered
	// exchange of the operation in the run, those no spec was shown
	// included (a cleanup's detach, a re-run's).
	Judgements map[string]Judgement
}

// A Break is an exchange that breaks a rule, and why.
type Break struct {
	Exchange *client.Exchange
	Why      string
}

// A Judgement holds exchanges of the detach operation (each answered, in
// the run's order) to one rule's statement, with the contract s, and
// returns those that break it, in order.
type Judgement func(s *spec.Spec, exchanges []*client.Exchange) []Break

// Build decides every catalog rule's verdict from the spec results, the
// run's findings, and the run's exchanges (all of them, including those
// made outside specs).
func Build(s *spec.Spec, run Run, results []Result, exchanges []*client.Exchange) Conformance {
	c := Conformance{Target: run.Target, Region: run.Region, Profile: run.Profile, Started: run.Started.UTC(), Finished: time.Now().UTC(),
		Advisories: merged(run.Advisories), Leaks: append([]Leak{}, run.Leaks...), Cost: run.Cost, Tool: run.Tool, Interrupted: run.Interrupted}
	c.Advisories = append(c.Advisories, exchangeAdvisories(s, exchanges)...)
	for _, rule := range s.Rules() {
		v := verdictFromSpecs(rule, results)
		if run.SetupError != "" {
			v = Verdict{Verdict: Error, Reason: "the run could not start: " + Plain(run.SetupError)}
		}
		v.ID, v.Title, v.Statement, v.Expected = rule.ID, rule.Title, rule.Statement, run.Expected[rule.ID]
		if run.RerunOf != "" {
			if c.RerunOf == nil {
				c.RerunOf = &RerunOf{Dir: run.RerunOf, Rules: []string{}}
			}
			if v.Verdict == Skip && v.Reason == notSelected {
				v.Reason = "not re-run (see " + run.RerunOf + ")"
			} else {
				c.RerunOf.Rules = append(c.RerunOf.Rules, rule.ID)
			}
		}
		if v.Verdict == Pass || v.Verdict == Error {
			if reason, ev := crossCheck(s, run.Judgements[rule.ID], exchanges); reason != "" {
				v.Verdict, v.Reason, v.Precondition, v.Evidence = Fail, reason, "", ev
			}
		}
		for _, f := range run.Findings {
			if f.Rule != rule.ID {
				continue
			}
			if v.Verdict == Pass || v.Verdict == Error {
				v.Verdict, v.Reason, v.Precondition, v.Evidence = Fail, Plain(f.Message), "", f.Evidence
			} else if v.Verdict == Skip {
				c.Advisories = append(c.Advisories, Advisory{Kind: "finding", Count: 1, Evidence: f.Evidence,
					Message: fmt.Sprintf("evidence against %s, which this run did not judge (%s): %s", rule.ID, v.Reason, Plain(f.Message))})
			}
		}
		v.Evidence = citedFirst(v.Reason, v.Evidence, ruleExchanges(rule.ID, results), exchanges)
		if v.Verdict == Fail || v.Verdict == Error {
			v.Reproduction = reproduce(rule, s.Preconditions(), v, append(ruleExchanges(rule.ID, results), exchanges...))
		}
		switch v.Verdict {
		case Pass:
			c.Summary.Pass++
		case Fail:
			c.Summary.Fail++
		case Skip:
			c.Summary.Skip++
		case Error:
			c.Summary.Error++
		}
		c.Rules = append(c.Rules, v)
	}
	recorded := recordedBy(s, results)
	for i := range c.Rules {
		c.Rules[i].Reproduction.withSources(c.Rules[i].ID, recorded)
	}
	c.served = served(s, c.Rules, results, exchanges)
	c.settled = map[string]time.Time{}
	for _, r := range results {
		for _, l := range r.Labels {
			if _, ok := s.Rule(l); ok && r.Ended.After(c.settled[l]) {
				c.settled[l] = r.Ended
			}
		}
	}
	return c
}

// served maps each exchange (by Seq) to the rules it served: those whose
// specs recorded it or cite it as evidence, and, for an exchange aimed at
// the detach, the cross-cutting rules the run judged, in catalog order.
func served(s *spec.Spec, verdicts []Verdict, results []Result, exchanges []*client.Exchange) map[int][]string {
	set := map[int]map[string]bool{}
	add := func(seq int, id string) {
		if set[seq] == nil {
			set[seq] = map[string]bool{}
		}
		set[seq][id] = true
	}
	for seq, ids := range recordedBy(s, results) {
		for _, id := range ids {
			add(seq, id)
		}
	}
	judged := map[string]bool{}
	for _, v := range verdicts {
		judged[v.ID] = v.Verdict != Skip
	}
	for _, e := range exchanges {
		if !e.Subject || e.Status == 0 {
			continue
		}
		for _, id := range []string{RuleSpecConformant, RuleRequestID} {
			if judged[id] {
				add(e.Seq, id)
			}
		}
		if e.Status >= 400 && judged[RuleErrorShape] {
			add(e.Seq, RuleErrorShape)
		}
	}
	out := map[int][]string{}
	for _, r := range s.Rules() {
		for seq, ids := range set {
			if ids[r.ID] {
				out[seq] = append(out[seq], r.ID)
			}
		}
	}
	return out
}

// ExitCode is the exit status of a run with these verdicts: 1 when a rule
// failed; else 2 when a rule could not be judged or the run leaked; else 0.
func ExitCode(c Conformance) int {
	switch {
	case c.Summary.Fail > 0:
		return 1
	case c.Summary.Error > 0 || len(c.Leaks) > 0:
		return 2
	}
	return 0
}

func verdictFromSpecs(rule spec.Rule, results []Result) Verdict {
	var v Verdict
	var mine []Result
	for _, r := range results {
		if slices.Contains(r.Labels, rule.ID) {
			mine = append(mine, r)
		}
	}
	if len(mine) == 0 {
		return Verdict{Verdict: Error, Reason: "no spec of this run checks this rule"}
	}
	count := map[Outcome]int{}
	var firstRequest, verdictAt time.Time
	for _, r := range mine {
		v.Specs = append(v.Specs, r.Text)
		count[r.Outcome]++
		for _, e := range r.Exchanges {
			if !e.Started.IsZero() && (firstRequest.IsZero() || e.Started.Before(firstRequest)) {
				firstRequest = e.Started
			}
		}
		if r.Ended.After(verdictAt) {
			verdictAt = r.Ended
		}
	}
	if !firstRequest.IsZero() && verdictAt.After(firstRequest) {
		v.Seconds = math.Round(verdictAt.Sub(firstRequest).Seconds()*1000) / 1000
	}
	first := func(o Outcome) Result {
		for _, r := range mine {
			if r.Outcome == o {
				return r
			}
		}
		return Result{}
	}
	evidence := func(o Outcome) (ev []string) {
		for _, r := range mine {
			if r.Outcome == o {
				ev = appendEvidence(ev, r.Exchanges)
			}
		}
		return ev
	}
	switch {
	case count[Failed] > 0:
		v.Verdict, v.Reason, v.Evidence = Fail, Plain(first(Failed).Message), evidence(Failed)
	case count[Errored] > 0:
		r := first(Errored)
		v.Verdict, v.Reason, v.Precondition, v.Evidence = Error, Plain(r.Message), r.Precondition, evidence(Errored)
	case count[Passed] > 0:
		v.Verdict, v.Evidence = Pass, evidence(Passed)
	case count[Skipped] > 0:
		v.Verdict, v.Reason = Skip, Plain(first(Skipped).Message)
	default:
		v.Verdict, v.Reason = Skip, notSelected
	}
	return v
}

// notSelected is the reason of a rule the run's filter left out.
const notSelected = "not selected: the run's label or focus filter left it out"

// ruleExchanges are the exchanges the specs of a rule recorded.
func ruleExchanges(id string, results []Result) []*client.Exchange {
	var out []*client.Exchange
	for _, r := range results {
		if slices.Contains(r.Labels, id) {
			out = append(out, r.Exchanges...)
		}
	}
	return out
}

// citedFirst puts first in a rule's evidence the exchanges its reason
// names (by request id, or as "exchange #N"), in the order the reason
// names them, looked up among the rule's own exchanges, then the run's;
// the rest follows, up to maxEvidence. Never nil.
func citedFirst(reason string, evidence []string, pools ...[]*client.Exchange) []string {
	type cite struct {
		at int
		id string
	}
	var cites []cite
	seen := map[string]bool{}
	for _, pool := range pools {
		for _, e := range pool {
			id := Evidence(e)
			if seen[id] || e.Status == 0 {
				continue
			}
			at := -1
			if e.RequestID != "" {
				at = strings.Index(reason, e.RequestID)
			}
			if at < 0 {
				at = strings.Index(reason, fmt.Sprintf("exchange #%d ", e.Seq))
			}
			if at >= 0 {
				seen[id] = true
				cites = append(cites, cite{at, id})
			}
		}
	}
	sort.SliceStable(cites, func(i, j int) bool { return cites[i].at < cites[j].at })
	out := make([]string, 0, min(maxEvidence, len(cites)+len(evidence)))
	for _, c := range cites {
		if len(out) < maxEvidence {
			out = append(out, c.id)
		}
	}
	for _, id := range evidence {
		if len(out) < maxEvidence && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// crossCheck holds every answered exchange of the detach operation in the
// run to the rule's judgement (none: nothing to hold) and returns the
// reason and evidence of a fail, "" when nothing breaks it.
func crossCheck(s *spec.Spec, judge Judgement, exchanges []*client.Exchange) (string, []string) {
	if judge == nil {
		return "", nil
	}
	var subject []*client.Exchange
	for _, e := range exchanges {
		if e.Status != 0 && e.Subject {
			subject = append(subject, e)
		}
	}
	breaks := judge(s, subject)
	if len(breaks) == 0 {
		return "", nil
	}
	bad := make([]*client.Exchange, 0, len(breaks))
	for _, b := range breaks {
		bad = append(bad, b.Exchange)
	}
	first := fmt.Sprintf("%s: %s", breaks[0].Exchange.String(), breaks[0].Why)
	return Plain(fmt.Sprintf("%d exchange(s) of the detach operation break it; first: %s", len(bad), first)), appendEvidence(nil, bad)
}

// merged folds the advisories of one kind the specs raised into one: the
// first's message, the count, and the evidence of all.
func merged(in []Advisory) []Advisory {
	out := []Advisory{}
	at := map[string]int{}
	for _, a := range in {
		i, ok := at[a.Kind]
		if !ok {
			at[a.Kind] = len(out)
			out = append(out, a)
			continue
		}
		out[i].Count += max(a.Count, 1)
		for _, ev := range a.Evidence {
			if len(out[i].Evidence) < maxEvidence && !slices.Contains(out[i].Evidence, ev) {
				out[i].Evidence = append(out[i].Evidence, ev)
			}
		}
	}
	for i, a := range out {
		if a.Count > 1 {
			out[i].Message = fmt.Sprintf("%d observations; first: %s", a.Count, a.Message)
		}
	}
	return out
}

// exchangeAdvisories lists what the run's exchanges show that changes no
// verdict: neighbour calls that depart from the contract or that the target
// does not implement, and a Content-Type on an empty success body.
func exchangeAdvisories(s *spec.Spec, exchanges []*client.Exchange) []Advisory {
	type key struct{ kind, op string }
	type group struct {
		first string
		n     int
		ev    []*client.Exchange
	}
	groups := map[key]*group{}
	var order []key
	note := func(k key, e *client.Exchange, what string) {
		g := groups[k]
		if g == nil {
			g = &group{first: what}
			groups[k] = g
			order = append(order, k)
		}
		g.n++
		g.ev = append(g.ev, e)
	}
	for _, e := range exchanges {
		if e.Status == 0 {
			continue
		}
		if e.Status == 429 {
			note(key{"throttled", ""}, e, fmt.Sprintf("the target answered 429 (rate limited); the client waited and retried, honouring Retry-After: %s", e))
			continue
		}
		if e.Status >= 200 && e.Status < 300 && e.BodySize() == 0 && e.ResponseHeader.Get("Content-Type") != "" {
			note(key{"content-type-on-empty-body", e.Operation}, e, fmt.Sprintf("%s %s: an empty %d carries Content-Type %q (upstream Nova does this; a client that parses by Content-Type may stumble): %s",
				opName(e), e.Method, e.Status, e.ResponseHeader.Get("Content-Type"), e))
		}
		if e.Subject {
			continue
		}
		switch {
		case e.Status == 405 || e.Status == 501:
			note(key{"not-implemented", e.Operation}, e, fmt.Sprintf("neighbour call %s answered %d: the target does not implement it; the suite degrades where the step is optional: %s", opName(e), e.Status, e))
			continue
		case e.Operation != "" && len(e.Violations) > 0:
			note(key{"neighbour-contract", e.Operation}, e, fmt.Sprintf("neighbour call %s departs from spec/openapi.yaml: [%s] %s: %s", opName(e), e.Violations[0].Kind, e.Violations[0].Message, e))
		}
		if e.RequestID == "" {
			note(key{"neighbour-request-id", e.Operation}, e, fmt.Sprintf("neighbour call %s carries no request id header: %s", opName(e), e))
		}
		if e.Status >= 400 {
			if why := client.ErrorShapeProblem(s, e); why != "" {
				note(key{"neighbour-error-shape", e.Operation}, e, fmt.Sprintf("neighbour call %s: %s: %s", opName(e), why, e))
			}
		}
	}
	out := make([]Advisory, 0, len(order))
	for _, k := range order {
		g := groups[k]
		msg := g.first
		if g.n > 1 {
			msg = fmt.Sprintf("%d exchanges; first: %s", g.n, g.first)
		}
		out = append(out, Advisory{Kind: k.kind, Message: Plain(msg), Count: g.n, Evidence: appendEvidence(nil, g.ev)})
	}
	return out
}

func opName(e *client.Exchange) string {
	if e.Operation == "" {
		return "(undocumented route)"
	}
	return e.Operation
}

// Evidence names an exchange: its request id, or its place in the run.
func Evidence(e *client.Exchange) string {
	if e.RequestID != "" {
		return e.RequestID
	}
	return fmt.Sprintf("exchange #%d %s %s → %d", e.Seq, e.Method, e.URL, e.Status)
}

func appendEvidence(ev []string, exchanges []*client.Exchange) []string {
	seen := map[string]bool{}
	for _, e := range ev {
		seen[e] = true
	}
	for _, e := range exchanges {
		if len(ev) >= maxEvidence {
			break
		}
		if e.Status == 0 {
			continue
		}
		id := Evidence(e)
		if seen[id] { // a target that reuses request ids: name the exchange instead
			id = fmt.Sprintf("exchange #%d %s %s → %d", e.Seq, e.Method, e.URL, e.Status)
		}
		if !seen[id] {
			seen[id] = true
			ev = append(ev, id)
		}
	}
	return ev
}

var (
	// Gomega renders a value as "<type | 0xADDR>: value" or "<type>: value".
	objectDump = regexp.MustCompile(`(?m)(^|\s)<[*\[\]\w./{}, ]+(?: \| 0x[0-9a-f]+)?>: ?`)
	// …and a struct as a block that opens with a line of its own.
	structDump = regexp.MustCompile(`(?s)\n\s*\{\n.*$`)
	// Gomega names where a polled function failed (the spec's code, not
	// the target's), and says when a poll was told to stop.
	pollLocation = regexp.MustCompile(`The function passed to \w+ (?:failed|returned)[^\n]*?(?: with:|\n)|(?:Told to stop trying|Failed) after [0-9.]+[mµn]?s\.\s*`)
	address      = regexp.MustCompile(`\b0x[0-9a-f]{6,}\b`)
	spaces       = regexp.MustCompile(`\s+`)
)

// Plain makes a message readable in a report: one line, with no Go value
// dumps (type annotations, addresses) and no matcher preamble; its length
// is kept (conformance.json and junit.xml carry the whole reason; Short
// cuts it for a table cell).
func Plain(s string) string {
	s = structDump.ReplaceAllString(s, "")
	s = objectDump.ReplaceAllString(s, "$1")
	s = address.ReplaceAllString(s, "")
	s = pollLocation.ReplaceAllString(s, "")
	for _, preamble := range []string{"Unexpected error:", "Expected success, but got an error:"} {
		s = strings.ReplaceAll(s, preamble, "")
	}
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}

// Short is Plain cut to at most 600 bytes, at a word's end where there is
// one near, with "…": for conformance.md's cells and other pages a person
// reads, where the JSON beside them keeps the whole text.
func Short(s string) string {
	s = Plain(s)
	if len(s) > 600 {
		cut := 600
		if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut-60 {
			cut = sp // at a word's end, where there is one near
		}
		for cut > 0 && s[cut]&0xC0 == 0x80 { // not inside a UTF-8 sequence
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// ReasonWithPrecondition is a verdict's reason, prefixed with the
// precondition that did not hold (for an error) unless it already says so.
func (v Verdict) ReasonWithPrecondition() string {
	if v.Precondition == "" || strings.HasPrefix(v.Reason, "precondition "+v.Precondition) {
		return v.Reason
	}
	return "precondition " + v.Precondition + ": " + v.Reason
}

// Sorted returns the verdicts in reading order: fail, error, skip, pass,
// each in catalog order.
func Sorted(rules []Verdict) []Verdict {
	out := append([]Verdict(nil), rules...)
	order := map[string]int{Fail: 0, Error: 1, Skip: 2, Pass: 3}
	sort.SliceStable(out, func(i, j int) bool { return order[out[i].Verdict] < order[out[j].Verdict] })
	return out
}

// recordedBy maps each exchange (by Seq) to the rules whose specs recorded
// it or cite it as evidence.
func recordedBy(s *spec.Spec, results []Result) map[int][]string {
	out := map[int][]string{}
	for _, r := range results {
		for _, e := range r.Exchanges {
			for _, l := range r.Labels {
				if _, ok := s.Rule(l); ok && !slices.Contains(out[e.Seq], l) {
					out[e.Seq] = append(out[e.Seq], l)
				}
			}
		}
	}
	return out
}
