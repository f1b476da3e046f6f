// Package paths is the URL layout of the API nicconform tests, written down
// once: the compute endpoint's paths (/v2.1/{project_id}/servers/…, the
// NICs of a server under os-interface), the network endpoint's
// (/v2.0/ports…) and the version documents of both. The client builds its
// requests from it, the fixtures' probes build their deliberate paths from
// it, and the reference mock's router matches requests against it.
//
// A path is handled as its segments (the parts between the slashes, after
// the leading one), unescaped: a segment is sent as exactly one escaped
// segment, so an id holding "/" stays one segment. Each [Route]'s String is
// its template in spec/openapi.yaml's spelling.
package paths

import (
	"fmt"
	"slices"
	"strings"
)

// The API versions in the paths (and the "id" of each version document).
const (
	ComputeVersion = "v2.1" // the compute API (ECS, Nova)
	NetworkVersion = "v2.0" // the network API (VPC, Neutron)
)

// Route names one path of the layout.
type Route int

// The routes. Parameters are written {name} in the templates.
const (
	// None is no route of the layout.
	None Route = iota
	// Versions is "/": an endpoint's root, its version list.
	Versions
	// ComputeVersionDocument is "/v2.1" (and "/v2.1/"): Nova's v2.1 version
	// document.
	ComputeVersionDocument
	// ProjectVersionDocument is "/v2.1/{project_id}/": the same document,
	// where a client's compute endpoint (which names the project) points.
	ProjectVersionDocument
	// NetworkResources is "/v2.0/": Neutron's v2.0 resource list.
	NetworkResources
	// Server is "/v2.1/{project_id}/servers/{server_id}".
	Server
	// ServerAction is "/v2.1/{project_id}/servers/{server_id}/action".
	ServerAction
	// Interfaces is "/v2.1/{project_id}/servers/{server_id}/os-interface": a
	// server's NICs.
	Interfaces
	// Interface is "/v2.1/{project_id}/servers/{server_id}/os-interface/{port_id}":
	// one NIC, the path of the detach.
	Interface
	// Ports is "/v2.0/ports".
	Ports
	// Port is "/v2.0/ports/{port_id}".
	Port
)

// templates spells each route's segments; a parameter is {name}, and a
// trailing "" is a trailing slash. The first spelling of a route is the one
// it is built and shown with; a later one is another spelling it matches.
//
// A compute route under the project also has a project-less spelling
// (/v2.1/servers/…), as Nova ≥ 2.18 serves it to a catalog's compute
// endpoint that names no project (nova/api/openstack/compute/routes.py
// registers every route with and without {project_id}); it matches, and
// projectless marks it.
var templates = []struct {
	route       Route
	segments    []string
	projectless bool
}{
	{Versions, []string{""}, false},
	{ComputeVersionDocument, []string{ComputeVersion}, false},
	{ComputeVersionDocument, []string{ComputeVersion, ""}, false},
	{ProjectVersionDocument, []string{ComputeVersion, "{project_id}", ""}, false},
	{NetworkResources, []string{NetworkVersion, ""}, false},
	{Server, []string{ComputeVersion, "{project_id}", "servers", "{server_id}"}, false},
	{ServerAction, []string{ComputeVersion, "{project_id}", "servers", "{server_id}", "action"}, false},
	{Interfaces, []string{ComputeVersion, "{project_id}", "servers", "{server_id}", "os-interface"}, false},
	{Interface, []string{ComputeVersion, "{project_id}", "servers", "{server_id}", "os-interface", "{port_id}"}, false},
	{Ports, []string{NetworkVersion, "ports"}, false},
	{Port, []string{NetworkVersion, "ports", "{port_id}"}, false},
	{Server, []string{ComputeVersion, "servers", "{server_id}"}, true},
	{ServerAction, []string{ComputeVersion, "servers", "{server_id}", "action"}, true},
	{Interfaces, []string{ComputeVersion, "servers", "{server_id}", "os-interface"}, true},
	{Interface, []string{ComputeVersion, "servers", "{server_id}", "os-interface", "{port_id}"}, true},
}

// Routes lists every route of the layout.
func Routes() []Route {
	var out []Route
	for _, t := range templates {
		if !slices.Contains(out, t.route) {
			out = append(out, t.route)
		}
	}
	return out
}

// template returns the segments r is built with (nil for None).
func (r Route) template() []string {
	for _, t := range templates {
		if t.route == r {
			return t.segments
		}
	}
	return nil
}

// String is the route's template as spec/openapi.yaml spells it, e.g.
// "/v2.1/{project_id}/servers/{server_id}/os-interface/{port_id}".
func (r Route) String() string {
	t := r.template()
	if t == nil {
		return fmt.Sprintf("Route(%d)", int(r))
	}
	return "/" + strings.Join(t, "/")
}

// Params names the route's parameters in order, e.g. project_id, server_id,
// port_id for Interface.
func (r Route) Params() []string {
	var out []string
	for _, s := range r.template() {
		if name, ok := param(s); ok {
			out = append(out, name)
		}
	}
	return out
}

// Segments returns the route's path as unescaped segments, its parameters
// filled with values in order: Interface.Segments(project, server, port) is
// {"v2.1", project, "servers", server, "os-interface", port}. A value may be
// anything (empty, malformed): it stays one segment. It panics unless there
// is one value per parameter, a mistake in the calling code.
func (r Route) Segments(values ...string) []string {
	t := r.template()
	if want := len(r.Params()); t == nil || len(values) != want {
		panic(fmt.Sprintf("paths: %s takes %d parameters, got %d", r, want, len(values)))
	}
	out := make([]string, len(t))
	next := 0
	for i, s := range t {
		if _, ok := param(s); ok {
			s, next = values[next], next+1
		}
		out[i] = s
	}
	return out
}

// Match finds the route of a path given as its segments (after the leading
// "/"; a trailing slash is a last empty segment) and returns the segments
// its parameters stand in, in order. text gives a segment's text to compare
// with the layout's literals: a segment that is not valid text should give
// one that equals no literal. A parameter matches any segment but an empty
// one at the end of the path (a trailing slash is no id).
func Match[S any](segments []S, text func(S) string) (Route, []S) {
	route, params, _ := MatchProjectless(segments, text)
	return route, params
}

// MatchProjectless is Match that also says whether the path matched a
// project-less spelling (/v2.1/servers/…): then params lack the project_id
// that Params names first.
func MatchProjectless[S any](segments []S, text func(S) string) (route Route, params []S, projectless bool) {
	for _, t := range templates {
		if params, ok := matchTemplate(t.segments, segments, text); ok {
			return t.route, params, t.projectless
		}
	}
	return None, nil, false
}

// WithoutProject returns compute segments built with a project
// ({"v2.1", project, "servers", …}) as the project-less spelling
// ({"v2.1", "servers", …}) for an endpoint that names no project; other
// segments come back as they are.
func WithoutProject(segments []string) []string {
	if len(segments) < 3 || segments[0] != ComputeVersion {
		return segments
	}
	return append([]string{ComputeVersion}, segments[2:]...)
}

func matchTemplate[S any](template []string, segments []S, text func(S) string) ([]S, bool) {
	if len(template) != len(segments) {
		return nil, false
	}
	var params []S
	for i, want := range template {
		got := text(segments[i])
		if _, ok := param(want); ok {
			if got == "" && trailing(segments[i:], text) {
				return nil, false
			}
			params = append(params, segments[i])
			continue
		}
		if got != want {
			return nil, false
		}
	}
	return params, true
}

// trailing reports whether every segment is empty.
func trailing[S any](segments []S, text func(S) string) bool {
	for _, s := range segments {
		if text(s) != "" {
			return false
		}
	}
	return true
}

// param returns the name of a {name} template segment.
func param(s string) (string, bool) {
	if len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' {
		return s[1 : len(s)-1], true
	}
	return "", false
}
