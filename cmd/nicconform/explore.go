package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/explore"
	"github.com/nicconform/nicconform/internal/journal"
	"github.com/nicconform/nicconform/internal/target"
	"github.com/nicconform/nicconform/spec"
)

const exploreUsage = `usage: nicconform explore [flags]

Runs random sequences of calls of the endpoint family (attach by port_id and
by net_id, detach: valid, repeated, unknown, malformed, another server's NIC,
the primary; show and list NICs; create, show and delete ports; lock and
unlock; and the catalog's negative requests: no credentials, tampered
credentials, a foreign project, other methods, the path without a port)
against the target (the same NICCONFORM_* / HW_* / OS_* variables as every
command; the embedded reference mock when none is configured) and, in
lockstep, against the reference model (the faithful mock, in process, in the
run's profile), ids mapped between the two. After each step it compares the
statuses (or the class the catalog allows), the error shapes and the
contract violations; once both are quiescent (within the detach bound), the
servers' NICs (MAC and IP correspondence included) and the ports. The first
difference is a divergence: rapid (pgregory.net/rapid) shrinks the sequence
to the shortest one that still diverges the same way, and the reports
(explore.md, explore.json, explore.har) show it step by step, with the rule
that covers it, or "no rule covers this sequence".

Against a configured target every port is named nicconform-<run>-explore-…,
journaled, and removed after its sequence; no attach goes past the NIC
ceiling; the primary NIC is probed only with NICCONFORM_ALLOW_PRIMARY_PROBE;
the run claims the server as the suite does, and prints an estimate of its
calls and ports before it starts.

  nicconform explore -seed 42                       reproducible
  nicconform explore -exclude PATH-MALFORMED        a known break does not stop the run
  nicconform explore -baseline reports              nor does one an earlier explore.json or
                                                    conformance.json there reports
  nicconform explore -replay reports/explore.json   re-runs exactly the recorded sequence
                                                    (its reports: explore-replay.*)

Exit status: 0 no divergence, 1 divergence, 2 could not run.

Flags:
`

// runExplore is `nicconform explore`.
func runExplore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("explore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seqs := fs.Int("seqs", explore.DefaultSeqs, "the most sequences to run")
	steps := fs.Int("steps", explore.DefaultSteps, "the most steps a sequence may have")
	seed := fs.Uint64("seed", 0, "draw the sequences from this seed (0: from the clock; the reports name it)")
	duration := fs.Duration("duration", explore.DefaultDuration, "bound for the exploration (shrinking comes on top, within -shrink-time)")
	ceiling := fs.Int("nic-ceiling", explore.DefaultNICCeiling, "the most NICs a server may have, the primary included")
	shrinkTime := fs.Duration("shrink-time", explore.DefaultShrinkTime, "bound for shrinking a divergence")
	shrinkRuns := fs.Int("shrink-runs", -1, "the most sequences shrinking may replay (default: unbounded against the embedded mock, 100 against a target)")
	replay := fs.String("replay", "", "re-run exactly the sequence recorded in this explore.json")
	exclude := fs.String("exclude", "", "RULE[,RULE]: known breaks that do not stop the run (each sequence ends at one, with an advisory)")
	baseline := fs.String("baseline", "", "an earlier explore.json or conformance.json (or the folder that holds them): the rules it found broken do not stop the run")
	settings, cfgErr := target.Environment()
	reportDir := fs.String("report-dir", settings.ReportDir, "where the reports (and a configured target's journal) go (NICCONFORM_REPORT_DIR)")
	fs.Usage = func() {
		fmt.Fprint(stderr, exploreUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitCode{2, fmt.Sprintf("explore: unexpected argument %q", fs.Arg(0))}
	}
	var script []explore.Step
	if *replay != "" {
		var err error
		if script, err = explore.LoadReplay(*replay); err != nil {
			return &exitCode{2, err.Error()}
		}
	}
	var excluded, known []string
	for _, id := range strings.Split(*exclude, ",") {
		if id = strings.TrimSpace(id); id != "" {
			excluded = append(excluded, id)
		}
	}
	if len(excluded) > 0 {
		s, err := spec.Load()
		if err != nil {
			return &exitCode{2, err.Error()}
		}
		if err := explore.CheckRules(s, excluded); err != nil {
			return &exitCode{2, "-exclude: " + err.Error()}
		}
	}
	if *baseline != "" {
		var err error
		if known, err = explore.LoadBaseline(*baseline); err != nil {
			return &exitCode{2, err.Error()}
		}
	}
	if cfgErr != nil {
		return &exitCode{2, cfgErr.Error()}
	}
	t := settings
	tg, err := explore.FromConfig(t)
	if err != nil {
		return &exitCode{2, err.Error()}
	}
	defer tg.Close()
	runID := t.RunID
	if runID == "" {
		runID = config.NewRunID(time.Now())
	}
	cfg := explore.Config{
		Target: tg, Seqs: *seqs, Steps: *steps, Seed: *seed, Duration: *duration, NICCeiling: *ceiling,
		ShrinkTime: *shrinkTime, ShrinkRuns: *shrinkRuns, RunID: runID, Progress: stdout,
		Exclude: excluded, Baseline: known,
	}
	if cfg.ShrinkRuns < 0 {
		cfg.ShrinkRuns = 0
		if !tg.Embedded {
			cfg.ShrinkRuns = 100
		}
	}
	dir, err := filepath.Abs(*reportDir)
	if err != nil {
		return &exitCode{2, err.Error()}
	}
	if !tg.Embedded {
		if cfg.Journal, err = journal.Open(dir, runID); err != nil {
			return &exitCode{2, err.Error()}
		}
		defer func() {
			if err := cfg.Journal.Close(); err != nil {
				fmt.Fprintln(stderr, "explore: journal:", err)
			}
		}()
		servers := 1
		if tg.OtherServerID != "" {
			servers = 2
		}
		est, err := explore.EstimateCost(cfg, servers)
		if err != nil {
			return &exitCode{2, err.Error()}
		}
		if script != nil {
			fmt.Fprintf(stdout, "explore: replaying %d steps against %s (run %s)\n", len(script), tg.Description, runID)
		} else {
			fmt.Fprintf(stdout, "explore: against %s (run %s)\n%s\n", tg.Description, runID, est)
		}
	}

	var res *explore.Result
	name := "explore"
	if script != nil {
		res, err = explore.Replay(ctx, cfg, script)
		name = "explore-replay"
	} else {
		res, err = explore.Run(ctx, cfg)
	}
	if res != nil {
		if werr := writeExplore(dir, name, res); werr != nil {
			return &exitCode{2, werr.Error()}
		}
		summarize(stdout, res, filepath.Join(dir, name+".md"))
	}
	switch {
	case res != nil && res.Diverged():
		msg := "explore: divergence: " + res.Findings[0].Divergence.Signature()
		if err != nil {
			msg += " (then: " + err.Error() + ")"
		}
		return &exitCode{1, msg}
	case err != nil:
		return &exitCode{2, err.Error()}
	case res != nil && len(res.Leaks) > 0:
		return &exitCode{2, fmt.Sprintf("explore: no divergence, but the run left %d thing(s) on the target (see the report)", len(res.Leaks))}
	case script != nil:
		fmt.Fprintln(stdout, "explore: the recorded sequence no longer diverges")
	}
	return nil
}

// writeExplore writes the reports as name.{md,json,har}.
func writeExplore(dir, name string, res *explore.Result) error {
	if name == "explore" {
		return explore.WriteReports(dir, res)
	}
	return explore.WriteReportsAs(dir, name, res)
}

func summarize(w io.Writer, res *explore.Result, md string) {
	rate, shrink := "", ""
	if r := res.StepsPerSecond(); r > 0 && !res.Replay {
		rate = fmt.Sprintf(" (%.0f steps/s)", r)
	}
	if res.Shrinking > 0 {
		shrink = fmt.Sprintf(", %s of it shrinking", res.Shrinking.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "explore: %d sequences, %d steps in %s%s%s; seed %d; stopped: %s\n", res.Sequences, res.Steps, res.Elapsed.Round(time.Millisecond), shrink, rate, res.Seed, res.Stopped)
	for _, a := range res.Advisories {
		fmt.Fprintf(w, "advisory %s (%d×): %s\n", a.Kind, a.Count, oneLine(a.Message))
	}
	for i, f := range res.Findings {
		label := "divergence"
		rule := f.Divergence.Rule
		if rule == "" {
			rule = explore.NoRule
		}
		fmt.Fprintf(w, "%s %d: %s, %d steps; %s\n  %s\n", label, i+1, f.Divergence.Signature(), len(f.Steps), rule, oneLine(f.Divergence.What))
	}
	for _, l := range res.Leaks {
		fmt.Fprintln(w, "LEAK:", l)
	}
	fmt.Fprintln(w, "report:", md)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
