package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/nicconform/nicconform/internal/summary"
	"github.com/nicconform/nicconform/spec"
)

// runSummary merges many runs' report folders into one matrix.
func runSummary(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("summary", flag.ContinueOnError)
	flags.SetOutput(stderr)
	out := flags.String("out", "", "write summary.md, summary.html (a heatmap linked to each run's conformance.html), summary.json and junit.xml (one test suite per run) into this folder")
	asJSON := flags.Bool("json", false, "print JSON instead of Markdown")
	flags.Usage = func() {
		fmt.Fprint(stderr, `usage: nicconform summary [flags] DIR...

Merges the reports of many runs (each DIR a run's report folder, holding its
conformance.json) into one matrix: rows the catalog's rules, columns the runs
(headed by region, else the folder's name; with profile and start time),
cells the verdicts, linked to each run's conformance.md; then each run's
advisories and leaks. A folder without a report is a column that says so.
Exit status: 1 if a rule failed anywhere; else 2 if anything could not be
judged, a run left something on its target, or a run left no report; else 0.

`)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() == 0 {
		flags.Usage()
		return &exitCode{2, "summary: name at least one report folder"}
	}
	s, err := spec.Load()
	if err != nil {
		return err
	}
	var catalog []string
	for _, r := range s.Rules() {
		catalog = append(catalog, r.ID)
	}
	m := summary.Load(catalog, flags.Args())
	if *out != "" {
		if err := m.Write(*out); err != nil {
			return &exitCode{2, err.Error()}
		}
		m.RelativeTo(*out)
	}
	if *asJSON {
		js, err := m.JSON()
		if err != nil {
			return err
		}
		_, _ = stdout.Write(js)
	} else {
		fmt.Fprint(stdout, m.Markdown())
	}
	if code := m.ExitCode(); code != 0 {
		return &exitCode{code, fmt.Sprintf("summary: exit status %d", code)}
	}
	return nil
}
