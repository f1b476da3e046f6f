package spec_test

import (
	"bytes"
	"net/http/httptest"
	"os"
	"regexp"
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

// The catalog in DESIGN.md is the public vocabulary: x-rules must hold
// exactly its ids.
func TestRulesMatchDesignCatalog(t *testing.T) {
	design, err := os.ReadFile("../../shared/DESIGN.md")
	if err != nil {
		t.Skipf("DESIGN.md not beside the checkout: %v", err) // the fixed list below still runs
	}
	want := catalogIDs
	if design != nil {
		want = nil
		row := regexp.MustCompile(`(?m)^\| ([A-Z][A-Z-]+[A-Z]) \|`)
		for _, m := range row.FindAllSubmatch(design, -1) {
			want = append(want, string(m[1]))
		}
	}
	checkIDs(t, load(t), want)
}

// catalogIDs is DESIGN.md's catalog, kept here so the check runs without it.
var catalogIDs = []string{
	"DETACH-ACCEPTED", "BODY-EMPTY-RESPONSE", "BODY-NO-REQUEST", "DETACH-COMPLETES", "PORT-ID-RETAINED",
	"NET-ID-DELETED", "PRIMARY-FORBIDDEN", "DETACH-ISOLATION", "PATH-UNKNOWN-SERVER", "PATH-UNKNOWN-PORT",
	"PATH-FOREIGN-PROJECT", "PATH-MALFORMED", "PATH-MISSING-PORT", "METHOD-NOT-ALLOWED", "DETACH-REPEAT",
	"AUTH-MISSING", "AUTH-INVALID", "STATE-LOCKED", "ERROR-SHAPE", "REQUEST-ID", "SPEC-CONFORMANT",
}

func TestRulesMatchFixedCatalog(t *testing.T) { checkIDs(t, load(t), catalogIDs) }

func checkIDs(t *testing.T, s *spec.Spec, want []string) {
	t.Helper()
	var got []string
	for _, r := range s.Rules() {
		got = append(got, r.ID)
	}
	w := append([]string(nil), want...)
	sort.Strings(got)
	sort.Strings(w)
	if strings.Join(got, " ") != strings.Join(w, " ") {
		t.Errorf("x-rules ids\n got %v\nwant %v", got, w)
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
		"bad status":          bytes.Replace(src, []byte("huawei: {status: ['403']}"), []byte("huawei: {status: ['4O3']}"), 1),
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
