package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/journal"
	"github.com/nicconform/nicconform/internal/mock"
)

// `sweep -journal FILE` with a file that is missing or is not a journal
// fails naming the file, exits 2 and changes nothing on the target (the
// mock, in this process; the sweep, its own process).
func TestSweepWithABadJournalExits2AndChangesNothing(t *testing.T) {
	srv, err := mock.NewServer(mock.Options{Delay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	seed := srv.Mock.Seed()
	c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, Auth: client.Token(mock.DefaultToken)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run := config.NewRunID(time.Now().Add(-time.Hour))
	leftover, _, err := c.CreatePort(ctx, seed.NetworkID, "nicconform-"+run+"-left")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.AttachPort(ctx, seed.Servers[0].ServerID, leftover.ID); err != nil {
		t.Fatal(err)
	}
	reports := t.TempDir()
	env := []string{"NICCONFORM_COMPUTE_URL=" + srv.URL, "NICCONFORM_PROJECT_ID=" + seed.ProjectID,
		"NICCONFORM_SERVER_ID=" + seed.Servers[0].ServerID, "NICCONFORM_NETWORK_ID=" + seed.NetworkID,
		"NICCONFORM_AUTH_TOKEN=" + mock.DefaultToken, "NICCONFORM_DETACH_TIMEOUT=5s", "NICCONFORM_POLL_INTERVAL=10ms",
		"NICCONFORM_REPORT_DIR=" + reports}
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.jsonl")
	if err := os.WriteFile(garbage, []byte("\x00\x01 this is not a journal\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "run")
	j, err := journal.Open(good, run)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	good = filepath.Join(good, journal.File)

	still := func(what string) {
		t.Helper()
		p, _, err := c.GetPort(ctx, leftover.ID)
		if err != nil || p.DeviceID == "" {
			t.Errorf("%s: the leftover port changed: %+v %v", what, p, err)
		}
	}
	for _, bad := range [][]string{
		{"-journal", filepath.Join(dir, "missing.jsonl")},
		{"-journal", garbage},
		{"-journal", good, "-journal", garbage},
		{"-journal", dir},
	} {
		_, stderr, _, code := runMain(t, env, append([]string{"sweep"}, bad...)...)
		named := bad[len(bad)-1]
		if code != 2 || !strings.Contains(stderr, named) {
			t.Errorf("sweep %v: exit %d, stderr %q; want 2 and the file named", bad, code, stderr)
		}
		still(strings.Join(bad, " "))
	}

	// The report folder's journal, used by default, is held to the same.
	if err := os.WriteFile(filepath.Join(reports, journal.File), []byte("garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, _, code := runMain(t, env, "sweep"); code != 2 || !strings.Contains(stderr, filepath.Join(reports, journal.File)) {
		t.Errorf("default journal: exit %d, stderr %q", code, stderr)
	}
	still("default journal")
	os.Remove(filepath.Join(reports, journal.File))

	// A good journal: the sweep runs and removes the leftover.
	stdout, stderr, _, code := runMain(t, env, "sweep", "-journal", good)
	if code != 0 || !strings.Contains(stdout, "removed 1") {
		t.Errorf("good journal: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, _, err := c.GetPort(ctx, leftover.ID); err == nil {
		t.Error("the leftover port survived the sweep")
	}
}
