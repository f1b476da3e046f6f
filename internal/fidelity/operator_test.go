package fidelity_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// hermeticEnv is this process's environment without any target setting,
// plus env.
func hermeticEnv(env ...string) []string {
	own := regexp.MustCompile(`^(NICCONFORM|HW|OS|HUAWEICLOUD_SDK)_`)
	var out []string
	for _, kv := range os.Environ() {
		if !own.MatchString(kv) {
			out = append(out, kv)
		}
	}
	return append(out, env...)
}

// exitOf runs cmd and returns its combined output and exit status.
func exitOf(t *testing.T, cmd *exec.Cmd) (string, int) {
	t.Helper()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return string(out), 0
}

// A dry run against a configured target succeeds (exit 0) once it wrote
// its plan, and the plan names the server lock and the estimate from the
// target's bound (NICCONFORM_DETACH_TIMEOUT, else the live default).
func TestDryRunSucceedsWithPlan(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(filepath.Join(bin, "nicconform"), "run", "-report-dir", dir)
	cmd.Env = hermeticEnv("NICCONFORM_DRY_RUN=true", "NICCONFORM_COMPUTE_URL=https://ecs.example.com",
		"NICCONFORM_SERVER_ID=11111111-2222-3333-4444-555555555555", "NICCONFORM_NETWORK_ID=66666666-2222-3333-4444-555555555555",
		"NICCONFORM_PROJECT_ID=0123456789abcdef0123456789abcdef", "NICCONFORM_AUTH_TOKEN=dry-run-token", "NICCONFORM_DETACH_TIMEOUT=120s")
	out, code := exitOf(t, cmd)
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, tailOf(out, 30))
	}
	plan, err := os.ReadFile(filepath.Join(dir, "plan.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"locks server 11111111-2222-3333-4444-555555555555", "detach bound 2m0s", "| 2s | 6s | 24s |", "at most 5 in the rehearsal"} {
		if !strings.Contains(string(plan), want) {
			t.Errorf("plan.md lacks %q:\n%s", want, plan)
		}
	}
	if !strings.Contains(out, "plan: "+filepath.Join(dir, "plan.md")) {
		t.Errorf("the run does not print where the plan is:\n%s", tailOf(out, 10))
	}
	if strings.Contains(out+string(plan), "dry-run-token") {
		t.Error("the token is in the output")
	}
}
