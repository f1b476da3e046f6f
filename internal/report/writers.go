package report

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/reporters"

	"github.com/nicconform/nicconform/internal/client"
)

// A writer renders a finished run into one file of the report folder:
// by write, or streamed to it by stream.
type writer struct {
	file   string
	write  func(c Conformance, exchanges []*client.Exchange) ([]byte, error)
	stream func(w io.Writer, c Conformance, exchanges []*client.Exchange) error
}

// writers are the formats of a run's report; a new format is one entry.
var writers = []writer{
	{file: "conformance.json", write: func(c Conformance, _ []*client.Exchange) ([]byte, error) {
		js, err := json.MarshalIndent(c, "", "  ")
		return append(js, '\n'), err
	}},
	{file: "conformance.md", write: func(c Conformance, _ []*client.Exchange) ([]byte, error) { return []byte(Markdown(c)), nil }},
	{file: "conformance.html", write: HTML},
	{file: "junit.xml", write: func(c Conformance, _ []*client.Exchange) ([]byte, error) { return JUnit(c) }},
	{file: "exchanges.har", stream: func(w io.Writer, c Conformance, exchanges []*client.Exchange) error {
		return writeHAR(w, c.Tool, exchanges, c.served)
	}},
}

// Outputs are the files a run writes into its report folder (verdicts,
// plan, exchanges), which Clean removes before a run starts. The run
// journal is not among them: it outlives its run, for `nicconform sweep`.
var Outputs = []string{"conformance.json", "conformance.md", "conformance.html", "junit.xml", "exchanges.har", "plan.md"}

// Clean removes what an earlier run wrote into dir (Outputs), so that
// nothing stale is shown or published as this run's result.
func Clean(dir string) error {
	for _, f := range Outputs {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("report: clean %s: %w", dir, err)
		}
	}
	return nil
}

// Write writes every format of a finished run into dir.
func Write(dir string, c Conformance, exchanges []*client.Exchange) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for _, w := range writers {
		if w.stream != nil {
			if err := streamFile(filepath.Join(dir, w.file), func(f io.Writer) error { return w.stream(f, c, exchanges) }); err != nil {
				return fmt.Errorf("report: %s: %w", w.file, err)
			}
			continue
		}
		out, err := w.write(c, exchanges)
		if err != nil {
			return fmt.Errorf("report: %s: %w", w.file, err)
		}
		if err := os.WriteFile(filepath.Join(dir, w.file), out, 0o644); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	return nil
}

// streamFile writes path by write, buffered.
func streamFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// WritePlan writes plan.md and the rehearsal's exchanges.har into dir.
func WritePlan(dir string, run Run, exchanges []*client.Exchange) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plan.md"), []byte(Plan(run, exchanges)), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	har, err := HAR(run.Tool, exchanges)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "exchanges.har"), har, 0o644)
}

// Markdown renders the verdict table a person reads first, then the
// advisories and the leaks.
func Markdown(c Conformance) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# nicconform conformance\n\n")
	fmt.Fprintf(&b, "- target: %s\n- profile: %s\n- started: %s\n- result: **%d pass, %d fail, %d error, %d skip**",
		c.Target, c.Profile, c.Started.Format(time.RFC3339), c.Summary.Pass, c.Summary.Fail, c.Summary.Error, c.Summary.Skip)
	if len(c.Advisories) > 0 {
		fmt.Fprintf(&b, "; %d advisories", len(c.Advisories))
	}
	if len(c.Leaks) > 0 {
		fmt.Fprintf(&b, "; **%d left on the target**", len(c.Leaks))
	}
	if c.Tool.Version != "" {
		fmt.Fprintf(&b, "\n- nicconform %s; spec sha256 %s", c.Tool.Version, c.Tool.SpecSHA256)
		if c.Tool.ProfileSHA256 != "" {
			fmt.Fprintf(&b, "; profile sha256 %s", c.Tool.ProfileSHA256)
		}
	}
	if c.Interrupted != "" {
		fmt.Fprintf(&b, "\n- **interrupted**: %s", c.Interrupted)
	}
	if c.RerunOf != nil {
		fmt.Fprintf(&b, "\n- a re-run of the rules that failed or errored in %s: %s", c.RerunOf.Dir, strings.Join(c.RerunOf.Rules, ", "))
	}
	if c.Cost != nil {
		fmt.Fprintf(&b, "\n- NICs attached to server %s at once: at most %d (primary included; the run keeps to %d)", c.Cost.Server, c.Cost.PeakNICs, c.Cost.MaxNICs)
		if c.Cost.Queued {
			b.WriteString("; the target refused concurrent NIC operations, so the run queued them")
		}
	}
	b.WriteString("\n\n| rule | verdict | expected | reason | evidence |\n|---|---|---|---|---|\n")
	for _, v := range Sorted(c.Rules) {
		verdict := v.Verdict
		switch verdict {
		case Fail:
			verdict = "**FAIL**"
		case Error:
			verdict = "**ERROR**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", v.ID, verdict, cell(v.Expected), cell(Short(v.ReasonWithPrecondition())), cell(evidenceCell(v.Evidence)))
	}
	b.WriteString(reproductionsMarkdown(c.Rules))
	if len(c.Advisories) > 0 {
		b.WriteString("\n## Advisories\n\nObservations that change no verdict.\n\n| kind | observation | evidence |\n|---|---|---|\n")
		for _, a := range c.Advisories {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", a.Kind, cell(Short(a.Message)), cell(evidenceCell(a.Evidence)))
		}
	}
	if len(c.Leaks) > 0 {
		b.WriteString("\n## Left on the target\n\nThe run could not undo these.\n\n| what | how to undo it |\n|---|---|\n")
		for _, l := range c.Leaks {
			fmt.Fprintf(&b, "| %s | %s |\n", cell(l.What), cell(l.Sweep))
		}
	}
	return b.String()
}

// reproductionsMarkdown renders the reproduction of each failed or
// errored rule as a shell block.
func reproductionsMarkdown(rules []Verdict) string {
	var b strings.Builder
	for _, v := range Sorted(rules) {
		if v.Reproduction == nil {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("\n## Reproductions\n\nThe exchanges that show each break, as curl commands over the run's ids, and the command that re-runs the rule alone.\n")
		}
		fmt.Fprintf(&b, "\n### %s (%s)\n\n```sh\n%s```\n", v.ID, v.Verdict, v.Reproduction.Script())
	}
	return b.String()
}

func evidenceCell(ev []string) string {
	if len(ev) > 3 {
		ev = append(ev[:3:3], fmt.Sprintf("+%d more", len(ev)-3))
	}
	return strings.Join(ev, ", ")
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// JUnit renders the verdicts as JUnit XML, one test case per rule: a fail
// is a <failure>, an error an <error>, a skip <skipped>. (Ginkgo's own JUnit
// report has one case per spec and marks only panics, interrupts and
// timeouts as errors, so it cannot tell a rule that broke from one that
// could not be judged.) The XML types are Ginkgo's.
func JUnit(c Conformance) ([]byte, error) {
	suite := reporters.JUnitTestSuite{
		Name:      "nicconform",
		Package:   c.Target,
		Tests:     len(c.Rules),
		Failures:  c.Summary.Fail,
		Errors:    c.Summary.Error,
		Skipped:   c.Summary.Skip,
		Timestamp: c.Started.Format("2006-01-02T15:04:05"),
		Time:      c.Finished.Sub(c.Started).Seconds(),
		Properties: reporters.JUnitProperties{Properties: []reporters.JUnitProperty{
			{Name: "profile", Value: c.Profile}, {Name: "target", Value: c.Target},
			{Name: "version", Value: c.Tool.Version}, {Name: "spec-sha256", Value: c.Tool.SpecSHA256}, {Name: "profile-sha256", Value: c.Tool.ProfileSHA256},
			{Name: "advisories", Value: fmt.Sprint(len(c.Advisories))}, {Name: "leaks", Value: fmt.Sprint(len(c.Leaks))},
		}},
	}
	for _, v := range c.Rules {
		tc := reporters.JUnitTestCase{Name: v.ID + ": " + v.Title, Classname: "nicconform." + c.Profile, Status: v.Verdict, Time: v.Seconds}
		detail := v.Statement + "\nevidence: " + strings.Join(v.Evidence, ", ")
		switch v.Verdict {
		case Fail:
			tc.Failure = &reporters.JUnitFailure{Message: v.Reason, Type: "fail", Description: detail}
		case Error:
			tc.Error = &reporters.JUnitError{Message: v.ReasonWithPrecondition(), Type: "error", Description: detail}
		case Skip:
			tc.Skipped = &reporters.JUnitSkipped{Message: v.Reason}
		}
		suite.TestCases = append(suite.TestCases, tc)
	}
	suites := reporters.JUnitTestSuites{
		Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Time: suite.Time,
		TestSuites: []reporters.JUnitTestSuite{suite},
	}
	out, err := xml.MarshalIndent(suites, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}
