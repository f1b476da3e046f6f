package explore_test

import (
	"testing"

	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/explore"
)

// configuredTarget is the explore target a run configured by env (the
// NICCONFORM_* variables, nothing from the process environment) would
// use; t fails at once on a configuration that does not resolve.
func configuredTarget(t *testing.T, env map[string]string) *explore.Target {
	t.Helper()
	cfg, err := config.Resolve(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	tg, err := explore.FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}
