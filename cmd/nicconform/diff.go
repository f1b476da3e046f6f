package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/nicconform/nicconform/internal/diff"
)

const diffUsage = `usage: nicconform diff [-json] A B

Compares two report folders (each holding conformance.json and
exchanges.har): the rules whose verdicts differ, and, per operation and
status code, the statuses, response header names, Content-Types and JSON
body shapes (key paths and types, never values) only one target answered.
Typical use: A is a run against a mock, B against a live region (or the
reference mock); the output is the mock's list of infidelities.

Runs judged by different contracts (the spec sha256 in conformance.json)
are refused unless -force is given; an interrupted run, or one that does
not record its contract, is compared with a warning. A key path under a
list one side only saw empty is not reported as missing.

Exit status: 0 no differences, 1 differences, 2 error (also: different
contracts without -force).

flags:
`

// runDiff compares two report folders and prints the differences. It
// returns diff.ErrDifferent when there are some (main exits 1), any other
// error when the comparison could not be made (main exits 2).
func runDiff(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the result as JSON instead of Markdown")
	force := fs.Bool("force", false, "compare runs judged by different contracts (spec sha256) anyway")
	fs.Usage = func() {
		fmt.Fprint(stderr, diffUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return fmt.Errorf("diff: want two report folders, got %d argument(s)", fs.NArg())
	}
	a, err := diff.Load(fs.Arg(0))
	if err != nil {
		return err
	}
	b, err := diff.Load(fs.Arg(1))
	if err != nil {
		return err
	}
	if err := diff.Comparable(a, b); err != nil && !*force {
		return err
	}
	res := diff.Compare(a, b)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else if _, err := io.WriteString(stdout, res.Markdown()); err != nil {
		return err
	}
	if !res.Empty() {
		return diff.ErrDifferent
	}
	return nil
}
