package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/internal/target"
	"github.com/nicconform/nicconform/spec"
)

// writeReport writes a conformance.json into a new folder: the embedded
// mock's (with deviations devs), judged by profile huawei and this
// binary's contract, with edit applied; PRIMARY-FORBIDDEN fails unless
// allPass.
func writeReport(t *testing.T, devs string, allPass bool, edit func(*report.Conformance)) string {
	t.Helper()
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.LoadProfile("huawei")
	if err != nil {
		t.Fatal(err)
	}
	target := "embedded reference mock (http://127.0.0.1:1)"
	if devs != "" {
		target += " with deviations [" + devs + "]"
	}
	c := report.Conformance{Target: target + " project=p server=s", Profile: "huawei",
		Tool: report.Tool{SpecSHA256: spec.SHA256(), ProfileSHA256: p.SHA256}}
	for _, r := range s.Rules() {
		v := report.Verdict{ID: r.ID, Verdict: report.Pass}
		if r.ID == "PRIMARY-FORBIDDEN" && !allPass {
			v.Verdict = report.Fail
		}
		c.Rules = append(c.Rules, v)
	}
	if edit != nil {
		edit(&c)
	}
	dir := t.TempDir()
	js, _ := json.Marshal(c)
	if err := os.WriteFile(filepath.Join(dir, "conformance.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// -rerun-failed refuses, exit 2 and before the suite starts, a report of
// another contract, profile or target, one it cannot read, and a label
// filter beside it; a report with nothing failed re-runs nothing.
func TestRerunFailedRefuses(t *testing.T) {
	// The process reads its configuration once (target.Environment): the
	// reports are made to match it, or to differ from it.
	cur, err := target.Environment()
	if err != nil || !cur.Embedded {
		t.Skipf("the environment configures a target (%v): these cases are made for the embedded mock", err)
	}
	same := strings.Join(cur.MockDeviations, " ")
	another := strings.TrimSpace(same + " body-on-202")
	own := writeReport(t, same, false, nil)
	for _, tc := range []struct {
		name  string
		dir   string
		extra []string
		want  string
	}{
		{"into its own folder", own, []string{"-report-dir", own}, "another -report-dir"},
		{"another contract", writeReport(t, same, false, func(c *report.Conformance) { c.Tool.SpecSHA256 = "0123" }), nil, "another contract"},
		{"another profile", writeReport(t, same, false, func(c *report.Conformance) { c.Profile = "nova" }), nil, "profile nova"},
		{"another profile file", writeReport(t, same, false, func(c *report.Conformance) { c.Tool.ProfileSHA256 = "0123" }), nil, "sha256 0123"},
		{"another mock", writeReport(t, another, false, nil), nil, "another target"},
		{"a configured target", writeReport(t, "", false, func(c *report.Conformance) { c.Target = "https://ecs.example/v2.1 project=p server=s" }), nil, "another target"},
		{"no report", t.TempDir(), nil, "no report"},
		{"with a label filter", writeReport(t, same, false, nil), []string{"-label-filter=PRIMARY-FORBIDDEN"}, "without -label-filter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := 0
			var out, errb bytes.Buffer
			err := runSuite(context.Background(), append([]string{"-report-dir", t.TempDir(), "-rerun-failed", tc.dir}, tc.extra...), &out, &errb, fakeSpecs(&runs))
			var exit *exitCode
			if !errors.As(err, &exit) || exit.code != 2 || !strings.Contains(exit.msg, tc.want) {
				t.Fatalf("want exit 2 naming %q, got %v", tc.want, err)
			}
			if runs != 0 {
				t.Error("the specs ran")
			}
		})
	}
	t.Run("nothing failed", func(t *testing.T) {
		runs := 0
		var out, errb bytes.Buffer
		if err := runSuite(context.Background(), []string{"-report-dir", t.TempDir(), "-rerun-failed", writeReport(t, same, true, nil)}, &out, &errb, fakeSpecs(&runs)); err != nil || !strings.Contains(out.String(), "nothing to re-run") {
			t.Errorf("%v: %s", err, out.String())
		}
		if runs != 0 {
			t.Error("the specs ran")
		}
	})
}

// A configured target is the report's when the compute host, the project
// and the server are.
func TestOtherTarget(t *testing.T) {
	now := config.Settings{ComputeURL: "https://ecs.cn-north-4.example/v2.1/p1", ProjectID: "p1", ServerID: "s1"}
	for described, want := range map[string]string{
		"https://ecs.cn-north-4.example/v2.1/p1 project=p1 server=s1 network=n primary_port=x": "",
		"https://ecs.cn-north-4.example project=p1 server=s1 network=n primary_port=x":         "",
		"https://ecs.cn-east-3.example/v2.1/p1 project=p1 server=s1 network=n primary_port=x":  "compute endpoint",
		"https://ecs.cn-north-4.example/v2.1/p1 project=p2 server=s1 network=n primary_port=x": "project is p2",
		"https://ecs.cn-north-4.example/v2.1/p1 project=p1 server=s2 network=n primary_port=x": "server is s2",
		"embedded reference mock (http://127.0.0.1:1) project=p1 server=s1":                    "the report's is",
	} {
		got := otherTarget(described, now)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", described, got, want)
		}
	}
}
