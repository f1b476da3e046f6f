package spec

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Rule is one entry of the catalog (the detach operation's x-rules).
type Rule struct {
	// ID is the stable, public rule id, e.g. PRIMARY-FORBIDDEN.
	ID string `json:"id"`
	// Title reads as the spec that checks it: "refuses to detach the primary NIC".
	Title string `json:"title"`
	// Statement is what must hold.
	Statement string `json:"statement"`
	// Source says where the rule comes from.
	Source string `json:"source"`
	// Needs names the preconditions (x-preconditions) the rule's specs need
	// besides its own statement: when one does not hold the rule is an
	// error, not a fail.
	Needs []string `json:"needs,omitempty"`
	// Allow is what the statement allows of the status the rule judges
	// ("404", or a class "4XX"), empty where it judges none: a test holds it
	// to the statuses the statement names, and a profile may only narrow or
	// choose within it.
	Allow []string `json:"allow,omitempty"`
	// Expect holds the shipped profiles' expectations (spec/profiles),
	// filled in when the contract is loaded.
	Expect map[string]Expectation `json:"expect,omitempty"`
}

// Preconditions maps each precondition id (the detach operation's
// x-preconditions) to what it means.
type Preconditions map[string]string

// Expectation is what a profile expects of a rule.
type Expectation struct {
	// Status lists the acceptable status codes: "404", or a class "4XX".
	Status []string `json:"status,omitempty"`
	// Skip, when set, says why the rule does not apply to the profile.
	Skip string `json:"skip,omitempty"`
}

// For returns the rule's expectation under a shipped profile (the zero
// Expectation when the rule has none for it).
func (r Rule) For(profile string) Expectation { return r.Expect[profile] }

// Within reports whether every status of e is one the rule's statement
// allows: a code is within itself or its class, a class only within itself.
func (r Rule) Within(e Expectation) bool {
	for _, s := range e.Status {
		s = strings.ToUpper(s)
		ok := false
		for _, a := range r.Allow {
			a = strings.ToUpper(a)
			if s == a || (strings.HasSuffix(a, "XX") && !strings.HasSuffix(s, "XX") && s[0] == a[0]) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Allows reports whether a status code is one the expectation accepts. An
// expectation without statuses accepts none: callers ask only where the
// catalog gives statuses.
func (e Expectation) Allows(status int) bool {
	code := strconv.Itoa(status)
	for _, s := range e.Status {
		if s == code || (len(s) == 3 && strings.HasSuffix(strings.ToUpper(s), "XX") && s[0] == code[0]) {
			return true
		}
	}
	return false
}

// String renders the accepted statuses, e.g. "202 or 404".
func (e Expectation) String() string { return strings.Join(e.Status, " or ") }

var (
	ruleID     = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$`)
	statusSpec = regexp.MustCompile(`^[1-5]([0-9]{2}|XX)$`)
)

func parsePreconditions(ext any) (Preconditions, error) {
	raw, err := json.Marshal(ext)
	if err != nil {
		return nil, fmt.Errorf("spec: x-preconditions: %w", err)
	}
	var p Preconditions
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("spec: x-preconditions: %w", err)
	}
	return p, nil
}

func parseRules(ext any, pre Preconditions) ([]Rule, error) {
	if ext == nil {
		return nil, fmt.Errorf("spec: operation %q has no x-rules", DetachOperationID)
	}
	raw, err := json.Marshal(ext)
	if err != nil {
		return nil, fmt.Errorf("spec: x-rules: %w", err)
	}
	var rules []Rule
	if err := json.Unmarshal(raw, &rules); err != nil {
		return nil, fmt.Errorf("spec: x-rules: %w", err)
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("spec: x-rules is empty")
	}
	seen := map[string]bool{}
	for i, r := range rules {
		switch {
		case !ruleID.MatchString(r.ID):
			return nil, fmt.Errorf("spec: x-rules[%d]: id %q is not an upper-case, dash-separated id", i, r.ID)
		case seen[r.ID]:
			return nil, fmt.Errorf("spec: x-rules: id %s appears twice", r.ID)
		case r.Title == "" || r.Statement == "" || r.Source == "":
			return nil, fmt.Errorf("spec: x-rules: %s needs a title, a statement and a source", r.ID)
		}
		seen[r.ID] = true
		for _, n := range r.Needs {
			if _, ok := pre[n]; !ok {
				return nil, fmt.Errorf("spec: x-rules: %s needs %q, which x-preconditions does not define", r.ID, n)
			}
		}
		if len(r.Expect) > 0 {
			return nil, fmt.Errorf("spec: x-rules: %s: expectations live in the profiles (spec/profiles), not in x-rules", r.ID)
		}
		for _, s := range r.Allow {
			if !statusSpec.MatchString(strings.ToUpper(s)) {
				return nil, fmt.Errorf("spec: x-rules: %s: bad status %q in allow", r.ID, s)
			}
		}
	}
	return rules, nil
}
