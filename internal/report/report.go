// Package report turns a conformance run into its verdicts and writes them:
// conformance.json and conformance.md (one entry per catalog rule, always)
// and exchanges.har (every HTTP exchange of the run, secrets already
// redacted by the client). It knows nothing of Ginkgo: the suite hands it
// plain spec results.
package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/spec"
)

// Verdicts.
const (
	Pass = "pass"
	Fail = "fail"
	Skip = "skip"
)

// Cross-cutting rules: besides their own specs, every exchange of the run
// is held to them.
const (
	RuleSpecConformant = "SPEC-CONFORMANT"
	RuleRequestID      = "REQUEST-ID"
	RuleErrorShape     = "ERROR-SHAPE"
	RuleIsolation      = "DETACH-ISOLATION"
)

// SpecResult is one spec's outcome, as the suite saw it.
type SpecResult struct {
	Text      string
	Labels    []string
	State     string // "passed", "failed", "skipped", "pending", "panicked", "interrupted", "aborted", "timedout"
	Message   string // the failure or skip message
	Exchanges []*client.Exchange
}

func (r SpecResult) failed() bool {
	switch r.State {
	case "passed", "skipped", "pending":
		return false
	}
	return true
}

// Conformance is the content of conformance.json.
type Conformance struct {
	Target   string    `json:"target"`
	Profile  string    `json:"profile"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Summary  Summary   `json:"summary"`
	Rules    []Verdict `json:"rules"`
}

// Summary counts the verdicts.
type Summary struct {
	Pass int `json:"pass"`
	Fail int `json:"fail"`
	Skip int `json:"skip"`
}

// Verdict is one rule's outcome.
type Verdict struct {
	ID        string   `json:"id"`
	Statement string   `json:"statement"`
	Verdict   string   `json:"verdict"`
	Reason    string   `json:"reason,omitempty"`
	Evidence  []string `json:"evidence"`
	Specs     []string `json:"specs,omitempty"`
}

// maxEvidence bounds the request ids listed per rule.
const maxEvidence = 20

// Run describes the run a report is about.
type Run struct {
	Target  string // masked description of the target
	Profile string
	Started time.Time
	// SetupFailure, when set, says why the run could not start (the target
	// was unreachable, the configuration wrong): every rule fails with it.
	SetupFailure string
	// DryRun marks a rehearsal against the embedded mock: it gets a plan,
	// not verdicts. PrimaryPortID lets the plan spot the primary probe.
	DryRun        bool
	PrimaryPortID string
	// IsolationBreaches are NIC changes seen outside the spec whose request
	// caused them (a request changed a NIC it did not name): each fails
	// DETACH-ISOLATION.
	IsolationBreaches []string
}

// WritePlan writes plan.md and the rehearsal's exchanges.har into dir.
func WritePlan(dir string, run Run, exchanges []*client.Exchange) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plan.md"), []byte(Plan(run.Target, exchanges, run.PrimaryPortID)), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	har, err := HAR(exchanges)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "exchanges.har"), har, 0o644)
}

// Build decides every catalog rule's verdict from the spec results and the
// run's exchanges (all of them, including those made outside specs).
func Build(s *spec.Spec, run Run, results []SpecResult, exchanges []*client.Exchange) Conformance {
	c := Conformance{Target: run.Target, Profile: run.Profile, Started: run.Started.UTC(), Finished: time.Now().UTC()}
	for _, rule := range s.Rules() {
		v := verdictFromSpecs(rule, results)
		if run.SetupFailure != "" {
			v = Verdict{ID: rule.ID, Statement: rule.Statement, Verdict: Fail,
				Reason: "the run could not start: " + firstLines(run.SetupFailure, 4)}
		}
		if v.Verdict != Fail {
			if reason, ev := crossCheck(s, rule.ID, exchanges); reason != "" {
				v.Verdict, v.Reason, v.Evidence = Fail, reason, ev
			}
		}
		if v.Verdict != Fail && rule.ID == RuleIsolation && len(run.IsolationBreaches) > 0 {
			v.Verdict = Fail
			v.Reason = fmt.Sprintf("%d change(s) of a NIC no request named, seen between specs; first: %s", len(run.IsolationBreaches), run.IsolationBreaches[0])
		}
		if v.Evidence == nil {
			v.Evidence = []string{}
		}
		switch v.Verdict {
		case Pass:
			c.Summary.Pass++
		case Fail:
			c.Summary.Fail++
		case Skip:
			c.Summary.Skip++
		}
		c.Rules = append(c.Rules, v)
	}
	return c
}

func verdictFromSpecs(rule spec.Rule, results []SpecResult) Verdict {
	v := Verdict{ID: rule.ID, Statement: rule.Statement}
	var mine []SpecResult
	for _, r := range results {
		for _, l := range r.Labels {
			if l == rule.ID {
				mine = append(mine, r)
				break
			}
		}
	}
	if len(mine) == 0 {
		v.Verdict, v.Reason = Fail, "no spec of this run checks this rule (filtered out, or missing)"
		return v
	}
	skipped := 0
	for _, r := range mine {
		v.Specs = append(v.Specs, r.Text)
		switch {
		case r.failed():
			if v.Verdict != Fail {
				v.Verdict, v.Reason, v.Evidence = Fail, firstLines(r.Message, 6), nil
			}
			v.Evidence = appendEvidence(v.Evidence, r.Exchanges)
		case r.State == "skipped" || r.State == "pending":
			skipped++
			if v.Reason == "" {
				v.Reason = firstLines(r.Message, 2)
			}
		}
	}
	switch {
	case v.Verdict == Fail:
	case skipped == len(mine):
		v.Verdict = Skip
	default:
		v.Verdict, v.Reason = Pass, ""
		for _, r := range mine {
			if r.State == "passed" {
				v.Evidence = appendEvidence(v.Evidence, r.Exchanges)
			}
		}
	}
	return v
}

// crossCheck holds every exchange of the run to the cross-cutting rules.
func crossCheck(s *spec.Spec, ruleID string, exchanges []*client.Exchange) (string, []string) {
	var bad []*client.Exchange
	var first string
	ids := map[string]int{}
	for _, e := range exchanges {
		if e.Status == 0 {
			continue
		}
		var why string
		switch ruleID {
		case RuleSpecConformant:
			if len(e.Violations) > 0 {
				why = e.Violations[0].Kind + ": " + e.Violations[0].Message
			}
		case RuleRequestID:
			switch {
			case e.RequestID == "":
				why = "no request id header"
			case ids[e.RequestID] > 0:
				why = fmt.Sprintf("request id %s was already given to exchange #%d: it identifies no request", e.RequestID, ids[e.RequestID])
			default:
				ids[e.RequestID] = e.Seq
			}
		case RuleErrorShape:
			if e.Status >= 400 {
				why = ErrorShapeProblem(s, e)
			}
		default:
			return "", nil
		}
		if why != "" {
			bad = append(bad, e)
			if first == "" {
				first = fmt.Sprintf("%s: %s", e.String(), why)
			}
		}
	}
	if len(bad) == 0 {
		return "", nil
	}
	return fmt.Sprintf("%d exchange(s) of the run break it; first: %s", len(bad), first), appendEvidence(nil, bad)
}

// ErrorShapeProblem says what is wrong with an error response's body, or ""
// when it is JSON in a documented error shape.
func ErrorShapeProblem(s *spec.Spec, e *client.Exchange) string {
	ct := e.ResponseHeader.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/json") {
		return fmt.Sprintf("Content-Type %q, want application/json", ct)
	}
	var body any
	if err := json.Unmarshal(e.ResponseBody, &body); err != nil {
		return fmt.Sprintf("body is not JSON: %v", err)
	}
	if err := s.ValidateErrorBody(body); err != nil {
		return "body is in no documented error shape (Nova fault, {\"error\":{code,message}}, NeutronError): " + firstLines(err.Error(), 1)
	}
	// A Nova fault repeats the status in its code: one that says otherwise
	// misleads every client that reads it.
	if obj, ok := body.(map[string]any); ok && len(obj) == 1 {
		for name, v := range obj {
			if fault, ok := v.(map[string]any); ok {
				if code, ok := fault["code"].(float64); ok && int(code) != e.Status {
					return fmt.Sprintf("the %s fault says code %d, but the status is %d", name, int(code), e.Status)
				}
			}
		}
	}
	return ""
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

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	out := strings.Join(lines, " ")
	if len(out) > 600 {
		out = out[:600] + "…"
	}
	return out
}

// Write writes conformance.json, conformance.md and exchanges.har into dir.
func Write(dir string, c Conformance, exchanges []*client.Exchange) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	js, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("report: conformance.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conformance.json"), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conformance.md"), []byte(Markdown(c)), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	har, err := HAR(exchanges)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "exchanges.har"), har, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// Markdown renders the verdict table a person reads first.
func Markdown(c Conformance) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# nicconform conformance\n\n")
	fmt.Fprintf(&b, "- target: %s\n- profile: %s\n- started: %s\n- result: **%d pass, %d fail, %d skip**\n\n",
		c.Target, c.Profile, c.Started.Format(time.RFC3339), c.Summary.Pass, c.Summary.Fail, c.Summary.Skip)
	b.WriteString("| rule | verdict | reason | evidence |\n|---|---|---|---|\n")
	rules := append([]Verdict(nil), c.Rules...)
	order := map[string]int{Fail: 0, Skip: 1, Pass: 2}
	sort.SliceStable(rules, func(i, j int) bool { return order[rules[i].Verdict] < order[rules[j].Verdict] })
	for _, v := range rules {
		verdict := v.Verdict
		if verdict == Fail {
			verdict = "**FAIL**"
		}
		ev := v.Evidence
		if len(ev) > 3 {
			ev = append(ev[:3:3], fmt.Sprintf("+%d more", len(v.Evidence)-3))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", v.ID, verdict, cell(v.Reason), cell(strings.Join(ev, ", ")))
	}
	return b.String()
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
