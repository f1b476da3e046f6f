package explore_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/explore"
	"github.com/nicconform/nicconform/internal/journal"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/spec"
)

// embedded starts an embedded target: zero delay, a short detach bound.
func embedded(t *testing.T, profile string, deviations ...string) *explore.Target {
	t.Helper()
	tg, err := explore.NewEmbedded(explore.EmbeddedOptions{Profile: profile, Deviations: deviations, DetachBound: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tg.Close)
	return tg
}

func TestFaithfulMockAgreesWithTheModel(t *testing.T) {
	for _, profile := range []string{spec.ProfileHuawei, spec.ProfileNova} {
		t.Run(profile, func(t *testing.T) {
			res, err := explore.Run(context.Background(), explore.Config{Target: embedded(t, profile), Seqs: 15, Steps: 15, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if res.Diverged() || res.Sequences != 15 || res.Steps == 0 {
				t.Fatalf("sequences %d, steps %d, findings %+v", res.Sequences, res.Steps, res.Findings)
			}
		})
	}
}

// TestFindReportReplay: a divergence is shrunk, reported (md, json, har),
// and the recorded sequence replays exactly: it diverges again against the
// same deviation, and not against the faithful mock.
func TestFindReportReplay(t *testing.T) {
	ctx := context.Background()
	res, err := explore.Run(ctx, explore.Config{Target: embedded(t, "", string(mock.DevSuccess204)), Seqs: 50, Steps: 10, Seed: 11, ShrinkTime: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Diverged() {
		t.Fatalf("success-204 not found in %d sequences", res.Sequences)
	}
	f := res.Findings[0]
	d := f.Divergence
	if d.Kind != explore.KindStatus || d.Op != explore.OpDetach || d.Rule != "DETACH-ACCEPTED" || !strings.Contains(d.What, "204") {
		t.Errorf("divergence %+v", d)
	}
	last := f.Steps[len(f.Steps)-1]
	if len(f.Steps) > f.FoundLength || last.N != d.Step || last.Target.Status != http.StatusNoContent || last.Model.Status != http.StatusAccepted {
		t.Errorf("found at %d steps, shrunk to %d; last step %+v", f.FoundLength, len(f.Steps), last)
	}
	// attach (by net_id, or a port made for it), detach: nothing shorter
	// shows a 204.
	if len(f.Steps) > 3 || f.Script()[len(f.Steps)-1].Op != explore.OpDetach {
		t.Errorf("shrunk to %v, want an attach and its detach", f.Script())
	}

	dir := t.TempDir()
	if err := explore.WriteReports(dir, res); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "explore.md"))
	for _, want := range []string{"First point of divergence", "DETACH-ACCEPTED", "diverges here", "-replay " + filepath.Join(dir, "explore.json"), "seed: 11"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("explore.md lacks %q:\n%s", want, md)
		}
	}
	var har struct {
		Log struct {
			Entries []struct {
				Comment string `json:"comment"`
			} `json:"entries"`
		} `json:"log"`
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "explore.har"))
	if err := json.Unmarshal(raw, &har); err != nil || len(har.Log.Entries) == 0 {
		t.Fatalf("explore.har: %v, %d entries", err, len(har.Log.Entries))
	}
	worlds := map[string]bool{}
	for _, e := range har.Log.Entries {
		worlds[strings.SplitN(e.Comment, ":", 2)[0]] = true
	}
	if !worlds["target"] || !worlds["model"] {
		t.Errorf("explore.har holds the exchanges of %v, want both worlds'", worlds)
	}

	script, err := explore.LoadReplay(filepath.Join(dir, "explore.json"))
	if err != nil || !slices.Equal(script, f.Script()) {
		t.Fatalf("LoadReplay: %v: %v, want %v", err, script, f.Script())
	}
	again, err := explore.Replay(ctx, explore.Config{Target: embedded(t, "", string(mock.DevSuccess204))}, script)
	if err != nil || !again.Diverged() || again.Findings[0].Divergence.Signature() != d.Signature() || len(again.Findings[0].Steps) != len(script) {
		t.Fatalf("replay against the deviation: %v %+v", err, again.Findings)
	}
	clean, err := explore.Replay(ctx, explore.Config{Target: embedded(t, "")}, script)
	if err != nil || clean.Diverged() || clean.Steps != len(script) {
		t.Fatalf("replay against the faithful mock: %v, %d steps, %+v", err, clean.Steps, clean.Findings)
	}
	if _, err := os.Stat("testdata/rapid"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("rapid wrote fail files (testdata/rapid): %v", err)
	}
}

// TestSeedReproduces: one seed draws the same sequences, finds the same
// divergence in the same sequence, and shrinks it the same way.
func TestSeedReproduces(t *testing.T) {
	run := func() *explore.Finding {
		res, err := explore.Run(context.Background(), explore.Config{Target: embedded(t, "", string(mock.DevRepeat500)), Seqs: 100, Steps: 12, Seed: 99,
			ShrinkTime: time.Minute, ShrinkStall: 20})
		if err != nil || !res.Diverged() {
			t.Fatalf("%v, %d sequences, no divergence", err, res.Sequences)
		}
		return res.Findings[0]
	}
	a, b := run(), run()
	if a.Sequence != b.Sequence || a.FoundLength != b.FoundLength || !slices.Equal(a.Script(), b.Script()) {
		t.Errorf("seed 99: sequence %d (%d steps) shrunk to %v; then sequence %d (%d steps) shrunk to %v",
			a.Sequence, a.FoundLength, a.Script(), b.Sequence, b.FoundLength, b.Script())
	}
}

// recorder serves a mock as a configured target and watches what explore
// does to it: every DELETE path, and the most NICs a server ever had.
type recorder struct {
	m       *mock.Mock
	mu      sync.Mutex
	deletes []string
	maxNICs int
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.m.ServeHTTP(w, r)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r.Method == http.MethodDelete {
		rc.deletes = append(rc.deletes, r.URL.EscapedPath())
	}
	for _, s := range rc.m.Seed().Servers {
		rc.maxNICs = max(rc.maxNICs, len(rc.m.Interfaces(s.ServerID)))
	}
}

// configured serves a mock as a configured target (the configuration as
// the environment gives it) and returns the target and the recorder.
func configured(t *testing.T, deviations ...mock.Deviation) (*explore.Target, *recorder) {
	t.Helper()
	m, err := mock.New(mock.Options{ImmediateDetach: true, Servers: 2, Token: "explore-test-token", Deviations: deviations})
	if err != nil {
		t.Fatal(err)
	}
	rc := &recorder{m: m}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	seed := m.Seed()
	env := map[string]string{
		"NICCONFORM_COMPUTE_URL": srv.URL, "NICCONFORM_PROJECT_ID": seed.ProjectID, "NICCONFORM_SERVER_ID": seed.Servers[0].ServerID,
		"NICCONFORM_OTHER_SERVER_ID": seed.Servers[1].ServerID, "NICCONFORM_NETWORK_ID": seed.NetworkID,
		"NICCONFORM_AUTH_TOKEN": "explore-test-token", "NICCONFORM_DETACH_TIMEOUT": "300ms", "NICCONFORM_POLL_INTERVAL": "5ms",
		"NICCONFORM_RUN_ID": "exploretest",
	}
	tg := configuredTarget(t, env)
	return tg, rc
}

// TestConfiguredTargetIsLeftAsFound: against a configured target explore
// claims the server, journals every port it makes and removes it after its
// sequence, keeps every server under the NIC ceiling, never sends a DELETE
// for a primary NIC (no NICCONFORM_ALLOW_PRIMARY_PROBE), and leaves the
// servers with their primary NICs only.
func TestConfiguredTargetIsLeftAsFound(t *testing.T) {
	for _, dev := range []mock.Deviation{"", mock.DevSuccess204} {
		t.Run("deviation="+string(dev), func(t *testing.T) {
			var devs []mock.Deviation
			if dev != "" {
				devs = append(devs, dev)
			}
			tg, rc := configured(t, devs...)
			dir := t.TempDir()
			j, err := journal.Open(dir, "exploretest")
			if err != nil {
				t.Fatal(err)
			}
			res, err := explore.Run(context.Background(), explore.Config{Target: tg, Seqs: 40, Steps: 12, Seed: 5, RunID: "exploretest", Journal: j,
				ShrinkRuns: 10, ShrinkTime: 20 * time.Second})
			if cerr := j.Close(); cerr != nil {
				t.Error(cerr)
			}
			if err != nil || len(res.Leaks) > 0 {
				t.Fatalf("%v; leaks %v", err, res.Leaks)
			}
			if res.Diverged() != (dev != "") {
				t.Errorf("deviation %q: findings %+v", dev, res.Findings)
				for _, f := range res.Findings {
					t.Logf("%+v", f.Divergence)
					for _, s := range f.Steps {
						t.Logf("  %d %s: %d/%d %s", s.N, s.Step, s.Target.Status, s.Model.Status, s.State)
					}
				}
			}
			seed := rc.m.Seed()
			for _, s := range seed.Servers {
				if got := rc.m.Interfaces(s.ServerID); len(got) != 1 || got[0].PortID != s.PrimaryPortID {
					t.Errorf("server %s left with NICs %+v", s.ServerID, got)
				}
			}
			if ports := rc.m.Ports(); len(ports) != len(seed.Servers) {
				t.Errorf("%d ports left (the primaries are %d): %+v", len(ports), len(seed.Servers), ports)
			}
			entries, err := journal.Read(filepath.Join(dir, journal.File))
			if err != nil || len(entries) == 0 {
				t.Fatalf("journal: %v, %d entries", err, len(entries))
			}
			if out := journal.Outstanding(entries); len(out) > 0 {
				t.Errorf("journal shows %d ports never removed: %+v", len(out), out)
			}
			claimed := false
			for _, e := range entries {
				claimed = claimed || strings.Contains(e.Name, "-claim-"+seed.Servers[0].ServerID)
				if e.Event == journal.Created && !strings.HasPrefix(e.Name, "nicconform-exploretest-") {
					t.Errorf("a port not named for the run: %+v", e)
				}
			}
			if !claimed {
				t.Error("explore did not claim the server")
			}
			rc.mu.Lock()
			defer rc.mu.Unlock()
			if rc.maxNICs > explore.DefaultNICCeiling {
				t.Errorf("a server had %d NICs, over the ceiling of %d", rc.maxNICs, explore.DefaultNICCeiling)
			}
			for _, p := range rc.deletes {
				for _, s := range seed.Servers {
					if strings.Contains(p, s.PrimaryPortID) {
						t.Errorf("a DELETE aimed at primary NIC %s: %s", s.PrimaryPortID, p)
					}
				}
			}
		})
	}
}

func TestEstimate(t *testing.T) {
	tg := &explore.Target{DetachBound: 300 * time.Second, Poll: time.Second}
	e, err := explore.EstimateCost(explore.Config{Target: tg, Seqs: 10, Steps: 5, ShrinkRuns: 4}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if e.Calls <= 10*5 || e.ShrinkCalls == 0 || e.Ports != 10*5+4*5 || e.PollsPerDetach != 300 {
		t.Errorf("%+v", e)
	}
	if s := e.String(); !strings.Contains(s, "at most 10 sequences of at most 5 steps") || !strings.Contains(s, "ports") {
		t.Errorf("estimate reads %q", s)
	}
}

// TestNeighbourStateAttributedToItsRule: a kept port attached again with a
// new MAC (reattach-new-mac) shows after a neighbour call, and breaks
// PORT-ID-RETAINED's statement (a kept port keeps its MAC): a divergence
// attributed to that rule, the report naming it.
func TestNeighbourStateAttributedToItsRule(t *testing.T) {
	res, err := explore.Run(context.Background(), explore.Config{Target: embedded(t, "", string(mock.DevReattachNewMAC)), Seqs: 200, Steps: 12, Seed: 8, ShrinkTime: time.Second})
	if err != nil || !res.Diverged() {
		t.Fatalf("%v; %d sequences without finding reattach-new-mac", err, res.Sequences)
	}
	d := res.Findings[0].Divergence
	if d.Kind != explore.KindState || d.Op != explore.OpAttachPort || d.Rule != "PORT-ID-RETAINED" || !strings.Contains(d.What, "MAC") {
		t.Errorf("divergence %+v", d)
	}
	if md := explore.Markdown(res, "explore.json"); !strings.Contains(md, "**Rule**: PORT-ID-RETAINED") {
		t.Errorf("explore.md does not name the rule:\n%s", md)
	}
}

func TestReplayRejectsABadRecord(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"none.json":  `{"findings":[]}`,
		"bad.json":   `{"findings":[{"steps":[{"step":{"op":"frobnicate"}}]}]}`,
		"port.json":  `{"findings":[{"steps":[{"step":{"op":"detach","port":"q7"}}]}]}`,
		"plain.json": `not json`,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := explore.LoadReplay(path); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A step naming a port the sequence has not made stops the replay
	// before any request.
	_, err := explore.Replay(context.Background(), explore.Config{Target: embedded(t, "")}, []explore.Step{{Op: explore.OpDetach, Port: "p1"}})
	if err == nil || !strings.Contains(err.Error(), "has not made") {
		t.Errorf("replay of a step naming an unmade port: %v", err)
	}
}

// TestTransportErrorIsNoDivergence: a target that stops answering makes
// the run an error (exit 2), not a divergence.
func TestTransportErrorIsNoDivergence(t *testing.T) {
	tg := embedded(t, "")
	bad := *tg
	bad.ComputeURL, bad.NetworkURL = "http://127.0.0.1:1", "http://127.0.0.1:1"
	bad.RequestTimeout = time.Second
	res, err := explore.Run(context.Background(), explore.Config{Target: &bad, Seqs: 3, Steps: 5, Seed: 1})
	var te *client.TransportError
	if err == nil || !errors.As(err, &te) || res.Diverged() {
		t.Errorf("err %v, findings %+v", err, res.Findings)
	}
}
