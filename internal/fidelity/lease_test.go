package fidelity_test

import (
	"bufio"
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

// A target whose detach never completes (the never-completes deviation)
// at a 20 s detach bound: the run ends within 2 × the bound + 1 minute
// (a sanity limit, not a measurement: README, Performance, has the
// figure); the calibration's line comes before anything acts on it;
// nothing waits for a detach to complete again or runs again alone;
// DETACH-COMPLETES fails on the calibration's detach; and no stretch of
// the run is silent much longer than the 10 s heartbeat.
func TestNeverCompletesEndsInBoundedTime(t *testing.T) {
	t.Parallel()
	const bound = 20 * time.Second
	srv, err := mock.NewServer(mock.Options{Delay: mockDetach, Servers: 2, Deviations: []mock.Deviation{mock.DevNeverCompletes}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	seed := srv.Mock.Seed()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "nicconform"), "run")
	cmd.Env = append(os.Environ(), liveEnv(srv.URL, dir,
		"NICCONFORM_PROJECT_ID="+seed.ProjectID, "NICCONFORM_SERVER_ID="+seed.Servers[0].ServerID,
		"NICCONFORM_NETWORK_ID="+seed.NetworkID, "NICCONFORM_AUTH_TOKEN="+mock.DefaultToken,
		"NICCONFORM_DETACH_TIMEOUT="+bound.String(), "NICCONFORM_POLL_INTERVAL=200ms")...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	last, silence := start, time.Duration(0)
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		now := time.Now()
		silence = max(silence, now.Sub(last))
		last = now
		lines = append(lines, sc.Text())
	}
	err = cmd.Wait()
	wall := time.Since(start)
	out := strings.Join(lines, "\n")
	t.Logf("never-completes at a %s detach bound: wall %s, longest silence %s", bound, wall.Round(100*time.Millisecond), silence.Round(100*time.Millisecond))
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("exit %v, want 1 (DETACH-COMPLETES fails)", err)
	}
	if limit := 2*bound + time.Minute; wall > limit {
		t.Errorf("the run took %s, more than 2 × the detach bound + 1 minute (%s):\n%s", wall, limit, out)
	}
	if silence > 25*time.Second {
		t.Errorf("the run was silent for %s (a heartbeat every 10 s is due):\n%s", silence, out)
	}
	calib := strings.Index(out, "calibration: the detach of port")
	if calib < 0 || strings.Index(out, "STATE-LOCKED: its window") < calib || strings.Index(out, "must change nothing sent") < calib {
		t.Errorf("the calibration's line is not printed before the run acts on it:\n%s", out)
	}
	for _, never := range []string{"running it again alone", "to complete before its cleanup"} {
		if strings.Contains(out, never) {
			t.Errorf("the run says %q after the calibration showed detaches never complete:\n%s", never, out)
		}
	}
	for _, r := range verdicts(t, dir).Rules {
		if r.ID == "DETACH-COMPLETES" && (r.Verdict != "fail" || !strings.Contains(r.Reason, "calibration")) {
			t.Errorf("DETACH-COMPLETES: %s %q, want a fail on the calibration's detach", r.Verdict, r.Reason)
		}
	}
}
