package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// harness drives a Mock through ServeHTTP.
type harness struct {
	t    testing.TB
	m    *Mock
	seed Seed
	srv  SeedServer // the first seeded server
}

// newHarness creates a mock; at cleanup it closes it and fails the test if
// a handler ever panicked or an invariant broke.
func newHarness(t testing.TB, opts Options) *harness {
	t.Helper()
	m, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h := &harness{t: t, m: m, seed: m.Seed()}
	h.srv = h.seed.Servers[0]
	t.Cleanup(func() {
		m.Close()
		if n := m.Panics(); n != 0 {
			t.Errorf("handler panicked %d times", n)
		}
		if err := m.CheckInvariants(); err != nil {
			t.Errorf("invariants: %v", err)
		}
	})
	return h
}

// req builds a request with the token (unless a header list overrides it).
func (h *harness) req(method, path, body string, hdr ...string) *http.Request {
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	r.Header.Set("X-Auth-Token", h.m.opts.Token)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			r.Header.Del(hdr[i])
		} else {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	return r
}

// do serves one request. hdr are name/value pairs; an empty value deletes.
func (h *harness) do(method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	h.t.Helper()
	rec := httptest.NewRecorder()
	h.m.ServeHTTP(rec, h.req(method, path, body, hdr...))
	return rec
}

// base is the compute base path of the project.
func (h *harness) base() string { return "/v2.1/" + h.seed.ProjectID }

// nics is the NIC collection path of a server.
func (h *harness) nics(serverID string) string {
	return h.base() + "/servers/" + serverID + "/os-interface"
}

// nicPath is the detach path.
func (h *harness) nicPath(serverID, portID string) string { return h.nics(serverID) + "/" + portID }

// expect fails unless rec answered status.
func (h *harness) expect(rec *httptest.ResponseRecorder, status int, what string) {
	h.t.Helper()
	if rec.Code != status {
		h.t.Fatalf("%s: status %d, want %d; body %q", what, rec.Code, status, rec.Body.String())
	}
}

// decode unmarshals rec's body into v.
func (h *harness) decode(rec *httptest.ResponseRecorder, v any) {
	h.t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		h.t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
}

// createPort creates an unbound port and returns it.
func (h *harness) createPort(name string) Port {
	h.t.Helper()
	rec := h.do("POST", "/v2.0/ports", `{"port":{"network_id":"`+h.seed.NetworkID+`","name":"`+name+`"}}`)
	h.expect(rec, http.StatusCreated, "create port")
	var out struct{ Port Port }
	h.decode(rec, &out)
	return out.Port
}

// attachPort attaches an existing port to a server.
func (h *harness) attachPort(serverID, portID string) Interface {
	h.t.Helper()
	rec := h.do("POST", h.nics(serverID), `{"interfaceAttachment":{"port_id":"`+portID+`"}}`)
	h.expect(rec, http.StatusOK, "attach port")
	var out struct{ InterfaceAttachment Interface }
	h.decode(rec, &out)
	return out.InterfaceAttachment
}

// attachNet attaches a new NIC on the network to a server.
func (h *harness) attachNet(serverID string) Interface {
	h.t.Helper()
	rec := h.do("POST", h.nics(serverID), `{"interfaceAttachment":{"net_id":"`+h.seed.NetworkID+`"}}`)
	h.expect(rec, http.StatusOK, "attach net")
	var out struct{ InterfaceAttachment Interface }
	h.decode(rec, &out)
	return out.InterfaceAttachment
}

// portByID returns a port by id from the inspection API.
func (h *harness) portByID(id string) (Port, bool) {
	for _, p := range h.m.Ports() {
		if p.ID == id {
			return p, true
		}
	}
	return Port{}, false
}

// attached reports whether portID is among serverID's NICs.
func (h *harness) attached(serverID, portID string) bool {
	for _, i := range h.m.Interfaces(serverID) {
		if i.PortID == portID {
			return true
		}
	}
	return false
}

// settle waits until no detach is pending (bounded), so a test can check
// that "nothing changed" after the detach bound.
func (h *harness) settle() {
	h.t.Helper()
	waitFor(h.t, "pending detaches to complete", func() bool { return h.m.Pending() == 0 })
}

// waitFor polls cond every 2ms for at most 5 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// snapshot is what "nothing changes" compares: every server's NICs and
// every port.
type snapshot struct {
	nics  map[string][]Interface
	ports []Port
}

func (h *harness) snapshot() string {
	s := snapshot{nics: map[string][]Interface{}, ports: h.m.Ports()}
	for _, srv := range h.m.Seed().Servers {
		s.nics[srv.ServerID] = h.m.Interfaces(srv.ServerID)
	}
	b, _ := json.Marshal(struct {
		N map[string][]Interface
		P []Port
	}{s.nics, s.ports})
	return string(b)
}

// checkError checks an error answer: JSON in the configured shape (Nova
// fault name and code, or a Huawei code), request ids present.
func checkError(t testing.TB, shape ErrorShape, rec *httptest.ResponseRecorder, status int, huaweiCode string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %q", rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q", ct)
	}
	if rec.Header().Get(headerRequestID) == "" {
		t.Errorf("no %s on %d", headerRequestID, status)
	}
	switch shape {
	case ErrorsNova:
		var body map[string]struct {
			Code    int
			Message string
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body) != 1 {
			t.Fatalf("not a Nova fault: %q", rec.Body.String())
		}
		f, ok := body[faultName(status)]
		if !ok || f.Code != status || f.Message == "" {
			t.Errorf("fault %q: want %s with code %d", rec.Body.String(), faultName(status), status)
		}
	case ErrorsHuawei:
		var body struct {
			Error *struct{ Code, Message string }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == nil || body.Error.Message == "" {
			t.Fatalf("not a Huawei error: %q", rec.Body.String())
		}
		if huaweiCode != "" && body.Error.Code != huaweiCode {
			t.Errorf("code %q, want %q", body.Error.Code, huaweiCode)
		}
	}
}

// checkAccepted checks the detach success: 202, zero bytes, no Content-Type.
func (h *harness) checkAccepted(t testing.TB, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d, want 202; body %q", rec.Code, rec.Body.String())
	}
	if rec.Body.Len() != 0 {
		t.Errorf("202 has a body: %q", rec.Body.String())
	}
	// Upstream Nova's empty 202 carries Content-Type: application/json
	// (nova/api/openstack/wsgi.py:287-300); Huawei's carries none.
	ct, ok := rec.Header()["Content-Type"]
	switch {
	case h.m.opts.Profile == ProfileNova && (!ok || len(ct) != 1 || ct[0] != "application/json"):
		t.Errorf("nova 202 has Content-Type %q, want application/json", ct)
	case h.m.opts.Profile != ProfileNova && ok:
		t.Errorf("202 has Content-Type %q", ct)
	}
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

// checkNeutronError checks a network endpoint's error under the nova
// profile: {"NeutronError":{"type":typ,"message":…,"detail":""}}
// (neutron/api/api_common.py:476, 512-524).
func checkNeutronError(t testing.TB, rec *httptest.ResponseRecorder, status int, typ string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %q", rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q", ct)
	}
	var body map[string]*struct {
		Type, Message string
		Detail        *string
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body) != 1 || body["NeutronError"] == nil {
		t.Fatalf("not a NeutronError: %q", rec.Body.String())
	}
	if e := body["NeutronError"]; e.Type != typ || e.Message == "" || e.Detail == nil || *e.Detail != "" {
		t.Errorf("NeutronError %q: want type %s, a message, detail \"\"", rec.Body.String(), typ)
	}
}

// checkKeystone401 checks keystonemiddleware's refusal under the nova
// profile: 401, {"error":{"code":401,"title":"Unauthorized","message":…}}
// and WWW-Authenticate: Keystone uri="<identity>"
// (keystonemiddleware/auth_token/__init__.py:680-690, 712-724).
func checkKeystone401(t testing.TB, rec *httptest.ResponseRecorder, identity string) {
	t.Helper()
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401; body %q", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("401 Content-Type %q", ct)
	}
	if got, want := rec.Header().Get("WWW-Authenticate"), `Keystone uri="`+identity+`"`; got != want {
		t.Errorf("WWW-Authenticate %q, want %q", got, want)
	}
	const want = `{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}`
	if got := rec.Body.String(); got != want {
		t.Errorf("401 body %s, want %s", got, want)
	}
}

// identityURL is the mock's identity URL as a request the harness sends
// sees it.
func (h *harness) identityURL() string { return "http://" + h.req("GET", "/", "").Host + IdentityRoot }
