package fidelity_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/fidelity"
)

// suite is the suite binary every test here runs, built once; bin is a
// folder laid out as `make build` lays out bin/ (nicconform, detach.test,
// ginkgo), for the tests that run the whole process tree.
var (
	suite fidelity.Suite
	bin   string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
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
	bin = filepath.Join(dir, "bin")
	for _, b := range [][]string{
		{"build", "-o", filepath.Join(bin, "nicconform"), "./cmd/nicconform"},
		{"build", "-o", filepath.Join(bin, "ginkgo"), "./cmd/ginkgo"},
	} {
		cmd := exec.CommandContext(ctx, "go", b...)
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go %v: %v\n%s", b, err, out)
			return 1
		}
	}
	if err := os.Link(suite.Binary, filepath.Join(bin, "detach.test")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
