package cases_test

import (
	"bytes"
	"testing"

	"github.com/nicconform/nicconform/internal/cases"
	"github.com/nicconform/nicconform/spec"
)

var valid = map[string]string{
	"project_id": "0123456789abcdef0123456789abcdef",
	"server_id":  "6f1b1b62-8f3c-4bd4-9b1e-6d1c5e0d8a11",
	"port_id":    "9a1c5e7e-1f0b-4a9c-8b4b-2a8e3b2f4c11",
}

func values(t *testing.T, s *spec.Spec, cs []cases.Case) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, c := range cs {
		v, err := c.Value(s, valid[c.Param])
		if err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		if out[c.Param] == nil {
			out[c.Param] = map[string]string{}
		}
		out[c.Param][c.Kind] = v
	}
	return out
}

func TestEveryPathParameterGetsEveryKind(t *testing.T) {
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := cases.Malformed(s.Detach())
	if err != nil {
		t.Fatal(err)
	}
	got := values(t, s, cs)
	for _, param := range []string{"project_id", "server_id", "port_id"} {
		for _, kind := range []string{cases.Empty, cases.TooLong, cases.EncodedSlash, cases.NonASCII, cases.NotFormat} {
			if _, ok := got[param][kind]; !ok {
				t.Errorf("%s: no %s case (got %v)", param, kind, got[param])
			}
		}
	}
	if v := got["server_id"][cases.TooLong]; len(v) != 37 {
		t.Errorf("too-long server_id has %d characters, want maxLength+1 = 37", len(v))
	}
	if v := got["port_id"][cases.EncodedSlash]; v != "9a1c5e7e-1f0b-4a9c/-8b4b-2a8e3b2f4c11" {
		t.Errorf("encoded-slash port_id = %q", v)
	}
}

func TestInvalidValidValueIsAnError(t *testing.T) {
	s, _ := spec.Load()
	cs, _ := cases.Malformed(s.Detach())
	for _, c := range cs {
		if c.Param == "project_id" {
			if _, err := c.Value(s, "nope"); err == nil {
				t.Errorf("%s accepted an invalid 'valid' value", c.Name())
			}
		}
	}
}

// A regional variant of the page adds the reserve_port boolean query: a copy
// of the spec with it brings its case without new code.
func TestNewQueryParameterBringsItsOwnCase(t *testing.T) {
	src := spec.Source()
	withQuery := bytes.Replace(src, []byte("      operationId: detachInterface\n"), []byte(
		"      operationId: detachInterface\n"+
			"      parameters:\n"+
			"        - {name: reserve_port, in: query, required: false, schema: {type: boolean}}\n"), 1)
	if bytes.Equal(src, withQuery) {
		t.Fatal("the test's edit did not apply")
	}
	s, err := spec.Parse(withQuery)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := cases.Malformed(s.Detach())
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := values(t, s, cs)["reserve_port"][cases.WrongType]; !ok || v != "not-a-boolean" {
		t.Errorf("reserve_port cases: %v", values(t, s, cs)["reserve_port"])
	}
	base, _ := spec.Load()
	before, _ := cases.Malformed(base.Detach())
	if len(cs) != len(before)+1 {
		t.Errorf("%d cases with reserve_port, %d without: want exactly one more", len(cs), len(before))
	}
}
