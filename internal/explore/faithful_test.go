package explore_test

import (
	"context"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/explore"
	"github.com/nicconform/nicconform/spec"
)

// TestFaithfulAgainstItself: the faithful mock as the target, in each
// profile, agrees with the reference model over 500 sequences of up to 20
// steps: explore finds no divergence where there is none.
func TestFaithfulAgainstItself(t *testing.T) {
	t.Parallel()
	if raceEnabled || testing.Short() {
		t.Skip("500 sequences a profile: runs without -race and without -short (make test runs it so)")
	}
	for _, profile := range []string{spec.ProfileHuawei, spec.ProfileNova} {
		t.Run(profile, func(t *testing.T) {
			tg, err := explore.NewEmbedded(explore.EmbeddedOptions{Profile: profile, DetachBound: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			res, err := explore.Run(context.Background(), explore.Config{Target: tg, Seqs: 500, Steps: 20, Seed: 20261129, Duration: 5 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d sequences, %d steps in %s (%.0f steps/s)", res.Sequences, res.Steps, res.Elapsed.Round(time.Millisecond), res.StepsPerSecond())
			if res.Sequences != 500 {
				t.Errorf("ran %d sequences (stopped: %s)", res.Sequences, res.Stopped)
			}
			for _, f := range res.Findings {
				t.Errorf("divergence %s in sequence %d: %s; steps %v", f.Divergence.Signature(), f.Sequence, f.Divergence.What, f.Script())
			}
		})
	}
}
