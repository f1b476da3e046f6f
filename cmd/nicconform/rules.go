package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/spec"
)

func runRules(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the catalog as JSON")
	if err := fs.Parse(args); err != nil {
		return err
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

func runConfig(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	t, err := config.FromEnv()
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, t.Describe())
	return nil
}
