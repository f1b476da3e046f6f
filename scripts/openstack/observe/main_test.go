package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/mock"
)

// The command against the mock: every behaviour seen with the nova
// profile and nova-upstream (exit 0); the faithful nova mock lacks
// nova-upstream's (exit 1, NOT SEEN named); a missing variable is bad
// input (exit 2).
func TestRun(t *testing.T) {
	for _, c := range []struct {
		devs    []mock.Deviation
		code    int
		notSeen string
	}{
		{[]mock.Deviation{mock.DevNovaUpstream}, 0, ""},
		{nil, 1, "routing-404-body"},
	} {
		srv, err := mock.NewServer(mock.Options{Profile: mock.ProfileNova, ImmediateDetach: true, Deviations: c.devs})
		if err != nil {
			t.Fatal(err)
		}
		seed := srv.Mock.Seed()
		env := map[string]string{"NICCONFORM_COMPUTE_URL": srv.URL, "NICCONFORM_NETWORK_URL": srv.URL, "NICCONFORM_PROJECT_ID": seed.ProjectID,
			"NICCONFORM_SERVER_ID": seed.Servers[0].ServerID, "NICCONFORM_AUTH_TOKEN": mock.DefaultToken}
		var out bytes.Buffer
		code, err := run(&out, func(k string) string { return env[k] })
		srv.Close()
		if err != nil || code != c.code || c.notSeen != "" && !strings.Contains(out.String(), "NOT SEEN  "+c.notSeen) {
			t.Errorf("deviations %v: exit %d (%v), want %d\n%s", c.devs, code, err, c.code, out.String())
		}
		if strings.Contains(out.String(), mock.DefaultToken) {
			t.Error("the output holds the token")
		}
	}
	if code, err := run(&bytes.Buffer{}, func(string) string { return "" }); code != 2 || err == nil {
		t.Errorf("no variables: exit %d, %v", code, err)
	}
}
