// Command nicconform is the conformance tool for detaching a NIC from a
// server: it runs the conformance suite and exits as its verdicts say
// (`run`; `make conformance`), serves the reference mock (`mock`), prints
// the rule catalog (`rules`) and the resolved target configuration
// (`config`), removes what conformance runs left on a target (`sweep`),
// compares two runs' report folders (`diff`), merges many into one matrix
// (`summary`), signs one request with the configured AK/SK for a
// reproduction's curl (`sign`) and explores call sequences against the reference
// model (`explore`). Every command that talks to a target gets it from
// internal/target, and reads the configuration once (target.Environment).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/diff"
	"github.com/nicconform/nicconform/internal/version"
	"github.com/nicconform/nicconform/suites/detach"
)

const usage = `usage: nicconform <command> [flags]

commands:
  run      run the conformance suite; exit 0 (all held), 1 (a rule failed), 2 (could not judge, or left something) (nicconform run -h)
  summary  merge many runs' report folders into one matrix (nicconform summary -h)
  mock     serve the reference mock (nicconform mock -h for its flags and deviations)
  rules    print the rule catalog of spec/openapi.yaml (-json for JSON; nicconform rules -h)
  config   print the target configuration resolved from the environment (each value's source; secrets
           masked), then its problems, if any (exit 2); nicconform config -h lists the variables
  sweep    remove what conformance runs left on the target (nicconform sweep -h)
  sign     sign one request with the configured AK/SK and print the headers, for a reproduction's curl (nicconform sign -h)
  diff     compare two report folders (A B): verdicts, statuses, headers, body shapes; exit 1 if they differ
  explore  random call sequences against the target and the reference model in lockstep; the shortest
           diverging one in reports/explore.md; exit 0 / 1 (divergence) / 2 (nicconform explore -h)
  version  print the tool's version (also -version), as make build stamps it

"make conformance" builds the binaries and runs "nicconform run".
`

func main() {
	// net/http logs what a target wrote unasked on an idle connection
	// through the standard logger: it may be the run's credentials, echoed.
	log.SetOutput(client.NetLog(os.Stderr))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		if errors.Is(err, diff.ErrDifferent) {
			os.Exit(1)
		}
		var exit *exitCode
		if errors.As(err, &exit) {
			fmt.Fprintln(os.Stderr, "nicconform:", exit.msg)
			os.Exit(exit.code)
		}
		fmt.Fprintln(os.Stderr, "nicconform:", err)
		os.Exit(2)
	}
}

// dispatch runs the command args name (`nicconform run` is runSuite).
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "run":
		return runSuite(ctx, args[1:], stdout, stderr, detach.Run)
	case "summary":
		return runSummary(args[1:], stdout, stderr)
	case "mock":
		return runMock(ctx, args[1:], stdout, stderr)
	case "rules":
		return runRules(args[1:], stdout, stderr)
	case "config":
		return runConfig(args[1:], stdout, stderr)
	case "sweep":
		return runSweep(ctx, args[1:], stdout, stderr)
	case "diff":
		return runDiff(args[1:], stdout, stderr)
	case "sign":
		return runSign(args[1:], stdout, stderr)
	case "explore":
		return runExplore(ctx, args[1:], stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "nicconform", version.String())
		return nil
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
