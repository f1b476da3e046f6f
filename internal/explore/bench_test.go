package explore_test

import (
	"context"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/explore"
	"github.com/nicconform/nicconform/internal/mock"
)

// BenchmarkExplore measures explore's throughput against the embedded mock
// with zero delay: one op is one sequence of up to 20 steps, each step a
// request to the target and to the model and a state comparison. It
// reports steps/s.
//
//	go test -run '^$' -bench BenchmarkExplore -benchtime 400x ./internal/explore
func BenchmarkExplore(b *testing.B) {
	tg, err := explore.NewEmbedded(explore.EmbeddedOptions{DetachBound: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer tg.Close()
	b.ResetTimer()
	res, err := explore.Run(context.Background(), explore.Config{Target: tg, Seqs: b.N, Steps: 20, Seed: 1, Duration: time.Hour})
	if err != nil || res.Diverged() {
		b.Fatalf("%v %+v", err, res.Findings)
	}
	b.ReportMetric(float64(res.Steps)/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(float64(res.Steps)/float64(b.N), "steps/seq")
}

// BenchmarkTimeToFind measures the time to the first divergent sequence
// for a deviation that shows after a detach (detach-neighbour), shrinking
// left out: one op is one run until it diverges.
//
//	go test -run '^$' -bench BenchmarkTimeToFind -benchtime 20x ./internal/explore
func BenchmarkTimeToFind(b *testing.B) {
	tg, err := explore.NewEmbedded(explore.EmbeddedOptions{Deviations: []string{string(mock.DevDetachNeighbour)}, DetachBound: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer tg.Close()
	var found time.Duration
	for i := range b.N {
		res, err := explore.Run(context.Background(), explore.Config{Target: tg, Seqs: 1000, Steps: 20, Seed: uint64(i + 1), ShrinkStall: 1, ShrinkTime: time.Millisecond})
		if err != nil || !res.Diverged() {
			b.Fatalf("%v: not found", err)
		}
		found += res.Findings[0].FoundAfter
	}
	b.ReportMetric(found.Seconds()/float64(b.N), "s/find")
}
