package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/target"
)

// runConfig is `nicconform config`: it prints the configuration the process
// resolved (target.Environment), then its problems, if any, as its error
// (exit 2).
func runConfig(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { configUsage(fs.Output()) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}
	t, err := target.Environment()
	fmt.Fprint(stdout, t.Describe())
	var cfgErr *target.ConfigError
	if !errors.As(err, &cfgErr) {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "config: %d problem(s); a run would stop before any request:", len(cfgErr.Problems))
	for _, p := range cfgErr.Problems {
		b.WriteString("\n  - " + p.Error())
	}
	return errors.New(b.String())
}

// configUsage says what `nicconform config` does and lists the variables.
func configUsage(w io.Writer) {
	fmt.Fprint(w, `usage: nicconform config

Prints the target configuration a run would use, resolved from the
environment: each setting, its value (secrets masked as ****) and the
variable it came from ("default", or how it was derived). Then, if any
setting is missing, invalid or contradictory, the problems, each naming its
variables, and exits 2; a configuration a run can use exits 0.

Endpoints:
`)
	for _, line := range strings.Split(config.EndpointRule, "\n") {
		fmt.Fprintln(w, "  "+line)
	}
	fmt.Fprint(w, `
Variables (a setting read from several variables takes the first one set;
two of them set to different values are a contradiction, and an access key
and its secret key, or a user name and its password, come from one family):
`)
	for _, v := range config.Help() {
		fmt.Fprintf(w, "  %s\n      %s\n", strings.Join(v.Names, ", "), v.Meaning)
		if v.Default != "" {
			fmt.Fprintf(w, "      default: %s\n", v.Default)
		}
	}
}
