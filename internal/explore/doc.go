// Package explore runs random sequences of calls of the endpoint family
// (attach and detach NICs, ports, locks, and the requests the catalog's
// negative rules send) against a target and, in lockstep, against the
// reference model: the faithful mock of internal/mock, in process, in the
// run's profile. After each step it compares what the profile pins (the
// status, or the status class the catalog allows; the error shape; the
// contract violations the client finds) and, once both worlds are
// quiescent, their observable state (the servers' NICs, the ports, the
// lock), ids mapped between the two worlds. It holds the target to the
// rules' statements, not to the model's choices: where two rules apply to
// a detach and no statement orders them, either's refusal is conformant
// (compare.go, alternative). The first break of a rule's statement is a
// divergence; what no rule covers (a neighbour call's answer, a header,
// the state after a neighbour call) is an advisory, and the sequence goes
// on with the model brought to the target's state where it can be
// (advisory.go, sequence.go's replan). pgregory.net/rapid shrinks a
// divergent sequence to the shortest one that still diverges the same way, and the reports (explore.md,
// explore.json, explore.har) show it step by step. A recorded sequence
// replays exactly (Replay).
//
// rapid's settings are global flags and its step count is an average:
// explore sets its own caps (sequences, steps, duration, shrink time and
// runs), never writes rapid's fail files, and replays from its own record.
package explore
