package diff_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/diff"
	"github.com/nicconform/nicconform/internal/fidelity"
)

// TestDiffOfRealRuns runs the suite against the embedded mock three times
// (faithful, body-on-202, no-request-id) and holds diff to what each
// deviation changes, and to nothing else.
func TestDiffOfRealRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the suite three times")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	work := t.TempDir()
	start := time.Now()
	suite, err := fidelity.Build(ctx, "../..", "./suites/detach", work)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("suite built in %s", time.Since(start).Round(time.Millisecond))

	deviations := map[string]string{"faithful": "", "body-on-202": "body-on-202", "no-request-id": "no-request-id"}
	start = time.Now()
	var wg sync.WaitGroup
	for name, dev := range deviations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The suite exits non-zero against a deviation: only the reports matter.
			out, _ := suite.Exec(ctx, "NICCONFORM_COMPUTE_URL=", "NICCONFORM_PROFILE=huawei", "NICCONFORM_MOCK_ERRORS=",
				"NICCONFORM_MOCK_DEVIATION="+dev,
				"NICCONFORM_REPORT_DIR="+filepath.Join(work, name))
			if _, err := diff.Load(filepath.Join(work, name)); err != nil {
				t.Errorf("%s: %v\n%s", name, err, out)
			}
		}()
	}
	wg.Wait()
	t.Logf("three runs in %s", time.Since(start).Round(time.Millisecond))
	if t.Failed() {
		t.FailNow()
	}
	faithful := load(t, filepath.Join(work, "faithful"))

	t.Run("body-on-202", func(t *testing.T) {
		res := diff.Compare(faithful, load(t, filepath.Join(work, "body-on-202")))
		var ids []string
		for _, r := range res.Rules {
			ids = append(ids, r.ID)
			if r.A.Verdict != "pass" || r.B.Verdict != "fail" {
				t.Errorf("%s: %+v", r.ID, r)
			}
		}
		slices.Sort(ids)
		if want := []string{"BODY-EMPTY-RESPONSE", "SPEC-CONFORMANT"}; !slices.Equal(ids, want) {
			t.Errorf("verdicts differ for %v, want %v", ids, want)
		}
		found := false
		for _, op := range res.Operations {
			for _, sd := range op.Statuses {
				if op.Operation != "detachInterface" || sd.Status != 202 {
					t.Errorf("%s %d differs:\n%s", op.Operation, sd.Status, res.Markdown())
					continue
				}
				found = true
				if !slices.Equal(sd.BodiesOnlyInA, []string{"empty"}) || !slices.Equal(sd.BodiesOnlyInB, []string{"json"}) {
					t.Errorf("bodies: A %v, B %v", sd.BodiesOnlyInA, sd.BodiesOnlyInB)
				}
				if !slices.Equal(sd.KeysOnlyInB, []string{"status: string"}) || len(sd.KeysOnlyInA)+len(sd.TypeMismatches) != 0 {
					t.Errorf("key paths: only in A %v, only in B %v, mismatches %v", sd.KeysOnlyInA, sd.KeysOnlyInB, sd.TypeMismatches)
				}
				if !slices.Equal(sd.MediaTypesOnlyInB, []string{"application/json"}) {
					t.Errorf("Content-Type: only in A %q, only in B %q", sd.MediaTypesOnlyInA, sd.MediaTypesOnlyInB)
				}
			}
		}
		if !found {
			t.Errorf("no difference for detachInterface 202:\n%s", res.Markdown())
		}
	})

	t.Run("no-request-id", func(t *testing.T) {
		nrid := load(t, filepath.Join(work, "no-request-id"))
		res := diff.Compare(faithful, nrid)
		if !slices.ContainsFunc(res.Rules, func(r diff.RuleDiff) bool { return r.ID == "REQUEST-ID" && r.B.Verdict == "fail" }) {
			t.Errorf("REQUEST-ID does not differ: %+v", res.Rules)
		}
		byKey := map[diff.Key]diff.StatusDiff{}
		for _, op := range res.Operations {
			for _, sd := range op.Statuses {
				byKey[diff.Key{Operation: op.Operation, Status: sd.Status}] = sd
			}
		}
		both := 0
		for k := range faithful.Groups {
			if nrid.Groups[k] == nil {
				continue
			}
			both++
			sd, ok := byKey[k]
			if !ok || !slices.ContainsFunc(sd.HeadersOnlyInA, isRequestIDHeader) {
				t.Errorf("%s %d: no request-id header only in A: %+v", k.Operation, k.Status, sd)
			}
			if len(sd.HeadersOnlyInB) != 0 {
				t.Errorf("%s %d: headers only in B: %v", k.Operation, k.Status, sd.HeadersOnlyInB)
			}
		}
		if both < 10 {
			t.Errorf("only %d (operation, status) pairs in both runs", both)
		}
	})
}

func isRequestIDHeader(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), "request-id")
}
