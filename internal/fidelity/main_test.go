package fidelity_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/fidelity"
)

// suite is the suite binary every test here runs, built once (what go
// test ./suites/detach runs); bin is a folder laid out as `make build`
// lays out bin/ (nicconform), for the tests that run it.
var (
	suite fidelity.Suite
	bin   string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if file := os.Getenv(peakRSSEnv); file != "" {
		return measurePeakRSS(file, os.Args[1:])
	}
	dir, err := os.MkdirTemp("", "nicconform-fidelity-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if suite, err = fidelity.Build(ctx, "../..", "./suites/detach", dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// A suite binary built elsewhere (an earlier commit's, for a before
	// and after figure: scripts/bench-hostile.sh) stands in for this
	// tree's in the runs that use suite.Command.
	if other := os.Getenv("NICCONFORM_FIDELITY_SUITE"); other != "" {
		suite.Binary = other
	}
	bin = filepath.Join(dir, "bin")
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "nicconform"), "./cmd/nicconform")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/nicconform: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// peakRSSEnv, set to a file, makes this test binary a wrapper: it runs the
// command its arguments give as its child (stdio shared, SIGINT, SIGTERM
// and SIGQUIT passed on), writes the child's peak RSS to the file (KiB,
// wait4's ru_maxrss) and exits with the child's status. A run's peak RSS
// is measured through it (hostileExec) because Go starts a child with
// vfork: at its exec the child's ru_maxrss takes the parent's high-water
// mark, so a suite started straight from this process reads at least this
// process's own peak (the mock and the fault proxy: over 1.7 GiB after a
// gzip bomb). The wrapper's own peak, a few tens of MiB, is the floor of
// the figure.
const peakRSSEnv = "NICCONFORM_FIDELITY_PEAK_RSS_FILE"

// measurePeakRSS runs args as peakRSSEnv says and returns the exit status.
func measurePeakRSS(file string, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "fidelity: peak RSS wrapper: no command")
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // a killed wrapper leaves no run behind
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, peakRSSEnv+"=") })
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "fidelity: peak RSS wrapper: %v\n", err)
		return 2
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	_ = cmd.Wait() // the status is the child's, below
	ps := cmd.ProcessState
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		if err := os.WriteFile(file, []byte(strconv.FormatInt(ru.Maxrss, 10)), 0o600); err != nil {
			fmt.Fprintf(os.Stderr, "fidelity: peak RSS wrapper: %v\n", err)
		}
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
