package sweep_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/lifecycle"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/sweep"
)

// leaseWorld is a mock with runs whose claims are in every lease state:
// each run has its claim and a NIC attached by port_id.
type leaseWorld struct {
	c     *client.Client
	seed  mock.Seed
	ports map[string][]string // run → its port ids
}

// newLeaseWorld serves the mock; with refuseRename, behind a proxy that
// answers 403 to every port update, as a target that refuses the rename
// that renews a lease.
func newLeaseWorld(t *testing.T, refuseRename bool) *leaseWorld {
	t.Helper()
	srv, err := mock.NewServer(mock.Options{Delay: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	url := srv.URL
	if refuseRename {
		u, _ := neturl.Parse(srv.URL)
		proxy := httputil.NewSingleHostReverseProxy(u)
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/ports/") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `{"NeutronError": {"type": "PolicyNotAuthorized", "message": "rule:update_port is disallowed by policy", "detail": ""}}`)
				return
			}
			proxy.ServeHTTP(w, r)
		}))
		t.Cleanup(front.Close)
		url = front.URL
	}
	w := &leaseWorld{seed: srv.Mock.Seed(), ports: map[string][]string{}}
	if w.c, err = client.New(client.Config{ComputeURL: url, ProjectID: w.seed.ProjectID, Auth: client.Token(mock.DefaultToken)}); err != nil {
		t.Fatal(err)
	}
	return w
}

// run makes a run started at start whose claim was renewed at renewed
// (zero: never), with a witness NIC; it returns the run id and the claim.
func (w *leaseWorld) run(t *testing.T, start, renewed time.Time) (string, string) {
	t.Helper()
	ctx := context.Background()
	run := config.NewRunID(start)
	server := w.seed.Servers[0].ServerID
	name := lifecycle.ClaimName(run, server, start, 5*time.Minute)
	if !renewed.IsZero() {
		cl, _ := lifecycle.ParseClaim(client.Port{Name: name})
		name = cl.Renewal(renewed)
	}
	claim, _, err := w.c.CreatePort(ctx, w.seed.NetworkID, name)
	if err != nil {
		t.Fatal(err)
	}
	witness, _, err := w.c.CreatePort(ctx, w.seed.NetworkID, "nicconform-"+run+"-witness")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.c.AttachPort(ctx, server, witness.ID); err != nil {
		t.Fatal(err)
	}
	w.ports[run] = []string{claim.ID, witness.ID}
	return run, claim.ID
}

func (w *leaseWorld) exists(t *testing.T, id string) bool {
	t.Helper()
	_, _, err := w.c.GetPort(context.Background(), id)
	return err == nil
}

// A lease renewed more than lifecycle.LeaseFresh ago is a dead run's: its
// claim and its resources are swept. A fresh lease the sweep sees renewed
// while it watches is a live run's: spared, and said so.
func TestSweepSparesLiveLeasesAndSweepsExpiredOnes(t *testing.T) {
	w := newLeaseWorld(t, false)
	now := time.Now()
	expired, _ := w.run(t, now.Add(-10*time.Minute), now.Add(-2*lifecycle.LeaseFresh))
	live, liveClaim := w.run(t, now.Add(-time.Minute), now.Add(-time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The live run's heartbeat, while the sweep watches.
	go func() {
		cl, _ := lifecycle.ParseClaim(client.Port{Name: lifecycle.ClaimName(live, w.seed.Servers[0].ServerID, now.Add(-time.Minute), 5*time.Minute)})
		for ctx.Err() == nil {
			_, _, _ = w.c.RenamePort(ctx, liveClaim, cl.Renewal(time.Now()))
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	var out bytes.Buffer
	res, err := sweep.Run(context.Background(), sweep.Options{Client: w.c, NetworkID: w.seed.NetworkID,
		Servers: []string{w.seed.Servers[0].ServerID}, Bound: time.Second, Poll: 5 * time.Millisecond, Watch: 300 * time.Millisecond, Out: &out})
	cancel()
	if err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	for _, id := range w.ports[expired] {
		if w.exists(t, id) {
			t.Errorf("the expired run's port %s survived:\n%s", id, &out)
		}
	}
	for _, run := range []string{live} {
		for _, id := range w.ports[run] {
			if !w.exists(t, id) {
				t.Errorf("the live run %s lost port %s:\n%s", run, id, &out)
			}
		}
		if res.Spared[run] == "" || !strings.Contains(out.String(), "spared run "+run) {
			t.Errorf("the sweep does not say it spared run %s:\n%s", run, &out)
		}
	}
	if res.Spared[expired] != "" {
		t.Errorf("the expired run is said spared:\n%s", &out)
	}
}

// A fresh lease whose run was killed seconds ago is not renewed while the
// sweep watches: its run is dead, and swept.
func TestSweepSweepsAFreshLeaseNobodyRenews(t *testing.T) {
	w := newLeaseWorld(t, false)
	now := time.Now()
	killed, _ := w.run(t, now.Add(-time.Minute), now.Add(-time.Second))
	// Killed before its first renewal, on a target that takes renewals.
	unrenewed, _ := w.run(t, now.Add(-2*time.Minute), time.Time{})
	var out bytes.Buffer
	res, err := sweep.Run(context.Background(), sweep.Options{Client: w.c, NetworkID: w.seed.NetworkID,
		Bound: time.Second, Poll: 5 * time.Millisecond, Watch: 100 * time.Millisecond, Out: &out})
	if err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	for _, run := range []string{killed, unrenewed} {
		for _, id := range w.ports[run] {
			if w.exists(t, id) {
				t.Errorf("the killed run's port %s survived:\n%s", id, &out)
			}
		}
		if res.Spared[run] != "" || !strings.Contains(out.String(), "run "+run+" is dead") {
			t.Errorf("the sweep does not say run %s is dead:\n%s", run, &out)
		}
	}
}

// On a target that refuses the rename that renews a lease, a claim never
// renewed is live for its ttl: spared, and said so. -run ID -force removes
// such a live run's resources, its claim first; another live run is
// spared either way.
func TestSweepForceRemovesALiveRun(t *testing.T) {
	w := newLeaseWorld(t, true)
	now := time.Now()
	target, _ := w.run(t, now.Add(-time.Minute), time.Time{})
	other, _ := w.run(t, now.Add(-2*time.Minute), time.Time{})
	opts := sweep.Options{Client: w.c, NetworkID: w.seed.NetworkID, RunID: target, Bound: time.Second, Poll: 5 * time.Millisecond, Watch: 50 * time.Millisecond}
	var out bytes.Buffer
	opts.Out = &out
	if _, err := sweep.Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	for _, id := range w.ports[target] {
		if !w.exists(t, id) {
			t.Fatalf("without -force the live run lost port %s:\n%s", id, &out)
		}
	}
	if !strings.Contains(out.String(), "spared run "+target) {
		t.Errorf("the sweep does not say it spared run %s:\n%s", target, &out)
	}
	out.Reset()
	opts.Force = true
	res, err := sweep.Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	for _, id := range w.ports[target] {
		if w.exists(t, id) {
			t.Errorf("-run %s -force left port %s:\n%s", target, id, &out)
		}
	}
	if len(res.Removed) == 0 || res.Removed[0] != w.ports[target][0] {
		t.Errorf("the claim was not removed first: %v (claim %s)", res.Removed, w.ports[target][0])
	}
	for _, id := range w.ports[other] {
		if !w.exists(t, id) {
			t.Errorf("-run %s -force removed another run's port %s:\n%s", target, id, &out)
		}
	}
	if !strings.Contains(out.String(), fmt.Sprintf("run %s is live", target)) {
		t.Errorf("the sweep does not say the run was live:\n%s", &out)
	}
}
