package paths

import (
	"slices"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/spec"
)

// TestLayoutIsTheContracts: the layout's routes are exactly the paths of
// spec/openapi.yaml, spelled alike.
func TestLayoutIsTheContracts(t *testing.T) {
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	var inSpec, inLayout []string
	for p := range s.Doc.Paths.Map() {
		inSpec = append(inSpec, p)
	}
	for _, r := range Routes() {
		inLayout = append(inLayout, r.String())
	}
	slices.Sort(inSpec)
	slices.Sort(inLayout)
	if !slices.Equal(inSpec, inLayout) {
		t.Errorf("layout %q\nspec   %q", inLayout, inSpec)
	}
}

func TestSegments(t *testing.T) {
	for _, c := range []struct {
		got  []string
		want string
	}{
		{Interface.Segments("p", "s", "a/b"), "v2.1|p|servers|s|os-interface|a/b"},
		{Interfaces.Segments("p", ""), "v2.1|p|servers||os-interface"},
		{Server.Segments("p", "s"), "v2.1|p|servers|s"},
		{ServerAction.Segments("p", "s"), "v2.1|p|servers|s|action"},
		{Ports.Segments(), "v2.0|ports"},
		{Port.Segments("x"), "v2.0|ports|x"},
		{ComputeVersionDocument.Segments(), "v2.1"},
		{ProjectVersionDocument.Segments("p"), "v2.1|p|"},
	} {
		if got := strings.Join(c.got, "|"); got != c.want {
			t.Errorf("got %s, want %s", got, c.want)
		}
	}
	if got := Interface.Params(); !slices.Equal(got, []string{"project_id", "server_id", "port_id"}) {
		t.Errorf("Interface.Params() = %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("a missing parameter did not panic")
		}
	}()
	Interface.Segments("p", "s")
}

func TestMatch(t *testing.T) {
	id := func(s string) string { return s }
	for _, r := range Routes() {
		vals := make([]string, len(r.Params()))
		for i := range vals {
			vals[i] = "id" + string(rune('0'+i))
		}
		got, params := Match(r.Segments(vals...), id)
		if got != r || !slices.Equal(params, vals) {
			t.Errorf("%s: matched %s %q", r, got, params)
		}
	}
	for path, want := range map[string]Route{
		"/":                                  Versions,
		"/v2.1":                              ComputeVersionDocument,
		"/v2.1/":                             ComputeVersionDocument,
		"/v2.1/p/":                           ProjectVersionDocument,
		"/v2.1//":                            None, // an empty project before the trailing slash
		"/v2.1/p/servers/":                   None, // a trailing slash is no server id
		"/v2.1//servers/s":                   Server,
		"/v2.1/p/servers//os-interface":      Interfaces,
		"/v2.1/p/servers/s/os-interface/":    None,
		"/v2.0/":                             NetworkResources,
		"/v2.0":                              None,
		"/v2.0/ports/":                       None,
		"/v2.1/p/servers/s/os-interface/x/y": None,
		"":                                   None,
	} {
		if got, _ := Match(strings.Split(path, "/")[1:], id); got != want {
			t.Errorf("%q matched %s, want %s", path, got, want)
		}
	}
}

// The project-less spellings (Nova ≥ 2.18 catalogs) match their routes and
// say so; WithoutProject builds them; Routes lists each route once.
func TestProjectless(t *testing.T) {
	text := func(s string) string { return s }
	for _, r := range []Route{Server, ServerAction, Interfaces, Interface} {
		values := []string{"p", "s", "n"}[:len(r.Params())]
		segs := WithoutProject(r.Segments(values...))
		got, params, projectless := MatchProjectless(segs, text)
		if got != r || !projectless || len(params) != len(values)-1 {
			t.Errorf("%s: %v matched %s %v projectless=%v", r, segs, got, params, projectless)
		}
		if got, _, projectless := MatchProjectless(r.Segments(values...), text); got != r || projectless {
			t.Errorf("%s with a project: %s projectless=%v", r, got, projectless)
		}
	}
	if got := WithoutProject(Ports.Segments()); len(got) != 2 || got[0] != NetworkVersion {
		t.Errorf("network segments changed: %v", got)
	}
	seen := map[Route]bool{}
	for _, r := range Routes() {
		if seen[r] {
			t.Errorf("Routes lists %s twice", r)
		}
		seen[r] = true
	}
}
