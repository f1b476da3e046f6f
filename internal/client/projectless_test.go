package client_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/mock"
)

// With ComputeProjectless the compute paths go without the project
// (/v2.1/servers/…), the network paths as they are, and the exchanges
// still validate against the contract's /v2.1/{project_id}/… paths.
func TestComputeProjectless(t *testing.T) {
	srv, err := mock.NewServer(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	seed := srv.Mock.Seed()
	for _, projectless := range []bool{false, true} {
		c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, ComputeProjectless: projectless,
			Auth: client.Token(mock.DefaultToken)})
		if err != nil {
			t.Fatal(err)
		}
		_, ex, err := c.ListInterfaces(context.Background(), seed.Servers[0].ServerID)
		if err != nil {
			t.Fatal(err)
		}
		want := "/v2.1/" + seed.ProjectID + "/servers/"
		if projectless {
			want = "/v2.1/servers/"
		}
		if ex.Status != 200 || !strings.Contains(ex.URL, want) || !ex.Valid() || len(ex.RequestViolations) != 0 {
			t.Errorf("projectless=%v: %d %s, violations %v %v", projectless, ex.Status, ex.URL, ex.Violations, ex.RequestViolations)
		}
	}
}

// The IAM login names the user's domain by id (OS_USER_DOMAIN_ID) against
// the mock's Keystone under /identity; a wrong id is refused with the
// user and domain named, never the password.
func TestIAMDomainIDAgainstMock(t *testing.T) {
	srv, err := mock.NewServer(mock.Options{Users: []mock.User{{Name: "alice", Password: "pw-canary-77", Domain: "acme"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	seed := srv.Mock.Seed()
	for _, c := range []struct {
		domainID string
		ok       bool
	}{{mock.DomainID("acme"), true}, {mock.DomainID("other"), false}} {
		auth := client.IAMPassword(client.IAMConfig{AuthURL: srv.URL + mock.IdentityRoot, User: "alice", Password: "pw-canary-77", DomainID: c.domainID, ProjectID: seed.ProjectID})
		cl, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, Auth: auth})
		if err != nil {
			t.Fatal(err)
		}
		_, ex, err := cl.ListInterfaces(context.Background(), seed.Servers[0].ServerID)
		switch {
		case c.ok && (err != nil || ex.Status != 200):
			t.Errorf("domain id %s: %v", c.domainID, err)
		case !c.ok && (err == nil || !strings.Contains(err.Error(), c.domainID) || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "pw-canary")):
			t.Errorf("wrong domain id: %v", err)
		}
	}
}
