package explore_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/explore"
	"github.com/nicconform/nicconform/internal/mock"
)

// needsConcurrency are the deviations explore cannot find: they show only
// while two requests race (a detach in flight when the next arrives), and
// explore runs one step at a time, each after both worlds are quiescent.
var needsConcurrency = []mock.Deviation{mock.DevConcurrentDetach500}

// maxShrunk is the longest sequence a finding of the matrix may be
// shrunk to.
const maxShrunk = 8

// matrixRow is one deviation of the explore kill matrix.
type matrixRow struct {
	dev       mock.Deviation
	kind      mock.DeviationKind
	found     bool
	shortest  int
	foundLen  int
	firstFind time.Duration
	sequences int
	signature string
	rule      string
}

// TestExploreKillMatrix runs explore against the embedded mock with each
// deviation (variants apart: they break no rule) and holds it to finding
// every one but those that need concurrent requests, the sequence-only
// ones included, each attributed to a rule and shrunk to at most maxShrunk
// steps; it reports the shortest sequence shrinking reached and the time
// to the first divergent sequence. NICCONFORM_EXPLORE_MATRIX_OUT
// names a file for the matrix in Markdown.
func TestExploreKillMatrix(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("the explore kill matrix runs without -race and without -short (make test runs it so)")
	}
	// Shrinking is bounded by its stall (150 sequences without a shorter
	// one) well before this on an idle machine; the time bound is for a
	// loaded one, where 700 ms left sequences of 14 steps.
	shrink := 3 * time.Second
	if v := os.Getenv("NICCONFORM_EXPLORE_SHRINK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		shrink = d
	}
	var rows []matrixRow
	for _, d := range mock.Deviations() {
		if d.Kind == mock.Variant || d.Profile != "" {
			continue // a variant breaks nothing; a profile's own variant (reserve-port-ignored) is not modelled here
		}
		row := matrixRow{dev: d.Name, kind: d.Kind}
		if slices.Contains(needsConcurrency, d.Name) {
			rows = append(rows, row)
			continue
		}
		tg, err := explore.NewEmbedded(explore.EmbeddedOptions{Deviations: []string{string(d.Name)}, DetachBound: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		res, err := explore.Run(context.Background(), explore.Config{
			Target: tg, Seqs: 2000, Steps: 20, Seed: 20261129, Duration: 20 * time.Second,
			ShrinkTime: shrink, ShrinkStall: 150,
		})
		tg.Close()
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		row.sequences = res.Sequences
		if len(res.Findings) > 0 {
			f := res.Findings[0]
			row.found, row.shortest, row.foundLen, row.firstFind = true, len(f.Steps), f.FoundLength, f.FoundAfter
			row.signature, row.rule = f.Divergence.Signature(), f.Divergence.Rule
			if row.rule == "" {
				row.rule = "(" + explore.NoRule + ")"
			}
		}
		rows = append(rows, row)
		switch {
		case !row.found:
			t.Errorf("%s (%s): not found in %d sequences", d.Name, d.Kind, res.Sequences)
		case row.shortest > maxShrunk:
			t.Errorf("%s (%s): shrunk to %d steps, more than %d", d.Name, d.Kind, row.shortest, maxShrunk)
		case row.rule == "" || strings.HasPrefix(row.rule, "("):
			t.Errorf("%s (%s): found, but attributed to no rule (%s)", d.Name, d.Kind, row.signature)
		}
	}
	matrix := markdown(rows)
	t.Logf("explore kill matrix:\n%s", matrix)
	if out := os.Getenv("NICCONFORM_EXPLORE_MATRIX_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(matrix), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func markdown(rows []matrixRow) string {
	var b strings.Builder
	b.WriteString("| deviation | kind | found | shortest sequence | found at length | time to first find | sequences | divergence | rule |\n|---|---|---|---|---|---|---|---|---|\n")
	var times []time.Duration
	for _, r := range rows {
		if slices.Contains(needsConcurrency, r.dev) {
			fmt.Fprintf(&b, "| %s | %s | needs concurrent requests | | | | | | |\n", r.dev, r.kind)
			continue
		}
		found := "**no**"
		if r.found {
			found = "yes"
			times = append(times, r.firstFind)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %s | %d | %s | %s |\n", r.dev, r.kind, found, r.shortest, r.foundLen,
			r.firstFind.Round(time.Millisecond), r.sequences, r.signature, r.rule)
	}
	if len(times) > 0 {
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		fmt.Fprintf(&b, "\nmedian time to first find: %s; slowest: %s\n", times[len(times)/2].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond))
	}
	return b.String()
}
