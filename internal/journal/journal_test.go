package journal_test

import (
	"os"
	"path/filepath"
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
