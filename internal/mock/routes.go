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

func isComputePath(r *http.Request) bool {
	return strings.HasPrefix(r.URL.EscapedPath(), "/v2.1/")
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
)

// allowed lists the methods of each route (the Allow header of a 405).
var allowed = map[routeKind][]string{
	routeServer:     {http.MethodGet},
	routeAction:     {http.MethodPost},
	routeInterfaces: {http.MethodGet, http.MethodPost},
	routeInterface:  {http.MethodGet, http.MethodDelete},
	routePorts:      {http.MethodGet, http.MethodPost},
	routePort:       {http.MethodGet, http.MethodPut, http.MethodDelete},
}

// match finds the route of a path. For compute routes ids holds the
// project, server and (for routeInterface) port segments; for routePort
// the port segment.
func match(segs []segment) (routeKind, []segment) {
	if len(segs) < 3 || segs[0].raw != "" {
		return routeNone, nil
	}
	lit := func(i int, s string) bool { return segs[i].ok && segs[i].val == s }
	last := segs[len(segs)-1]
	if last.raw == "" {
		// A trailing slash (an empty last id) is not a route.
		return routeNone, nil
	}
	switch {
	case lit(1, "v2.0") && lit(2, "ports"):
		switch len(segs) {
		case 3:
			return routePorts, nil
		case 4:
			return routePort, segs[3:4]
		}
	case lit(1, "v2.1") && len(segs) >= 5 && lit(3, "servers"):
		ids := []segment{segs[2], segs[4]}
		switch {
		case len(segs) == 5:
			return routeServer, ids
		case len(segs) == 6 && lit(5, "action"):
			return routeAction, ids
		case len(segs) == 6 && lit(5, "os-interface"):
			return routeInterfaces, ids
		case len(segs) == 7 && lit(5, "os-interface"):
			return routeInterface, append(ids, segs[6])
		}
	}
	return routeNone, nil
}

// route dispatches a request.
func (m *Mock) route(w http.ResponseWriter, r *request) {
	kind, ids := match(splitPath(r.URL.EscapedPath()))
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
	if kind == routePorts || kind == routePort {
		m.serveNetwork(w, r, kind, method, ids)
		return
	}
	m.serveCompute(w, r, kind, method, ids)
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
