// Package summary merges the reports of many conformance runs (one per
// region, profile or target, typically one CI matrix job each) into one
// picture: a matrix whose rows are the catalog's rules and whose columns are
// the runs, with each run's advisories and leaks, as Markdown, JSON and one
// combined JUnit file. A run folder without a report (a job that was killed
// or never started) is a column that says so.
package summary

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/reporters"

	"github.com/nicconform/nicconform/internal/report"
)

// Run is one column: a run's report folder and what it holds.
type Run struct {
	// Dir is the report folder, as given.
	Dir string `json:"dir"`
	// Report is the run's conformance.json; nil when the folder has none.
	Report *report.Conformance `json:"-"`
	// Missing says why there is no report ("" when there is one).
	Missing string `json:"missing,omitempty"`
	// Name heads the column: the region, else the folder's name.
	Name    string    `json:"name"`
	Region  string    `json:"region,omitempty"`
	Profile string    `json:"profile,omitempty"`
	Target  string    `json:"target,omitempty"`
	Started time.Time `json:"started,omitzero"`
	// Link is the run's conformance.md, relative to where the summary is
	// written (or as given when it is written nowhere).
	Link string `json:"link,omitempty"`
	// HTML is the run's conformance.html, linked as Link is.
	HTML       string            `json:"html,omitempty"`
	Verdicts   map[string]string `json:"verdicts"`
	Advisories []report.Advisory `json:"advisories,omitempty"`
	Leaks      []report.Leak     `json:"leaks,omitempty"`
}

// Matrix is the merged picture.
type Matrix struct {
	// Rules are the row ids: the catalog's, in its order, then any id only
	// a report names.
	Rules []string `json:"rules"`
	Runs  []Run    `json:"runs"`
}

// Load reads the report folders. catalog gives the row order (the current
// catalog's rule ids); a folder that cannot be read as a run is a column
// with Missing set, never an error.
func Load(catalog []string, dirs []string) Matrix {
	m := Matrix{Rules: append([]string(nil), catalog...)}
	for _, dir := range dirs {
		r := Run{Dir: dir, Name: filepath.Base(filepath.Clean(dir)), Verdicts: map[string]string{}}
		raw, err := os.ReadFile(filepath.Join(dir, "conformance.json"))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			r.Missing = "no report: the run was killed, or never started"
		case err != nil:
			r.Missing = "no report: " + err.Error()
		default:
			var c report.Conformance
			if err := json.Unmarshal(raw, &c); err != nil || len(c.Rules) == 0 {
				r.Missing = fmt.Sprintf("no report: %s is not a conformance report", filepath.Join(dir, "conformance.json"))
				break
			}
			r.Report, r.Region, r.Profile, r.Target, r.Started = &c, c.Region, c.Profile, c.Target, c.Started
			r.Advisories, r.Leaks = c.Advisories, c.Leaks
			if c.Region != "" {
				r.Name = c.Region
			}
			for _, v := range c.Rules {
				r.Verdicts[v.ID] = v.Verdict
				if !slices.Contains(m.Rules, v.ID) {
					m.Rules = append(m.Rules, v.ID)
				}
			}
		}
		r.Link = filepath.Join(dir, "conformance.md")
		r.HTML = htmlLink(r.Link)
		m.Runs = append(m.Runs, r)
	}
	return m
}

// ExitCode is the summary's exit status: 1 when a rule failed in any run;
// else 2 when any rule could not be judged, a run left something on its
// target, or a run left no report; else 0.
func (m Matrix) ExitCode() int {
	code := 0
	for _, r := range m.Runs {
		if r.Report == nil {
			code = 2
			continue
		}
		switch report.ExitCode(*r.Report) {
		case 1:
			return 1
		case 2:
			code = 2
		}
	}
	return code
}

// RelativeTo rewrites the runs' links relative to the folder the summary
// is written into.
func (m *Matrix) RelativeTo(dir string) {
	for i, r := range m.Runs {
		abs, err1 := filepath.Abs(r.Link)
		base, err2 := filepath.Abs(dir)
		if err1 != nil || err2 != nil {
			continue
		}
		if rel, err := filepath.Rel(base, abs); err == nil {
			m.Runs[i].Link = filepath.ToSlash(rel)
			m.Runs[i].HTML = htmlLink(m.Runs[i].Link)
		}
	}
}

// Markdown renders the matrix, then each run's advisories and leaks.
func (m Matrix) Markdown() string {
	var b strings.Builder
	b.WriteString("# nicconform summary\n\n")
	fmt.Fprintf(&b, "%d runs; exit status %d (1: a rule failed somewhere; 2: something could not be judged, was left on a target, or a run left no report)\n\n", len(m.Runs), m.ExitCode())
	b.WriteString("| rule |")
	for _, r := range m.Runs {
		fmt.Fprintf(&b, " [%s](%s) |", cell(r.Name), r.Link)
	}
	b.WriteString("\n|---|")
	for range m.Runs {
		b.WriteString("---|")
	}
	b.WriteString("\n| profile |")
	for _, r := range m.Runs {
		fmt.Fprintf(&b, " %s |", cell(r.Profile))
	}
	b.WriteString("\n| started |")
	for _, r := range m.Runs {
		when := ""
		if !r.Started.IsZero() {
			when = r.Started.UTC().Format("2006-01-02 15:04Z")
		}
		fmt.Fprintf(&b, " %s |", when)
	}
	b.WriteString("\n")
	for _, id := range m.Rules {
		fmt.Fprintf(&b, "| %s |", id)
		for _, r := range m.Runs {
			fmt.Fprintf(&b, " %s |", verdictCell(r, id))
		}
		b.WriteString("\n")
	}
	for _, r := range m.Runs {
		if r.Missing == "" && len(r.Advisories) == 0 && len(r.Leaks) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s (%s)\n\n", cell(r.Name), r.Dir)
		if r.Missing != "" {
			fmt.Fprintf(&b, "%s\n", r.Missing)
		}
		for _, a := range r.Advisories {
			fmt.Fprintf(&b, "- advisory (%s): %s\n", a.Kind, a.Message)
		}
		for _, l := range r.Leaks {
			fmt.Fprintf(&b, "- **left on the target**: %s — %s\n", l.What, l.Sweep)
		}
	}
	return b.String()
}

func verdictCell(r Run, id string) string {
	if r.Report == nil {
		return "no report"
	}
	switch v := r.Verdicts[id]; v {
	case "":
		return "–"
	case report.Fail:
		return "**FAIL**"
	case report.Error:
		return "**ERROR**"
	default:
		return v
	}
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

// JSON renders the matrix.
func (m Matrix) JSON() ([]byte, error) {
	out := struct {
		Matrix
		ExitCode int `json:"exitCode"`
	}{m, m.ExitCode()}
	b, err := json.MarshalIndent(out, "", "  ")
	return append(b, '\n'), err
}

// JUnit renders every run as one test suite of one combined JUnit file: a
// test case per rule, <failure> for a fail, <error> for an error, and one
// <error> case for a run without a report.
func (m Matrix) JUnit() ([]byte, error) {
	var all reporters.JUnitTestSuites
	for _, r := range m.Runs {
		suite := reporters.JUnitTestSuite{Name: "nicconform " + r.Name, Package: r.Dir}
		if r.Report == nil {
			suite.TestCases = []reporters.JUnitTestCase{{Name: "report", Classname: "nicconform." + r.Name, Status: "error",
				Error: &reporters.JUnitError{Message: r.Missing, Type: "error"}}}
			suite.Tests, suite.Errors = 1, 1
		} else {
			one, err := report.JUnit(*r.Report)
			if err != nil {
				return nil, err
			}
			var parsed reporters.JUnitTestSuites
			if err := xml.Unmarshal(one, &parsed); err != nil {
				return nil, fmt.Errorf("summary: %s: %w", r.Dir, err)
			}
			for _, s := range parsed.TestSuites {
				s.Name, s.Package = "nicconform "+r.Name, r.Dir
				for i := range s.TestCases {
					s.TestCases[i].Classname = "nicconform." + r.Name
				}
				suite = s
			}
		}
		all.Tests += suite.Tests
		all.Failures += suite.Failures
		all.Errors += suite.Errors
		all.TestSuites = append(all.TestSuites, suite)
	}
	out, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// Write writes summary.md, summary.html, summary.json and junit.xml into
// dir, with the runs' links relative to it.
func (m Matrix) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	m.RelativeTo(dir)
	js, err := m.JSON()
	if err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	junit, err := m.JUnit()
	if err != nil {
		return err
	}
	page, err := m.HTML()
	if err != nil {
		return err
	}
	for name, content := range map[string][]byte{"summary.md": []byte(m.Markdown()), "summary.html": page, "summary.json": js, "junit.xml": junit} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			return fmt.Errorf("summary: %w", err)
		}
	}
	return nil
}
