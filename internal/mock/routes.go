package mock

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// segment is one path segment: as sent (escaped) and decoded. ok is false
// when the escaping is invalid or the decoded text is not valid UTF-8.
type segment struct {
	raw, val string
	ok       bool
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
	return p == "/v2.1" || strings.HasPrefix(p, "/v2.1/")
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

// routeKind names the routes the mock serves.
type routeKind int

const (
	routeNone routeKind = iota
	routeServer
	routeAction
	routeInterfaces
	routeInterface
	routePorts
	routePort
	// Version discovery.
	routeVersions         // GET / of a root: Nova's or Neutron's version list
	routeComputeVersion   // GET /v2.1 and /v2.1/: Nova's v2.1 version document
	routeProjectVersion   // GET /v2.1/{project_id}/: the same, authenticated
	routeNetworkResources // GET /v2.0/: Neutron's v2.0 resources
)

// allowed lists the methods of each route (the Allow header of a 405).
var allowed = map[routeKind][]string{
	routeServer:           {http.MethodGet},
	routeAction:           {http.MethodPost},
	routeInterfaces:       {http.MethodGet, http.MethodPost},
	routeInterface:        {http.MethodGet, http.MethodDelete},
	routePorts:            {http.MethodGet, http.MethodPost},
	routePort:             {http.MethodGet, http.MethodPut, http.MethodDelete},
	routeVersions:         {http.MethodGet},
	routeComputeVersion:   {http.MethodGet},
	routeProjectVersion:   {http.MethodGet},
	routeNetworkResources: {http.MethodGet},
}

// public reports whether a route is served without credentials: Nova
// serves / and /v2.1 outside its authenticated pipeline (etc/nova/api-paste.ini:
// oscomputeversions, oscomputeversion_v2), Neutron its / (api-paste.ini:
// neutronversions_composite), so that clients can discover before they log in.
func (k routeKind) public() bool { return k == routeVersions || k == routeComputeVersion }

// versioned reports whether a route is under compute microversion control
// (nova/api/openstack/wsgi.py Resource.__call__; Nova's root version list
// is not: Versions.support_api_request_version is False).
func (k routeKind) versioned() bool {
	switch k {
	case routeServer, routeAction, routeInterfaces, routeInterface, routeComputeVersion, routeProjectVersion:
		return true
	}
	return false
}

// match finds the route of a path below a root (the network root serves
// no compute route). For compute routes ids holds the project, server and
// (for routeInterface) port segments; for routeProjectVersion the project;
// for routePort the port segment.
func match(segs []segment, network bool) (routeKind, []segment) {
	if len(segs) < 2 || segs[0].raw != "" {
		return routeNone, nil
	}
	lit := func(i int, s string) bool { return segs[i].ok && segs[i].val == s }
	n := len(segs)
	last := segs[n-1]
	switch {
	case n == 2 && last.raw == "":
		return routeVersions, nil
	case n == 3 && lit(1, "v2.0") && last.raw == "":
		return routeNetworkResources, nil
	case network:
	case n == 2 && lit(1, "v2.1"), n == 3 && lit(1, "v2.1") && last.raw == "":
		return routeComputeVersion, nil
	case n == 4 && lit(1, "v2.1") && segs[2].raw != "" && last.raw == "":
		return routeProjectVersion, segs[2:3]
	}
	if n < 3 || last.raw == "" {
		// A trailing slash (an empty last id) is not a route.
		return routeNone, nil
	}
	switch {
	case lit(1, "v2.0") && lit(2, "ports"):
		switch n {
		case 3:
			return routePorts, nil
		case 4:
			return routePort, segs[3:4]
		}
	case !network && lit(1, "v2.1") && n >= 5 && lit(3, "servers"):
		ids := []segment{segs[2], segs[4]}
		switch {
		case n == 5:
			return routeServer, ids
		case n == 6 && lit(5, "action"):
			return routeAction, ids
		case n == 6 && lit(5, "os-interface"):
			return routeInterfaces, ids
		case n == 7 && lit(5, "os-interface"):
			return routeInterface, append(ids, segs[6])
		}
	}
	return routeNone, nil
}

// route dispatches a request (r.kind and r.ids were matched by serve):
// the method, then (compute) the microversion, then the route's handler.
func (m *Mock) route(w http.ResponseWriter, r *request) {
	kind := r.kind
	if kind == routeNone {
		m.writeError(w, errNotFound(codeMock("ResourceNotFound"), "The resource could not be found."))
		return
	}
	method := r.Method
	if m.methodAllowed(kind, method) == "" {
		if !m.dev.on(DevMethod405NoAllow) {
			w.Header().Set("Allow", strings.Join(allowed[kind], ", "))
		}
		m.writeError(w, newError(http.StatusMethodNotAllowed, codeMock("MethodNotAllowed"), "The method %s is not allowed for this resource.", sanitize(method)))
		return
	}
	method = m.methodAllowed(kind, method)
	if kind.versioned() {
		v, echo, aerr := negotiate(r.Header)
		if echo != "" {
			setVersionHeaders(w, echo)
		}
		if aerr != nil {
			m.writeError(w, aerr)
			return
		}
		r.version = v
	}
	switch kind {
	case routeVersions:
		if r.networkRoot {
			m.neutronVersions(w, r)
		} else {
			m.novaVersions(w, r)
		}
	case routeComputeVersion:
		m.novaVersionDocument(w, r)
	case routeProjectVersion:
		if aerr := m.checkProject(r.ids[0]); aerr != nil {
			m.writeError(w, aerr)
			return
		}
		m.novaVersionDocument(w, r)
	case routeNetworkResources:
		m.neutronResources(w, r)
	case routePorts, routePort:
		m.serveNetwork(w, r, kind, method, r.ids)
	default:
		m.serveCompute(w, r, kind, method, r.ids)
	}
}

// methodAllowed returns the method a request is served as on a route, or
// "" when the route does not allow it (any-method-detaches serves PUT,
// PATCH and POST on a NIC as DELETE; collection-delete allows DELETE on
// the NIC collection).
func (m *Mock) methodAllowed(kind routeKind, method string) string {
	for _, a := range allowed[kind] {
		if a == method {
			return method
		}
	}
	switch {
	case kind == routeInterface && m.dev.on(DevAnyMethodDetaches) &&
		(method == http.MethodPut || method == http.MethodPatch || method == http.MethodPost):
		return http.MethodDelete
	case kind == routeInterfaces && m.dev.on(DevCollectionDelete) && method == http.MethodDelete:
		return method
	}
	return ""
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
