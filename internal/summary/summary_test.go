package summary_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/internal/summary"
	"github.com/nicconform/nicconform/spec"
)

// writeRun writes a run's reports as the suite would, with every rule
// passing but those given.
func writeRun(t *testing.T, dir, region string, outcomes map[string]report.Outcome) {
	t.Helper()
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	var results []report.Result
	for _, r := range s.Rules() {
		o, ok := outcomes[r.ID]
		if !ok {
			o = report.Passed
		}
		results = append(results, report.Result{Text: r.Title, Labels: []string{r.ID}, Outcome: o, Message: r.ID + ": " + string(o)})
	}
	c := report.Build(s, report.Run{Target: "https://ecs." + region + ".example", Region: region, Profile: "huawei", Started: time.Now()}, results, nil)
	if err := report.Write(dir, c, nil); err != nil {
		t.Fatal(err)
	}
}

func catalog(t *testing.T) []string {
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range s.Rules() {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestThreeRuns(t *testing.T) {
	root := t.TempDir()
	pass, fail, dead := filepath.Join(root, "cn-north-4"), filepath.Join(root, "cn-east-3"), filepath.Join(root, "ap-southeast-1")
	writeRun(t, pass, "cn-north-4", nil)
	writeRun(t, fail, "cn-east-3", map[string]report.Outcome{"PRIMARY-FORBIDDEN": report.Failed, "PORT-ID-RETAINED": report.Errored})
	if err := os.MkdirAll(dead, 0o755); err != nil { // a killed job: a folder, no report
		t.Fatal(err)
	}
	m := summary.Load(catalog(t), []string{pass, fail, dead})
	if got := m.ExitCode(); got != 1 {
		t.Errorf("exit %d, want 1 (a rule failed)", got)
	}
	if len(m.Rules) != len(catalog(t)) || len(m.Runs) != 3 {
		t.Fatalf("%d rules × %d runs", len(m.Rules), len(m.Runs))
	}
	for _, c := range []struct {
		run  int
		rule string
		want string
	}{
		{0, "PRIMARY-FORBIDDEN", report.Pass}, {1, "PRIMARY-FORBIDDEN", report.Fail}, {1, "PORT-ID-RETAINED", report.Error}, {1, "DETACH-ACCEPTED", report.Pass},
	} {
		if got := m.Runs[c.run].Verdicts[c.rule]; got != c.want {
			t.Errorf("%s × %s: %s, want %s", m.Runs[c.run].Name, c.rule, got, c.want)
		}
	}
	if m.Runs[2].Report != nil || !strings.Contains(m.Runs[2].Missing, "no report") {
		t.Errorf("the killed run: %+v", m.Runs[2])
	}
	md := m.Markdown()
	for _, want := range []string{"[cn-north-4](", "[cn-east-3](", "[ap-southeast-1](", "| PRIMARY-FORBIDDEN | pass | **FAIL** | no report |", "the run was killed"} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}

	out := filepath.Join(root, "summary")
	if err := m.Write(out); err != nil {
		t.Fatal(err)
	}
	md2, _ := os.ReadFile(filepath.Join(out, "summary.md"))
	if !strings.Contains(string(md2), "(../cn-north-4/conformance.md)") {
		t.Errorf("links are not relative to the summary:\n%s", md2)
	}
	raw, _ := os.ReadFile(filepath.Join(out, "junit.xml"))
	var suites struct {
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(raw, &suites); err != nil || len(suites.Suites) != 3 {
		t.Fatalf("junit.xml: %v %s", err, raw)
	}
	if suites.Failures != 1 || suites.Errors != 2 || len(suites.Suites[0].Cases) != len(catalog(t)) {
		t.Errorf("junit: failures %d errors %d, cases %d", suites.Failures, suites.Errors, len(suites.Suites[0].Cases))
	}
}

func TestExitCodes(t *testing.T) {
	root := t.TempDir()
	ok, errored := filepath.Join(root, "a"), filepath.Join(root, "b")
	writeRun(t, ok, "a", nil)
	writeRun(t, errored, "b", map[string]report.Outcome{"STATE-LOCKED": report.Errored})
	for _, c := range []struct {
		dirs []string
		want int
	}{
		{[]string{ok}, 0},
		{[]string{ok, errored}, 2},
		{[]string{ok, filepath.Join(root, "missing")}, 2},
	} {
		if got := summary.Load(catalog(t), c.dirs).ExitCode(); got != c.want {
			t.Errorf("%v: exit %d, want %d", c.dirs, got, c.want)
		}
	}
}
