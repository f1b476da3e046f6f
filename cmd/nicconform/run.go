package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/lifecycle"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/internal/target"
	"github.com/nicconform/nicconform/suites/detach"
)

// exitCode is an error that sets the command's exit status.
type exitCode struct {
	code int
	msg  string
}

func (e *exitCode) Error() string { return e.msg }

// specRunner runs the suite's specs in this process: detach.Run, or a
// test's stand-in.
type specRunner func(t ginkgo.GinkgoTestingT, o detach.Options, config ...any) bool

// testingT is what Ginkgo's RunSpecs needs of a caller outside go test:
// it is told when a spec failed, which the reports already say.
type testingT struct{}

func (testingT) Fail() {}

// runSuite runs the conformance suite and exits as its verdicts say: 0 when
// no rule failed or errored (and nothing leaked), 1 when a rule failed, 2
// when no rule failed but some could not be judged, something was left on
// the target, or the run produced no report (docs/design.md, "Verdicts").
func runSuite(ctx context.Context, args []string, stdout, stderr io.Writer, specs specRunner) error {
	flags := flag.NewFlagSet("run", flag.ContinueOnError)
	flags.SetOutput(stderr)
	labels := flags.String("label-filter", "", "run only the rules this Ginkgo label filter selects, e.g. PRIMARY-FORBIDDEN or 'PATH-MALFORMED || PATH-MISSING-PORT'")
	t, cfgErr := target.Environment()
	reportDir := flags.String("report-dir", t.ReportDir, "where the reports go (NICCONFORM_REPORT_DIR)")
	timeout := flags.Duration("timeout", 4*time.Hour, "bound for the whole run")
	rerun := flags.String("rerun-failed", "", "re-run only the rules that failed or errored in the report in this folder (its conformance.json), with the current configuration; refused (exit 2, before any request) when the report's target, profile or spec SHA-256 differ")
	flags.Usage = func() {
		fmt.Fprint(stderr, `usage: nicconform run [flags]

Runs the conformance suite, in this process, against the configured
target (the same NICCONFORM_* / HW_* / OS_* variables as every command;
the embedded reference mock when none is configured), writes the reports
(conformance.md, conformance.html, conformance.json, junit.xml,
exchanges.har) into the report folder, prints the verdict table, and exits:
  0  every rule passed or was skipped, and nothing was left on the target
  1  a rule failed: evidence against its own statement
  2  no rule failed, but some could not be judged (error), something was
     left on the target, or the run produced no report; also, before any
     request, a usage error: an argument besides the flags, or a
     -label-filter that names no rule (every bare label must be a rule id,
     every /regular expression/ must match one, and the filter must select
     at least one rule; nicconform rules lists them), or a -rerun-failed
     report of another target, profile or contract
SIGINT or SIGTERM: the run undoes what it changed on the target and
reports; a second one skips the rest of Ginkgo's cleanup, not the undo.

-rerun-failed DIR runs only the rules that failed or errored in DIR's
conformance.json (as a label filter, with the claim and calibration they
need); the new report lists the others as "not re-run (see DIR)".

`)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return &exitCode{2, fmt.Sprintf("run takes no arguments, got %q (a rule is chosen with -label-filter=RULE-ID; flags go before anything else)", flags.Args())}
	}
	var rerunOf string
	if *rerun != "" {
		if *labels != "" {
			return &exitCode{2, "-rerun-failed chooses the rules itself: give it without -label-filter"}
		}
		filter, err := rerunFilter(*rerun, t, cfgErr)
		if err != nil {
			return &exitCode{2, err.Error()}
		}
		if filter == "" {
			fmt.Fprintf(stdout, "nicconform run: no rule failed or errored in %s: nothing to re-run\n", *rerun)
			return nil
		}
		if rerunOf, err = filepath.Abs(*rerun); err != nil {
			return err
		}
		if out, err := filepath.Abs(*reportDir); err == nil && out == rerunOf {
			return &exitCode{2, fmt.Sprintf("-rerun-failed %s would write over the report it re-runs: give the re-run another -report-dir", *rerun)}
		}
		*labels = filter
		fmt.Fprintf(stdout, "nicconform run: re-running what failed or errored in %s: %s\n", *rerun, filter)
	}
	// Ginkgo exits the process on a filter it cannot parse: the filter is
	// checked here first, against the catalog too.
	if *labels != "" {
		if _, err := selectRules(*labels); err != nil {
			return &exitCode{2, err.Error()}
		}
	}
	dir, err := filepath.Abs(*reportDir)
	if err != nil {
		return err
	}
	// Ginkgo's configuration, as `go test ./suites/detach -ginkgo.…` would
	// read it from its flags: Ginkgo's -timeout is the run's bound, and
	// stops the specs and names it; the backstop below signals the run a
	// moment after.
	suiteCfg, reporterCfg := ginkgo.GinkgoConfiguration()
	suiteCfg.RandomizeAllSpecs = true
	suiteCfg.Timeout = *timeout
	suiteCfg.LabelFilter = *labels
	reporterCfg.NoColor = true
	where := "the embedded reference mock"
	switch {
	case cfgErr != nil:
		where = "a configuration with problems (the suite reports them)"
	case !t.Embedded:
		where = t.String()
	}
	fmt.Fprintf(stdout, "nicconform run: the suite against %s; reports in %s\n", where, dir)
	started := time.Now()
	// The backstop outlives main's context, which the first signal ends:
	// it must still see the undo through, or exit.
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go stopOnSignal(bctx, backstop{sigs: sigs, fromMake: watchMake(bctx), deadline: started.Add(*timeout + timeoutGrace),
		grace: stopGrace(t, cfgErr), stderr: stderr, exit: os.Exit, self: signalSelf})
	passed := specs(testingT{}, detach.Options{ReportDir: dir, RerunOf: rerunOf}, suiteCfg, reporterCfg)
	cancel()
	if cfgErr == nil && t.DryRun {
		return printPlan(dir, started, passed, stdout)
	}
	c, err := readVerdicts(dir, started)
	if err != nil {
		return &exitCode{2, fmt.Sprintf("the run produced no report: %v", err)}
	}
	if md, err := os.ReadFile(filepath.Join(dir, "conformance.md")); err == nil {
		fmt.Fprintf(stdout, "\n%s\nreports: %s/{conformance.md,conformance.html,conformance.json,junit.xml,exchanges.har}\n", md, dir)
	}
	if code := report.ExitCode(c); code != 0 {
		return &exitCode{code, fmt.Sprintf("%d pass, %d fail, %d error, %d skip, %d left on the target", c.Summary.Pass, c.Summary.Fail, c.Summary.Error, c.Summary.Skip, len(c.Leaks))}
	}
	return nil
}

// backstop is what stopOnSignal watches and does.
type backstop struct {
	sigs     <-chan os.Signal // SIGINT and SIGTERM this process gets
	fromMake <-chan os.Signal // the parent make's signal (watchMake)
	deadline time.Time        // the run's own bound, past Ginkgo's
	grace    time.Duration    // how long the run may take to stop after the first signal
	stderr   io.Writer
	exit     func(code int)      // os.Exit
	self     func(sig os.Signal) // signals this process (signalSelf)
}

// signalSelf sends sig to this process.
func signalSelf(sig os.Signal) {
	if s, ok := sig.(syscall.Signal); ok {
		_ = syscall.Kill(os.Getpid(), s)
	}
}

// stopOnSignal is the run's backstop while its specs run in this process,
// until ctx ends (they are over). SIGINT and SIGTERM are Ginkgo's (its
// interrupt handler: the first interrupts the running spec and runs the
// cleanup nodes; a second skips the rest of them) and the run's (fixtures:
// the undo of every change, at once); this adds three things: the parent
// make's signal, which make does not pass on to its recipe, is sent to
// this process as it came; the run's own bound (Ginkgo's -timeout,
// timeoutGrace earlier, stops the specs first and its reports say "the
// run's timeout (…) expired") becomes a SIGTERM; and if the run outlives
// grace after the first signal, exit is called with 2 after saying what
// may be left.
func stopOnSignal(ctx context.Context, b backstop) {
	late := time.NewTimer(time.Until(b.deadline))
	defer late.Stop()
	var kill <-chan time.Time
	var first time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case sig := <-b.sigs:
			if first.IsZero() {
				first = time.Now()
				kill = time.After(b.grace)
				fmt.Fprintf(b.stderr, "nicconform: %v: the run undoes what it changed on the target and reports (it exits if that takes over %s)\n", sig, b.grace)
			}
		case sig := <-b.fromMake:
			if first.IsZero() {
				b.self(sig)
			}
		case <-late.C:
			if first.IsZero() {
				b.self(syscall.SIGTERM)
			}
		case <-kill:
			fmt.Fprintf(b.stderr, "nicconform: the run did not stop within %s of the signal: what it changed on the target may be left; `nicconform sweep` undoes it (the journal is in the report folder)\n",
				time.Since(first).Round(time.Second))
			b.exit(2)
			return
		}
	}
}

// timeoutGrace is how long after the run's -timeout the suite gets to stop
// on Ginkgo's own timeout (started a moment later) before it is signalled.
const timeoutGrace = 5 * time.Second

// stopGrace is how long the suite may take to stop after the first
// signal: its undo (lifecycle.Bounds.Total: the calls, their attempts
// and read-backs, and the detach bounds; the undos in parallel) and its
// reports.
func stopGrace(t config.Settings, cfgErr error) time.Duration {
	detach := t.DetachTimeout
	if cfgErr != nil || detach <= 0 {
		detach = config.DefaultDetachTimeoutLive
	}
	return lifecycle.Bounds{Detach: detach}.Total() + 30*time.Second
}

// watchMake returns a channel that gets the signal the parent GNU make
// gets, when this process is make's recipe: make passes a SIGTERM on to
// its recipe, but not a SIGINT sent to make alone (it expects the terminal
// to have signalled the whole process group), and then waits for the
// recipe to end, which a run would only do when done. Make stops catching
// a signal once it has one (it resets it to the default before waiting),
// which /proc/<make>/status shows: that is what is watched, every 200ms.
// Make ending (this process is then reparented) counts as SIGTERM. Linux
// only; elsewhere, and under any other parent, the channel never fires.
func watchMake(ctx context.Context) <-chan os.Signal {
	out := make(chan os.Signal, 1)
	ppid := os.Getppid()
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", ppid))
	if name := strings.TrimSpace(string(comm)); name != "make" && name != "gmake" {
		return out
	}
	caught := func() uint64 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", ppid))
		if err != nil {
			return 0
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "SigCgt:"); ok {
				n, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
				return n
			}
		}
		return 0
	}
	bit := func(sig syscall.Signal) uint64 { return 1 << (uint(sig) - 1) }
	watched := caught() & (bit(syscall.SIGINT) | bit(syscall.SIGTERM))
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if os.Getppid() != ppid {
				out <- syscall.SIGTERM
				return
			}
			now := caught()
			for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
				if watched&bit(sig) != 0 && now&bit(sig) == 0 {
					out <- sig
					return
				}
			}
		}
	}()
	return out
}

// printPlan prints the plan.md a dry run wrote after it started: a dry run
// (NICCONFORM_DRY_RUN) writes no verdicts, and succeeds (exit 0) once its
// rehearsal succeeded and wrote the plan; else it exits 2.
func printPlan(dir string, started time.Time, passed bool, stdout io.Writer) error {
	path := filepath.Join(dir, "plan.md")
	info, err := os.Stat(path)
	if err == nil && info.ModTime().Before(started.Add(-time.Second)) {
		err = fmt.Errorf("%s is an earlier run's", path)
	}
	var plan []byte
	if err == nil {
		plan, err = os.ReadFile(path)
	}
	if err != nil {
		return &exitCode{2, fmt.Sprintf("the dry run wrote no plan: %v", err)}
	}
	fmt.Fprintf(stdout, "\n%s\nplan: %s (nothing was sent to the target)\n", plan, path)
	if !passed {
		return &exitCode{2, "the rehearsal against the embedded mock did not succeed: the plan may be incomplete"}
	}
	return nil
}

// readVerdicts reads the conformance.json a run wrote after it started.
func readVerdicts(dir string, started time.Time) (report.Conformance, error) {
	var c report.Conformance
	path := filepath.Join(dir, "conformance.json")
	info, err := os.Stat(path)
	if err != nil {
		return c, err
	}
	if info.ModTime().Before(started.Add(-time.Second)) {
		return c, fmt.Errorf("%s is an earlier run's", path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
