package fidelity_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/faultproxy"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/report"
)

// hostileCanary is the secret of every hostile run: the token, the SK or
// the password, by auth mode.
const hostileCanary = "canary-hostile-5e0b7d29c4a1"

// authModes are the three ways to authenticate, each with hostileCanary
// as its secret: the mock's options that accept it, and the run's
// variables (authURL: where the password login goes).
var authModes = map[string]struct {
	opts mock.Options
	env  func(authURL string) []string
}{
	"token": {mock.Options{Token: hostileCanary}, func(string) []string { return []string{"NICCONFORM_AUTH_TOKEN=" + hostileCanary} }},
	"aksk": {mock.Options{AKSK: map[string]string{"CANARYAK": hostileCanary}}, func(string) []string {
		return []string{"NICCONFORM_AUTH_TOKEN=", "HW_ACCESS_KEY=CANARYAK", "HW_SECRET_KEY=" + hostileCanary}
	}},
	"password": {mock.Options{Users: []mock.User{{Name: "alice", Password: hostileCanary, Domain: "acme"}}}, func(authURL string) []string {
		return []string{"NICCONFORM_AUTH_TOKEN=", "HW_USER_NAME=alice", "HW_USER_PASSWORD=" + hostileCanary, "HW_DOMAIN_NAME=acme", "HW_AUTH_URL=" + authURL}
	}},
}

// hostileRunBound bounds a hostile run: one against the mock takes
// seconds; one still going then hangs.
const hostileRunBound = 3 * time.Minute

// hostileRun runs the suite against the mock (opts) behind a fault proxy
// (po, its Upstream filled in), authenticating by mode, and returns the
// proxy, the run's combined stdout and stderr, its error and its report
// folder.
func hostileRun(t *testing.T, mode string, po faultproxy.Options) (*faultproxy.Proxy, string, error, string) {
	t.Helper()
	_, px, out, err, dir := hostileRunMock(t, mode, po)
	return px, out, err, dir
}

// hostileRunMock is hostileRun that also returns the mock behind the proxy.
func hostileRunMock(t *testing.T, mode string, po faultproxy.Options) (*mock.Server, *faultproxy.Proxy, string, error, string) {
	t.Helper()
	r := hostileExec(t, mode, po)
	return r.srv, r.px, r.out, r.err, r.dir
}

// hostileResult is a hostile run: the mock, the proxy, the run's combined
// output, its error, report folder, exit status, wall time and peak RSS.
type hostileResult struct {
	srv    *mock.Server
	px     *faultproxy.Proxy
	out    string
	err    error
	dir    string
	rc     int
	wall   time.Duration
	maxRSS int64 // bytes
}

// hostileExec is hostileRunMock with the run's exit status, wall time and
// peak RSS (its ru_maxrss, measured by this binary as a wrapper: peakRSSEnv).
func hostileExec(t testing.TB, mode string, po faultproxy.Options) hostileResult {
	t.Helper()
	m := authModes[mode]
	opts := m.opts
	opts.Servers = 2
	if opts.Token == "" {
		opts.Token = "unused-token-x"
	}
	srv, err := mock.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	po.Upstream = srv.URL
	px, err := faultproxy.Start(po)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(px.Close)
	seed := srv.Mock.Seed()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), hostileRunBound)
	defer cancel()
	env := append(liveEnv(px.URL, dir),
		"NICCONFORM_PROJECT_ID="+seed.ProjectID,
		"NICCONFORM_SERVER_ID="+seed.Servers[0].ServerID,
		"NICCONFORM_OTHER_SERVER_ID="+seed.Servers[1].ServerID,
		"NICCONFORM_NETWORK_ID="+seed.NetworkID,
		// A request to the mock takes milliseconds: with a 10 s bound,
		// a stuck wait on a NIC gate (Plan.gateStall, derived from it)
		// ends as the run's own error, naming the wait, well within
		// hostileRunBound.
		"NICCONFORM_REQUEST_TIMEOUT=10s",
		"-ginkgo.v")
	// A run still going at the deadline dumps its goroutines (SIGQUIT)
	// into its output: a hang says where it waits.
	// Through this test binary as a wrapper that measures the run's peak
	// RSS (peakRSSEnv says why).
	rssFile := filepath.Join(t.TempDir(), "peak-rss")
	cmd := suite.Command(ctx, append(env, append(m.env(px.URL), peakRSSEnv+"="+rssFile)...)...)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Path, cmd.Args = self, append([]string{self}, cmd.Args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.WaitDelay = 10 * time.Second
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	started := time.Now()
	err = cmd.Run()
	res := hostileResult{srv: srv, px: px, err: err, dir: dir, rc: -1, wall: time.Since(started)}
	if ps := cmd.ProcessState; ps != nil {
		res.rc = ps.ExitCode()
		if kib, err := os.ReadFile(rssFile); err == nil {
			n, _ := strconv.ParseInt(string(kib), 10, 64) // 0 when unreadable: no figure, which the size test refuses
			res.maxRSS = n << 10
		}
	}
	out := buf.String()
	res.out = out
	if ctx.Err() != nil {
		t.Errorf("the run did not end within its %s (a hang): %v\n%s", hostileRunBound, err, out)
	}
	if c, rerr := os.ReadFile(filepath.Join(dir, "conformance.json")); rerr == nil {
		var conf report.Conformance
		if json.Unmarshal(c, &conf) == nil {
			t.Logf("%s %v: %+v, exit status %d, %d requests through the proxy", mode, po.Modes, conf.Summary, report.ExitCode(conf), len(px.Requests()))
		}
	}
	return res
}

// newCatcher is another host a redirect may send a request to: it counts
// what reaches it (the caller checks that nothing does) and answers 404.
func newCatcher(t testing.TB) (*httptest.Server, *atomic.Int64) {
	hits := &atomic.Int64{}
	catcher := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		http.NotFound(w, r)
	}))
	t.Cleanup(catcher.Close)
	return catcher, hits
}

// A password login answered 307 to another host is an error naming that
// host: the password (nor anything else) goes there. Every other call of
// the run refuses a redirect too: none reaches the catcher.
func TestRedirectedLoginSendsNothing(t *testing.T) {
	t.Parallel()
	catcher, hits := newCatcher(t)
	px, out, err, dir := hostileRun(t, "password", faultproxy.Options{Modes: []faultproxy.Mode{faultproxy.RedirectLogin}, RedirectTo: catcher.URL})
	if err == nil {
		t.Fatalf("the suite passed with its login redirected:\n%s", out)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the catcher got %d requests", n)
	}
	host := strings.TrimPrefix(catcher.URL, "http://")
	if !strings.Contains(out, host) || !strings.Contains(out, "redirect") {
		t.Errorf("the output does not name the redirect to %s:\n%s", host, out)
	}
	conf := readConformance(t, dir)
	if conf.Summary.Error != len(conf.Rules) || len(conf.Rules) == 0 {
		t.Errorf("want every rule an error, got %+v", conf.Summary)
	}
	leaks(t, px, out, dir)
}

// A target that echoes every request (headers and body, in every
// rendering) in its answers gets no credential of the run into any
// output: stdout, stderr, any report or the HAR. In every auth mode, and
// the run goes far enough (every answer still parses) that the echoes
// reach the evidence of judged rules.
func TestEchoedCredentialsNeverLeak(t *testing.T) {
	t.Parallel()
	for mode := range authModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			px, out, _, dir := hostileRun(t, mode, faultproxy.Options{Modes: []faultproxy.Mode{faultproxy.Echo}})
			conf := readConformance(t, dir)
			if conf.Summary.Pass+conf.Summary.Fail < 10 {
				t.Fatalf("the run did not get far enough to prove anything: %+v\n%s", conf.Summary, out)
			}
			if len(px.Credentials()) == 0 {
				t.Fatal("the proxy saw no credential: nothing was echoed")
			}
			leaks(t, px, out, dir)
		})
	}
}

// A target that writes each request back raw on its connection, unasked,
// gets no credential into net/http's log ("Unsolicited response …") or any
// other output. Such bytes read as the answer to a request just sent on
// that connection stop the run at any call, so here only the log and the
// outputs are judged.
func TestUnsolicitedEchoNeverLeaks(t *testing.T) {
	t.Parallel()
	for mode := range authModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			px, out, _, dir := hostileRun(t, mode, faultproxy.Options{Modes: []faultproxy.Mode{faultproxy.Echo, faultproxy.EchoIdle}})
			if len(px.Credentials()) == 0 {
				t.Fatal("the proxy saw no credential: nothing was echoed")
			}
			if !strings.Contains(out, "Unsolicited response") {
				t.Errorf("net/http never logged the unsolicited echo: the test did not exercise its log:\n%s", lastLines(out, 40))
			}
			leaks(t, px, out, dir)
		})
	}
}

// leaks fails t for every rendering of the canary, or of a credential the
// proxy saw (an SDK-HMAC Authorization: its signature), in out or in a
// file under dir.
func leaks(t *testing.T, px *faultproxy.Proxy, out, dir string) {
	t.Helper()
	found, err := credentialsIn(px, out, dir)
	if err != nil {
		t.Error(err)
	}
	for name, f := range found {
		t.Errorf("%s holds %d renderings of a credential, e.g. %s", name, len(f), f[0])
	}
}

// credentialsIn lists, by output (stdout/stderr, each report file), the
// renderings of the canary or of a credential the proxy saw in out or in
// a file under dir; the error says the reports are missing.
func credentialsIn(px *faultproxy.Proxy, out, dir string) (map[string][]string, error) {
	secrets := []string{hostileCanary}
	for _, v := range px.Credentials() {
		if _, sig, ok := strings.Cut(v, "Signature="); ok {
			v, _, _ = strings.Cut(sig, ",")
		}
		secrets = append(secrets, v)
	}
	find := newLeakFinder(secrets)
	outputs := map[string]string{"stdout/stderr": out}
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		outputs[filepath.Base(path)] = string(b)
		files++
		return err
	})
	found := map[string][]string{}
	for name, text := range outputs {
		if f := find(text); len(f) > 0 {
			found[name] = f
		}
	}
	switch _, har := outputs["exchanges.har"]; {
	case err != nil || files < 4:
		return found, fmt.Errorf("reports: %d files, %v", files, err)
	case !har:
		return found, errors.New("no exchanges.har")
	}
	return found, nil
}

// newLeakFinder returns a function that lists the renderings of secrets
// in a text: raw, base64 and base64url (padded or not, at each alignment
// within a longer encoded string), every character \u-escaped, "/"
// written "\/", query- and path-escaped.
func newLeakFinder(secrets []string) func(string) []string {
	var pairs, names []string
	seen := map[string]bool{}
	add := func(v, name string) {
		if len(v) >= 8 && !seen[v] {
			seen[v] = true
			pairs = append(pairs, v, "\x00"+strconv.Itoa(len(names))+"\x00")
			names = append(names, name)
		}
	}
	for i, s := range secrets {
		who := fmt.Sprintf("secret %d (%d bytes)", i, len(s))
		add(s, who+" raw")
		add(url.QueryEscape(s), who+" query-escaped")
		add(url.PathEscape(s), who+" path-escaped")
		add(strings.ReplaceAll(s, "/", `\/`), who+` \/-escaped`)
		var u strings.Builder
		for _, r := range s {
			fmt.Fprintf(&u, `\u%04x`, r)
		}
		add(u.String(), who+" \\u-escaped")
		for k := range 3 {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
				e := enc.EncodeToString(append(make([]byte, k), s...))
				add(e[(8*k+5)/6:8*(k+len(s))/6], fmt.Sprintf("%s base64 at offset %d", who, k))
			}
		}
	}
	rep := strings.NewReplacer(pairs...)
	marker := regexp.MustCompile("\x00([0-9]+)\x00")
	return func(text string) []string {
		var found []string
		for _, m := range marker.FindAllStringSubmatch(rep.Replace(text), -1) {
			i, _ := strconv.Atoi(m[1])
			found = append(found, names[i])
		}
		return found
	}
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

// A target that answers ids that are dot segments (the attach's port_id
// "..", a new port's id ".") never gets a request with a dot segment in
// its path: the answers are contract breaches, and the rules that needed
// the ids errors, never fails.
func TestDotIDsNeverOnTheWire(t *testing.T) {
	t.Parallel()
	srv, px, out, err, dir := hostileRunMock(t, "token", faultproxy.Options{Modes: []faultproxy.Mode{faultproxy.DotIDs}})
	if err == nil {
		t.Fatalf("the suite passed against dot ids:\n%s", lastLines(out, 40))
	}
	if strings.Contains(out, "panic") {
		t.Errorf("the suite panicked:\n%s", out)
	}
	var attached, created int
	for _, line := range px.Requests() {
		method, uri, _ := strings.Cut(line, " ")
		path, _, _ := strings.Cut(uri, "?")
		for _, seg := range strings.Split(path, "/") {
			if seg == "." || seg == ".." {
				t.Errorf("a dot segment went on the wire: %s", line)
			}
		}
		switch {
		case method == http.MethodPost && strings.HasSuffix(path, "/os-interface"):
			attached++
		case method == http.MethodPost && strings.HasSuffix(path, "/ports"):
			created++
		}
	}
	if attached+created == 0 {
		t.Fatal("the run attached and created nothing: the test proved nothing")
	}
	conf := readConformance(t, dir)
	if conf.Summary.Error == 0 {
		t.Errorf("no rule is an error: %+v", conf.Summary)
	}
	if !strings.Contains(out, "not a well-formed id") {
		t.Errorf("the output does not name the malformed id:\n%s", lastLines(out, 40))
	}
	// A port whose creation answered a malformed id is still the run's:
	// found by its name and removed, or named in the leaks.
	if left := waitClean(srv.Mock, srv.Mock.Seed()); len(left) > len(conf.Leaks) {
		t.Errorf("left on the target: %v; the report names %d leaks: %+v", left, len(conf.Leaks), conf.Leaks)
	}
}

// A run the preflight stops (the target refuses the run's credentials)
// still writes what it sent and got in exchanges.har.
func TestHARWrittenWhenThePreflightStops(t *testing.T) {
	t.Parallel()
	srv, err := mock.NewServer(mock.Options{Token: "the-right-token-1234"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	seed := srv.Mock.Seed()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := suite.Exec(ctx, append(liveEnv(srv.URL, dir),
		"NICCONFORM_PROJECT_ID="+seed.ProjectID,
		"NICCONFORM_SERVER_ID="+seed.Servers[0].ServerID,
		"NICCONFORM_NETWORK_ID="+seed.NetworkID,
		"NICCONFORM_AUTH_TOKEN=a-wrong-token-5678")...)
	if err == nil || !strings.Contains(out, "preflight") {
		t.Fatalf("the preflight did not stop the run:\n%s", lastLines(out, 30))
	}
	entries := harEntries[struct {
		Response struct{ Status int } `json:"response"`
	}](t, dir)
	if len(entries) == 0 || entries[0].Response.Status != http.StatusUnauthorized {
		t.Errorf("exchanges.har holds %d entries, want the preflight's 401: %+v", len(entries), entries)
	}
}
