package upstream_test

import (
	"context"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/upstream"
)

// target serves a mock with opts and returns it as a Target.
func target(t *testing.T, opts mock.Options) upstream.Target {
	t.Helper()
	srv, err := mock.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	seed := srv.Mock.Seed()
	return upstream.Target{ComputeURL: srv.URL, NetworkURL: srv.URL, ProjectID: seed.ProjectID,
		ServerID: seed.Servers[0].ServerID, Token: mock.DefaultToken}
}

// TestTheMockShowsUpstream runs every observation against the reference
// mock under the nova profile (with the nova-upstream deviation for those
// that break a rule): the mock answers as the real cloud does. Each is
// also run against a mock that lacks the behaviour — the huawei profile
// for a faithful one, the faithful nova mock for a nova-upstream one — and
// must fail there: no observation passes whatever a target answers.
func TestTheMockShowsUpstream(t *testing.T) {
	for _, o := range upstream.Observations() {
		t.Run(o.Name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			shows := mock.Options{Profile: mock.ProfileNova, ImmediateDetach: true}
			lacks := mock.Options{Profile: mock.ProfileHuawei, ImmediateDetach: true}
			if o.Deviation != "" {
				d, err := mock.ParseDeviation(o.Deviation)
				if err != nil {
					t.Fatal(err)
				}
				shows.Deviations = []mock.Deviation{d}
				lacks = mock.Options{Profile: mock.ProfileNova, ImmediateDetach: true}
			}
			if err := o.Check(ctx, target(t, shows)); err != nil {
				t.Errorf("the mock (nova, deviation %q) does not show it: %v (source: %s)", o.Deviation, err, o.Source)
			}
			if err := o.Check(ctx, target(t, lacks)); err == nil {
				t.Errorf("passes against a mock without the behaviour (%s, deviations %v)", lacks.Profile, lacks.Deviations)
			}
		})
	}
}
