package fidelity_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/report"
)

// liveEnv is the target contract for a target at url.
func liveEnv(url, reportDir string, extra ...string) []string {
	return append([]string{
		"NICCONFORM_COMPUTE_URL=" + url,
		"NICCONFORM_NETWORK_URL=",
		"NICCONFORM_PROJECT_ID=0123456789abcdef0123456789abcdef",
		"NICCONFORM_SERVER_ID=6f1b1b62-8f3c-4bd4-9b1e-6d1c5e0d8a11",
		"NICCONFORM_NETWORK_ID=9a1c5e7e-1f0b-4a9c-8b4b-2a8e3b2f4c11",
		"NICCONFORM_AUTH_TOKEN=nicconform-test-token",
		"NICCONFORM_DETACH_TIMEOUT=2s",
		"NICCONFORM_POLL_INTERVAL=10ms",
		"NICCONFORM_REPORT_DIR=" + reportDir,
	}, extra...)
}

// unreadable reports whether a reason carries a Go value dump.
func unreadable(reason string) bool {
	return strings.Contains(reason, "0xc0") || strings.Contains(reason, "<*") || strings.Contains(reason, "wrapError")
}

func readConformance(t testing.TB, dir string) report.Conformance {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "conformance.json"))
	if err != nil {
		t.Fatalf("no conformance.json: %v", err)
	}
	var c report.Conformance
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// A target that cannot be used makes every rule an error (never a fail),
// with a clear, readable reason, and the reports are still written; the
// run's exit status is 2.
func TestUnusableTargetsAreErrors(t *testing.T) {
	t.Parallel()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()

	garbage, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer garbage.Close()
	go func() {
		for {
			c, err := garbage.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("\x00\x01garbage, not HTTP\r\n\r\n"))
			c.Close()
		}
	}()

	silent := silentTarget(t)

	cases := map[string]struct {
		env  []string
		want string
	}{
		"unreachable":   {liveEnv(closedURL, ""), "unreachable"},
		"not HTTP":      {liveEnv("http://"+garbage.Addr().String(), ""), "HTTP"},
		"bad config":    {liveEnv("ecs.example.com", "", "NICCONFORM_PROFILE=aws"), "NICCONFORM_PROFILE"},
		"never answers": {liveEnv("http://"+silent.Addr().String(), "", "NICCONFORM_REQUEST_TIMEOUT=300ms"), "timeout"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			out, err := suite.Exec(ctx, append(c.env, "NICCONFORM_REPORT_DIR="+dir)...)
			if err == nil {
				t.Fatalf("the suite passed against an unusable target:\n%s", out)
			}
			if !strings.Contains(out, c.want) {
				t.Errorf("the output does not say %q:\n%s", c.want, out)
			}
			if strings.Contains(out, "panic") {
				t.Errorf("the suite panicked:\n%s", out)
			}
			conf := readConformance(t, dir)
			if conf.Summary.Error != len(conf.Rules) || len(conf.Rules) == 0 {
				t.Errorf("want every rule to be an error, got %+v", conf.Summary)
			}
			if code := report.ExitCode(conf); code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
			for _, r := range conf.Rules {
				if !strings.Contains(r.Reason, "could not start") || !strings.Contains(r.Reason, c.want) || unreadable(r.Reason) {
					t.Errorf("%s: reason %q", r.ID, r.Reason)
					break
				}
			}
		})
	}
}

// Canary secrets (a token, an SK, a password) never reach the output or any
// report, in every auth mode, even on a run whose rules fail (the failure
// messages carry the HTTP evidence); nor does any signature.
func TestCanarySecretNeverLeaks(t *testing.T) {
	t.Parallel()
	const canary = "canary-secret-4f1d9a7e2b"
	modes := map[string]struct {
		opts mock.Options
		env  func(url string) []string
	}{
		"token": {mock.Options{Token: canary}, func(string) []string { return []string{"NICCONFORM_AUTH_TOKEN=" + canary} }},
		"aksk": {mock.Options{AKSK: map[string]string{"CANARYAK": canary}}, func(string) []string {
			return []string{"NICCONFORM_AUTH_TOKEN=", "HW_ACCESS_KEY=CANARYAK", "HW_SECRET_KEY=" + canary}
		}},
		"password": {mock.Options{Users: []mock.User{{Name: "alice", Password: canary, Domain: "acme"}}}, func(url string) []string {
			return []string{"NICCONFORM_AUTH_TOKEN=", "HW_USER_NAME=alice", "HW_USER_PASSWORD=" + canary, "HW_DOMAIN_NAME=acme", "HW_AUTH_URL=" + url}
		}},
	}
	for name, m := range modes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			opts := m.opts
			opts.Servers = 2
			opts.Deviations = []mock.Deviation{mock.DevBodyOn202, mock.DevErrorPlainText, mock.DevAuthAnyToken}
			if opts.Token == "" {
				opts.Token = "unused-" + canary[:6] + "x"
			}
			srv, err := mock.NewServer(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			seed := srv.Mock.Seed()
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			env := append(liveEnv(srv.URL, dir),
				"NICCONFORM_PROJECT_ID="+seed.ProjectID,
				"NICCONFORM_SERVER_ID="+seed.Servers[0].ServerID,
				"NICCONFORM_OTHER_SERVER_ID="+seed.Servers[1].ServerID,
				"NICCONFORM_NETWORK_ID="+seed.NetworkID,
				"NICCONFORM_ALLOW_PRIMARY_PROBE=true",
				"-ginkgo.v")
			out, err := suite.Exec(ctx, append(env, m.env(srv.URL)...)...)
			if err == nil {
				t.Fatal("the suite passed against a deviating mock")
			}
			conf := readConformance(t, dir)
			if conf.Summary.Fail == 0 || conf.Summary.Pass < 10 {
				t.Fatalf("the run did not get far enough to prove anything: %+v\n%s", conf.Summary, out)
			}
			for _, leak := range []string{canary, "Signature="} {
				if strings.Contains(out, leak) {
					t.Errorf("%q is in the suite's output", leak)
				}
			}
			files := 0
			err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				files++
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				for _, leak := range []string{canary, "Signature="} {
					if strings.Contains(string(b), leak) {
						t.Errorf("%q is in %s", leak, filepath.Base(path))
					}
				}
				return nil
			})
			if err != nil || files < 4 {
				t.Errorf("reports: %d files, %v", files, err)
			}
		})
	}
}

// A dry run rehearses against the embedded mock and writes a plan; the
// target it names receives nothing.
func TestDryRunSendsNothing(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "a dry run must not call me", http.StatusTeapot)
	}))
	defer target.Close()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := suite.Exec(ctx, append(liveEnv(target.URL, dir), "NICCONFORM_DRY_RUN=true")...)
	if err != nil {
		t.Fatalf("dry run failed: %v\n%s", err, out)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the target received %d requests", n)
	}
	plan, err := os.ReadFile(filepath.Join(dir, "plan.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{target.URL, "servers created: none", "ports created:", "primary-NIC probe: not sent", "| detachInterface | DELETE |"} {
		if !strings.Contains(string(plan), want) {
			t.Errorf("plan.md lacks %q:\n%s", want, plan)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "conformance.json")); err == nil {
		t.Error("a dry run wrote verdicts")
	}
}

// A target behind a private CA: refused with a clear error unless
// HW_INSECURE says to skip verification.
func TestPrivateCA(t *testing.T) {
	t.Parallel()
	m, err := mock.New(mock.Options{Token: "nicconform-tls-token"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	srv := httptest.NewTLSServer(m)
	defer srv.Close()
	seed := m.Seed()
	ids := []string{
		"NICCONFORM_PROJECT_ID=" + seed.ProjectID,
		"NICCONFORM_SERVER_ID=" + seed.Servers[0].ServerID,
		"NICCONFORM_NETWORK_ID=" + seed.NetworkID,
		"NICCONFORM_AUTH_TOKEN=nicconform-tls-token",
		"NICCONFORM_ALLOW_PRIMARY_PROBE=true",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	out, err := suite.Exec(ctx, append(append(liveEnv(srv.URL, t.TempDir()), ids...), "-ginkgo.label-filter=DETACH-ACCEPTED")...)
	if err == nil || !strings.Contains(out, "certificate") {
		t.Errorf("an unknown CA was accepted without HW_INSECURE (err %v):\n%s", err, out)
	}
	dir := t.TempDir()
	out, err = suite.Exec(ctx, append(append(liveEnv(srv.URL, dir), ids...), "HW_INSECURE=true")...)
	if err != nil {
		t.Errorf("with HW_INSECURE=true: %v\n%s", err, out)
	}
	if c := readConformance(t, dir); c.Summary.Fail != 0 {
		t.Errorf("with HW_INSECURE=true: %+v", c.Summary)
	}
}

// silentTarget listens on a loopback port and accepts connections it never
// answers (closed at the end of the test); it returns the listener.
func silentTarget(t *testing.T) net.Listener {
	t.Helper()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	go func() {
		var held []net.Conn // accepted, never answered
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	return silent
}

// harEntries decodes the entries of the exchanges.har in dir, each into
// an E (a struct of the members a test reads).
func harEntries[E any](t testing.TB, dir string) []E {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "exchanges.har"))
	if err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Entries []E `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(raw, &har); err != nil {
		t.Fatalf("exchanges.har: %v", err)
	}
	return har.Log.Entries
}
