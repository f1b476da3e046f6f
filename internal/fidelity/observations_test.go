package fidelity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/report"
)

// The verdict model held to what new users saw (issue "Verdicts that mean
// what they say"): each case is a target the project did not design its
// mock around, built as an httptest server wrapping the faithful mock with
// one behaviour changed, and the verdicts it must get.

// wrapper changes one behaviour of the mock it wraps.
type wrapper func(next http.Handler, seed mock.Seed) http.Handler

func unchanged(next http.Handler, _ mock.Seed) http.Handler { return next }

// requestID makes a request id for a response a wrapper writes itself.
var wrapperResponses atomic.Int64

func requestID() string { return fmt.Sprintf("req-wrapper-%08d", wrapperResponses.Add(1)) }

// wrapped serves the faithful mock (two servers, token auth) behind wrap,
// and returns its URL and the target contract's variables for it.
func wrapped(t *testing.T, opts mock.Options, wrap wrapper) (string, []string) {
	t.Helper()
	opts.Servers, opts.Token = 2, "nicconform-test-token"
	m, err := mock.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	seed := m.Seed()
	srv := httptest.NewServer(wrap(m, seed))
	t.Cleanup(srv.Close)
	return srv.URL, []string{
		"NICCONFORM_COMPUTE_URL=" + srv.URL,
		"NICCONFORM_NETWORK_URL=",
		"NICCONFORM_PROJECT_ID=" + seed.ProjectID,
		"NICCONFORM_SERVER_ID=" + seed.Servers[0].ServerID,
		"NICCONFORM_OTHER_SERVER_ID=" + seed.Servers[1].ServerID,
		"NICCONFORM_NETWORK_ID=" + seed.NetworkID,
		"NICCONFORM_AUTH_TOKEN=nicconform-test-token",
		"NICCONFORM_ALLOW_PRIMARY_PROBE=true",
		"NICCONFORM_DETACH_TIMEOUT=2s",
		"NICCONFORM_POLL_INTERVAL=10ms",
	}
}

var (
	nicPath       = regexp.MustCompile(`^/v2\.1/[^/]+/servers/([^/]+)/os-interface/([^/]+)$`)
	interfaceList = regexp.MustCompile(`^/v2\.1/[^/]+/servers/([^/]+)/os-interface$`)
)

// recorded runs next and returns what it wrote, so a wrapper can rewrite a
// response.
func recorded(next http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	return rec
}

// attachedNIC reads the answer of an attach: the port id of the NIC and
// the NIC as the target showed it, when the attach succeeded.
func attachedNIC(rec *httptest.ResponseRecorder) (port string, nic json.RawMessage, ok bool) {
	var one struct {
		InterfaceAttachment json.RawMessage `json:"interfaceAttachment"`
	}
	var id struct {
		PortID string `json:"port_id"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &one) != nil || json.Unmarshal(one.InterfaceAttachment, &id) != nil {
		return "", nil, false
	}
	return id.PortID, one.InterfaceAttachment, true
}

func replay(w http.ResponseWriter, rec *httptest.ResponseRecorder, body []byte) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// noPortRename: the target does not implement PUT /v2.0/ports/{id}.
func noPortRename(next http.Handler, _ mock.Seed) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/v2.0/ports/") {
			w.Header().Set("Allow", "GET, DELETE")
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Openstack-Request-Id", requestID())
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = io.WriteString(w, `{"NeutronError":{"type":"HTTPMethodNotAllowed","message":"PUT is not supported","detail":""}}`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// lostPUT: the connection of every PUT on a NIC closes without an answer
// (a target that crashed as the METHOD-NOT-ALLOWED probe reached it).
func lostPUT(next http.Handler, _ mock.Seed) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && nicPath.MatchString(r.URL.EscapedPath()) {
			panic(http.ErrAbortHandler)
		}
		next.ServeHTTP(w, r)
	})
}

// missingPort400: DELETE …/os-interface(/) answers 400 Ecs.0005.
func missingPort400(next http.Handler, _ mock.Seed) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimSuffix(r.URL.EscapedPath(), "/")
		if r.Method == http.MethodDelete && interfaceList.MatchString(p) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Openstack-Request-Id", requestID())
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":{"code":"Ecs.0005","message":"Invalid parameter: port_id is missing."}}`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// novaContentType: the detach's empty 202 says Content-Type
// application/json, as upstream Nova's does.
func novaContentType(next http.Handler, _ mock.Seed) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete && nicPath.MatchString(r.URL.EscapedPath()) {
			rec := recorded(next, r)
			if rec.Code == http.StatusAccepted {
				rec.Header().Set("Content-Type", "application/json")
			}
			replay(w, rec, rec.Body.Bytes())
			return
		}
		next.ServeHTTP(w, r)
	})
}

// neverCompletes: a detach the target would accept (an attached NIC, not
// a primary, on an unlocked server) answers 202 and nothing happens.
func neverCompletes(next http.Handler, seed mock.Seed) http.Handler {
	primaries := map[string]bool{}
	for _, s := range seed.Servers {
		primaries[s.PrimaryPortID] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := nicPath.FindStringSubmatch(r.URL.EscapedPath())
		if r.Method != http.MethodDelete || m == nil || primaries[m[2]] {
			next.ServeHTTP(w, r)
			return
		}
		show := r.Clone(r.Context())
		show.Method = http.MethodGet
		server := r.Clone(r.Context())
		server.Method = http.MethodGet
		server.URL.Path, server.URL.RawPath = strings.TrimSuffix(r.URL.Path, "/os-interface/"+m[2]), ""
		server.Header.Set("X-OpenStack-Nova-API-Version", "2.9") // "locked" is shown from 2.9
		srv := recorded(next, server)
		if recorded(next, show).Code != http.StatusOK || srv.Code != http.StatusOK || strings.Contains(srv.Body.String(), `"locked":true`) {
			next.ServeHTTP(w, r) // a refusal stands
			return
		}
		w.Header().Set("X-Openstack-Request-Id", requestID())
		w.WriteHeader(http.StatusAccepted)
	})
}

// flipBack: a NIC the target detached comes back into the list (and show
// answers 200 again) shortly after it left, as a stale network cache heals
// itself, until its port is deleted; the underlying mock is untouched, so
// cleanup works (and sees the NIC off the server once the port is gone).
func flipBack(next http.Handler, _ mock.Seed) http.Handler {
	portPath := regexp.MustCompile(`^/v2\.0/ports/([^/]+)$`)
	var mu sync.Mutex
	seen := map[string]json.RawMessage{} // port → its last interfaceAttachment
	gone := map[string]time.Time{}       // port → when the list first lacked it, after its detach
	detached := map[string]bool{}
	ghost := func(port string) bool {
		at, ok := gone[port]
		return ok && time.Since(at) > 50*time.Millisecond
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		switch {
		case r.Method == http.MethodPost && interfaceList.MatchString(p):
			rec := recorded(next, r)
			if port, nic, ok := attachedNIC(rec); ok {
				mu.Lock()
				seen[port] = nic
				mu.Unlock()
			}
			replay(w, rec, rec.Body.Bytes())
		case r.Method == http.MethodDelete && nicPath.MatchString(p):
			rec := recorded(next, r)
			if rec.Code == http.StatusAccepted {
				mu.Lock()
				detached[nicPath.FindStringSubmatch(p)[2]] = true
				mu.Unlock()
			}
			replay(w, rec, rec.Body.Bytes())
		case r.Method == http.MethodDelete && portPath.MatchString(p):
			rec := recorded(next, r)
			if rec.Code == http.StatusNoContent {
				port := portPath.FindStringSubmatch(p)[1]
				mu.Lock()
				delete(detached, port)
				delete(seen, port)
				delete(gone, port)
				mu.Unlock()
			}
			replay(w, rec, rec.Body.Bytes())
		case r.Method == http.MethodGet && nicPath.MatchString(p):
			port := nicPath.FindStringSubmatch(p)[2]
			rec := recorded(next, r)
			mu.Lock()
			defer mu.Unlock()
			if rec.Code == http.StatusOK {
				var one struct {
					InterfaceAttachment json.RawMessage `json:"interfaceAttachment"`
				}
				if json.Unmarshal(rec.Body.Bytes(), &one) == nil && one.InterfaceAttachment != nil {
					seen[port] = one.InterfaceAttachment
				}
			}
			if rec.Code == http.StatusNotFound && ghost(port) && seen[port] != nil {
				rec.Code = http.StatusOK
				rec.Header().Set("Content-Type", "application/json")
				replay(w, rec, []byte(`{"interfaceAttachment":`+string(seen[port])+`}`))
				return
			}
			replay(w, rec, rec.Body.Bytes())
		case r.Method == http.MethodGet && interfaceList.MatchString(p):
			rec := recorded(next, r)
			var list struct {
				InterfaceAttachments []json.RawMessage `json:"interfaceAttachments"`
			}
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &list) != nil {
				replay(w, rec, rec.Body.Bytes())
				return
			}
			mu.Lock()
			listed := map[string]bool{}
			for _, a := range list.InterfaceAttachments {
				var id struct {
					PortID string `json:"port_id"`
				}
				_ = json.Unmarshal(a, &id)
				listed[id.PortID] = true
				seen[id.PortID] = a
			}
			for port := range detached {
				if listed[port] {
					continue
				}
				if _, ok := gone[port]; !ok {
					gone[port] = time.Now()
				}
				if ghost(port) && seen[port] != nil {
					list.InterfaceAttachments = append(list.InterfaceAttachments, seen[port])
				}
			}
			mu.Unlock()
			body, _ := json.Marshal(list)
			replay(w, rec, body)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// portsBuildFirst: a port attached to a server shows status BUILD for a
// while before ACTIVE, as a real cloud's ports do while they are bound.
func portsBuildFirst(next http.Handler, _ mock.Seed) http.Handler {
	var mu sync.Mutex
	attached := map[string]time.Time{}
	portPath := regexp.MustCompile(`^/v2\.0/ports/([^/]+)$`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		switch {
		case r.Method == http.MethodPost && interfaceList.MatchString(p):
			rec := recorded(next, r)
			if port, _, ok := attachedNIC(rec); ok {
				mu.Lock()
				attached[port] = time.Now()
				mu.Unlock()
			}
			replay(w, rec, rec.Body.Bytes())
		case r.Method == http.MethodGet && portPath.MatchString(p):
			rec := recorded(next, r)
			mu.Lock()
			at, ok := attached[portPath.FindStringSubmatch(p)[1]]
			mu.Unlock()
			body := rec.Body.Bytes()
			if ok && time.Since(at) < 300*time.Millisecond {
				body = bytes.Replace(body, []byte(`"status":"ACTIVE"`), []byte(`"status":"BUILD"`), 1)
			}
			replay(w, rec, body)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// portsBoundLikeML2 is a bound port's life on upstream Neutron's ML2 with an
// agent-based mechanism driver: DOWN at bind (the L2 provisioning block,
// neutron/plugins/ml2/drivers/mech_agent.py:85-88), so the attach answers
// `port_state: DOWN` (nova/api/openstack/compute/attach_interfaces.py:47);
// BUILD once the agent fetches the device (neutron/plugins/ml2/rpc.py:74-78);
// ACTIVE once it reports the device up (plugin.py:331-395). down and build
// are how long each lasts after the attach; down < 0 keeps it DOWN forever,
// as on an emulator that never wires a port.
func portsBoundLikeML2(down, build time.Duration) wrapper {
	return func(next http.Handler, _ mock.Seed) http.Handler {
		var mu sync.Mutex
		attached := map[string]time.Time{}
		portPath := regexp.MustCompile(`^/v2\.0/ports/([^/]+)$`)
		status := func(port string) string {
			mu.Lock()
			at, ok := attached[port]
			mu.Unlock()
			switch {
			case !ok:
				return ""
			case down < 0 || time.Since(at) < down:
				return "DOWN"
			case time.Since(at) < down+build:
				return "BUILD"
			}
			return ""
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := r.URL.EscapedPath()
			switch {
			case r.Method == http.MethodPost && interfaceList.MatchString(p):
				rec := recorded(next, r)
				body := rec.Body.Bytes()
				if port, _, ok := attachedNIC(rec); ok {
					mu.Lock()
					attached[port] = time.Now()
					mu.Unlock()
					body = bytes.Replace(body, []byte(`"port_state":"ACTIVE"`), []byte(`"port_state":"DOWN"`), 1)
				}
				replay(w, rec, body)
			case r.Method == http.MethodGet && portPath.MatchString(p):
				rec := recorded(next, r)
				body := rec.Body.Bytes()
				if st := status(portPath.FindStringSubmatch(p)[1]); st != "" {
					body = bytes.Replace(body, []byte(`"status":"ACTIVE"`), []byte(`"status":"`+st+`"`), 1)
				}
				replay(w, rec, body)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

// unauthDetaches: a DELETE of a NIC without valid credentials answers the
// correct 401, and the NIC is detached anyway (a gateway that checks the
// credentials after it passed the request on): AUTH-MISSING and
// AUTH-INVALID both break, with requests aimed at one witness NIC, whose
// delayed detaches the shared watch sees together.
func unauthDetaches(next http.Handler, _ mock.Seed) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete && nicPath.MatchString(r.URL.EscapedPath()) && r.Header.Get("X-Auth-Token") != "nicconform-test-token" {
			rec := recorded(next, r)
			if rec.Code == http.StatusUnauthorized {
				through := r.Clone(r.Context())
				through.Header.Set("X-Auth-Token", "nicconform-test-token")
				recorded(next, through)
			}
			replay(w, rec, rec.Body.Bytes())
			return
		}
		next.ServeHTTP(w, r)
	})
}

// crashAfter: after n requests the target stops answering: every
// connection is closed unanswered.
func crashAfter(n int64) wrapper {
	return func(next http.Handler, _ mock.Seed) http.Handler {
		var count atomic.Int64
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if count.Add(1) > n {
				if hj, ok := w.(http.Hijacker); ok {
					if c, _, err := hj.Hijack(); err == nil {
						c.Close()
						return
					}
				}
				panic(http.ErrAbortHandler)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func verdictsOf(c report.Conformance) map[string]string {
	out := map[string]string{}
	for _, v := range c.Rules {
		out[v.ID] = v.Verdict
	}
	return out
}

func advisoryKinds(c report.Conformance) []string {
	var out []string
	for _, a := range c.Advisories {
		out = append(out, a.Kind)
	}
	return out
}

func TestObservedTargetsGetTheRightVerdicts(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the suite once per target")
	}
	dependants := []string{"PORT-ID-RETAINED", "NET-ID-DELETED", "DETACH-ISOLATION", "DETACH-REPEAT"}
	cases := []struct {
		name string
		wrap wrapper
		env  []string
		// fail and errored are the rules that must fail and be errors;
		// every other rule must pass.
		fail, errored []string
		advisories    []string
		// opts are the wrapped mock's (default: detaches complete at once).
		opts *mock.Options
	}{
		{name: "a neighbour call the target lacks (PUT /v2.0/ports/{id} → 405)", wrap: noPortRename,
			advisories: []string{"optional-step", "not-implemented"}},
		{name: "DELETE …/os-interface/ answers 400 Ecs.0005", wrap: missingPort400},
		// No answer is no evidence: the request-id, error-shape and
		// OpenAPI rules judge the answers there are, and the one rule
		// whose request went unanswered cannot be judged.
		{name: "a PUT on a NIC gets no answer", wrap: lostPUT, errored: []string{"METHOD-NOT-ALLOWED"}},
		{name: "a port is BUILD for a while after its attach", wrap: portsBuildFirst},
		// Real ML2 at an agent's pace: a refusal sent while the witness is
		// still DOWN must not be blamed for its DOWN → BUILD → ACTIVE.
		{name: "a bound port is DOWN, then BUILD, then ACTIVE (upstream ML2)", wrap: portsBoundLikeML2(1500*time.Millisecond, 500*time.Millisecond),
			env: []string{"NICCONFORM_DETACH_TIMEOUT=6s", "NICCONFORM_SETTLE=4s"}},
		// An emulator whose bound ports never leave DOWN: found once, an
		// advisory, no false fail.
		{name: "a bound port stays DOWN", wrap: portsBoundLikeML2(-1, 0),
			advisories: []string{"ports-stay-down"}},
		{name: "an empty 202 with Content-Type application/json, as Nova sends", wrap: novaContentType,
			advisories: []string{"content-type-on-empty-body"}},
		{name: "a detach that never completes", wrap: neverCompletes,
			fail: []string{"DETACH-COMPLETES"}, errored: dependants},
		{name: "a detached NIC that comes back", wrap: flipBack, env: []string{"NICCONFORM_SETTLE=500ms"},
			fail: []string{"DETACH-COMPLETES"}, errored: dependants}, // Both rules' requests aim at the witness NIC and are sent before
		// either detach lands: each must fail on its own re-run, neither
		// pass because the other one reproduced the change first.
		{name: "a 401 that detaches anyway, with or without credentials", wrap: unauthDetaches, opts: &mock.Options{Delay: 300 * time.Millisecond},
			fail: []string{"AUTH-MISSING", "AUTH-INVALID"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			opts := mock.Options{ImmediateDetach: true}
			if c.opts != nil {
				opts = *c.opts
			}
			_, env := wrapped(t, opts, c.wrap)
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			out, _ := suite.Exec(ctx, append(env, append(c.env, "NICCONFORM_REPORT_DIR="+dir)...)...)
			conf := readConformance(t, dir)
			for id, got := range verdictsOf(conf) {
				want := report.Pass
				switch {
				case slices.Contains(c.fail, id):
					want = report.Fail
				case slices.Contains(c.errored, id):
					want = report.Error
				}
				if got != want {
					t.Errorf("%s: %s, want %s (%s)", id, got, want, reasonOf(conf, id))
				}
			}
			for _, kind := range c.advisories {
				if !slices.Contains(advisoryKinds(conf), kind) {
					t.Errorf("no %s advisory: %v", kind, conf.Advisories)
				}
			}
			if len(conf.Leaks) > 0 {
				t.Errorf("leaks: %v", conf.Leaks)
			}
			for _, v := range conf.Rules {
				if unreadable(v.Reason) {
					t.Errorf("%s: unreadable reason %q", v.ID, v.Reason)
				}
			}
			if t.Failed() {
				t.Logf("suite output (tail):\n%s", tailOf(out, 60))
			}
		})
	}
}

// A run that could not run says so: no rule fails, the rules are errors
// with readable reasons, and the exit status is 2.
func TestARunThatCouldNotRunIsErrors(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the suite")
	}
	cases := []struct {
		name    string
		wrap    wrapper
		env     []string
		allErrs bool
	}{
		{name: "a typo in NICCONFORM_SERVER_ID", wrap: unchanged,
			env: []string{"NICCONFORM_SERVER_ID=6f1b1b62-8f3c-4bd4-9b1e-6d1c5e0d8a1f"}, allErrs: true},
		{name: "a target that crashes during the set-up", wrap: crashAfter(8), allErrs: true},
		{name: "a target that crashes mid-run", wrap: crashAfter(150)},
		{name: "a target that crashes later", wrap: crashAfter(230)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, env := wrapped(t, mock.Options{ImmediateDetach: true}, c.wrap)
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			out, err := suite.Exec(ctx, append(env, append(c.env, "NICCONFORM_REPORT_DIR="+dir, "NICCONFORM_REQUEST_TIMEOUT=2s")...)...)
			if err == nil {
				t.Fatalf("the suite passed:\n%s", tailOf(out, 40))
			}
			conf := readConformance(t, dir)
			if conf.Summary.Fail != 0 {
				for _, v := range conf.Rules {
					if v.Verdict == report.Fail {
						t.Errorf("%s failed: %s", v.ID, v.Reason)
					}
				}
			}
			if conf.Summary.Error == 0 || (c.allErrs && conf.Summary.Error != len(conf.Rules)) {
				t.Errorf("summary %+v", conf.Summary)
			}
			if code := report.ExitCode(conf); code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
			for _, v := range conf.Rules {
				if unreadable(v.Reason) {
					t.Errorf("%s: unreadable reason %q", v.ID, v.Reason)
				}
			}
			// A target that stopped answering lost nothing the run can
			// see: no alarm about the primary NIC, which it never detached.
			for _, l := range conf.Leaks {
				if strings.Contains(l.What, "primary NIC") {
					t.Errorf("a false alarm: %s", l.What)
				}
			}
		})
	}
}

// Two runs against one server: the second refuses (every rule an error
// naming the first run), and the first passes.
func TestOneRunPerServer(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the suite twice")
	}
	url, env := wrapped(t, mock.Options{Delay: 20 * time.Millisecond}, unchanged)
	claimed := func(prefix string) bool {
		for _, name := range portNames(t, url) {
			if strings.HasPrefix(name, prefix) {
				return true
			}
		}
		return false
	}
	first, second := t.TempDir(), t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var firstOut string
	var firstErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		firstOut, firstErr = suite.Exec(ctx, append(env, "NICCONFORM_REPORT_DIR="+first, "NICCONFORM_RUN_ID=first")...)
	}()
	// The second starts once the first holds the server.
	deadline := time.Now().Add(time.Minute)
	for !claimed("nicconform-first-claim-") {
		if time.Now().After(deadline) {
			t.Fatal("the first run never claimed the server")
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, err := suite.Exec(ctx, append(env, "NICCONFORM_REPORT_DIR="+second, "NICCONFORM_RUN_ID=second")...)
	if err == nil {
		t.Errorf("the second run ran:\n%s", tailOf(out, 30))
	}
	conf := readConformance(t, second)
	if conf.Summary.Error != len(conf.Rules) || !strings.Contains(conf.Rules[0].Reason, "run first") {
		t.Errorf("the second run: %+v, %q", conf.Summary, conf.Rules[0].Reason)
	}
	<-done
	if firstErr != nil {
		t.Errorf("the first run: %v\n%s", firstErr, tailOf(firstOut, 40))
	}
	if c := readConformance(t, first); c.Summary.Fail+c.Summary.Error != 0 {
		t.Errorf("the first run: %+v", c.Summary)
	}
	if claimed("nicconform-first-claim-") || claimed("nicconform-second-claim-") {
		t.Error("a claim was left on the target")
	}
}

// A run owns its report folder: what an earlier run wrote there is gone
// before it starts, also when the run is a dry run.
func TestNoStaleReports(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range report.Outputs {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("stale: an earlier run's"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	target := httptest.NewServer(http.NotFoundHandler())
	defer target.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := suite.Exec(ctx, append(liveEnv(target.URL, dir), "NICCONFORM_DRY_RUN=true")...); err != nil {
		t.Fatalf("dry run: %v\n%s", err, tailOf(out, 30))
	}
	for _, f := range []string{"conformance.json", "conformance.md", "conformance.html", "junit.xml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s of an earlier run is still there", f)
		}
	}
	for _, f := range []string{"plan.md", "exchanges.har"} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || bytes.Contains(b, []byte("stale")) {
			t.Errorf("%s: not this run's (%v)", f, err)
		}
	}
}

func reasonOf(c report.Conformance, id string) string {
	for _, v := range c.Rules {
		if v.ID == id {
			if v.Precondition != "" {
				return "precondition " + v.Precondition + ": " + v.Reason
			}
			return v.Reason
		}
	}
	return ""
}

func tailOf(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// portNames lists the names of the target's ports.
func portNames(t *testing.T, url string) []string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/v2.0/ports", nil)
	req.Header.Set("X-Auth-Token", "nicconform-test-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Ports []struct {
			Name string `json:"name"`
		} `json:"ports"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range out.Ports {
		names = append(names, p.Name)
	}
	return names
}

// TestALockedNovaDetachNamesTheAdmin: under the nova profile a 202 on a
// locked server is what upstream Nova gives an admin
// (nova/compute/api.py:236-241), and a bare token does not say whose it
// is: STATE-LOCKED's fail says so. Under huawei it does not.
func TestALockedNovaDetachNamesTheAdmin(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the suite")
	}
	for _, profile := range []string{"nova", "huawei"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			out, err := suite.Exec(ctx, "NICCONFORM_COMPUTE_URL=", "NICCONFORM_REPORT_DIR="+dir, "NICCONFORM_PROFILE="+profile,
				"NICCONFORM_MOCK_DEVIATION="+string(mock.DevLockIgnored), "NICCONFORM_MOCK_ERRORS=", "NICCONFORM_DETACH_TIMEOUT=2s")
			if err == nil {
				t.Fatalf("the suite passed:\n%s", tailOf(out, 40))
			}
			conf := readConformance(t, dir)
			reason := reasonOf(conf, "STATE-LOCKED")
			if !strings.Contains(reason, "want 409, got 202") {
				t.Fatalf("STATE-LOCKED: %q", reason)
			}
			if named := strings.Contains(reason, "check_instance_lock"); named != (profile == "nova") {
				t.Errorf("%s: the reason names the admin's pass %v: %q", profile, named, reason)
			}
		})
	}
}

// TestARunAsAdminCannotJudgeTheLock: upstream Nova lets an admin pass a
// lock (nova/compute/api.py:236-241). A run whose password login names the
// admin role makes STATE-LOCKED an error naming its lock precondition and
// leaves the server unlocked and its NICs as they were; a member's run
// judges it (the mock refuses the member's detach: a pass).
func TestARunAsAdminCannotJudgeTheLock(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the suite")
	}
	for _, admin := range []bool{true, false} {
		t.Run(fmt.Sprintf("admin=%v", admin), func(t *testing.T) {
			t.Parallel()
			srv, err := mock.NewServer(mock.Options{Profile: mock.ProfileNova, Servers: 2, Delay: 5 * time.Millisecond,
				Users: []mock.User{{Name: "ops", Password: "ops-pw-3391", Admin: admin}}})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			seed := srv.Mock.Seed()
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			out, _ := suite.Exec(ctx,
				"NICCONFORM_COMPUTE_URL="+srv.URL, "NICCONFORM_NETWORK_URL=", "NICCONFORM_PROJECT_ID="+seed.ProjectID,
				"NICCONFORM_SERVER_ID="+seed.Servers[0].ServerID, "NICCONFORM_OTHER_SERVER_ID="+seed.Servers[1].ServerID,
				"NICCONFORM_NETWORK_ID="+seed.NetworkID, "NICCONFORM_PROFILE=nova", "NICCONFORM_AUTH_TOKEN=",
				"OS_AUTH_URL="+srv.URL+mock.IdentityRoot, "OS_USERNAME=ops", "OS_PASSWORD=ops-pw-3391", "OS_USER_DOMAIN_NAME="+mock.DefaultDomain,
				"NICCONFORM_DETACH_TIMEOUT=2s", "NICCONFORM_POLL_INTERVAL=10ms", "NICCONFORM_REPORT_DIR="+dir)
			conf := readConformance(t, dir)
			for _, v := range conf.Rules {
				want := report.Pass
				switch {
				case v.ID == "PRIMARY-FORBIDDEN":
					want = report.Skip
				case v.ID == "STATE-LOCKED" && admin:
					want = report.Error
					if v.Precondition != "lock" || !strings.Contains(v.Reason, "admin role") || !strings.Contains(v.Reason, "nova/compute/api.py:236-241") {
						t.Errorf("STATE-LOCKED: precondition %q, reason %q", v.Precondition, v.Reason)
					}
				}
				if v.Verdict != want {
					t.Errorf("%s: %s, want %s (%s)\n%s", v.ID, v.Verdict, want, v.Reason, tailOf(out, 20))
				}
			}
			locked, _ := srv.Mock.Locked(seed.Servers[0].ServerID)
			if nics := len(srv.Mock.Interfaces(seed.Servers[0].ServerID)); locked || nics != 1 {
				t.Errorf("after the run: locked %v, %d NICs", locked, nics)
			}
		})
	}
}
