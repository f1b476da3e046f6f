package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nicconform/nicconform/internal/journal"
	"github.com/nicconform/nicconform/internal/sweep"
	"github.com/nicconform/nicconform/internal/target"
)

type journals []string

func (j *journals) String() string { return fmt.Sprint(*j) }

func (j *journals) Set(v string) error {
	if v == "" {
		return errors.New("want a journal file")
	}
	*j = append(*j, v)
	return nil
}

func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("sweep", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dryRun := flags.Bool("dry-run", false, "list what would be removed, remove nothing")
	olderThan := flags.Duration("older-than", 0, "spare runs younger than this (e.g. 2h); runs whose age is unknown are then spared too")
	runID := flags.String("run", "", "sweep only this run id")
	force := flags.Bool("force", false, "with -run: remove that run's resources even while it is live (its lease fresh); without -force every live run is spared")
	var js journals
	flags.Var(&js, "journal", "a run journal (journal.jsonl) whose outstanding ports are swept too; it must exist and be a journal, else the sweep stops before any request (repeatable; default: the report folder's, if any)")
	flags.Usage = func() {
		fmt.Fprint(stderr, `usage: nicconform sweep [flags]

Undoes what conformance runs left on the configured target (the same
NICCONFORM_* / HW_* / OS_* variables as the suite). First the server lock,
where it can prove a run locked it (a run journal shows the lock, or the
server's locked_reason names a run); a lock it cannot prove a run's it
reports, with how to unlock it, and exits 2. Then the ports named
nicconform-<run>-<purpose>, and the ports and NICs a run journal shows
begun and never undone: each port deleted (which takes its NIC), or,
where the target refuses to delete a bound port, detached first.

A live run is spared, and said so: one whose claim's lease it sees
renewed (it watches every live claim for 20 s; a live run renews its
lease every 5 s), or whose claim was never renewed on a target that
refuses the renewal, within the claim's ttl. -run ID -force removes a
live run's resources (its claim first); that run stops and reports the
rules it could not judge as errors, interfered with.

`)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *force && *runID == "" {
		return errors.New("sweep: -force needs -run ID: it removes one live run's resources, never every live run's")
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("sweep: unexpected argument %q (a journal goes with -journal)", flags.Arg(0))
	}
	// A journal the user named is checked first: one that is missing or is
	// not a journal stops the sweep before anything else, changing nothing.
	for _, path := range js {
		if _, _, err := journal.Load(path); err != nil {
			return fmt.Errorf("sweep: %w", err)
		}
	}
	t, err := target.Environment()
	if err != nil {
		return err
	}
	tg, err := target.Open(target.Options{Settings: t, ConfiguredOnly: true})
	if errors.Is(err, target.ErrNoTarget) {
		return fmt.Errorf("sweep: %w: the embedded mock leaves nothing behind", err)
	} else if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	defer tg.Close()
	if len(js) == 0 {
		def := filepath.Join(t.ReportDir, journal.File)
		if _, err := os.Stat(def); err == nil {
			js = append(js, def)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sweep: %w", err)
		}
	}
	res, err := sweep.Run(ctx, sweep.Options{
		Client: tg.Client, NetworkID: tg.NetworkID, RunID: *runID, Force: *force, OlderThan: *olderThan, Journals: js,
		Servers: []string{t.ServerID, t.OtherServerID},
		DryRun:  *dryRun, Bound: t.DetachTimeout, Poll: t.PollInterval, Out: stdout,
	})
	if *dryRun {
		fmt.Fprintf(stdout, "sweep: would unlock %d server(s); found %d leftover port(s); changed nothing (dry run)\n", len(res.Unlocked), len(res.Found))
	} else {
		fmt.Fprintf(stdout, "sweep: unlocked %d server(s); found %d leftover port(s), removed %d; spared %d live run(s)\n", len(res.Unlocked), len(res.Found), len(res.Removed), len(res.Spared))
	}
	return err
}
