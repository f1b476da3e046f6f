// Package fidelity runs the conformance suite against the embedded reference
// mock once per configuration (faithful in each profile, and once per
// deviation) and tells which rules each run failed: the proof that every
// rule's specs can fail, and that every deviation is caught by the rule it
// was made to break.
package fidelity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/nicconform/nicconform/internal/report"
)

// Case is one case of the kill matrix: a configuration of the embedded
// mock to run the suite against, and what the run must find.
type Case struct {
	Name      string // "faithful-huawei", or the deviation's name
	Profile   string
	Deviation string // "" for a faithful run
	Errors    string // the mock's error shape: "" (nova) or "huawei"
	Rule      string // the rule the deviation breaks
	// Variant marks a deviation that breaks no rule: the run must pass, and
	// raise the advisory of kind Advisory.
	Variant  bool
	Advisory string
	// SequenceOnly marks a deviation that shows only after a sequence of
	// calls (`nicconform explore` finds it): the matrix expects nothing of
	// it and shows which rules, if any, happened to fail.
	SequenceOnly bool
	// AlsoBreaks are the rules whose own statements the deviation breaks
	// too: their failing is no blame beyond the intended rule.
	AlsoBreaks []string
	// Exact: Rule and every rule of AlsoBreaks must fail (a deviation that
	// stands for a real cloud whose verdicts are known).
	Exact bool
}

// Result is what one run found.
type Result struct {
	Case
	Failed     []string // ids of the rules that failed
	Errored    []string // ids of the rules that could not be judged
	Skipped    []string
	Advisories []string // kinds of the advisories raised
	Err        error    // the run could not produce a report
}

// Beyond lists the rules that failed besides the intended one and those
// whose statements the deviation also breaks: blame that spread.
func (r Result) Beyond() []string {
	var out []string
	for _, id := range r.Failed {
		if id != r.Rule && !slices.Contains(r.AlsoBreaks, id) {
			out = append(out, id)
		}
	}
	return out
}

// Missing lists the rules of AlsoBreaks that an Exact case did not fail.
func (r Result) Missing() []string {
	if !r.Exact {
		return nil
	}
	var out []string
	for _, id := range r.AlsoBreaks {
		if !slices.Contains(r.Failed, id) {
			out = append(out, id)
		}
	}
	return out
}

// Advised reports whether the run raised an advisory of the kind.
func (r Result) Advised(kind string) bool { return slices.Contains(r.Advisories, kind) }

// Caught reports whether the run failed its intended rule.
func (r Result) Caught() bool {
	for _, id := range r.Failed {
		if id == r.Rule {
			return true
		}
	}
	return false
}

// Suite is a built suite binary (a `go test -c` of suites/detach).
type Suite struct {
	Binary string
	// Env is added to each run's environment (e.g. a short detach bound).
	Env []string
}

// Build compiles the suite in pkgDir (e.g. ./suites/detach) into dir.
func Build(ctx context.Context, moduleDir, pkg, dir string) (Suite, error) {
	bin := filepath.Join(dir, "suite.test")
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, pkg)
	cmd.Dir = moduleDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return Suite{}, fmt.Errorf("fidelity: build %s: %w\n%s", pkg, err, out)
	}
	return Suite{Binary: bin}, nil
}

// RunAll runs the suite once per case, at most parallel at a time, each
// run with its own report folder under dir, and returns the results in the
// cases' order.
func (s Suite) RunAll(ctx context.Context, cases []Case, dir string, parallel int) []Result {
	results := make([]Result, len(cases))
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, r := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = s.run(ctx, r, filepath.Join(dir, r.Name))
		}()
	}
	wg.Wait()
	return results
}

// Exec runs the suite binary once with env added to the caller's
// environment (later entries win) and returns its combined output and its
// error (a failing suite exits non-zero).
func (s Suite) Exec(ctx context.Context, env ...string) (string, error) {
	cmd := s.Command(ctx, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// Command is the suite's command, not started, for a caller that signals it.
func (s Suite) Command(ctx context.Context, env ...string) *exec.Cmd {
	// The suite's specs only (TestDetach), not its package's other tests.
	cmd := exec.CommandContext(ctx, s.Binary, "-test.run=^TestDetach$", "-ginkgo.no-color", "-ginkgo.randomize-all")
	cmd.Dir = filepath.Dir(s.Binary)
	cmd.Env = append(append(os.Environ(), s.Env...), env...)
	return cmd
}

func (s Suite) run(ctx context.Context, r Case, reportDir string) Result {
	res := Result{Case: r}
	output, runErr := s.Exec(ctx,
		"NICCONFORM_COMPUTE_URL=", // the embedded mock, whatever the caller's environment says
		"NICCONFORM_REPORT_DIR="+reportDir,
		"NICCONFORM_PROFILE="+r.Profile,
		"NICCONFORM_MOCK_DEVIATION="+r.Deviation,
		"NICCONFORM_MOCK_ERRORS="+r.Errors,
	)
	raw, err := os.ReadFile(filepath.Join(reportDir, "conformance.json"))
	if err != nil {
		res.Err = fmt.Errorf("fidelity: %s: no report (%v): %w\n%s", r.Name, runErr, err, tail(output, 40))
		return res
	}
	var c report.Conformance
	if err := json.Unmarshal(raw, &c); err != nil {
		res.Err = fmt.Errorf("fidelity: %s: %w", r.Name, err)
		return res
	}
	for _, v := range c.Rules {
		switch v.Verdict {
		case report.Fail:
			res.Failed = append(res.Failed, v.ID)
		case report.Skip:
			res.Skipped = append(res.Skipped, v.ID)
		case report.Error:
			res.Errored = append(res.Errored, v.ID)
		}
	}
	for _, a := range c.Advisories {
		if !slices.Contains(res.Advisories, a.Kind) {
			res.Advisories = append(res.Advisories, a.Kind)
		}
	}
	sort.Strings(res.Failed)
	sort.Strings(res.Errored)
	sort.Strings(res.Skipped)
	sort.Strings(res.Advisories)
	if len(res.Failed) == 0 && len(res.Errored) == 0 && runErr != nil {
		res.Err = fmt.Errorf("fidelity: %s: the suite failed but its report shows no failed rule: %v\n%s", r.Name, runErr, tail(output, 40))
	}
	return res
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Markdown renders the matrix: each run, the rules it failed, and whether
// the deviation was caught by its intended rule.
func Markdown(results []Result) string {
	var b strings.Builder
	b.WriteString("| run | kind | profile | intended rule | caught | failed beyond it | also breaks (failed) | errors | advisories |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		caught := r.outcome()
		switch caught {
		case "not clean", "no", "variant failed", "no advisory", "not all expected":
			caught = "**" + strings.ToUpper(caught) + "**"
		case "error":
			caught = "ERROR"
		}
		kind := "breaks a rule"
		switch {
		case r.Deviation == "":
			kind = "faithful"
		case r.Variant:
			kind = "variant"
		case r.SequenceOnly:
			kind = "sequence-only"
		}
		var also []string
		for _, id := range r.Failed {
			if slices.Contains(r.AlsoBreaks, id) {
				also = append(also, id)
			}
		}
		beyond := strings.Join(r.Beyond(), ", ")
		if r.Deviation == "" || r.Variant || r.SequenceOnly {
			beyond = strings.Join(r.Failed, ", ")
		}
		if beyond != "" {
			beyond = "**" + beyond + "**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Name, kind, r.Profile, r.Rule, caught,
			beyond, strings.Join(also, ", "), strings.Join(r.Errored, ", "), strings.Join(r.Advisories, ", "))
	}
	return b.String()
}

// outcome is the matrix's verdict on one run: "error" (no report),
// "clean" or "not clean" (a faithful run), "yes" or "no" (a deviation
// caught by its intended rule, or not), "not all expected" (an Exact
// deviation caught without all of AlsoBreaks failing).
func (r Result) outcome() string {
	switch {
	case r.Err != nil:
		return "error"
	case r.Deviation == "" && len(r.Failed) == 0 && len(r.Errored) == 0:
		return "clean"
	case r.Deviation == "":
		return "not clean"
	case r.Variant && (len(r.Failed) > 0 || len(r.Errored) > 0):
		return "variant failed"
	case r.Variant && !r.Advised(r.Advisory):
		return "no advisory"
	case r.Variant:
		return "variant ok"
	case r.SequenceOnly && len(r.Failed) == 0 && len(r.Errored) == 0:
		return "sequence-only: no rule failed"
	case r.SequenceOnly:
		return "sequence-only: rules failed"
	case r.Caught() && len(r.Missing()) > 0:
		return "not all expected"
	case r.Caught():
		return "yes"
	}
	return "no"
}

// jsonRun is one run in the JSON matrix.
type jsonRun struct {
	Name       string   `json:"name"`
	Profile    string   `json:"profile"`
	Deviation  string   `json:"deviation"`
	Errors     string   `json:"errors"`
	Rule       string   `json:"intendedRule"`
	Caught     bool     `json:"caught"`
	Outcome    string   `json:"outcome"`
	Variant    bool     `json:"variant,omitempty"`
	Failed     []string `json:"failedRules"`
	Beyond     []string `json:"failedBeyondIntended"`
	Errored    []string `json:"erroredRules"`
	Skipped    []string `json:"skippedRules"`
	Advisories []string `json:"advisories"`
	Error      string   `json:"error,omitempty"`
}

// JSON renders the matrix as a JSON array, one object per run in the
// order given: name, profile, deviation ("" for a faithful run), the mock's
// error shape, the intended rule, whether it caught the deviation, the
// outcome as the Markdown matrix says it ("clean", "not clean", "yes",
// "no", "error"), the failed and skipped rules, and the error text.
func JSON(results []Result) ([]byte, error) {
	out := make([]jsonRun, 0, len(results))
	for _, r := range results {
		j := jsonRun{Name: r.Name, Profile: r.Profile, Deviation: r.Deviation, Errors: r.Errors, Rule: r.Rule,
			Caught: r.Err == nil && r.Deviation != "" && r.Caught(), Outcome: r.outcome(),
			Variant: r.Variant, Failed: append([]string{}, r.Failed...), Beyond: append([]string{}, r.Beyond()...),
			Errored: append([]string{}, r.Errored...), Skipped: append([]string{}, r.Skipped...), Advisories: append([]string{}, r.Advisories...)}
		if r.Err != nil {
			j.Error = r.Err.Error()
		}
		out = append(out, j)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("fidelity: json: %w", err)
	}
	return append(b, '\n'), nil
}
