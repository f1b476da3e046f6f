package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exploreEnv points the command at the embedded mock, zero delay, with the
// deviations named.
func exploreEnv(t *testing.T, deviation string) {
	for _, k := range []string{"NICCONFORM_COMPUTE_URL", "NICCONFORM_NETWORK_URL", "HW_REGION_NAME", "OS_REGION_NAME", "NICCONFORM_PROFILE", "NICCONFORM_DRY_RUN", "NICCONFORM_MOCK_ERRORS"} {
		t.Setenv(k, "")
	}
	t.Setenv("NICCONFORM_MOCK_DELAY", "0")
	t.Setenv("NICCONFORM_MOCK_DEVIATION", deviation)
}

func exitStatus(err error) int {
	var e *exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return e.code
	}
	return -1
}

func TestExploreExitsAsItFinds(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out, errb bytes.Buffer

	exploreEnv(t, "")
	if err := run(ctx, []string{"explore", "-seqs", "5", "-steps", "6", "-seed", "4", "-report-dir", dir}, &out, &errb); err != nil {
		t.Fatalf("faithful mock: %v\n%s%s", err, out.String(), errb.String())
	}
	if md, _ := os.ReadFile(filepath.Join(dir, "explore.md")); !strings.Contains(string(md), "No divergence") {
		t.Errorf("explore.md:\n%s", md)
	}

	exploreEnv(t, "success-204")
	out.Reset()
	err := run(ctx, []string{"explore", "-seqs", "40", "-steps", "8", "-seed", "4", "-shrink-time", "2s", "-report-dir", dir}, &out, &errb)
	if exitStatus(err) != 1 || !strings.Contains(out.String(), "status at detach") || !strings.Contains(out.String(), "DETACH-ACCEPTED") {
		t.Fatalf("success-204: exit %d (%v)\n%s", exitStatus(err), err, out.String())
	}
	recorded, _ := os.ReadFile(filepath.Join(dir, "explore.json"))
	for _, f := range []string{"explore.md", "explore.json", "explore.har"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}

	out.Reset()
	err = run(ctx, []string{"explore", "-replay", filepath.Join(dir, "explore.json"), "-report-dir", dir}, &out, &errb)
	if exitStatus(err) != 1 {
		t.Errorf("replay: exit %d (%v)\n%s", exitStatus(err), err, out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "explore-replay.md")); err != nil {
		t.Error(err)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "explore.json")); !bytes.Equal(now, recorded) {
		t.Error("the replay overwrote the explore.json it replayed")
	}

	exploreEnv(t, "")
	out.Reset()
	if err := run(ctx, []string{"explore", "-replay", filepath.Join(dir, "explore.json"), "-report-dir", dir}, &out, &errb); err != nil || !strings.Contains(out.String(), "no longer diverges") {
		t.Errorf("replay against the faithful mock: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"explore", "-replay", filepath.Join(dir, "missing.json")}, &out, &errb); exitStatus(err) != 2 {
		t.Errorf("a missing record: exit %d (%v)", exitStatus(err), err)
	}
	errb.Reset()
	if err := run(ctx, []string{"explore", "-h"}, &out, &errb); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errb.String(), "Exit status: 0 no divergence") {
		t.Errorf("-h: %v\n%s", err, errb.String())
	}
}
