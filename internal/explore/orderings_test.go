package explore_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/explore"
	"github.com/nicconform/nicconform/internal/mock"
)

// otherOrderings is a faithful target that makes the choices no rule's
// statement fixes otherwise than the reference model: a detach of a port
// that is not attached, on a locked server, answers 404 (PATH-UNKNOWN-PORT
// checked before STATE-LOCKED, as a cloud other than Nova may), and a
// DELETE of a port bound to a server is refused with 409 (Neutron's
// PortInUse, as some clouds do) where the model deletes it. strict, when
// set, makes the lock answer 404 also for an attached NIC: a break of
// STATE-LOCKED.
type otherOrderings struct {
	m      *mock.Mock
	token  string
	strict bool
}

func (o *otherOrderings) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	authed := r.Header.Get("X-Auth-Token") == o.token
	refuse := func(status int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Openstack-Request-Id", "req-"+strings.ToLower(rand.Text()))
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
	if authed && r.Method == http.MethodDelete && len(segs) == 3 && segs[0] == "v2.0" && segs[1] == "ports" {
		for _, p := range o.m.Ports() {
			if p.ID == segs[2] && p.DeviceID != "" {
				refuse(http.StatusConflict, fmt.Sprintf(`{"NeutronError":{"type":"PortInUse","message":"Unable to complete operation on port %s: it is in use.","detail":""}}`, p.ID))
				return
			}
		}
	}
	seed := o.m.Seed()
	if authed && r.Method == http.MethodDelete && len(segs) == 6 && segs[0] == "v2.1" && segs[1] == seed.ProjectID && segs[2] == "servers" && segs[4] == "os-interface" {
		attached := false
		for _, n := range o.m.Interfaces(segs[3]) {
			attached = attached || n.PortID == segs[5]
		}
		if locked, _ := o.m.Locked(segs[3]); locked && (!attached || o.strict) {
			refuse(http.StatusNotFound, fmt.Sprintf(`{"itemNotFound":{"code":404,"message":"Port %s is not attached"}}`, segs[5]))
			return
		}
	}
	o.m.ServeHTTP(w, r)
}

// orderingsTarget serves otherOrderings as a configured target.
func orderingsTarget(t *testing.T, strict bool, wrap ...func(http.Handler) http.Handler) *explore.Target {
	t.Helper()
	const token = "explore-orderings-token"
	m, err := mock.New(mock.Options{ImmediateDetach: true, Servers: 2, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = &otherOrderings{m: m, token: token, strict: strict}
	for _, w := range wrap {
		h = w(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	seed := m.Seed()
	env := map[string]string{
		"NICCONFORM_COMPUTE_URL": srv.URL, "NICCONFORM_PROJECT_ID": seed.ProjectID, "NICCONFORM_SERVER_ID": seed.Servers[0].ServerID,
		"NICCONFORM_OTHER_SERVER_ID": seed.Servers[1].ServerID, "NICCONFORM_NETWORK_ID": seed.NetworkID,
		"NICCONFORM_AUTH_TOKEN": token, "NICCONFORM_DETACH_TIMEOUT": "300ms", "NICCONFORM_POLL_INTERVAL": "5ms",
		"NICCONFORM_RUN_ID": "exploreorder",
	}
	tg := configuredTarget(t, env)
	return tg
}

// TestOtherOrderingsAreNoDivergence: a target that answers 404 for an
// unattached port on a locked server and refuses a bound port's DELETE
// keeps every rule's statement: explore finds no divergence, says which
// rule the 404 satisfied, lists the refused DELETE as an advisory, and
// goes on after it (the model brought to the target's state). With the
// lock broken for attached NICs too (strict), it stops at STATE-LOCKED.
func TestOtherOrderingsAreNoDivergence(t *testing.T) {
	res, err := explore.Run(context.Background(), explore.Config{Target: orderingsTarget(t, false), Seqs: 80, Steps: 14, Seed: 23,
		RunID: "exploreorder", ShrinkRuns: 20, ShrinkTime: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		t.Errorf("divergence %s (%s): %s", f.Divergence.Signature(), f.Divergence.Rule, f.Divergence.What)
		for _, s := range f.Steps {
			t.Logf("  %d %s: target %d, model %d; %s", s.N, s.Step, s.Target.Status, s.Model.Status, s.State)
		}
	}
	kinds := map[string]string{}
	for _, a := range res.Advisories {
		t.Logf("advisory %s ×%d: %s", a.Kind, a.Count, a.Message)
		kinds[a.Kind] += a.Message + "\n"
	}
	if !strings.Contains(kinds[explore.AdvisoryRuleOrder], "404 (PATH-UNKNOWN-PORT)") {
		t.Errorf("no advisory names PATH-UNKNOWN-PORT as the rule the 404 satisfied: %v", kinds)
	}
	if !strings.Contains(kinds[explore.AdvisoryNeighbourStatus], "delete port") || !strings.Contains(kinds[explore.AdvisoryNeighbourStatus], "brought to the target's state") {
		t.Errorf("no advisory for the refused DELETE of a bound port: %v", kinds)
	}
	if kinds[explore.AdvisoryUncovered] != "" {
		t.Errorf("the model was not brought to the target's state: %s", kinds[explore.AdvisoryUncovered])
	}
	if md := explore.Markdown(res, "explore.json"); !strings.Contains(md, "## Advisories") {
		t.Errorf("explore.md lists no advisories:\n%s", md)
	}

	res, err = explore.Run(context.Background(), explore.Config{Target: orderingsTarget(t, true), Seqs: 80, Steps: 14, Seed: 23,
		RunID: "exploreorder", ShrinkRuns: 20, ShrinkTime: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Diverged() || res.Findings[0].Divergence.Rule != "STATE-LOCKED" {
		t.Errorf("a 404 for an attached NIC on a locked server is not found as a break of STATE-LOCKED: %+v", res.Findings)
	}
}

// oddHeader answers every GET with a non-standard OpenStack-API-Version
// header (a third-party emulator's): a neighbour's departure from the
// contract.
type oddHeader struct{ h http.Handler }

func (o oddHeader) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		w.Header().Set("OpenStack-API-Version", "nonstandard")
	}
	o.h.ServeHTTP(w, r)
}

// TestNeighbourHeaderIsAnAdvisory: a neighbour call's (and an observation
// call's) non-standard header stops no sequence: the run explores its
// steps, finds no divergence, and lists a neighbour-contract advisory.
func TestNeighbourHeaderIsAnAdvisory(t *testing.T) {
	tg := orderingsTarget(t, false, func(h http.Handler) http.Handler { return oddHeader{h: h} })
	res, err := explore.Run(context.Background(), explore.Config{Target: tg, Seqs: 10, Steps: 10, Seed: 2, RunID: "exploreorder", ShrinkRuns: 5, ShrinkTime: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Diverged() || res.Steps < 20 {
		t.Errorf("%d sequences, %d steps; findings %+v", res.Sequences, res.Steps, res.Findings)
	}
	found := false
	for _, a := range res.Advisories {
		found = found || (a.Kind == explore.AdvisoryNeighbourContract && strings.Contains(a.Message, "OpenStack-API-Version"))
	}
	if !found {
		t.Errorf("no neighbour-contract advisory names the header: %+v", res.Advisories)
	}
}
