package fidelity_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/fidelity"
)

// suite is the suite binary every test here runs, built once.
var suite fidelity.Suite

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
	return m.Run()
}
