package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/client"
)

// Plan renders a dry run: from a rehearsal's exchanges (against the
// embedded mock), what the run would create and call on the target it
// names, which it never contacted.
func Plan(run Run, exchanges []*client.Exchange) string {
	target, primaryPortID := run.Target, run.PrimaryPortID
	type key struct{ op, method string }
	calls := map[key]int{}
	var ports []string
	netAttaches, primaryProbes, locks := 0, 0, 0
	for _, e := range exchanges {
		op := e.Operation
		if op == "" {
			op = "(off-contract probe)"
		}
		calls[key{op, e.Method}]++
		switch {
		case e.Operation == "createPort" && e.Status == 201:
			var body struct {
				Port struct {
					Name string `json:"name"`
				} `json:"port"`
			}
			if e.JSON(&body) == nil {
				ports = append(ports, body.Port.Name)
			}
		case e.Operation == "attachInterface" && e.Status == 200 && strings.Contains(string(e.RequestBody), `"net_id"`):
			netAttaches++
		case e.Operation == "detachInterface" && primaryPortID != "" && strings.HasSuffix(e.URL, "/"+primaryPortID):
			primaryProbes++
		case e.Operation == "serverAction" && strings.Contains(string(e.RequestBody), `"lock"`):
			locks++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# nicconform dry run\n\nNothing was sent to the target. A rehearsal against the embedded mock shows what a run would do on\n%s:\n\n", target)
	fmt.Fprintf(&b, "- servers created: none\n")
	fmt.Fprintf(&b, "- ports created: %d, each named nicconform-<run>-<purpose> and deleted by the run's cleanup\n", len(ports))
	fmt.Fprintf(&b, "- NICs attached by net_id (ports the cloud creates, renamed for the run, deleted with their NIC): %d\n", netAttaches)
	if primaryProbes > 0 {
		fmt.Fprintf(&b, "- the primary-NIC probe: sent %d time(s) (DELETE of the primary NIC, which must answer 403)\n", primaryProbes)
	} else {
		fmt.Fprintf(&b, "- the primary-NIC probe: not sent (NICCONFORM_ALLOW_PRIMARY_PROBE is off, or the profile has no primary NIC)\n")
	}
	if run.Cost != nil {
		fmt.Fprintf(&b, "- NICs on the server at once: at most %d in the rehearsal, the primary included (the run keeps to at most %d)\n", run.Cost.PeakNICs, run.Cost.MaxNICs)
	}
	b.WriteString(estimate(run.Bounds, locks > 0, primaryProbes > 0))
	fmt.Fprintf(&b, "\n- HTTP calls: %d in the rehearsal (at the mock's latency; against a target the polls add more: the README's live-like bench made 396 at a 2 s latency and 543 at 10 s)\n\n| operation | method | calls |\n|---|---|---|\n", len(exchanges))
	keys := make([]key, 0, len(calls))
	for k := range calls {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].op != keys[j].op {
			return keys[i].op < keys[j].op
		}
		return keys[i].method < keys[j].method
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "| %s | %s | %d |\n", k.op, k.method, calls[k])
	}
	purposes := map[string]int{}
	for _, name := range ports {
		parts := strings.SplitN(name, "-", 3)
		if len(parts) == 3 {
			purposes[parts[2]]++
		}
	}
	if len(purposes) > 0 {
		names := make([]string, 0, len(purposes))
		for p, n := range purposes {
			names = append(names, fmt.Sprintf("%s ×%d", p, n))
		}
		sort.Strings(names)
		fmt.Fprintf(&b, "\nPorts by purpose: %s\n", strings.Join(names, ", "))
	}
	return b.String()
}

// Bounds are the configured bounds a run against the target would use
// (NICCONFORM_DETACH_TIMEOUT, NICCONFORM_POLL_INTERVAL, NICCONFORM_SETTLE;
// the live defaults where unset), for the dry run's estimate.
type Bounds struct {
	Server string        // NICCONFORM_SERVER_ID, the server the run would lock
	Detach time.Duration // the detach bound
	Poll   time.Duration // the completion poll interval
	Settle time.Duration // zero: measured, three detach latencies
}

// settleFor is the settle window a run measures after a calibration that
// saw the detach take latency: 3 × latency, at least five polls, at most
// the detach bound (README, "How it looks"); the configured one if set.
func (b Bounds) settleFor(latency time.Duration) time.Duration {
	if b.Settle > 0 {
		return b.Settle
	}
	return min(max(3*latency, 5*b.Poll), b.Detach)
}

// wallFor models the overlapped run's wall time (docs/design.md,
// "Overlapped run") at a detach latency L and settle window S: the
// calibration (L), STATE-LOCKED's window (S), the refusals' one shared
// window (S) overlapped with the detach scenarios (each at most two
// detaches and their windows, 2(L+S)), so 3(L+S) in all; the primary
// probe's watch (the whole bound from the start) when it is sent. It
// matches scripts/bench-live.sh's figures (README "Performance": at 2 s
// latency the scenarios end by 22 s, the run at the 30 s bound, 31.4 s;
// at 10 s and a 300 s bound, 301.8 s). Preflight, claim and cleanup add
// a few calls' time.
func (b Bounds) wallFor(latency time.Duration, primary bool) time.Duration {
	wall := 3 * (latency + b.settleFor(latency))
	if primary {
		wall = max(wall, b.Detach)
	}
	return wall
}

// estimate renders the server lock and the expected wall time of a run
// against the target from its bounds: the detach latency is what the
// run's calibration measures, so the wall time is given per latency.
func estimate(b Bounds, lock, primary bool) string {
	if b.Detach <= 0 {
		return ""
	}
	var sb strings.Builder
	settle := "the settle window (3 × the detach latency the calibration measures, at least 5 polls, at most the detach bound " + b.Detach.String() + ")"
	if b.Settle > 0 {
		settle = "the settle window (NICCONFORM_SETTLE, " + b.Settle.String() + ")"
	}
	if lock {
		server := ""
		if b.Server != "" {
			server = " " + b.Server
		}
		after := ""
		if primary {
			after = ", after the primary probe's answer"
		}
		fmt.Fprintf(&sb, "- the server lock: STATE-LOCKED locks server%s once, right after the calibration (about one detach latency into the run%s), for %s plus the lock, refusal and unlock calls; `locked_reason` names the run, and meanwhile nobody without admin rights can change the server. Left out with `-label-filter='!STATE-LOCKED'`\n", server, after, settle)
	} else {
		sb.WriteString("- the server lock: none (STATE-LOCKED is not selected, or the profile skips it)\n")
	}
	fmt.Fprintf(&sb, "- wall time, with the detach bound %s and the poll interval %s (the run's: NICCONFORM_DETACH_TIMEOUT and NICCONFORM_POLL_INTERVAL, else the live defaults; the rehearsal ran at the mock's): the calibration measures the detach latency, then the windows follow from it", b.Detach, b.Poll)
	if primary {
		fmt.Fprintf(&sb, "; the primary NIC is watched for the whole bound, so the run takes at least %s", b.Detach)
	}
	sb.WriteString(". Expected, by the latency the calibration would see:\n\n| detach latency | settle window | wall time |\n|---|---|---|\n")
	for _, l := range []time.Duration{time.Second, 2 * time.Second, 10 * time.Second, 30 * time.Second, 100 * time.Second} {
		if l >= b.Detach {
			break
		}
		fmt.Fprintf(&sb, "| %s | %s | %s |\n", l, b.settleFor(l).Round(time.Second), b.wallFor(l, primary).Round(time.Second))
	}
	fmt.Fprintf(&sb, "\nA target whose detach never completes within %s: the calibration gives up at the bound and the rules that need a completed detach are errors at once (at most 2 × the bound + 1 min in all).\n", b.Detach)
	return sb.String()
}
