package explore

import (
	"fmt"
	"time"
)

// Estimate is what a run may cost a configured target, shrinking
// included: explore prints it before a live run starts.
type Estimate struct {
	Sequences, StepsPerSequence int
	// ObservationMin and ObservationMax bound the calls one state
	// observation takes (show the server, list each server's NICs, show
	// each port the sequence made).
	ObservationMin, ObservationMax int
	// Calls bounds the calls of the exploration and of shrinking, without
	// the polls while a detach completes (PollsPerDetach observations at
	// most each).
	Calls, ShrinkCalls int
	PollsPerDetach     int
	// Ports bounds the ports created (every create-port and attach-net),
	// PortsAtOnce the ports one sequence holds at a time.
	Ports, PortsAtOnce int
	// ShrinkReplays bounds the sequences shrinking replays (0: only the
	// shrink time bounds them).
	ShrinkReplays int
	Duration      time.Duration
	ShrinkTime    time.Duration
}

// Estimate bounds what a run with cfg may cost (servers: 1 or 2).
func EstimateCost(cfg Config, servers int) (Estimate, error) {
	if err := cfg.defaults(); err != nil {
		return Estimate{}, err
	}
	e := Estimate{
		Sequences: cfg.Seqs, StepsPerSequence: cfg.Steps,
		ObservationMin: 1 + servers, PortsAtOnce: 2 * cfg.NICCeiling,
		ShrinkReplays: cfg.ShrinkRuns, Duration: cfg.Duration, ShrinkTime: cfg.ShrinkTime,
	}
	e.ObservationMax = e.ObservationMin + min(cfg.Steps, e.PortsAtOnce)
	steps := cfg.Seqs * cfg.Steps
	perStep := 1 + e.ObservationMax
	e.Calls = steps*perStep + cfg.Seqs*e.ObservationMax // an observation before the first step, too
	e.Ports = steps
	if cfg.ShrinkRuns > 0 {
		e.ShrinkCalls = cfg.ShrinkRuns * (cfg.Steps*perStep + e.ObservationMax)
		e.Ports += cfg.ShrinkRuns * cfg.Steps
	}
	if t := cfg.Target; t != nil && t.Poll > 0 {
		e.PollsPerDetach = int(t.DetachBound / t.Poll)
	}
	return e, nil
}

// String says it in a few lines.
func (e Estimate) String() string {
	shrink := fmt.Sprintf("at most %d replays of at most %d steps, within %s (up to %d calls)", e.ShrinkReplays, e.StepsPerSequence, e.ShrinkTime, e.ShrinkCalls)
	if e.ShrinkReplays == 0 {
		shrink = fmt.Sprintf("as many replays as fit in %s (-shrink-runs bounds them)", e.ShrinkTime)
	}
	return fmt.Sprintf(`estimate: at most %d sequences of at most %d steps, within %s: each step one request and a state observation of %d to %d calls; at most %d calls in all, plus, while a detach completes, one observation per poll (at most %d per step);
  shrinking a divergence: %s;
  ports: at most %d at once, at most %d created in all (each removed after its sequence); NICs: the ceiling holds every server to it`,
		e.Sequences, e.StepsPerSequence, e.Duration, e.ObservationMin, e.ObservationMax, e.Calls, e.PollsPerDetach, shrink, e.PortsAtOnce, e.Ports)
}
