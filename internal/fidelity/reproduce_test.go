package fidelity_test

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/report"
)

// reproCanary is the token of the runs here: no report may hold it.
const reproCanary = "canary-repro-8d3f61b0a2e7"

// mockRun runs the suite against a mock made with opts (two servers, the
// token reproCanary, or the AK/SK of opts.AKSK when it has one) and returns its report folder, its verdicts and the
// mock's URL.
func mockRun(t *testing.T, opts mock.Options, env ...string) (string, report.Conformance, string) {
	t.Helper()
	opts.Servers, opts.Token = 2, reproCanary
	auth := []string{"NICCONFORM_AUTH_TOKEN=" + reproCanary}
	for ak, sk := range opts.AKSK { // sign instead
		auth = []string{"NICCONFORM_AUTH_TOKEN=", "HW_ACCESS_KEY=" + ak, "HW_SECRET_KEY=" + sk}
	}
	srv, err := mock.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	seed := srv.Mock.Seed()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), hostileRunBound)
	defer cancel()
	cmd := suite.Command(ctx, append(liveEnv(srv.URL, dir,
		"NICCONFORM_PROJECT_ID="+seed.ProjectID,
		"NICCONFORM_SERVER_ID="+seed.Servers[0].ServerID,
		"NICCONFORM_OTHER_SERVER_ID="+seed.Servers[1].ServerID,
		"NICCONFORM_NETWORK_ID="+seed.NetworkID,
		"NICCONFORM_ALLOW_PRIMARY_PROBE=true"), append(auth, env...)...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run() // a failing run exits 1; its report says why
	if ctx.Err() != nil {
		t.Fatalf("the run did not end within %s:\n%s", hostileRunBound, out.String())
	}
	return dir, readConformance(t, dir), srv.URL
}

// noCanary fails for a file of dir that holds the run's token.
func noCanary(t *testing.T, dir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(reproCanary)) {
			t.Errorf("%s holds the run's token", filepath.Base(f))
		}
	}
}

// The reproduction of a failed rule, run against a mock with the same
// deviation, shows the break (the status the run got); against the
// faithful mock it does not. Its requests are sent as written, through
// net/http with the variables expanded, and through sh and curl when they
// are on the machine. No report holds the run's token.
func TestReproductionShowsTheBreak(t *testing.T) {
	t.Parallel()
	dev := mock.DevPrimaryDetachable
	dir, c, _ := mockRun(t, mock.Options{Deviations: []mock.Deviation{dev}})
	noCanary(t, dir)
	var v report.Verdict
	for _, r := range c.Rules {
		if r.ID == "PRIMARY-FORBIDDEN" {
			v = r
		}
		if (r.Verdict == report.Fail || r.Verdict == report.Error) != (r.Reproduction != nil) {
			t.Errorf("%s (%s): reproduction %v", r.ID, r.Verdict, r.Reproduction)
		}
	}
	if v.Verdict != report.Fail || v.Reproduction == nil {
		t.Fatalf("PRIMARY-FORBIDDEN: %s %q, reproduction %v", v.Verdict, v.Reason, v.Reproduction)
	}
	r := *v.Reproduction
	if r.Rerun != "nicconform run -label-filter=PRIMARY-FORBIDDEN" || r.State == "" || len(r.Steps) == 0 {
		t.Fatalf("reproduction %+v", r)
	}
	md, err := os.ReadFile(filepath.Join(dir, "conformance.md"))
	if err != nil || !bytes.Contains(md, []byte(r.Steps[0].Curl)) || !bytes.Contains(md, []byte(r.Rerun)) {
		t.Errorf("conformance.md lacks the reproduction (%v)", err)
	}
	last := r.Steps[len(r.Steps)-1]
	for _, tc := range []struct {
		name   string
		devs   []mock.Deviation
		breaks bool
	}{{"deviant", []mock.Deviation{dev}, true}, {"faithful", nil, false}} {
		t.Run(tc.name, func(t *testing.T) {
			for _, via := range []string{"net/http", "curl"} {
				if via == "curl" {
					if _, err := exec.LookPath("curl"); err != nil {
						t.Log("no curl on this machine: the commands were sent through net/http only")
						continue
					}
				}
				srv, err := mock.NewServer(mock.Options{Token: reproCanary, Deviations: tc.devs})
				if err != nil {
					t.Fatal(err)
				}
				seed := srv.Mock.Seed()
				vars := map[string]string{"TARGET": srv.URL, "PROJECT": seed.ProjectID, "SERVER": seed.Servers[0].ServerID,
					"PORT": seed.Servers[0].PrimaryPortID, report.TokenVar: reproCanary}
				var got int
				for _, s := range r.Steps {
					if via == "curl" {
						got = curlStatus(t, s.Curl, vars)
					} else {
						got = send(t, s, vars)
					}
				}
				srv.Close()
				if shows := got == last.Got; shows != tc.breaks {
					t.Errorf("via %s: the last step got %d (the run got %d): want the break shown %v", via, got, last.Got, tc.breaks)
				}
			}
		})
	}
}

// send sends a step through net/http, its variables expanded, and returns
// the status.
func send(t *testing.T, s report.ReproStep, vars map[string]string) int {
	t.Helper()
	expand := func(x string) string { return os.Expand(x, func(k string) string { return vars[k] }) }
	req, err := http.NewRequest(s.Method, expand(s.URL), strings.NewReader(expand(s.Body)))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range s.Headers {
		k, v, _ := strings.Cut(expand(h), ": ")
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// curlStatus runs a step's curl command through sh with the variables in
// its environment and returns the status of the answer it prints.
func curlStatus(t *testing.T, command string, vars map[string]string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", command, err)
	}
	line, _, _ := bufio.NewReader(bytes.NewReader(out)).ReadLine()
	fields := strings.Fields(string(line))
	if len(fields) < 2 {
		t.Fatalf("%s: no status line in %q", command, out)
	}
	n, err := strconv.Atoi(fields[1])
	if err != nil {
		t.Fatalf("%s: status line %q", command, line)
	}
	return n
}

// A run signed with AK/SK reproduces through `nicconform sign`: each step's
// sign line, run by sh with the configuration's keys, signs its curl, which
// the deviant mock answers with the break and the faithful one does not.
func TestReproductionSignedWithAKSK(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl on this machine")
	}
	keys := map[string]string{"AKREPRO": reproCanary}
	dev := mock.DevPrimaryDetachable
	dir, c, _ := mockRun(t, mock.Options{AKSK: keys, Deviations: []mock.Deviation{dev}})
	noCanary(t, dir)
	var r *report.Reproduction
	for _, v := range c.Rules {
		if v.ID == "PRIMARY-FORBIDDEN" {
			r = v.Reproduction
		}
	}
	if r == nil || r.Signing == "" || len(r.Steps) == 0 || r.Steps[0].Sign == "" {
		t.Fatalf("PRIMARY-FORBIDDEN's reproduction: %+v", r)
	}
	last := r.Steps[len(r.Steps)-1]
	for _, tc := range []struct {
		name   string
		devs   []mock.Deviation
		sk     string
		breaks bool
	}{{"deviant", []mock.Deviation{dev}, reproCanary, true}, {"faithful", nil, reproCanary, false}, {"wrong key", []mock.Deviation{dev}, "not-the-key", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, err := mock.NewServer(mock.Options{AKSK: keys, Servers: 2, Deviations: tc.devs})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			seed := srv.Mock.Seed()
			vars := map[string]string{"TARGET": srv.URL, "PROJECT": seed.ProjectID, "SERVER": seed.Servers[0].ServerID,
				"PORT": seed.Servers[0].PrimaryPortID, "PATH": bin + ":" + os.Getenv("PATH"),
				"NICCONFORM_COMPUTE_URL": srv.URL, "NICCONFORM_PROJECT_ID": seed.ProjectID, "NICCONFORM_SERVER_ID": seed.Servers[0].ServerID,
				"NICCONFORM_NETWORK_ID": seed.NetworkID, "HW_ACCESS_KEY": "AKREPRO", "HW_SECRET_KEY": tc.sk}
			var got int
			for _, s := range r.Steps {
				got = curlStatus(t, s.Sign+"\n"+s.Curl, vars)
			}
			if shows := got == last.Got; shows != tc.breaks {
				t.Errorf("the last step got %d (the run got %d): want the break shown %v", got, last.Got, tc.breaks)
			}
			if tc.sk != reproCanary && got != http.StatusUnauthorized {
				t.Errorf("signed with a wrong key: %d, want 401", got)
			}
		})
	}
}
