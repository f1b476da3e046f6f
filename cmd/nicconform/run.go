package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/journal"
	"github.com/nicconform/nicconform/internal/lifecycle"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/internal/target"
	"github.com/nicconform/nicconform/internal/version"
)

// exitCode is an error that sets the command's exit status.
type exitCode struct {
	code int
	msg  string
}

func (e *exitCode) Error() string { return e.msg }

// Names of the artefacts `make build` puts beside the nicconform binary.
const (
	suiteBinary  = "detach.test"
	ginkgoBinary = "ginkgo"
)

// runSuite runs the conformance suite and exits as its verdicts say: 0 when
// no rule failed or errored (and nothing leaked), 1 when a rule failed, 2
// when no rule failed but some could not be judged, something was left on
// the target, or the run produced no report (docs/design.md, "Verdicts").
func runSuite(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("run", flag.ContinueOnError)
	flags.SetOutput(stderr)
	labels := flags.String("label-filter", "", "run only the rules this Ginkgo label filter selects, e.g. PRIMARY-FORBIDDEN or 'PATH-MALFORMED || PATH-MISSING-PORT'")
	t, cfgErr := target.Environment()
	reportDir := flags.String("report-dir", t.ReportDir, "where the reports go (NICCONFORM_REPORT_DIR)")
	procs := flags.Int("procs", 0, "parallel processes against the embedded mock, each with its own mock and each doing the whole overlapped run (default 1); against a configured target the specs share one server and run in one process")
	suitePath := flags.String("suite", "", "the compiled suite (default: "+suiteBinary+" beside this binary, else built from ./suites/detach when run inside the module)")
	ginkgoPath := flags.String("ginkgo", "", "the Ginkgo CLI, for -procs > 1 (default: "+ginkgoBinary+" beside this binary, else the module's pinned one with go run)")
	timeout := flags.Duration("timeout", 4*time.Hour, "bound for the whole run")
	rerun := flags.String("rerun-failed", "", "re-run only the rules that failed or errored in the report in this folder (its conformance.json), with the current configuration; refused (exit 2, before any request) when the report's target, profile or spec SHA-256 differ")
	flags.Usage = func() {
		fmt.Fprint(stderr, `usage: nicconform run [flags]

Runs the conformance suite against the configured target (the same
NICCONFORM_* / HW_* / OS_* variables as every command; the embedded
reference mock when none is configured), writes the reports
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
	if *labels != "" {
		if _, err := selectRules(*labels); err != nil {
			return &exitCode{2, err.Error()}
		}
	}
	if *procs <= 0 {
		// One process: the run's work is overlapped in the background of
		// its set-up (docs/design.md, "Overlapped run"), and each process
		// does all of it; a second process adds work, not speed.
		*procs = 1
	}
	dir, err := filepath.Abs(*reportDir)
	if err != nil {
		return err
	}
	suite, cleanup, err := findSuite(ctx, *suitePath, stderr)
	if err != nil {
		return &exitCode{2, err.Error()}
	}
	defer cleanup()
	// The bound starts with the suite, as Ginkgo's -timeout (the same
	// value) does: Ginkgo's own timeout stops the suite and names it;
	// this one is a backstop (stopOnSignal).
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	var cmd *exec.Cmd
	if *procs == 1 {
		argv := []string{"-ginkgo.randomize-all", "-ginkgo.no-color", "-ginkgo.timeout=" + timeout.String()}
		if *labels != "" {
			argv = append(argv, "-ginkgo.label-filter="+*labels)
		}
		cmd = exec.Command(suite, argv...)
	} else {
		cli, err := findGinkgo(*ginkgoPath)
		if err != nil {
			return &exitCode{2, err.Error()}
		}
		argv := append(cli[1:], fmt.Sprintf("--procs=%d", *procs), "--randomize-all", "--no-color", "--succinct", "--timeout="+timeout.String())
		if *labels != "" {
			argv = append(argv, "--label-filter="+*labels)
		}
		cmd = exec.Command(cli[0], append(argv, suite)...)
	}
	// NICCONFORM_SIGNALS=group: this process signals the whole group, so
	// bin/ginkgo must not pass a signal on a second time (cmd/ginkgo).
	cmd.Env = append(os.Environ(), "NICCONFORM_REPORT_DIR="+dir, "NICCONFORM_SIGNALS=group", report.RerunOfEnv+"="+rerunOf)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // one group to signal, whatever it starts
	where := "the embedded reference mock"
	switch {
	case cfgErr != nil:
		where = "a configuration with problems (the suite reports them)"
	case !t.Embedded:
		where = t.String()
	}
	fmt.Fprintf(stdout, "nicconform run: the suite (%s, %d process(es)) against %s; reports in %s\n", filepath.Base(suite), *procs, where, dir)
	started := time.Now()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return &exitCode{2, fmt.Sprintf("start the suite: %v", err)}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	runErr, killed := stopOnSignal(ctx, cmd.Process.Pid, done, sigs, watchMake(ctx), stopGrace(t, cfgErr), stderr)
	if killed > 0 {
		fmt.Fprintf(stderr, "nicconform: the suite did not stop within %s of the signal and was killed: what it changed on the target may be left; `nicconform sweep` undoes it (the journal is %s)\n",
			killed.Round(time.Second), filepath.Join(dir, journal.File))
	}
	if cfgErr == nil && t.DryRun {
		return printPlan(dir, started, runErr, stdout)
	}
	c, err := readVerdicts(dir, started)
	if err != nil {
		return &exitCode{2, fmt.Sprintf("the run produced no report (%v): %v", runErr, err)}
	}
	if md, err := os.ReadFile(filepath.Join(dir, "conformance.md")); err == nil {
		fmt.Fprintf(stdout, "\n%s\nreports: %s/{conformance.md,conformance.html,conformance.json,junit.xml,exchanges.har}\n", md, dir)
	}
	if code := report.ExitCode(c); code != 0 {
		return &exitCode{code, fmt.Sprintf("%d pass, %d fail, %d error, %d skip, %d left on the target", c.Summary.Pass, c.Summary.Fail, c.Summary.Error, c.Summary.Skip, len(c.Leaks))}
	}
	return nil
}

// stopOnSignal waits for the suite (done) and stops it when asked: each
// SIGINT or SIGTERM this process gets goes, as it came, to the suite's
// process group (the first makes each suite process undo what it changed
// and report; a second makes Ginkgo skip its cleanup nodes, but not that
// undo); the parent make's signal (fromMake) counts as a first signal,
// unless one came already; so does the run's -timeout, timeoutGrace after
// it expired: Ginkgo's -timeout, set to the same bound, stops the suite
// first and its reports say "the run's timeout (…) expired", which a
// signal would make "Interrupted by User". If the suite outlives grace
// after the first signal, the group is killed; killed is then how long it had.
func stopOnSignal(ctx context.Context, pgid int, done <-chan error, sigs, fromMake <-chan os.Signal, grace time.Duration, stderr io.Writer) (runErr error, killed time.Duration) {
	var first time.Time
	var kill, late <-chan time.Time
	forward := func(sig os.Signal) {
		_ = syscall.Kill(-pgid, sig.(syscall.Signal))
		if first.IsZero() {
			first = time.Now()
			kill = time.After(grace)
			fmt.Fprintf(stderr, "nicconform: %v: the suite undoes what the run changed on the target and reports (it is killed if it takes over %s)\n", sig, grace)
		}
	}
	ctxDone := ctx.Done()
	for {
		select {
		case err := <-done:
			return err, killed
		case sig := <-sigs:
			forward(sig)
		case sig := <-fromMake:
			if first.IsZero() {
				forward(sig)
			}
		case <-ctxDone:
			ctxDone = nil
			// main's context ends on the signal sigs also gets; only the
			// run's own bound is a signal of its own.
			if errors.Is(ctx.Err(), context.DeadlineExceeded) && first.IsZero() {
				late = time.After(timeoutGrace)
			}
		case <-late:
			late = nil
			if first.IsZero() {
				forward(syscall.SIGTERM)
			}
		case <-kill:
			kill = nil
			killed = time.Since(first)
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
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
func printPlan(dir string, started time.Time, runErr error, stdout io.Writer) error {
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
		return &exitCode{2, fmt.Sprintf("the dry run wrote no plan (%v): %v", runErr, err)}
	}
	fmt.Fprintf(stdout, "\n%s\nplan: %s (nothing was sent to the target)\n", plan, path)
	if runErr != nil {
		return &exitCode{2, fmt.Sprintf("the rehearsal against the embedded mock did not succeed (%v): the plan may be incomplete", runErr)}
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

// findSuite returns the compiled suite: the one named, the one beside this
// binary, or one built now from the module the working directory is in.
func findSuite(ctx context.Context, named string, stderr io.Writer) (string, func(), error) {
	if named != "" {
		return named, func() {}, nil
	}
	if beside, ok := besideSelf(suiteBinary); ok {
		return beside, func() {}, nil
	}
	root, ok := moduleRoot()
	if !ok {
		return "", nil, fmt.Errorf("no compiled suite: %s is not beside this binary (make build puts it there) and the working directory is not in the nicconform module; name one with -suite", suiteBinary)
	}
	tmp, err := os.MkdirTemp("", "nicconform-run-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { _ = os.RemoveAll(tmp) }
	fmt.Fprintln(stderr, "nicconform: building the suite first (go test -c ./suites/detach)…")
	bin := filepath.Join(tmp, suiteBinary)
	// The suite reports this binary's version (internal/version).
	build := exec.CommandContext(ctx, "go", "test", "-c", "-ldflags", "-X github.com/nicconform/nicconform/internal/version.stamp="+version.String(), "-o", bin, "./suites/detach")
	build.Dir, build.Stdout, build.Stderr = root, stderr, stderr
	if err := build.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("build the suite: %w", err)
	}
	return bin, cleanup, nil
}

// findGinkgo returns the command line of the Ginkgo CLI.
func findGinkgo(named string) ([]string, error) {
	if named != "" {
		return []string{named}, nil
	}
	if beside, ok := besideSelf(ginkgoBinary); ok {
		return []string{beside}, nil
	}
	if root, ok := moduleRoot(); ok {
		return []string{"go", "-C", root, "run", "./cmd/ginkgo"}, nil
	}
	if p, err := exec.LookPath(ginkgoBinary); err == nil {
		return []string{p}, nil
	}
	return nil, errors.New("no Ginkgo CLI for a parallel run: make build puts bin/ginkgo beside nicconform; or run with -procs 1")
}

// besideSelf returns the path of a file beside this executable, if there.
func besideSelf(name string) (string, bool) {
	self, err := os.Executable()
	if err != nil {
		return "", false
	}
	p := filepath.Join(filepath.Dir(self), name)
	if info, err := os.Stat(p); err == nil && !info.IsDir() {
		return p, true
	}
	return "", false
}

// moduleRoot finds the nicconform module around the working directory.
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			return dir, strings.Contains(string(b), "module github.com/nicconform/nicconform\n")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
