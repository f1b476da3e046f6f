package mock_test

import (
	"context"
	"errors"
	"net/http"
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
				script(t, c, seed)
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
				for _, want := range []int{200, 201, 202, 204, 400, 401, 404, 409} {
					if !statuses[want] {
						t.Errorf("the script never saw a %d", want)
					}
				}
			})
		}
	}
}

func script(t *testing.T, c *client.Client, seed mock.Seed) {
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
}
