package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/nicconform/nicconform/spec"
)

const rulesUsage = `usage: nicconform rules [-json]

Prints the rule catalog: the x-rules extension of the DELETE operation in
spec/openapi.yaml, which the suite judges a target by. Every rule has at
least one Ginkgo spec labelled with its id, so --label-filter=<RULE> runs it.

Output, one line per rule, in catalog order:
  RULE          the rule's stable id (e.g. PRIMARY-FORBIDDEN), as in the reports
  HUAWEI, NOVA  what each shipped profile (spec/profiles) expects: the status codes or
                classes it accepts (404, 4XX, 202|404), "-" when the rule pins
                no status, "skipped" when the rule does not apply
  STATEMENT     what must hold

With -json: a JSON array, one object per rule, with the fields id, title,
statement, source, needs (the preconditions the rule needs besides its
statement, x-preconditions ids such as detach-completes: when one does not
hold the rule is an error, not a fail) and expect ({"<profile>":
{"status": [...], "skip": "why"}}, the shipped profiles' expectations) and
allow (what the statement allows of the status it judges: a profile may
only narrow or choose within it).

Flags:
`

func runRules(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the catalog as JSON")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), rulesUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("rules: unexpected argument %q", fs.Arg(0))
	}
	s, err := spec.Load()
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s.Rules())
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tHUAWEI\tNOVA\tSTATEMENT")
	for _, r := range s.Rules() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, expect(r.For(spec.ProfileHuawei)), expect(r.For(spec.ProfileNova)), r.Statement)
	}
	return tw.Flush()
}

func expect(e spec.Expectation) string {
	switch {
	case e.Skip != "":
		return "skipped"
	case len(e.Status) == 0:
		return "-"
	}
	return strings.Join(e.Status, "|")
}
