package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nicconform/nicconform/internal/client"
)

// Plan renders a dry run: from a rehearsal's exchanges (against the
// embedded mock), what the run would create and call on the target it
// names, which it never contacted.
func Plan(target string, exchanges []*client.Exchange, primaryPortID string) string {
	type key struct{ op, method string }
	calls := map[key]int{}
	var ports []string
	netAttaches, primaryProbes := 0, 0
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
	fmt.Fprintf(&b, "- HTTP calls: %d\n\n| operation | method | calls |\n|---|---|---|\n", len(exchanges))
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
