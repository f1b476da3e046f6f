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
// exploreEnv is the embedded mock with zero delay and a deviation ("" for
// none): each case runs in a process of its own, since the configuration
// is read once per process (target.Environment).
func exploreEnv(deviation string) []string {
	return []string{"NICCONFORM_MOCK_DELAY=0", "NICCONFORM_MOCK_DEVIATION=" + deviation}
}

func TestExploreExitsAsItFinds(t *testing.T) {
	dir := t.TempDir()
	out, errs, _, code := runMain(t, exploreEnv(""), "explore", "-seqs", "5", "-steps", "6", "-seed", "4", "-report-dir", dir)
	if code != 0 {
		t.Fatalf("faithful mock: exit %d\n%s%s", code, out, errs)
	}
	if md, _ := os.ReadFile(filepath.Join(dir, "explore.md")); !strings.Contains(string(md), "No divergence") {
		t.Errorf("explore.md:\n%s", md)
	}

	out, _, _, code = runMain(t, exploreEnv("success-204"), "explore", "-seqs", "40", "-steps", "8", "-seed", "4", "-shrink-time", "2s", "-report-dir", dir)
	if code != 1 || !strings.Contains(out, "status at detach") || !strings.Contains(out, "DETACH-ACCEPTED") {
		t.Fatalf("success-204: exit %d\n%s", code, out)
	}
	recorded, _ := os.ReadFile(filepath.Join(dir, "explore.json"))
	for _, f := range []string{"explore.md", "explore.json", "explore.har"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}

	out, errs, _, code = runMain(t, exploreEnv("success-204"), "explore", "-replay", filepath.Join(dir, "explore.json"), "-report-dir", dir)
	if code != 1 {
		t.Errorf("replay: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "explore-replay.md")); err != nil {
		t.Error(err)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "explore.json")); !bytes.Equal(now, recorded) {
		t.Error("the replay overwrote the explore.json it replayed")
	}

	if _, _, _, code := runMain(t, exploreEnv(""), "explore", "-replay", filepath.Join(dir, "missing.json")); code != 2 {
		t.Errorf("a missing record: exit %d", code)
	}
	if _, errs, _, code := runMain(t, exploreEnv(""), "explore", "-exclude", "PATH-MALFORMED,NO-SUCH-RULE", "-report-dir", dir); code != 2 || !strings.Contains(errs, "NO-SUCH-RULE") {
		t.Errorf("an unknown rule in -exclude: exit %d\n%s", code, errs)
	}
	out, _, _, code = runMain(t, exploreEnv("success-204"), "explore", "-seqs", "40", "-steps", "8", "-seed", "4", "-exclude", "DETACH-ACCEPTED", "-report-dir", t.TempDir())
	if code != 0 || !strings.Contains(out, "known-break") {
		t.Errorf("success-204 with DETACH-ACCEPTED excluded: exit %d\n%s", code, out)
	}
	var stdout, stderr bytes.Buffer
	if err := dispatch(context.Background(), []string{"explore", "-h"}, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "Exit status: 0 no divergence") {
		t.Errorf("-h: %v\n%s", err, stderr.String())
	}
}
