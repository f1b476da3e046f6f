// Package detach is the conformance suite for
// DELETE /v2.1/{project_id}/servers/{server_id}/os-interface/{port_id}: one
// or more Ginkgo specs per rule of the catalog in spec/openapi.yaml, each
// labelled with its rule id. With no NICCONFORM_COMPUTE_URL it runs against
// the embedded reference mock (one per parallel process).
//
// The specs are declared when the package is initialised; Run runs them,
// once per process (Ginkgo's RunSpecs), from `nicconform run` or from
// `go test ./suites/detach` (TestDetach), in the caller's process.
package detach

import (
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/fixtures"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/internal/target"
	"github.com/nicconform/nicconform/internal/version"
	"github.com/nicconform/nicconform/spec"
)

// Description is the suite's name in Ginkgo's reports.
const Description = "nicconform: detach a NIC"

// Options are what the caller of Run hands the suite.
type Options struct {
	// ReportDir is where the reports go; "" keeps the configuration's
	// (NICCONFORM_REPORT_DIR, else ./reports).
	ReportDir string
	// RerunOf is the report folder whose failed and errored rules this
	// run re-runs (nicconform run -rerun-failed), "" for a whole run.
	RerunOf string
}

// suite is this package's one value: the run its specs are declared on
// and judged in (the declarations, then the world, the overlapped run,
// the claims on exchanges, the progress: fixtures.Suite), and the Options
// the caller of Run hands it before Ginkgo runs the specs.
type suite struct {
	*fixtures.Suite
	opts Options
}

// run is the package's only variable: the specs are declared through it
// when the package is initialised and the spec tree is built, and reach
// the run's world through it (env).
var run = &suite{Suite: fixtures.NewSuite()}

// env is the run's world, once its set-up made it; a spec fails as an
// error before (fixtures.Suite.Env).
func env() *fixtures.Env { return run.Env() }

// Run runs the suite in this process, with config passed on to Ginkgo's
// RunSpecs (a types.SuiteConfig and a types.ReporterConfig; none: what
// Ginkgo's -ginkgo.* flags say, as under go test), and reports whether
// every spec passed. It runs once per process (a second call exits the
// process: Ginkgo's rule), and the caller must have checked what Ginkgo
// would exit the process for: a label filter that does not parse, focused
// specs.
func Run(t GinkgoTestingT, o Options, config ...any) bool {
	run.opts = o
	// net/http logs what a target wrote unasked on an idle connection
	// through the standard logger: it may be the run's credentials, echoed.
	log.SetOutput(client.NetLog(os.Stderr))
	gomega.RegisterFailHandler(Fail)
	return RunSpecs(t, Description, config...)
}

// reportDir is where this run's reports go.
func reportDir(cfg config.Settings) string {
	if run.opts.ReportDir != "" {
		return run.opts.ReportDir
	}
	return cfg.ReportDir
}

var _ = SynchronizedBeforeSuite(func() []byte {
	// On process 1, before any process sets up: the run owns its report
	// folder, so nothing an earlier run wrote there outlives this one.
	cfg, _ := target.Environment() // its ReportDir resolves even when the rest does not
	if err := report.Clean(reportDir(cfg)); err != nil {
		Fail(err.Error())
	}
	return nil
}, func(ctx SpecContext, _ []byte) {
	cfg, err := target.Environment()
	if err != nil {
		Fail("the configuration: " + err.Error())
	}
	cfg.ReportDir = reportDir(cfg)
	logger := slog.New(slog.NewTextHandler(GinkgoWriter, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e, err := run.Setup(ctx, cfg, logger)
	if pe := (*fixtures.PreflightError)(nil); errors.As(err, &pe) { // the preflight's exchanges go in the HAR
		AddReportEntry(fixtures.EntryExchanges, ReportEntryVisibilityNever, pe.Exchanges)
	}
	if err != nil {
		Fail(fmt.Sprintf("setting up the target (%s): %v", cfg, err))
	}
	DeferCleanup(e.Close)
	// What no spec attached (the overlapped run's own work: calibration,
	// watch, cleanups; the claim's release): cleanups run last registered
	// first, so this runs last.
	DeferCleanup(func() {
		AddReportEntry(fixtures.EntryExchanges, ReportEntryVisibilityNever, e.TakeRest())
	})
	defer func() { // …and the set-up's own
		AddReportEntry(fixtures.EntryExchanges, ReportEntryVisibilityNever, e.TakeUntagged())
	}()
	if e.Mock == nil && !cfg.DryRun {
		DeferCleanup(e.Release) // first: an interrupt during the claim leaves none
		if err := e.Claim(ctx); err != nil {
			Fail(err.Error())
		}
	}
	// The overlapped run (docs/design.md): the refusals, the watches and the
	// scenarios start now, in the background; the specs wait for it and
	// replay its verdicts. Stop runs before the claim's release.
	DeferCleanup(run.StartPlan().Stop)
	GinkgoWriter.Printf("target: %s\n", cfg)
})

// A line per rule as its verdict settles, when the specs run in one
// process (against a configured target they always do).
var _ = ReportAfterEach(run.Progress)

var _ = BeforeEach(func() { env().RecordExchanges() })

// ReportAfterSuite runs once, on process 1, with every process's specs.
var _ = ReportAfterSuite("nicconform reports", func(r Report) {
	if r.SuiteConfig.DryRun {
		return // a dry run (or PreviewSpecs) checks nothing: it must not write verdicts
	}
	cfg, err := target.Environment()
	if err != nil { // of what resolved, only the report folder is trusted
		cfg = config.Settings{ReportDir: cfg.ReportDir, Profile: "unknown (" + err.Error() + ")"}
	}
	s, err := spec.Load()
	if err != nil {
		Fail(err.Error())
	}
	meta := report.Run{Target: cfg.String(), Region: cfg.Region, Profile: cfg.Profile, DryRun: cfg.DryRun,
		Tool: report.Tool{Version: version.String(), SpecSHA256: spec.SHA256()}, RerunOf: run.opts.RerunOf, Judgements: Judgements()}
	if p, err := s.LoadProfile(cfg.Profile); err == nil {
		meta.Tool.ProfileSHA256 = p.SHA256
	}
	if e := run.EnvOrNil(); e != nil {
		meta.Target, meta.PrimaryPortID = e.Description(), e.PrimaryPortID
		if e.Profile != nil {
			meta.Tool.ProfileSHA256 = e.Profile.SHA256
		}
		meta.Profile, meta.Expected = e.ProfileDescription(), e.Expectations()
		meta.Leaks = append(meta.Leaks, e.Unreported()...)
	}
	if cfg.DryRun { // the rehearsal ran at the mock's bounds; the plan estimates the target's
		meta.Bounds = report.Bounds{Server: cfg.ServerID, Detach: cfg.DetachTimeout, Poll: cfg.PollInterval, Settle: cfg.Settle}
		if cfg.Sources["DetachTimeout"] == "default" {
			meta.Bounds.Detach = config.DefaultDetachTimeoutLive
		}
		if cfg.Sources["PollInterval"] == "default" {
			meta.Bounds.Poll = config.DefaultPollIntervalLive
		}
	}
	c, err := run.WriteReports(reportDir(cfg), s, meta, r)
	if err != nil {
		Fail("writing the reports: " + err.Error())
	}
	dir, _ := filepath.Abs(reportDir(cfg))
	if cfg.DryRun {
		fmt.Fprintf(GinkgoWriter, "\nnicconform: dry run; the plan is in %s\n", filepath.Join(dir, "plan.md"))
		return
	}
	run.ProgressAtEnd(c)
	summary := fmt.Sprintf("nicconform: %d pass, %d fail, %d error, %d skip, %d advisories, %d left on the target — reports in %s",
		c.Summary.Pass, c.Summary.Fail, c.Summary.Error, c.Summary.Skip, len(c.Advisories), len(c.Leaks), dir)
	fmt.Fprintf(GinkgoWriter, "\n%s\n", summary)
	if report.ExitCode(c) != 0 {
		// A cross-cutting rule can fail on an exchange of a spec that
		// passed its own rule: the suite's exit status follows the verdicts.
		Fail(summary)
	}
})
