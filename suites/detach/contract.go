package detach

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
)

// errorProbes names the refusals that provoke the detach's documented
// errors without changing anything (an unknown server, no credentials, a
// malformed server_id, a PUT on a NIC), sent with the other refusals;
// errorRules are the rules that judge their answers too.
const errorProbes = "error-probes"

var errorRules = []string{"ERROR-SHAPE", "REQUEST-ID", "SPEC-CONFORMANT"}

// exhibitedDetaches names the accepted-detach exchanges the detach
// scenarios show REQUEST-ID and SPEC-CONFORMANT.
const exhibitedDetaches = "detaches"

var _ = Describe("The contract", TargetDecorators(), func() {
	run.RuleIt("ERROR-SHAPE", func(ctx SpecContext, r *Rule) {
		// The primary NIC's 403 is PRIMARY-FORBIDDEN's, which checks its
		// shape too, and every error of the detach operation in the run is
		// held to this rule when the report is written.
		exchanges := env().Exhibits(ctx, r, errorProbes)
		if len(exchanges) == 0 {
			env().Unmet("", "no error probe was sent")
		}
		for _, ex := range exchanges {
			// The rule is the detach operation's: a PUT's answer (a
			// METHOD-NOT-ALLOWED probe's) is no detach error.
			if ex.Status >= 400 && ex.Method == http.MethodDelete {
				problem := client.ErrorShapeProblem(env().Spec, ex)
				r.Expect(problem == "").To(BeTrueBecause("%s: %s", problem, ex))
			}
		}
	})

	run.RuleIt("REQUEST-ID", func(ctx SpecContext, r *Rule) {
		// An exchange with no answer (the target closed the connection)
		// has no header to judge: no evidence either way.
		exchanges := answered(append(env().Exhibits(ctx, r, errorProbes), env().Exhibits(ctx, r, exhibitedDetaches)...))
		if len(exchanges) < 2 {
			env().Unmet("", "the run got only %d answers of the detach operation to compare", len(exchanges))
		}
		seen := map[string]*client.Exchange{}
		for _, ex := range exchanges {
			r.Expect(ex.RequestID != "").To(BeTrueBecause("no X-Openstack-Request-Id, X-Compute-Request-Id or X-Request-Id: %s", ex))
			r.Expect(seen[ex.RequestID] == nil).To(BeTrueBecause("request id %s answers two requests: %s and %s", ex.RequestID, seen[ex.RequestID], ex))
			seen[ex.RequestID] = ex
		}
	})

	run.RuleIt("SPEC-CONFORMANT", func(ctx SpecContext, r *Rule) {
		exchanges := answered(append(env().Exhibits(ctx, r, errorProbes), env().Exhibits(ctx, r, exhibitedDetaches)...))
		checked := 0
		for _, ex := range exchanges {
			if ex.Operation == "" {
				continue // an off-contract probe: no operation to validate against
			}
			checked++
			r.Expect(len(ex.Violations) == 0).To(BeTrueBecause("%s", ex))
		}
		if checked < 4 {
			env().Unmet("", "the run validated only %d exchanges of the detach operation", checked)
		}
	})
})

// answered keeps the exchanges that got an answer, in order: one with no
// response is evidence for no rule about responses (the crossCheck in
// internal/report skips them too).
func answered(exchanges []*client.Exchange) []*client.Exchange {
	out := exchanges[:0:0]
	for _, ex := range exchanges {
		if ex.Status != 0 {
			out = append(out, ex)
		}
	}
	return out
}
