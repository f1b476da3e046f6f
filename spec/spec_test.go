package spec_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/spec"
)

func load(t *testing.T) *spec.Spec {
	t.Helper()
	s, err := spec.Load()
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return s
}

func TestSpecValidatesAndEveryOperationHasAnID(t *testing.T) {
	s := load(t)
	for path, item := range s.Doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				t.Errorf("%s %s has no operationId", method, path)
			}
		}
	}
	want := []string{"attachInterface", "createPort", "deletePort", "detachInterface", "listInterfaces",
		"listNetworkResources", "listPorts", "listVersions", "serverAction", "showComputeVersion", "showInterface",
		"showPort", "showProjectComputeVersion", "showServer", "updatePort"}
	var got []string
	for _, op := range s.Operations() {
		got = append(got, op.ID)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("operations = %v, want %v", got, want)
	}
}

// The rule table of docs/design.md is the catalog as users read it: x-rules
// must hold exactly its ids, so neither can change without the other.
func TestRulesMatchDesignCatalog(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "design.md"))
	if err != nil {
		t.Fatalf("the design document is part of the checkout: %v", err)
	}
	want, err := catalogTable(doc)
	if err != nil {
		t.Fatalf("docs/design.md: %v", err)
	}
	var got []string
	for _, r := range load(t).Rules() {
		got = append(got, r.ID)
	}
	if onlyDoc, onlySpec := diffIDs(want, got); len(onlyDoc)+len(onlySpec) > 0 {
		t.Errorf("docs/design.md's rule table and spec/openapi.yaml's x-rules differ\n  only in docs/design.md: %v\n  only in x-rules:         %v", onlyDoc, onlySpec)
	}
}

// catalogTable reads the rule ids from the first table under the
// "## Rule catalog" heading of a Markdown document, in order. Other tables,
// before the heading or later in its section, are not the catalog.
func catalogTable(doc []byte) ([]string, error) {
	id := regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$`)
	lines := strings.Split(string(doc), "\n")
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) != "## Rule catalog" {
		i++
	}
	if i == len(lines) {
		return nil, errors.New(`no "## Rule catalog" heading`)
	}
	for i++; i < len(lines) && !strings.HasPrefix(lines[i], "|"); i++ {
		if strings.HasPrefix(lines[i], "## ") {
			return nil, errors.New(`no table in the "## Rule catalog" section`)
		}
	}
	if i+2 > len(lines) || !strings.HasPrefix(lines[i+1], "|---") {
		return nil, errors.New(`the "## Rule catalog" section has no table with a header row`)
	}
	var ids []string
	seen := map[string]bool{}
	for _, line := range lines[i+2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cell := strings.TrimSpace(strings.SplitN(strings.TrimPrefix(line, "|"), "|", 2)[0])
		switch {
		case !id.MatchString(cell):
			return nil, fmt.Errorf("rule table row %q: %q is not a rule id", line, cell)
		case seen[cell]:
			return nil, fmt.Errorf("rule table: %s appears twice", cell)
		}
		seen[cell] = true
		ids = append(ids, cell)
	}
	if len(ids) == 0 {
		return nil, errors.New("the rule table has no rows")
	}
	return ids, nil
}

// diffIDs returns the ids only in a and those only in b, sorted.
func diffIDs(a, b []string) (onlyA, onlyB []string) {
	in := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range list {
			m[x] = true
		}
		return m
	}
	inA, inB := in(a), in(b)
	for x := range inA {
		if !inB[x] {
			onlyA = append(onlyA, x)
		}
	}
	for x := range inB {
		if !inA[x] {
			onlyB = append(onlyB, x)
		}
	}
	sort.Strings(onlyA)
	sort.Strings(onlyB)
	return onlyA, onlyB
}

// The check above must be able to fail: a table that lost, gained or
// renamed a rule differs from x-rules, and only the catalog table counts.
func TestCatalogTableCheckCanFail(t *testing.T) {
	const doc = `# design

| id | what |
|---|---|
| NOT-A-RULE | a table before the catalog |

## Rule catalog

Prose.

| id | what must hold |
|---|---|
| RULE-ONE | one |
| RULE-TWO | two |

| id | another table in the section |
|---|---|
| RULE-THREE | not the catalog |

## Verdicts
`
	ids, err := catalogTable([]byte(doc))
	if err != nil || strings.Join(ids, " ") != "RULE-ONE RULE-TWO" {
		t.Fatalf("catalogTable = %v, %v; want [RULE-ONE RULE-TWO]", ids, err)
	}
	for _, c := range []struct {
		name      string
		spec      []string
		onlyTable string
		onlySpec  string
	}{
		{"same", []string{"RULE-TWO", "RULE-ONE"}, "", ""},
		{"a rule missing from x-rules", []string{"RULE-ONE"}, "RULE-TWO", ""},
		{"a rule missing from the table", []string{"RULE-ONE", "RULE-TWO", "RULE-NEW"}, "", "RULE-NEW"},
		{"a rule renamed", []string{"RULE-ONE", "RULE-2"}, "RULE-TWO", "RULE-2"},
	} {
		a, b := diffIDs(ids, c.spec)
		if strings.Join(a, " ") != c.onlyTable || strings.Join(b, " ") != c.onlySpec {
			t.Errorf("%s: diffIDs = %v, %v; want [%s], [%s]", c.name, a, b, c.onlyTable, c.onlySpec)
		}
	}
	for name, bad := range map[string]string{
		"no heading":    "| id |\n|---|\n| RULE-ONE |\n",
		"no table":      "## Rule catalog\n\nProse.\n\n## Verdicts\n\n| id |\n|---|\n| RULE-ONE |\n",
		"duplicate id":  "## Rule catalog\n\n| id |\n|---|\n| RULE-ONE |\n| RULE-ONE |\n",
		"not an id":     "## Rule catalog\n\n| id |\n|---|\n| rule one |\n",
		"no rows":       "## Rule catalog\n\n| id |\n|---|\n",
		"no header row": "## Rule catalog\n\n| RULE-ONE |\n",
	} {
		if ids, err := catalogTable([]byte(bad)); err == nil {
			t.Errorf("%s: accepted, ids %v", name, ids)
		}
	}
}

func TestProfileExpectations(t *testing.T) {
	s := load(t)
	primary, _ := s.Rule("PRIMARY-FORBIDDEN")
	if !primary.For(spec.ProfileHuawei).Allows(403) || primary.For(spec.ProfileHuawei).Allows(202) {
		t.Errorf("PRIMARY-FORBIDDEN huawei: %+v", primary.For(spec.ProfileHuawei))
	}
	if primary.For(spec.ProfileNova).Skip == "" {
		t.Errorf("PRIMARY-FORBIDDEN nova should be skipped with a reason")
	}
	unknown, _ := s.Rule("PATH-UNKNOWN-PORT")
	if !unknown.For(spec.ProfileNova).Allows(202) || unknown.For(spec.ProfileHuawei).Allows(202) {
		t.Errorf("PATH-UNKNOWN-PORT: %+v", unknown.Expect)
	}
	foreign, _ := s.Rule("PATH-FOREIGN-PROJECT")
	if !foreign.For(spec.ProfileHuawei).Allows(403) || foreign.For(spec.ProfileHuawei).Allows(500) {
		t.Errorf("PATH-FOREIGN-PROJECT: 4XX class not honoured")
	}
}

func TestRoutesOnThePathAlone(t *testing.T) {
	s := load(t)
	p := "/v2.1/0123456789abcdef0123456789abcdef/servers/6f1b1b62-8f3c-4bd4-9b1e-6d1c5e0d8a11/os-interface/9a1c5e7e-1f0b-4a9c-8b4b-2a8e3b2f4c11"
	for _, host := range []string{"http://127.0.0.1:8774", "https://ecs.cn-north-4.myhuaweicloud.com", "https://example.org:9999/"} {
		req := httptest.NewRequest("DELETE", strings.TrimSuffix(host, "/")+p, nil)
		route, params, err := s.Route(req)
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		if route.Operation.OperationID != spec.DetachOperationID || params["port_id"] != "9a1c5e7e-1f0b-4a9c-8b4b-2a8e3b2f4c11" {
			t.Errorf("%s: routed to %s %v", host, route.Operation.OperationID, params)
		}
	}
	// An encoded slash stays inside its segment.
	req := httptest.NewRequest("DELETE", "http://h/v2.1/0123456789abcdef0123456789abcdef/servers/a%2Fb/os-interface/c", nil)
	_, params, err := s.Route(req)
	if err != nil {
		t.Fatalf("encoded slash: %v", err)
	}
	if params["server_id"] != "a%2Fb" {
		t.Errorf("server_id = %q, want the escaped segment", params["server_id"])
	}
}

// Version discovery routes apart from the API under it: the roots, /v2.1
// with or without its slash, the project's document, Neutron's resources.
func TestRoutesDiscovery(t *testing.T) {
	s := load(t)
	const project = "0123456789abcdef0123456789abcdef"
	for path, want := range map[string]string{
		"/":                      "listVersions",
		"/v2.1":                  "showComputeVersion",
		"/v2.1/":                 "showComputeVersion",
		"/v2.1/" + project + "/": "showProjectComputeVersion",
		"/v2.1/" + project + "/servers/6f1b1b62-8f3c-4bd4-9b1e-6d1c5e0d8a11": "showServer",
		"/v2.0/":      "listNetworkResources",
		"/v2.0/ports": "listPorts",
	} {
		route, _, err := s.Route(httptest.NewRequest("GET", "http://h"+path, nil))
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if route.Operation.OperationID != want {
			t.Errorf("%s routed to %s, want %s", path, route.Operation.OperationID, want)
		}
	}
	for _, id := range []string{"listVersions", "showComputeVersion"} {
		op, _ := s.Operation(id)
		if op.Operation.Security == nil || len(*op.Operation.Security) != 0 {
			t.Errorf("%s must need no credentials", id)
		}
	}
}

func TestErrorBodyShapes(t *testing.T) {
	s := load(t)
	good := []any{
		map[string]any{"itemNotFound": map[string]any{"code": 404, "message": "x"}},
		map[string]any{"error": map[string]any{"code": "Ecs.0085", "message": "x"}},
		map[string]any{"NeutronError": map[string]any{"type": "PortNotFound", "message": "x", "detail": ""}},
	}
	for _, v := range good {
		if err := s.ValidateErrorBody(v); err != nil {
			t.Errorf("%v rejected: %v", v, err)
		}
	}
	bad := []any{
		"plain text",
		map[string]any{},
		map[string]any{"message": "x"},
		map[string]any{"itemNotFound": map[string]any{"code": "404", "message": "x"}},
		map[string]any{"error": map[string]any{"code": 12, "message": "x"}},
		map[string]any{"a": map[string]any{"code": 404, "message": "x"}, "b": map[string]any{"code": 404, "message": "y"}},
	}
	for _, v := range bad {
		if err := s.ValidateErrorBody(v); err == nil {
			t.Errorf("%v accepted", v)
		}
	}
}

func TestParseRejectsBrokenDocuments(t *testing.T) {
	src := spec.Source()
	cases := map[string][]byte{
		"not yaml":            []byte("{{{"),
		"unknown format":      bytes.Replace(src, []byte("format: uuid, minLength: 36"), []byte("format: uuidish, minLength: 36"), 1),
		"no operationId":      bytes.Replace(src, []byte("operationId: showServer"), []byte("summary: x"), 1),
		"duplicate rule":      bytes.Replace(src, []byte("id: BODY-EMPTY-RESPONSE"), []byte("id: DETACH-ACCEPTED"), 1),
		"bad status":          bytes.Replace(src, []byte("allow: ['403']"), []byte("allow: ['4O3']"), 1),
		"expect in x-rules":   bytes.Replace(src, []byte("allow: ['403']"), []byte("expect: {huawei: {status: ['403']}}"), 1),
		"wrong type in rules": bytes.Replace(src, []byte("x-rules:"), []byte("x-rules: 3\n      x-old-rules:"), 1),
	}
	for name, doc := range cases {
		if bytes.Equal(doc, src) {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if _, err := spec.Parse(doc); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Every expectation is exactly as strict as its rule's statement: each
// status (or class) a profile expects is one the statement names, so a
// profile cannot pin a status its rule does not state (docs/design.md,
// "Verdicts").
func TestExpectationsAreNamedByTheirStatements(t *testing.T) {
	named := regexp.MustCompile(`\b([1-5](?:[0-9]{2}|xx|XX))\b`)
	s := load(t)
	for _, r := range s.Rules() {
		stated := map[string]bool{}
		for _, m := range named.FindAllStringSubmatch(r.Statement, -1) {
			stated[strings.ToUpper(m[1])] = true
		}
		for _, a := range r.Allow {
			if !stated[strings.ToUpper(a)] {
				t.Errorf("%s: allows %s, which its statement does not name: %q", r.ID, a, r.Statement)
			}
		}
		// Every shipped profile stays within the statement.
		for _, name := range spec.ShippedProfiles() {
			p, err := s.LoadProfile(name)
			if err != nil {
				t.Fatal(err)
			}
			if e := p.Expect(r); !r.Within(e) {
				t.Errorf("%s: profile %s expects %v beyond %v", r.ID, name, e.Status, r.Allow)
			}
		}
	}
}

// A profile may only narrow or choose within what a rule's statement
// allows; a file that loosens a rule, names an unknown rule, or is not a
// profile is refused with a clear error.
func TestProfilesNarrowNeverLoosen(t *testing.T) {
	s := load(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("narrow.yaml", "name: narrow\nbase: nova\nrules:\n  PATH-MISSING-PORT: {status: ['404']}\n  PATH-UNKNOWN-PORT: {status: ['404']}\n  STATE-LOCKED: {skip: 'the target cannot lock'}\n")
	p, err := s.LoadProfile(good)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := s.Rule("PATH-MISSING-PORT")
	if e := p.Expect(r); len(e.Status) != 1 || e.Status[0] != "404" {
		t.Errorf("narrowed: %+v", e)
	}
	r, _ = s.Rule("DETACH-REPEAT")
	if e := p.Expect(r); len(e.Status) != 2 { // not named: the statement's bounds
		t.Errorf("default: %+v", e)
	}
	for name, c := range map[string]struct{ body, want string }{
		"loosen":       {"name: x\nbase: huawei\nrules:\n  PRIMARY-FORBIDDEN: {status: ['4XX']}\n", "loosens"},
		"loosen code":  {"name: x\nbase: huawei\nrules:\n  STATE-LOCKED: {status: ['400']}\n", "loosens"},
		"unknown rule": {"name: x\nbase: huawei\nrules:\n  NO-SUCH-RULE: {status: ['404']}\n", "no such rule"},
		"no status":    {"name: x\nbase: huawei\nrules:\n  BODY-EMPTY-RESPONSE: {status: ['200']}\n", "judges no status"},
		"bad base":     {"name: x\nbase: aws\n", "base"},
		"unknown key":  {"name: x\nbase: huawei\nrulez: {}\n", "not a profile"},
		"garbage":      {"\x00\x01 not yaml: [", "not a profile"},
	} {
		_, err := s.LoadProfile(write(name+".yaml", c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
	if _, err := s.LoadProfile("no-such-profile"); err == nil || !strings.Contains(err.Error(), "huawei") {
		t.Errorf("unknown name: %v", err)
	}
}

// Every precondition a rule needs is defined, and every defined one is
// needed by some rule.
func TestPreconditionsAreUsed(t *testing.T) {
	s := load(t)
	for id := range s.Preconditions() {
		if len(s.Dependants(id)) == 0 {
			t.Errorf("precondition %s is needed by no rule", id)
		}
	}
	if got := s.Dependants("detach-completes"); !slices.Contains(got, "PORT-ID-RETAINED") || slices.Contains(got, "DETACH-COMPLETES") {
		t.Errorf("dependants of detach-completes = %v: want PORT-ID-RETAINED among them, and not DETACH-COMPLETES (it judges the completion itself)", got)
	}
}
