package mock_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/spec"
)

// TestEveryResponseValidates runs a scripted session through the client's
// validator against the faithful mock, in both profiles and both error
// shapes: the mock is the contract's first consumer, so every response it
// sends must validate against spec/openapi.yaml, every error in a
// documented shape, every response with a request id.
func TestEveryResponseValidates(t *testing.T) {
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, profile := range []mock.Profile{mock.ProfileHuawei, mock.ProfileNova} {
		for _, shape := range []mock.ErrorShape{mock.ErrorsNova, mock.ErrorsHuawei} {
			t.Run(string(profile)+"/"+string(shape), func(t *testing.T) {
				srv, err := mock.NewServer(mock.Options{Profile: profile, Errors: shape, Delay: 5 * time.Millisecond, Servers: 2})
				if err != nil {
					t.Fatal(err)
				}
				defer srv.Close()
				seed := srv.Mock.Seed()
				c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, Auth: client.Token(mock.DefaultToken), Spec: s})
				if err != nil {
					t.Fatal(err)
				}
				script(t, c, seed, mock.MaxMicroversionOf(profile))
				statuses := map[int]bool{}
				for _, ex := range c.Recorder().Exchanges() {
					statuses[ex.Status] = true
					if ex.Operation == "" {
						t.Errorf("routed to no operation: %s", ex)
					}
					if !ex.Valid() {
						t.Errorf("violations: %s", ex)
					}
					if ex.RequestID == "" {
						t.Errorf("no request id: %s", ex)
					}
					if ex.Status >= 400 {
						if p := client.ErrorShapeProblem(s, ex); p != "" {
							t.Errorf("%s: %s", p, ex)
						}
					}
				}
				for _, want := range []int{200, 201, 202, 204, 400, 401, 404, 406, 409} {
					if !statuses[want] {
						t.Errorf("the script never saw a %d", want)
					}
				}
			})
		}
	}
}

func script(t *testing.T, c *client.Client, seed mock.Seed, maxVersion string) {
	t.Helper()
	ctx := context.Background()
	server, other := seed.Servers[0].ServerID, seed.Servers[1].ServerID
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := c.GetServer(ctx, server)
	must(err)
	discovery(t, c, seed, maxVersion)
	port, _, err := c.CreatePort(ctx, seed.NetworkID, "nicconform-test-contract")
	must(err)
	_, _, err = c.RenamePort(ctx, port.ID, "nicconform-test-renamed")
	must(err)
	_, _, err = c.AttachPort(ctx, server, port.ID)
	must(err)
	_, _, err = c.AttachPort(ctx, other, port.ID) // bound elsewhere: 409
	if !errors.Is(err, client.ErrConflict) {
		t.Errorf("attach of a bound port: %v", err)
	}
	byNet, _, err := c.AttachNetwork(ctx, server, seed.NetworkID)
	must(err)
	_, _, err = c.ListInterfaces(ctx, server)
	must(err)
	_, _, err = c.GetInterface(ctx, server, port.ID)
	must(err)
	_, _, err = c.ListPorts(ctx, client.ListPortsOpts{Name: "nicconform-test-renamed"})
	must(err)
	_, err = c.Lock(ctx, server)
	must(err)
	ex, err := c.Detach(ctx, server, port.ID) // locked: 409
	must(err)
	if ex.Status != http.StatusConflict {
		t.Errorf("detach on a locked server: %s", ex)
	}
	_, err = c.Unlock(ctx, server)
	must(err)
	for _, id := range []string{port.ID, byNet.PortID} {
		ex, err := c.Detach(ctx, server, id)
		must(err)
		if ex.Status != http.StatusAccepted {
			t.Errorf("detach: %s", ex)
		}
	}
	for _, id := range []string{port.ID, byNet.PortID} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, _, err := c.GetInterface(ctx, server, id)
			if errors.Is(err, client.ErrNotFound) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("detach of %s never completed: %v", id, err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	_, _, err = c.GetPort(ctx, byNet.PortID) // deleted with its NIC: 404
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("net_id port after detach: %v", err)
	}
	_, err = c.DeletePort(ctx, port.ID)
	must(err)
	// Errors: unauthenticated, malformed, primary (403 huawei / 202 nova).
	_, err = c.WithAuth(nil).Detach(ctx, server, port.ID)
	must(err)
	_, err = c.Do(ctx, client.Request{Method: http.MethodDelete, Segments: []string{"v2.1", seed.ProjectID, "servers", "not-a-uuid", "os-interface", port.ID}})
	must(err)
	_, err = c.Do(ctx, client.Request{Method: http.MethodPost, Segments: []string{"v2.1", seed.ProjectID, "servers", server, "action"}, JSON: map[string]any{"frobnicate": nil}})
	must(err)
	_, err = c.Detach(ctx, other, seed.Servers[1].PrimaryPortID)
	must(err)
	// Microversions: a lock with a reason, shown; an unsupported version
	// (406) and a malformed one (400).
	_, err = c.LockWithReason(ctx, server, "nicconform contract test")
	must(err)
	srv, ex, err := c.WithMicroversion("latest").GetServer(ctx, server)
	must(err)
	if !srv.Locked || srv.LockedReason == nil || *srv.LockedReason != "nicconform contract test" || ex.Microversion != maxVersion {
		t.Errorf("locked with a reason: %+v, answered %q", srv, ex.Microversion)
	}
	_, err = c.Unlock(ctx, server)
	must(err)
	_, nics, err := c.WithMicroversion("2.70").ListInterfaces(ctx, server)
	must(err)
	if !strings.Contains(string(nics.ResponseBody), `"tag":null`) {
		t.Errorf("2.70 list without tags: %s", nics)
	}
	for _, v := range []string{"2.94", "3.0"} {
		ex, err := c.WithMicroversion(v).Detach(ctx, server, port.ID)
		must(err)
		if ex.Status != http.StatusNotAcceptable || ex.Microversion != v {
			t.Errorf("detach at %s: %s", v, ex)
		}
	}
	malformed := http.Header{}
	malformed.Set(client.HeaderNovaAPIVersion, "2.07")
	ex, err = c.Do(ctx, client.Request{Method: http.MethodGet, Segments: []string{"v2.1", seed.ProjectID, "servers", server}, Header: malformed})
	must(err)
	if ex.Status != http.StatusBadRequest || ex.Microversion != "" || len(ex.RequestViolations) == 0 {
		t.Errorf("malformed microversion: %s", ex)
	}
}

// discovery asks for every version document, on the compute root and on
// the network root (NetworkRoot), as clients do before their first call.
func discovery(t *testing.T, c *client.Client, seed mock.Seed, maxVersion string) {
	t.Helper()
	ctx := context.Background()
	net, err := client.New(client.Config{ComputeURL: c.BaseURL(client.Compute).String(), NetworkURL: c.BaseURL(client.Compute).String() + mock.NetworkRoot,
		ProjectID: seed.ProjectID, Auth: client.Token(mock.DefaultToken), Spec: c.Spec(), Recorder: c.Recorder()})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		c       *client.Client
		service client.Service
		path    string
		op      string
		answers string
	}{
		{c.WithAuth(nil), client.Compute, "/", "listVersions", `"min_version":"2.1"`},
		{c.WithAuth(nil), client.Compute, "/v2.1", "showComputeVersion", `"version":"` + maxVersion + `"`},
		{c.WithAuth(nil), client.Compute, "/v2.1/", "showComputeVersion", `"media-types"`},
		{c, client.Compute, "/v2.1/" + seed.ProjectID + "/", "showProjectComputeVersion", `"id":"v2.1"`},
		{c, client.Network, "/v2.0/", "listNetworkResources", `"collection":"ports"`},
		{net.WithAuth(nil), client.Network, "/", "listVersions", `"id":"v2.0"`},
		{net, client.Network, "/v2.0/", "listNetworkResources", mock.NetworkRoot + `/v2.0/ports"`},
	} {
		ex, err := r.c.Do(ctx, client.Request{Method: http.MethodGet, Service: r.service, RawPath: r.path})
		if err != nil {
			t.Fatal(err)
		}
		if ex.Status != http.StatusOK || ex.Operation != r.op || !strings.Contains(string(ex.ResponseBody), r.answers) {
			t.Errorf("GET %s (%s): want 200 %s with %s: %s", r.path, r.service, r.op, r.answers, ex)
		}
	}
	if _, _, err := net.ListPorts(ctx, client.ListPortsOpts{NetworkID: seed.NetworkID}); err != nil {
		t.Errorf("ports under the network root: %v", err)
	}
}
