package mock

import (
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/nicconform/nicconform/internal/ids"
	"github.com/nicconform/nicconform/internal/paths"
)

// maxBody is the largest request body the mock reads; larger answers 413.
const maxBody = 64 << 10

// maxLoggedPath bounds the path written to the request log.
const maxLoggedPath = 512

// Request-id headers.
const (
	headerRequestID        = "X-Openstack-Request-Id"
	headerComputeRequestID = "X-Compute-Request-Id"
)

// statusWriter records the status a handler answered, and passes the
// response's headers to the deviations (responseWritten) as it is written.
type statusWriter struct {
	http.ResponseWriter
	status int
	dev    deviationHooks
	// neutron marks a request to the network endpoint (its routes, or any
	// path below NetworkRoot), whose errors are Neutron's under the nova
	// profile (upstreamErrorBody).
	neutron bool
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
		w.dev.responseWritten(w.Header(), status)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// request is one request being served: the parsed pieces handlers need.
type request struct {
	*http.Request
	body []byte
	// networkRoot is set when the request came to the network root
	// (NetworkRoot); route and params were matched below it.
	networkRoot bool
	route       paths.Route
	// params are the path's segments that stand in the route's
	// parameters, in order (route.Params() names them).
	params []segment
	// method is the method the request is served as (its own, unless a
	// deviation serves it as another).
	method string
	// version is the compute microversion the request is served at
	// (versioned routes only).
	version apiVersion
	// serverID and portID are the checked ids of the path (lowercase
	// UUIDs), for the routes that have them.
	serverID, portID string
}

// param returns the segment of the path parameter name.
func (r *request) param(name string) (segment, bool) {
	for i, n := range r.route.Params() {
		if n == name {
			return r.params[i], true
		}
	}
	return segment{}, false
}

// ServeHTTP answers one request. It sets the request-id headers, reads the
// body (at most 64 KiB), serves an IAM login (POST /v3/auth/tokens) or
// authenticates and routes, and logs one line. A panic is recovered,
// counted (see Panics) and answered 500: it is always a bug.
func (m *Mock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rid := "req-" + ids.NewUUID()
	sw := &statusWriter{ResponseWriter: w, dev: m.dev}
	sw.Header().Set(headerRequestID, rid)
	if isComputePath(r) {
		sw.Header().Set(headerComputeRequestID, rid)
	}
	defer func() {
		if v := recover(); v != nil {
			m.panics.Add(1)
			if m.opts.Logger != nil {
				m.opts.Logger.Error("mock: handler panic", "request_id", rid, "panic", v, "stack", string(debug.Stack()))
			}
			if sw.status == 0 {
				m.writeError(sw, newError(http.StatusInternalServerError, codeMock("InternalError"), "The mock failed (a bug): request %s.", rid))
			}
		}
		if sw.status == 0 { // nothing was written: net/http answers 200
			sw.WriteHeader(http.StatusOK)
		}
		m.logRequest(r, sw.status, rid, time.Since(start))
	}()
	if n := m.opts.Throttle; n > 0 && m.requests.Add(1)%int64(n) == 0 {
		sw.Header().Set("Retry-After", "0")
		m.writeError(sw, newError(http.StatusTooManyRequests, codeMock("Throttled"), "Too many requests: retry after 0 seconds."))
		return
	}
	m.serve(sw, r)
}

func (m *Mock) logRequest(r *http.Request, status int, rid string, d time.Duration) {
	if m.opts.Logger == nil {
		return
	}
	path := r.URL.EscapedPath()
	if len(path) > maxLoggedPath {
		path = path[:maxLoggedPath] + "…"
	}
	m.opts.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method),
		slog.String("path", path),
		slog.Int("status", status),
		slog.String("request_id", rid),
		slog.Duration("duration", d),
	)
}

func (m *Mock) serve(w http.ResponseWriter, r *http.Request) {
	body, tooLarge, err := readBody(w, r)
	if tokens, ok := identityPath(r); ok { // the identity service: no credentials needed
		if tokens {
			m.serveIAM(w, r, body, tooLarge, err)
		} else {
			m.serveIdentityVersions(w, r)
		}
		return
	}
	req := &request{Request: r, body: body}
	var path string
	path, req.networkRoot = splitRoot(r.URL.EscapedPath())
	req.route, req.params = match(path, req.networkRoot)
	if sw, ok := w.(*statusWriter); ok {
		sw.neutron = req.networkRoot || servedAtNetworkRoot(req.route) && req.route != paths.Versions
	}
	if public(req.route) { // version discovery: no credentials needed, the body is ignored
		m.route(w, req)
		return
	}
	switch {
	case tooLarge:
		// A token decides before the size does; a signature or a verifier
		// needs the body, which was not read.
		if m.opts.Auth == nil && r.Header.Get("Authorization") == "" {
			if aerr := m.authenticate(r, nil); aerr != nil {
				m.setWWWAuthenticate(w, req)
				m.writeError(w, aerr)
				return
			}
		}
		m.writeError(w, newError(http.StatusRequestEntityTooLarge, codeMock("RequestTooLarge"), "Request body is larger than %d bytes.", maxBody))
		return
	case err != nil:
		m.writeError(w, errBadRequest(codeInvalid, "Cannot read the request body."))
		return
	}
	if aerr := m.authenticate(r, body); aerr != nil {
		m.setWWWAuthenticate(w, req)
		m.writeError(w, aerr)
		return
	}
	m.route(w, req)
}

// setWWWAuthenticate names the identity service a refused request should
// log in to, as keystonemiddleware does on its 401 under the nova profile:
// WWW-Authenticate: Keystone uri="<identity URL>"
// (keystonemiddleware/auth_token/__init__.py:712-724; the URL is the
// mock's IdentityRoot on the root the request came to).
func (m *Mock) setWWWAuthenticate(w http.ResponseWriter, r *request) {
	if m.opts.Profile != ProfileNova {
		return
	}
	root := *r
	root.networkRoot = false
	w.Header().Set("WWW-Authenticate", `Keystone uri="`+baseURL(&root)+IdentityRoot+`"`)
}

// readBody reads at most maxBody bytes of the request body.
func readBody(w http.ResponseWriter, r *http.Request) (body []byte, tooLarge bool, err error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, false, nil
	}
	body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, true, nil
	}
	return body, false, err
}

// jsonContentType reports whether the request declares a JSON body.
func jsonContentType(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// checkMediaType refuses a body whose declared type is not JSON (415). A
// missing Content-Type is taken as JSON, as Nova does.
func checkMediaType(r *http.Request) *apiError {
	if r.Header.Get("Content-Type") == "" || jsonContentType(r) {
		return nil
	}
	return newError(http.StatusUnsupportedMediaType, codeMock("UnsupportedMediaType"), "Unsupported Content-Type: only application/json is accepted.")
}
