package journal_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nicconform/nicconform/internal/journal"
)

func TestOutstandingAcrossWritersAndACutLine(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		j, err := journal.Open(dir, "run")
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				id := string(rune('a'+w)) + string(rune('a'+i%26)) + string(rune('a'+i/26))
				j.Record(journal.Intent, "port", "", "nicconform-run-x")
				j.Record(journal.Created, "port", id, "nicconform-run-x")
				if i%2 == 0 {
					j.Record(journal.Removed, "port", id, "")
				}
			}
			if err := j.Close(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	f, err := os.OpenFile(filepath.Join(dir, journal.File), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"time":"2026-11-26T00:00:00Z","run":"run","event":"crea`) // a write cut by a kill
	f.Close()

	entries, err := journal.Read(filepath.Join(dir, journal.File))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4*(50+50+25) {
		t.Errorf("%d entries", len(entries))
	}
	if out := journal.Outstanding(entries); len(out) != 4*25 {
		t.Errorf("%d outstanding, want 100", len(out))
	}
	if none, err := journal.Read(filepath.Join(dir, "missing.jsonl")); err != nil || none != nil {
		t.Errorf("missing file: %v %v", none, err)
	}
}

// Load is for a journal a user named: a missing file, a directory or a
// file that is not a journal is an error naming the file (never showing its
// content); an empty journal and a cut last line are fine.
func TestLoadRefusesWhatIsNotAJournal(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Open(dir, "run1")
	if err != nil {
		t.Fatal(err)
	}
	j.Record(journal.Created, "port", "p1", "nicconform-run1-x")
	j.Close()
	good := filepath.Join(dir, journal.File)
	f, _ := os.OpenFile(good, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2026-11-26T00:00:00Z","run":"run1","ev`) // cut by a kill
	f.Close()
	entries, skipped, err := journal.Load(good)
	if err != nil || len(entries) != 1 || skipped != 1 {
		t.Errorf("good journal: %v %d %v", entries, skipped, err)
	}

	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := write("empty.jsonl", "")
	if entries, _, err := journal.Load(empty); err != nil || len(entries) != 0 {
		t.Errorf("empty journal: %v %v", entries, err)
	}
	if entries, _, err := journal.Load(write("blank.jsonl", "\n  \n")); err != nil || len(entries) != 0 {
		t.Errorf("blank journal: %v %v", entries, err)
	}

	const canary = "canary-content-9e1f"
	bad := []struct {
		path string
		want string
	}{
		{filepath.Join(dir, "missing.jsonl"), "no such file"},
		{dir, "is a directory"},
		{write("garbage.txt", "hello "+canary+"\nworld\n"), "not a run journal"},
		{write("json.json", `{"name":"`+canary+`"}`+"\n[1,2]\n"), "not a run journal"},
		{write("binary.bin", "\x00\x01\x02"+canary+"\xff\xfe"), "not a run journal"},
		{write("credentials", "[default]\naws_secret_access_key = "+canary+"\n"), "not a run journal"},
		{write("long.txt", strings.Repeat("x", 2<<20)), "not a run journal"},
		{write("no-time.jsonl", `{"run":"r","event":"created","kind":"port","id":"`+canary+`"}`+"\n"), "not a run journal"},
	}
	for _, b := range bad {
		_, _, err := journal.Load(b.path)
		if err == nil {
			t.Errorf("%s: accepted", b.path)
			continue
		}
		if !strings.Contains(err.Error(), b.path) || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: %v; want the path and %q", b.path, err, b.want)
		}
		if strings.Contains(err.Error(), canary) {
			t.Errorf("%s: the error shows the content: %v", b.path, err)
		}
	}
}
