package mock

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/nicconform/nicconform/internal/paths"
)

// segment is one path segment: as sent (escaped) and decoded. ok is false
// when the escaping is invalid or the decoded text is not valid UTF-8.
type segment struct {
	raw, val string
	ok       bool
	// implied is the project of a project-less path (/v2.1/servers/…),
	// which names none: the caller's.
	implied bool
}

// text is what the router compares with the layout's literals: the decoded
// segment, or (when it does not decode) the escaped one, whose "%" no
// literal has.
func (s segment) text() string {
	if s.ok {
		return s.val
	}
	return s.raw
}

// splitPath splits the escaped path on "/" and decodes each segment on its
// own, so that an encoded slash (%2F) stays inside its segment.
func splitPath(escaped string) []segment {
	parts := strings.Split(escaped, "/")
	segs := make([]segment, len(parts))
	for i, p := range parts {
		v, err := url.PathUnescape(p)
		segs[i] = segment{raw: p, val: v, ok: err == nil && utf8.ValidString(v)}
	}
	return segs
}

// isComputePath reports whether a request goes to the compute API (/v2.1
// and below), whose answers carry X-Compute-Request-Id too.
func isComputePath(r *http.Request) bool {
	p := r.URL.EscapedPath()
	return p == "/"+paths.ComputeVersion || strings.HasPrefix(p, "/"+paths.ComputeVersion+"/")
}

// splitRoot takes the network root's prefix (NetworkRoot) off an escaped
// path: it returns the path below the root a request came to, and whether
// that root is the network's.
func splitRoot(escaped string) (path string, network bool) {
	rest, ok := strings.CutPrefix(escaped, NetworkRoot)
	if !ok || (rest != "" && rest[0] != '/') {
		return escaped, false
	}
	if rest == "" {
		rest = "/"
	}
	return rest, true
}

// operation serves one method of one route. The router has checked the
// method, the microversion and the path's ids: r.serverID and r.portID
// hold the ids of the routes that have them.
type operation func(m *Mock, w http.ResponseWriter, r *request)

// endpoint is a method of a route and the operation that serves it.
type endpoint struct {
	method string
	serve  operation
}

// endpoints lists the methods of each route the mock serves, in the order
// of a 405's Allow header.
var endpoints = map[paths.Route][]endpoint{
	paths.Versions:               {{http.MethodGet, (*Mock).versions}},
	paths.ComputeVersionDocument: {{http.MethodGet, (*Mock).novaVersionDocument}},
	paths.ProjectVersionDocument: {{http.MethodGet, (*Mock).novaVersionDocument}},
	paths.NetworkResources:       {{http.MethodGet, (*Mock).neutronResources}},
	paths.Server:                 {{http.MethodGet, (*Mock).showServer}},
	paths.ServerAction:           {{http.MethodPost, (*Mock).serverAction}},
	paths.Interfaces:             {{http.MethodGet, (*Mock).listInterfaces}, {http.MethodPost, (*Mock).attachInterface}},
	paths.Interface:              {{http.MethodGet, (*Mock).showInterface}, {http.MethodDelete, (*Mock).detachInterface}},
	paths.Ports:                  {{http.MethodGet, (*Mock).listPorts}, {http.MethodPost, (*Mock).createPort}},
	paths.Port:                   {{http.MethodGet, (*Mock).showPort}, {http.MethodPut, (*Mock).updatePort}, {http.MethodDelete, (*Mock).deletePort}},
}

// endpointOf returns the endpoint serving method on route, or nil.
func endpointOf(route paths.Route, method string) *endpoint {
	for i, e := range endpoints[route] {
		if e.method == method {
			return &endpoints[route][i]
		}
	}
	return nil
}

// allow is a route's Allow header.
func allow(route paths.Route) string {
	methods := make([]string, len(endpoints[route]))
	for i, e := range endpoints[route] {
		methods[i] = e.method
	}
	return strings.Join(methods, ", ")
}

// public reports whether a route is served without credentials: Nova
// serves / and /v2.1 outside its authenticated pipeline (etc/nova/api-paste.ini:
// oscomputeversions, oscomputeversion_v2), Neutron its / (api-paste.ini:
// neutronversions_composite), so that clients can discover before they log in.
func public(route paths.Route) bool {
	return route == paths.Versions || route == paths.ComputeVersionDocument
}

// versioned reports whether a route is under compute microversion control
// (nova/api/openstack/wsgi.py Resource.__call__; Nova's root version list
// is not: Versions.support_api_request_version is False).
func versioned(route paths.Route) bool {
	switch route {
	case paths.Server, paths.ServerAction, paths.Interfaces, paths.Interface,
		paths.ComputeVersionDocument, paths.ProjectVersionDocument:
		return true
	}
	return false
}

// servedAtNetworkRoot reports whether a route is served below the network
// root (NetworkRoot), which serves no compute route.
func servedAtNetworkRoot(route paths.Route) bool {
	switch route {
	case paths.Versions, paths.NetworkResources, paths.Ports, paths.Port:
		return true
	}
	return false
}

// match finds the route of an escaped path below a root, and the segments
// of its parameters.
func match(escaped string, network bool) (paths.Route, []segment) {
	segs := splitPath(escaped)
	if len(segs) < 2 || segs[0].raw != "" {
		return paths.None, nil
	}
	route, params, projectless := paths.MatchProjectless(segs[1:], segment.text)
	if network && !servedAtNetworkRoot(route) {
		return paths.None, nil
	}
	if projectless {
		// /v2.1/servers/…: the project is the caller's (checkProject
		// accepts its own project, a project-less endpoint names none).
		params = append([]segment{{ok: true, implied: true}}, params...)
	}
	return route, params
}

// route dispatches a request (r.route and r.params were matched by serve):
// the method, then (compute) the microversion, then the ids in the path,
// then the route's operation.
func (m *Mock) route(w http.ResponseWriter, r *request) {
	if r.route == paths.None {
		if isComputePath(r.Request) {
			m.writeError(w, errNoRoute())
		} else {
			m.writeError(w, errNotFound(codeMock("ResourceNotFound"), "The resource could not be found."))
		}
		return
	}
	e := endpointOf(r.route, r.Method)
	if e == nil {
		e = m.dev.methodNotAllowed(r)
	}
	if e == nil && m.opts.Profile == ProfileNova && !servedAtNetworkRoot(r.route) {
		// Nova routes each method of a resource on its own (conditions=
		// dict(method=[…]), nova/api/openstack/__init__.py:203-215;
		// os-interface: GET and DELETE on a NIC, GET and POST on the
		// collection, nova/api/openstack/compute/routes.py:800-807): another
		// method matches no route and gets the router's 404, with no Allow.
		// METHOD-NOT-ALLOWED allows 404.
		m.writeError(w, errNoRoute())
		return
	}
	if e == nil {
		w.Header().Set("Allow", allow(r.route))
		m.writeError(w, newError(http.StatusMethodNotAllowed, codeMock("MethodNotAllowed"), "The method %s is not allowed for this resource.", sanitize(r.Method)))
		return
	}
	r.method = e.method
	if versioned(r.route) {
		v, echo, aerr := negotiate(r.Header, m.maxVersion())
		if echo != "" {
			setVersionHeaders(w, echo)
		}
		if aerr != nil {
			m.writeError(w, aerr)
			return
		}
		r.version = v
	}
	if aerr := m.checkPathIDs(r); aerr != nil {
		m.writeError(w, aerr)
		return
	}
	e.serve(m, w, r)
}

// checkPathIDs checks the ids in the path in order: the project (the
// caller's, well-formed), then the server and port ids (UUIDs), which it
// keeps in r.serverID and r.portID.
func (m *Mock) checkPathIDs(r *request) *apiError {
	var aerr *apiError
	for i, name := range r.route.Params() {
		switch seg := r.params[i]; name {
		case "project_id":
			aerr = m.checkProject(r, seg)
		case "server_id":
			r.serverID, aerr = m.pathID(seg, name)
		case "port_id":
			r.portID, aerr = m.pathID(seg, name)
		}
		if aerr != nil {
			return aerr
		}
	}
	return nil
}

// sanitize bounds an echoed client string and keeps it printable ASCII.
func sanitize(s string) string {
	const max = 64
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < max; i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
		} else {
			b.WriteByte('?')
		}
	}
	if len(s) > max {
		b.WriteString("…")
	}
	return b.String()
}
