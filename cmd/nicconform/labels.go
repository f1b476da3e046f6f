package main

import (
	"fmt"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/nicconform/nicconform/internal/spelling"
	"github.com/nicconform/nicconform/spec"
)

// selectRules checks a -label-filter expression against the rule catalog
// before anything runs and returns the ids of the rules it selects, in
// catalog order. Every spec carries one label, its rule's id
// (fixtures.Suite.RuleIt), so a label that names no rule can only be a mistake
// that would pass CI with nothing run. The expression is parsed by
// Ginkgo's own parser (types.ParseLabelFilter, which the suite applies
// too); each operand of it (a bare label or a /regular expression/) is
// then parsed alone by the same parser and must select a rule. Errors: the
// expression's syntax (Ginkgo's message), the operands that name no rule
// (with the nearest rule id), a label set (key: value; no rule has one),
// or an expression that selects no rule.
func selectRules(filter string) ([]string, error) {
	s, err := spec.Load()
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range s.Rules() {
		ids = append(ids, r.ID)
	}
	whole, err := types.ParseLabelFilter(filter)
	if err != nil {
		return nil, fmt.Errorf("the label filter %q: %w", filter, err)
	}
	var bad []string
	for _, op := range labelOperands(filter) {
		if strings.Contains(op, ":") && !strings.HasPrefix(op, "/") {
			bad = append(bad, fmt.Sprintf("%q (a label set: the specs' only labels are rule ids)", op))
			continue
		}
		alone, err := types.ParseLabelFilter(op)
		if err != nil {
			return nil, fmt.Errorf("the label filter %q, at %q: %w", filter, op, err)
		}
		if matchesAny(alone, ids) {
			continue
		}
		if strings.HasPrefix(op, "/") {
			bad = append(bad, fmt.Sprintf("%s (matches no rule id)", op))
		} else {
			near, _ := spelling.Nearest(op, ids)
			bad = append(bad, fmt.Sprintf("%q (did you mean %s?)", op, near))
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("the label filter %q names no rule with %s; the rule ids are `nicconform rules`", filter, strings.Join(bad, ", "))
	}
	var selected []string
	for _, id := range ids {
		if whole([]string{id}) {
			selected = append(selected, id)
		}
	}
	if len(selected) == 0 {
		return nil, fmt.Errorf("the label filter %q selects no rule (each spec's one label is its rule id, so && of two rules selects none; || selects both)", filter)
	}
	return selected, nil
}

func matchesAny(f types.LabelFilter, ids []string) bool {
	for _, id := range ids {
		if f([]string{id}) {
			return true
		}
	}
	return false
}

// labelOperands returns the operands of a label filter Ginkgo has parsed:
// its bare labels (trimmed) and its /regular expressions/ (with their
// slashes), split at the operators Ginkgo's tokenizer knows (&& || ! , ( )).
// A label set's operation and argument stay with their key, so one operand
// holds the whole "key: op arg".
func labelOperands(filter string) []string {
	var ops []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			ops = append(ops, s)
		}
		cur.Reset()
	}
	inSet := false // after "key:", up to the next && or || (a set argument may hold commas and braces)
	for i := 0; i < len(filter); i++ {
		c := filter[i]
		switch {
		case c == '/' && !inSet:
			flush()
			end := strings.IndexByte(filter[i+1:], '/') // Ginkgo reads an unclosed one to the end
			if end < 0 {
				ops = append(ops, filter[i:]+"/")
				i = len(filter)
				continue
			}
			ops = append(ops, filter[i:i+end+2])
			i += end + 1
		case (c == '&' || c == '|') && i+1 < len(filter) && filter[i+1] == c:
			flush()
			inSet = false
			i++
		case !inSet && strings.IndexByte("!,()", c) >= 0:
			flush()
		case c == ':':
			inSet = true
			cur.WriteByte(c)
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return ops
}
