package client_test

import (
	"context"
	"slices"
	"testing"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/mock"
)

// The roles a password login's answer names are the client's, known
// after the first login; a bare token's are not known.
func TestIAMRoles(t *testing.T) {
	srv, err := mock.NewServer(mock.Options{Users: []mock.User{{Name: "root", Password: "root-pw-5521", Admin: true}}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	seed := srv.Mock.Seed()
	c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID,
		Auth: client.IAMPassword(client.IAMConfig{AuthURL: srv.URL, User: "root", Password: "root-pw-5521", Domain: mock.DefaultDomain, ProjectID: seed.ProjectID})})
	if err != nil {
		t.Fatal(err)
	}
	if roles, known := c.Roles(); known {
		t.Errorf("roles %v known before the login", roles)
	}
	if _, _, err := c.GetServer(context.Background(), seed.Servers[0].ServerID); err != nil {
		t.Fatal(err)
	}
	if roles, known := c.Roles(); !known || !slices.Equal(roles, []string{"admin", "member"}) {
		t.Errorf("roles %v (known %v), want [admin member]", roles, known)
	}
	bare, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, Auth: client.Token(mock.DefaultToken)})
	if err != nil {
		t.Fatal(err)
	}
	if roles, known := bare.Roles(); known {
		t.Errorf("a bare token's roles %v known", roles)
	}
}
