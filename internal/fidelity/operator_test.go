package fidelity_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/report"
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
	t.Parallel()
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

// progressLine is a per-rule progress line: "nicconform: [  4s] RULE  verdict …".
var progressLine = regexp.MustCompile(`(?m)^nicconform: \[\s*\d+s\] ([A-Z][A-Z-]+)\s+(pass|fail|skip|error)\b`)

// A run stopped early, by its -timeout or by SIGINT, says why in every
// report ("the run's timeout (4s) expired" for the timeout, never
// "Interrupted by User"), and each rule's progress line says the verdict
// the final report gives.
func TestAStoppedRunSaysWhyAndItsLinesMatchTheReport(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, want string
		args       []string
		signal     bool
	}{
		{"timeout", "the run's timeout (4s) expired", []string{"-timeout", "4s"}, false},
		{"SIGINT", "Interrupted by User", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(filepath.Join(bin, "nicconform"), append([]string{"run", "-report-dir", dir}, tc.args...)...)
			cmd.Env = hermeticEnv("NICCONFORM_MOCK_DELAY=2s")
			var out syncBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if tc.signal {
				go func() { // a bounded poll for the calibration's line, then Ctrl-C
					tick := time.NewTicker(50 * time.Millisecond)
					defer tick.Stop()
					for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); <-tick.C {
						if strings.Contains(out.String(), "calibration:") {
							break
						}
					}
					_ = cmd.Process.Signal(os.Interrupt)
				}()
			}
			_ = cmd.Wait()
			raw, err := os.ReadFile(filepath.Join(dir, "conformance.json"))
			if err != nil {
				t.Fatalf("no report: %v\n%s", err, tailOf(out.String(), 20))
			}
			var c report.Conformance
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(c.Interrupted, tc.want) {
				t.Errorf("interrupted: %q, want %q", c.Interrupted, tc.want)
			}
			junit, _ := os.ReadFile(filepath.Join(dir, "junit.xml"))
			md, _ := os.ReadFile(filepath.Join(dir, "conformance.md"))
			if tc.name == "timeout" && strings.Contains(string(raw)+string(junit)+string(md), "Interrupted by User") {
				t.Error("a timed-out run's reports say Interrupted by User")
			}
			final := map[string]string{}
			for _, v := range c.Rules {
				final[v.ID] = v.Verdict
			}
			lines := progressLine.FindAllStringSubmatch(out.String(), -1)
			if len(lines) == 0 {
				t.Fatalf("no progress lines:\n%s", tailOf(out.String(), 30))
			}
			for _, m := range lines {
				if final[m[1]] != m[2] {
					t.Errorf("%s: the line says %s, the report %s", m[1], m[2], final[m[1]])
				}
			}
		})
	}
}

// syncBuffer is an output buffer a test may read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
