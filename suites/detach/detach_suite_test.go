// Package detach_test is the conformance suite for
// DELETE /v2.1/{project_id}/servers/{server_id}/os-interface/{port_id}: one
// or more Ginkgo specs per rule of the catalog in spec/openapi.yaml, each
// labelled with its rule id. With no NICCONFORM_COMPUTE_URL it runs against
// the embedded reference mock (one per parallel process).
package detach_test

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/fixtures"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/spec"
)

// env is this process's world, set up before any spec runs.
var env *fixtures.Env

func TestDetach(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "nicconform: detach a NIC")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	cfg, err := config.FromEnv()
	Expect(err).NotTo(HaveOccurred(), "configuration")
	logger := slog.New(slog.NewTextHandler(GinkgoWriter, &slog.HandlerOptions{Level: slog.LevelInfo}))
	env, err = fixtures.Setup(ctx, cfg, logger)
	Expect(err).NotTo(HaveOccurred(), "setting up the target (%s)", cfg)
	DeferCleanup(env.Close)
	DeferCleanup(env.RemoveWitness) // runs before Close
	start := env.Client.Recorder().Len()
	if err := env.Calibrate(ctx); err != nil {
		GinkgoWriter.Printf("calibration: %v; specs watch for delayed effects for the whole detach bound (%s)\n", err, env.Settle)
	}
	GinkgoWriter.Printf("target: %s; detach latency %s, settle %s\n", cfg, env.DetachLatency, env.Settle)
	AddReportEntry(fixtures.EntryExchanges, ReportEntryVisibilityNever, env.Client.Recorder().Since(start))
})

var _ = BeforeEach(func() { env.RecordExchanges() })

// ReportAfterSuite runs once, on process 1, with every process's specs.
var _ = ReportAfterSuite("nicconform reports", func(r Report) {
	if r.SuiteConfig.DryRun {
		return // a dry run (or PreviewSpecs) checks nothing: it must not write verdicts
	}
	cfg, err := config.FromEnv()
	if err != nil {
		cfg.Profile = "unknown (" + err.Error() + ")"
	}
	cfg.ReportDir = config.ReportDir()
	s, err := spec.Load()
	Expect(err).NotTo(HaveOccurred())
	run := report.Run{Target: cfg.String(), Profile: cfg.Profile}
	if env != nil {
		run.Target, run.PrimaryPortID = env.Description(), env.PrimaryPortID
	}
	run.DryRun = cfg.DryRun
	c, leaks, err := fixtures.WriteReports(cfg.ReportDir, s, run, r)
	Expect(err).NotTo(HaveOccurred(), "writing the reports")
	dir, _ := filepath.Abs(cfg.ReportDir)
	if cfg.DryRun {
		fmt.Fprintf(GinkgoWriter, "\nnicconform: dry run; the plan is in %s\n", filepath.Join(dir, "plan.md"))
		return
	}
	fmt.Fprintf(GinkgoWriter, "\nnicconform: %d pass, %d fail, %d skip — reports in %s\n", c.Summary.Pass, c.Summary.Fail, c.Summary.Skip, dir)
	Expect(leaks).To(BeEmpty(), "resources the run could not remove (sweep them by name: nicconform-*)")
	// A cross-cutting rule can fail on an exchange of a spec that passed its own rule.
	var failed []string
	for _, v := range c.Rules {
		if v.Verdict == report.Fail {
			failed = append(failed, v.ID+": "+v.Reason)
		}
	}
	sort.Strings(failed)
	Expect(failed).To(BeEmpty(), "rules that failed:\n%s", strings.Join(failed, "\n"))
})
