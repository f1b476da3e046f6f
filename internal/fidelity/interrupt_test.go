package fidelity_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/journal"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/internal/sweep"
)

// leftovers lists the mock's ports a run named, and the NICs beyond each
// server's primary.
func leftovers(m *mock.Mock, seed mock.Seed) []string {
	var out []string
	for _, p := range m.Ports() {
		if strings.HasPrefix(p.Name, sweep.Prefix) {
			out = append(out, "port "+p.Name)
		}
	}
	for _, s := range seed.Servers {
		for _, n := range m.Interfaces(s.ServerID) {
			if n.PortID != s.PrimaryPortID {
				out = append(out, "NIC "+n.PortID+" on "+s.ServerID)
			}
		}
	}
	return out
}

// startMidRun starts the suite against a mock in its own process and
// returns once the run holds resources on it.
func startMidRun(t *testing.T, ctx context.Context) (*mock.Server, mock.Seed, string, func(os.Signal) string) {
	t.Helper()
	srv, err := mock.NewServer(mock.Options{Delay: 200 * time.Millisecond, Servers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	seed := srv.Mock.Seed()
	dir := t.TempDir()
	cmd := suite.Command(ctx, append(liveEnv(srv.URL, dir),
		"NICCONFORM_PROJECT_ID="+seed.ProjectID,
		"NICCONFORM_SERVER_ID="+seed.Servers[0].ServerID,
		"NICCONFORM_OTHER_SERVER_ID="+seed.Servers[1].ServerID,
		"NICCONFORM_NETWORK_ID="+seed.NetworkID,
		"NICCONFORM_AUTH_TOKEN="+mock.DefaultToken,
		"NICCONFORM_DETACH_TIMEOUT=5s")...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !midSpec(srv.Mock) {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the run never held resources:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop := func(sig os.Signal) string {
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("the run did not stop within 60s of %v:\n%s", sig, out.String())
		}
		return out.String()
	}
	return srv, seed, dir, stop
}

// midSpec reports whether a spec (not the start-up calibration) holds a
// port of the run on the mock.
func midSpec(m *mock.Mock) bool {
	for _, p := range m.Ports() {
		if strings.HasPrefix(p.Name, sweep.Prefix) && !strings.HasSuffix(p.Name, "-calibrate") && !strings.Contains(p.Name, "-claim-") {
			return true
		}
	}
	return false
}

// waitClean waits, bounded, for the mock's pending detaches to land and
// returns what is left.
func waitClean(m *mock.Mock, seed mock.Seed) []string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := leftovers(m, seed)
		if (len(left) == 0 && m.Pending() == 0) || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An interrupted run (SIGINT, as Ctrl-C or a CI cancel sends) runs its
// cleanup: the target holds nothing of it afterwards; and its report blames
// no rule: what the interrupt cut short is an error, the exit status 2.
func TestInterruptedRunLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, seed, dir, stop := startMidRun(t, ctx)
	out := stop(os.Interrupt)
	if left := waitClean(srv.Mock, seed); len(left) > 0 {
		t.Errorf("left behind after SIGINT: %v\n%s", left, out)
	}
	conf := readConformance(t, dir)
	if conf.Summary.Fail != 0 || conf.Summary.Error == 0 || report.ExitCode(conf) != 2 {
		t.Errorf("after SIGINT: %+v, exit %d", conf.Summary, report.ExitCode(conf))
	}
	for _, v := range conf.Rules {
		if v.Verdict == report.Error && (v.Reason == "" || unreadable(v.Reason)) {
			t.Errorf("%s: reason %q", v.ID, v.Reason)
		}
	}
	if err := srv.Mock.CheckInvariants(); err != nil {
		t.Error(err)
	}
}

// A killed run (SIGKILL: no cleanup at all) leaves resources, and the sweep,
// by name and from the run's journal, removes every one of them.
func TestKilledRunIsSwept(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, seed, dir, stop := startMidRun(t, ctx)
	stop(os.Kill)
	if left := leftovers(srv.Mock, seed); len(left) == 0 {
		t.Fatal("the killed run left nothing, so this test proves nothing")
	}
	c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, Auth: client.Token(mock.DefaultToken)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sweep.Run(ctx, sweep.Options{Client: c, NetworkID: seed.NetworkID,
		Journals: []string{filepath.Join(dir, journal.File)}, Bound: 5 * time.Second, Poll: 10 * time.Millisecond,
		Watch: time.Second}); err != nil { // the killed run's fresh lease is not renewed while the sweep watches
		t.Fatal(err)
	}
	if left := waitClean(srv.Mock, seed); len(left) > 0 {
		t.Errorf("left behind after the sweep: %v", left)
	}
	if err := srv.Mock.CheckInvariants(); err != nil {
		t.Error(err)
	}
}
