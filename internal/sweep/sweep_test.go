package sweep_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/journal"
	"github.com/nicconform/nicconform/internal/lifecycle"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/sweep"
)

func TestSweepRemovesWhatRunsLeftAndNothingElse(t *testing.T) {
	srv, err := mock.NewServer(mock.Options{Delay: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	seed := srv.Mock.Seed()
	server := seed.Servers[0].ServerID
	c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, Auth: client.Token(mock.DefaultToken)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	oldRun := config.NewRunID(now.Add(-3 * time.Hour))
	newRun := config.NewRunID(now)

	mk := func(name string, attach bool) string {
		t.Helper()
		p, _, err := c.CreatePort(ctx, seed.NetworkID, name)
		if err != nil {
			t.Fatal(err)
		}
		if attach {
			if _, _, err := c.AttachPort(ctx, server, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		return p.ID
	}
	oldAttached := mk("nicconform-"+oldRun+"-retained", true)
	oldLoose := mk("nicconform-"+oldRun+"-unattached", false)
	young := mk("nicconform-"+newRun+"-young", true)
	foreign := mk("someone-elses-port", true)
	unnamed, _, err := c.AttachNetwork(ctx, server, seed.NetworkID) // killed before the rename
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	j, err := journal.Open(dir, oldRun)
	if err != nil {
		t.Fatal(err)
	}
	j.Record(journal.Intent, "net-attach", "", "nicconform-"+oldRun+"-net")
	j.Record(journal.Created, "port", unnamed.PortID, "nicconform-"+oldRun+"-net")
	j.Close()

	opts := sweep.Options{Client: c, NetworkID: seed.NetworkID, OlderThan: time.Hour,
		Journals: []string{dir + "/" + journal.File}, Bound: 5 * time.Second, Poll: 5 * time.Millisecond}

	var out bytes.Buffer
	dry := opts
	dry.DryRun, dry.Out = true, &out
	res, err := sweep.Run(ctx, dry)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Found) != 3 || len(res.Removed) != 0 || len(srv.Mock.Interfaces(server)) != 5 {
		t.Fatalf("dry run found %d, removed %d, NICs now %d:\n%s", len(res.Found), len(res.Removed), len(srv.Mock.Interfaces(server)), out.String())
	}
	if !strings.Contains(out.String(), "it backs a NIC of server") {
		t.Errorf("dry run output:\n%s", out.String())
	}

	if _, err := sweep.Run(ctx, opts); err != nil {
		t.Fatal(err)
	}
	left := map[string]bool{}
	for _, p := range srv.Mock.Ports() {
		left[p.ID] = true
	}
	for _, id := range []string{oldAttached, oldLoose, unnamed.PortID} {
		if left[id] {
			t.Errorf("port %s survived the sweep", id)
		}
	}
	for _, id := range []string{young, foreign, seed.Servers[0].PrimaryPortID} {
		if !left[id] {
			t.Errorf("port %s was swept but should have been spared", id)
		}
	}
	if err := srv.Mock.CheckInvariants(); err != nil {
		t.Error(err)
	}

	// Without the age filter, the young run goes too.
	opts.OlderThan = 0
	if res, err := sweep.Run(ctx, opts); err != nil || len(res.Removed) != 1 || res.Removed[0] != young {
		t.Errorf("second sweep: %+v %v", res, err)
	}
}

type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// A journal that is missing, or is not a journal, stops the sweep with an
// error naming the file, before any request: nothing is changed.
func TestSweepRefusesABadJournalBeforeAnyRequest(t *testing.T) {
	srv, err := mock.NewServer(mock.Options{Delay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	seed := srv.Mock.Seed()
	ct := &countingTransport{}
	c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, Auth: client.Token(mock.DefaultToken),
		HTTPClient: &http.Client{Transport: ct}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	leftover, _, err := c.CreatePort(ctx, seed.NetworkID, "nicconform-"+config.NewRunID(time.Now().Add(-time.Hour))+"-left")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	j, err := journal.Open(dir, "run1")
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	good := filepath.Join(dir, journal.File)
	garbage := filepath.Join(dir, "garbage.txt")
	if err := os.WriteFile(garbage, []byte("not a journal\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{filepath.Join(dir, "missing.jsonl"), garbage, dir} {
		before := ct.n.Load()
		var out bytes.Buffer
		_, err := sweep.Run(ctx, sweep.Options{Client: c, NetworkID: seed.NetworkID, Journals: []string{good, bad},
			Bound: time.Second, Poll: time.Millisecond, Out: &out})
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s: %v", bad, err)
		}
		if n := ct.n.Load() - before; n != 0 {
			t.Errorf("%s: %d request(s) sent", bad, n)
		}
		if _, _, err := c.GetPort(ctx, leftover.ID); err != nil {
			t.Errorf("%s: the leftover port is gone: %v", bad, err)
		}
	}
	// The good journal alone: the sweep runs.
	if res, err := sweep.Run(ctx, sweep.Options{Client: c, NetworkID: seed.NetworkID, Journals: []string{good},
		Bound: time.Second, Poll: time.Millisecond}); err != nil || len(res.Removed) != 1 {
		t.Errorf("good journal: %+v %v", res, err)
	}
}

// The sweep unlocks, before it removes ports, what it can prove a run
// locked: a lock a run's journal shows begun and not undone (a target
// without microversion 2.73 shows no reason), or a lock whose locked_reason
// names a run. A lock it cannot prove a run's it leaves, says how to
// unlock, and fails.
func TestSweepUnlocksWhatItCanProveARunLocked(t *testing.T) {
	srv, err := mock.NewServer(mock.Options{Delay: time.Millisecond, Servers: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	seed := srv.Mock.Seed()
	c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, Auth: client.Token(mock.DefaultToken)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run := config.NewRunID(time.Now().Add(-3 * time.Hour))
	byJournal, byReason, byOps := seed.Servers[0].ServerID, seed.Servers[1].ServerID, seed.Servers[2].ServerID
	if _, err := c.Lock(ctx, byJournal); err != nil { // no reason: a target without 2.73
		t.Fatal(err)
	}
	if _, err := c.LockWithReason(ctx, byReason, lifecycle.LockReason(run, "a test")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	j, err := journal.Open(dir, run)
	if err != nil {
		t.Fatal(err)
	}
	j.Append(journal.Entry{Event: journal.Intent, Kind: journal.KindLock, Op: "1.1", Server: byJournal})
	j.Append(journal.Entry{Event: journal.Created, Kind: journal.KindLock, Op: "1.1", Server: byJournal})
	j.Close()
	locked := func(id string) bool {
		l, _, err := lifecycle.LockState(ctx, c, id)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	opts := sweep.Options{Client: c, NetworkID: seed.NetworkID, Servers: []string{byReason},
		Journals: []string{filepath.Join(dir, journal.File)}, Bound: time.Second, Poll: time.Millisecond}

	var out bytes.Buffer
	dry := opts
	dry.DryRun, dry.Out = true, &out
	if res, err := sweep.Run(ctx, dry); err != nil || len(res.Unlocked) != 2 || !locked(byJournal) || !locked(byReason) {
		t.Fatalf("dry run: %+v %v\n%s", res, err, out.String())
	}
	out.Reset()
	opts.Out = &out
	res, err := sweep.Run(ctx, opts)
	if err != nil || len(res.Unlocked) != 2 || locked(byJournal) || locked(byReason) {
		t.Fatalf("sweep: %+v %v\n%s", res, err, out.String())
	}
	if !strings.Contains(out.String(), "unlocked server "+byJournal) || !strings.Contains(out.String(), "its locked_reason names run "+run) {
		t.Errorf("the sweep does not say what it did:\n%s", out.String())
	}

	if _, err := c.LockWithReason(ctx, byOps, "maintenance window"); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	opts.Servers = []string{byOps}
	res, err = sweep.Run(ctx, opts)
	if err == nil || !locked(byOps) || res.Locked[byOps] == "" || !strings.Contains(out.String(), `{"unlock": null}`) {
		t.Errorf("a lock nobody can prove a run's: %+v %v\n%s", res, err, out.String())
	}
}

// A port listing that gives a run's port an id that is not a UUID (a dot
// segment) stops the sweep with an error naming it: nothing is sent with
// that id in a path, nothing is removed.
func TestSweepNeverPutsAMalformedIDInAPath(t *testing.T) {
	run := config.NewRunID(time.Now().Add(-3 * time.Hour))
	var others atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/v2.0/ports" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"ports":[{"id":"..","name":"nicconform-` + run + `-retained","network_id":"9a1c5e7e-1f0b-4a9c-8b4b-2a8e3b2f4c11","device_id":""}]}`))
			return
		}
		others.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: "0123456789abcdef0123456789abcdef", Auth: client.Token("tok-xyz1")})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := sweep.Run(context.Background(), sweep.Options{Client: c, NetworkID: "9a1c5e7e-1f0b-4a9c-8b4b-2a8e3b2f4c11",
		Bound: time.Second, Poll: 5 * time.Millisecond, Out: &out})
	var ie *client.IDError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), `".."`) {
		t.Errorf("sweep: %+v %v, want an IDError naming \"..\"", res, err)
	}
	if n := others.Load(); n != 0 {
		t.Errorf("%d requests besides the listing:\n%s", n, out.String())
	}
}
