package diff

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrDifferent is what the diff command returns when the runs differ (the
// command exits 1, not 2: the comparison itself went well).
var ErrDifferent = errors.New("the runs differ")

// Result is the comparison of run A with run B. It marshals to the JSON
// the `-json` flag prints; every list is sorted and never null.
type Result struct {
	A Side `json:"a"`
	B Side `json:"b"`
	// Rules are the rules whose verdicts differ, in catalog order (A's,
	// then rules only B reports).
	Rules []RuleDiff `json:"rules"`
	// Operations are the operations whose answers differ, named operations
	// by name, then off-contract ones.
	Operations []OperationDiff `json:"operations"`
	// Warnings say what makes the comparison weaker: a side that was
	// interrupted (its rules not judged are errors), a side that does not
	// record its contract, different contracts compared with -force.
	Warnings []string `json:"warnings"`
}

// Comparable refuses runs judged by different contracts (the SHA-256 of
// spec/openapi.yaml in their conformance.json, report.Tool): their rules
// and operations are not the same, and a difference would be the
// contract's, not the targets'. A run that does not record its contract
// (a report older than the field) is comparable; Compare warns of it.
func Comparable(a, b Run) error {
	sa, sb := a.Conformance.Tool.SpecSHA256, b.Conformance.Tool.SpecSHA256
	if sa == "" || sb == "" || sa == sb {
		return nil
	}
	return fmt.Errorf("diff: A (%s) and B (%s) were judged by different contracts: spec sha256 %s (nicconform %s) and %s (nicconform %s); compare them anyway with -force",
		a.Dir, b.Dir, sa, orNone(a.Conformance.Tool.Version), sb, orNone(b.Conformance.Tool.Version))
}

// warnings are what weakens a comparison of a with b.
func warnings(a, b Run) []string {
	out := []string{}
	for _, s := range []struct {
		name string
		run  Run
	}{{"A", a}, {"B", b}} {
		if s.run.Conformance.Interrupted != "" {
			out = append(out, fmt.Sprintf("%s was interrupted (%s): the rules it did not judge are errors, not the target's answers", s.name, s.run.Conformance.Interrupted))
		}
		if s.run.Conformance.Tool.SpecSHA256 == "" {
			out = append(out, fmt.Sprintf("%s does not record which contract it was judged by (a report older than nicconform's tool field)", s.name))
		}
	}
	if sa, sb := a.Conformance.Tool.SpecSHA256, b.Conformance.Tool.SpecSHA256; sa != "" && sb != "" && sa != sb {
		out = append(out, fmt.Sprintf("A and B were judged by different contracts (spec sha256 %s and %s), compared with -force", sa, sb))
	}
	return out
}

// Side describes one of the two runs.
type Side struct {
	Dir     string `json:"dir"`
	Target  string `json:"target"`
	Profile string `json:"profile"`
}

// RuleDiff is one rule whose verdict differs. A verdict of "" means the run
// does not report the rule at all.
type RuleDiff struct {
	ID string      `json:"id"`
	A  RuleVerdict `json:"a"`
	B  RuleVerdict `json:"b"`
}

// RuleVerdict is one run's verdict on a rule and its reason.
type RuleVerdict struct {
	Verdict string `json:"verdict"`
	Reason  string `json:"reason,omitempty"`
}

// OperationDiff is what differs for one operation.
type OperationDiff struct {
	Operation string `json:"operation"`
	// StatusesOnlyInA are the status codes only A's target answered for
	// the operation (0: no response).
	StatusesOnlyInA []int `json:"statusesOnlyInA"`
	StatusesOnlyInB []int `json:"statusesOnlyInB"`
	// Statuses are the differences within status codes both answered.
	Statuses []StatusDiff `json:"statuses"`
}

// StatusDiff is what differs between the answers of one status code of one
// operation. Header names are in canonical form; key paths read
// "interfaceAttachments[].mac_addr: string".
type StatusDiff struct {
	Status            int            `json:"status"`
	HeadersOnlyInA    []string       `json:"headersOnlyInA"`
	HeadersOnlyInB    []string       `json:"headersOnlyInB"`
	MediaTypesOnlyInA []string       `json:"mediaTypesOnlyInA"`
	MediaTypesOnlyInB []string       `json:"mediaTypesOnlyInB"`
	BodiesOnlyInA     []string       `json:"bodiesOnlyInA"`
	BodiesOnlyInB     []string       `json:"bodiesOnlyInB"`
	KeysOnlyInA       []string       `json:"keysOnlyInA"`
	KeysOnlyInB       []string       `json:"keysOnlyInB"`
	TypeMismatches    []TypeMismatch `json:"typeMismatches"`
}

// TypeMismatch is a key path both runs have, with different JSON types
// ("string|null" when several were seen).
type TypeMismatch struct {
	Path string `json:"path"`
	A    string `json:"a"`
	B    string `json:"b"`
}

// Empty reports whether the runs do not differ.
func (r Result) Empty() bool { return len(r.Rules) == 0 && len(r.Operations) == 0 }

func (d StatusDiff) empty() bool {
	return len(d.HeadersOnlyInA)+len(d.HeadersOnlyInB)+len(d.MediaTypesOnlyInA)+len(d.MediaTypesOnlyInB)+
		len(d.BodiesOnlyInA)+len(d.BodiesOnlyInB)+len(d.KeysOnlyInA)+len(d.KeysOnlyInB)+len(d.TypeMismatches) == 0
}

// Compare compares run A with run B.
func Compare(a, b Run) Result {
	res := Result{
		A:          Side{Dir: a.Dir, Target: a.Conformance.Target, Profile: a.Conformance.Profile},
		B:          Side{Dir: b.Dir, Target: b.Conformance.Target, Profile: b.Conformance.Profile},
		Rules:      []RuleDiff{},
		Operations: []OperationDiff{},
		Warnings:   warnings(a, b),
	}
	res.Rules = compareRules(a, b)

	ops := map[string]bool{}
	for k := range a.Groups {
		ops[k.Operation] = true
	}
	for k := range b.Groups {
		ops[k.Operation] = true
	}
	names := sortedKeys(ops)
	sort.SliceStable(names, func(i, j int) bool { return !offContract(names[i]) && offContract(names[j]) })
	for _, op := range names {
		d := OperationDiff{Operation: op, StatusesOnlyInA: []int{}, StatusesOnlyInB: []int{}, Statuses: []StatusDiff{}}
		for _, st := range statuses(a, b, op) {
			ga, gb := a.Groups[Key{op, st}], b.Groups[Key{op, st}]
			switch {
			case gb == nil:
				d.StatusesOnlyInA = append(d.StatusesOnlyInA, st)
			case ga == nil:
				d.StatusesOnlyInB = append(d.StatusesOnlyInB, st)
			default:
				if sd := compareGroups(st, ga, gb); !sd.empty() {
					d.Statuses = append(d.Statuses, sd)
				}
			}
		}
		if len(d.StatusesOnlyInA)+len(d.StatusesOnlyInB)+len(d.Statuses) > 0 {
			res.Operations = append(res.Operations, d)
		}
	}
	return res
}

func offContract(op string) bool { return strings.HasPrefix(op, "(off-contract)") }

func compareRules(a, b Run) []RuleDiff {
	out := []RuleDiff{}
	inB := map[string]RuleVerdict{}
	for _, v := range b.Conformance.Rules {
		inB[v.ID] = RuleVerdict{v.Verdict, v.Reason}
	}
	seen := map[string]bool{}
	for _, v := range a.Conformance.Rules {
		if seen[v.ID] {
			continue
		}
		seen[v.ID] = true
		va := RuleVerdict{v.Verdict, v.Reason}
		if vb := inB[v.ID]; vb.Verdict != va.Verdict {
			out = append(out, RuleDiff{ID: v.ID, A: va, B: vb})
		}
	}
	for _, v := range b.Conformance.Rules {
		if !seen[v.ID] {
			seen[v.ID] = true
			out = append(out, RuleDiff{ID: v.ID, B: RuleVerdict{v.Verdict, v.Reason}})
		}
	}
	return out
}

func statuses(a, b Run, op string) []int {
	set := map[int]bool{}
	for _, r := range []Run{a, b} {
		for k := range r.Groups {
			if k.Operation == op {
				set[k.Status] = true
			}
		}
	}
	out := make([]int, 0, len(set))
	for st := range set {
		out = append(out, st)
	}
	sort.Ints(out)
	return out
}

func compareGroups(status int, a, b *Group) StatusDiff {
	d := StatusDiff{Status: status, TypeMismatches: []TypeMismatch{}}
	d.HeadersOnlyInA, d.HeadersOnlyInB = setDiff(a.Headers, b.Headers)
	d.MediaTypesOnlyInA, d.MediaTypesOnlyInB = setDiff(a.MediaTypes, b.MediaTypes)
	d.BodiesOnlyInA, d.BodiesOnlyInB = setDiff(a.Bodies, b.Bodies)
	d.KeysOnlyInA, d.KeysOnlyInB = []string{}, []string{}
	paths := map[string]bool{}
	for p := range a.Keys {
		paths[p] = true
	}
	for p := range b.Keys {
		paths[p] = true
	}
	for _, p := range sortedKeys(paths) {
		ta, tb := a.Keys[p], b.Keys[p]
		switch {
		case tb == nil && onlyEmpty(p, b.Keys), ta == nil && onlyEmpty(p, a.Keys):
			// under a list that side only ever saw empty: nothing to compare
		case tb == nil:
			d.KeysOnlyInA = append(d.KeysOnlyInA, p+": "+types(ta))
		case ta == nil:
			d.KeysOnlyInB = append(d.KeysOnlyInB, p+": "+types(tb))
		case types(ta) != types(tb):
			d.TypeMismatches = append(d.TypeMismatches, TypeMismatch{Path: p, A: types(ta), B: types(tb)})
		}
	}
	return d
}

// onlyEmpty reports whether path lies under a list that keys saw as an
// array but never with an element ("a[].b" where "a" is an array and no
// "a[]" path was seen).
func onlyEmpty(path string, keys map[string]map[string]bool) bool {
	for i := strings.Index(path, "[]"); i >= 0; {
		list := path[:i]
		if keys[list]["array"] && keys[list+"[]"] == nil {
			return true
		}
		next := strings.Index(path[i+2:], "[]")
		if next < 0 {
			break
		}
		i += 2 + next
	}
	return false
}

func types(set map[string]bool) string { return strings.Join(sortedKeys(set), "|") }

func setDiff(a, b map[string]bool) (onlyA, onlyB []string) {
	onlyA, onlyB = []string{}, []string{}
	for _, k := range sortedKeys(a) {
		if !b[k] {
			onlyA = append(onlyA, k)
		}
	}
	for _, k := range sortedKeys(b) {
		if !a[k] {
			onlyB = append(onlyB, k)
		}
	}
	return onlyA, onlyB
}

// Markdown renders the result for a person: the rules whose verdicts
// differ, then, per operation, the status codes and answers that differ.
func (r Result) Markdown() string {
	var b strings.Builder
	b.WriteString("# nicconform diff\n\n")
	fmt.Fprintf(&b, "- A: %s (target %s, profile %s)\n", r.A.Dir, orNone(r.A.Target), orNone(r.A.Profile))
	fmt.Fprintf(&b, "- B: %s (target %s, profile %s)\n", r.B.Dir, orNone(r.B.Target), orNone(r.B.Profile))
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "- **warning**: %s\n", w)
	}
	if r.Empty() {
		b.WriteString("- result: **no differences**\n")
		return b.String()
	}
	fmt.Fprintf(&b, "- result: **%d rule verdict(s) differ, %d operation(s) answer differently**\n", len(r.Rules), len(r.Operations))

	if len(r.Rules) > 0 {
		b.WriteString("\n## Rules whose verdicts differ\n\n| rule | A | B |\n|---|---|---|\n")
		for _, d := range r.Rules {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", d.ID, verdictCell(d.A), verdictCell(d.B))
		}
	}
	if len(r.Operations) > 0 {
		b.WriteString("\n## Operations whose answers differ\n")
		b.WriteString("\nHeader names (Date and Content-Length ignored), Content-Type media types, body kinds (empty, json, non-json) and JSON key paths with their types, over every exchange of the run; values never count.\n")
	}
	for _, op := range r.Operations {
		fmt.Fprintf(&b, "\n### %s\n\n", op.Operation)
		if len(op.StatusesOnlyInA) > 0 {
			fmt.Fprintf(&b, "- statuses only in A: %s\n", statusList(op.StatusesOnlyInA))
		}
		if len(op.StatusesOnlyInB) > 0 {
			fmt.Fprintf(&b, "- statuses only in B: %s\n", statusList(op.StatusesOnlyInB))
		}
		for _, sd := range op.Statuses {
			fmt.Fprintf(&b, "- **%s**:\n", statusName(sd.Status))
			item := func(what string, v []string) {
				if len(v) > 0 {
					fmt.Fprintf(&b, "  - %s: %s\n", what, codeList(v))
				}
			}
			item("headers only in A", sd.HeadersOnlyInA)
			item("headers only in B", sd.HeadersOnlyInB)
			item("Content-Type only in A", mediaNames(sd.MediaTypesOnlyInA))
			item("Content-Type only in B", mediaNames(sd.MediaTypesOnlyInB))
			item("bodies only in A", sd.BodiesOnlyInA)
			item("bodies only in B", sd.BodiesOnlyInB)
			item("key paths only in A", sd.KeysOnlyInA)
			item("key paths only in B", sd.KeysOnlyInB)
			for _, m := range sd.TypeMismatches {
				fmt.Fprintf(&b, "  - type of `%s`: %s in A, %s in B\n", m.Path, m.A, m.B)
			}
		}
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func verdictCell(v RuleVerdict) string {
	if v.Verdict == "" {
		return "(not reported)"
	}
	s := v.Verdict
	if s == "fail" {
		s = "**fail**"
	}
	if v.Reason != "" {
		reason := v.Reason
		if r := []rune(reason); len(r) > 300 {
			reason = string(r[:300]) + "…"
		}
		s += ": " + reason
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func statusName(st int) string {
	if st == 0 {
		return "no response"
	}
	return fmt.Sprint(st)
}

func statusList(sts []int) string {
	out := make([]string, len(sts))
	for i, st := range sts {
		out[i] = statusName(st)
	}
	return strings.Join(out, ", ")
}

func mediaNames(mts []string) []string {
	out := make([]string, len(mts))
	for i, m := range mts {
		out[i] = m
		if m == "" {
			out[i] = "(none)"
		}
	}
	return out
}

func codeList(v []string) string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = "`" + s + "`"
	}
	return strings.Join(out, ", ")
}
