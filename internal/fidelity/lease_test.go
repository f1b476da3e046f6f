package fidelity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/lifecycle"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/report"
)

// A run's claim is a lease it renews while it lives (internal/lifecycle,
// claim.go): `nicconform sweep` spares a live run, and a run whose claim
// another client removes reports the rules it could not judge as errors,
// "interfered with", never as fails.

// liveRun starts `nicconform run` against tg, with windows long enough
// (NICCONFORM_SETTLE) for another client to act mid-run, and returns the
// run's output, a channel with its exit, and its claim port once the lease
// was renewed.
func liveRun(t *testing.T, ctx context.Context, tg *target) (*bytes.Buffer, <-chan int, client.Port) {
	t.Helper()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "nicconform"), "run")
	cmd.Env = tg.env("NICCONFORM_DETACH_TIMEOUT=60s", "NICCONFORM_SETTLE=30s")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exit := make(chan int, 1)
	go func() {
		err := cmd.Wait()
		var ee *exec.ExitError
		switch {
		case err == nil:
			exit <- 0
		case errors.As(err, &ee):
			exit <- ee.ExitCode()
		default:
			exit <- -1
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	for {
		for _, p := range tg.srv.Mock.Ports() {
			if cl, ok := lifecycle.ParseClaim(client.Port{ID: p.ID, Name: p.Name}); ok && !cl.Renewed.IsZero() {
				return &out, exit, client.Port{ID: p.ID, Name: p.Name}
			}
		}
		select {
		case code := <-exit:
			t.Fatalf("the run ended (exit %d) before its lease was renewed:\n%s", code, &out)
		case <-ctx.Done():
			t.Fatalf("no renewed lease:\n%s", &out)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// verdicts reads a run's conformance.json.
func verdicts(t *testing.T, dir string) report.Conformance {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "conformance.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c report.Conformance
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// `nicconform sweep` (its own process, the run's configuration and report
// folder, as the CI recipes run it) during a live run: it says it spared
// the run, the run passes, and nothing is left once both are done.
func TestSweepDuringALiveRunSparesIt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	tg := newTarget(t)
	out, exit, claim := liveRun(t, ctx, tg)
	cl, _ := lifecycle.ParseClaim(claim)
	sweep := exec.CommandContext(ctx, filepath.Join(bin, "nicconform"), "sweep")
	sweep.Env = tg.env()
	sout, err := sweep.CombinedOutput()
	if err != nil {
		t.Errorf("sweep: %v\n%s", err, sout)
	}
	if !strings.Contains(string(sout), "spared run "+cl.Run) {
		t.Errorf("the sweep does not say it spared run %s:\n%s", cl.Run, sout)
	}
	if code := <-exit; code != 0 {
		t.Errorf("the run exited %d, want 0 (the sweep said:\n%s):\n%s", code, sout, out)
	}
	if left := tg.settle(); len(left) > 0 {
		t.Errorf("left on the target after the run and the sweep: %v", left)
	}
}

// Another client deletes the run's claim mid-run: the run stops, exits 2,
// and the rules it could not judge are errors, "interfered with"; no rule
// fails.
func TestARunWhoseClaimIsDeletedIsInterferedWith(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	tg := newTarget(t)
	out, exit, claim := liveRun(t, ctx, tg)
	c, err := client.New(client.Config{ComputeURL: tg.srv.URL, ProjectID: tg.seed.ProjectID, Auth: client.Token(mock.DefaultToken)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePort(ctx, claim.ID); err != nil {
		t.Fatal(err)
	}
	if code := <-exit; code != 2 {
		t.Errorf("the run exited %d, want 2:\n%s", code, out)
	}
	v := verdicts(t, tg.dir)
	interfered := 0
	for _, r := range v.Rules {
		if r.Verdict == "fail" {
			t.Errorf("%s fails after the interference: %s", r.ID, r.Reason)
		}
		if r.Verdict == "error" && strings.Contains(r.Reason, "interfered with") {
			interfered++
		}
	}
	if interfered == 0 || !strings.Contains(out.String(), "INTERFERED WITH") {
		t.Errorf("no rule is an error \"interfered with\" (%+v):\n%s", v.Summary, out)
	}
	if left := tg.settle(); len(left) > 0 {
		t.Errorf("left on the target: %v", left)
	}
}

// `nicconform sweep -run ID -force` removes a live run's resources; the
// run then stops with its rules errors, interfered with, and nothing is
// left.
func TestSweepForceRemovesALiveRunsResources(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	tg := newTarget(t)
	out, exit, claim := liveRun(t, ctx, tg)
	cl, _ := lifecycle.ParseClaim(claim)
	sweep := exec.CommandContext(ctx, filepath.Join(bin, "nicconform"), "sweep", "-run", cl.Run, "-force")
	sweep.Env = tg.env()
	sout, err := sweep.CombinedOutput()
	if err != nil {
		t.Errorf("sweep: %v\n%s", err, sout)
	}
	if !strings.Contains(string(sout), "removed port "+claim.ID) {
		t.Errorf("the sweep did not remove the live run's claim:\n%s", sout)
	}
	if code := <-exit; code != 2 {
		t.Errorf("the run exited %d, want 2:\n%s", code, out)
	}
	for _, r := range verdicts(t, tg.dir).Rules {
		if r.Verdict == "fail" {
			t.Errorf("%s fails after the forced sweep: %s", r.ID, r.Reason)
		}
	}
	if left := tg.settle(); len(left) > 0 {
		t.Errorf("left on the target: %v", left)
	}
}
