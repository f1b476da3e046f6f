package detach

import (
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/spec"
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
	// Each rule below is judged by one function, beside its spec: the spec
	// applies it to what the run showed it, and the report applies it to
	// every answered exchange of the detach operation in the run
	// (Judgements, report.Run.Judgements), a cleanup's or a re-run's too.
	run.RuleIt("ERROR-SHAPE", func(ctx SpecContext, r *Rule) {
		// The primary NIC's 403 is PRIMARY-FORBIDDEN's, which checks its
		// shape too.
		exchanges := env().Exhibits(ctx, r, errorProbes)
		if len(exchanges) == 0 {
			env().Unmet("", "no error probe was sent")
		}
		expectNoBreak(r, errorShapeBreaks(env().Spec, exchanges))
	})

	run.RuleIt("REQUEST-ID", func(ctx SpecContext, r *Rule) {
		// An exchange with no answer (the target closed the connection)
		// has no header to judge: no evidence either way.
		exchanges := answered(append(env().Exhibits(ctx, r, errorProbes), env().Exhibits(ctx, r, exhibitedDetaches)...))
		if len(exchanges) < 2 {
			env().Unmet("", "the run got only %d answers of the detach operation to compare", len(exchanges))
		}
		expectNoBreak(r, requestIDBreaks(env().Spec, exchanges))
	})

	run.RuleIt("SPEC-CONFORMANT", func(ctx SpecContext, r *Rule) {
		exchanges := answered(append(env().Exhibits(ctx, r, errorProbes), env().Exhibits(ctx, r, exhibitedDetaches)...))
		expectNoBreak(r, conformanceBreaks(env().Spec, exchanges))
		checked := 0
		for _, ex := range exchanges {
			if ex.Operation != "" { // an off-contract probe has no operation to validate against
				checked++
			}
		}
		if checked < 4 {
			env().Unmet("", "the run validated only %d exchanges of the detach operation", checked)
		}
	})
})

// Judgements are the judgements of the rules every answered exchange of
// the detach operation in a run is held to, by rule id: what the report
// applies to the exchanges no spec was shown (report.Run.Judgements).
func Judgements() map[string]report.Judgement {
	return map[string]report.Judgement{
		report.RuleErrorShape: errorShapeBreaks, report.RuleRequestID: requestIDBreaks, report.RuleSpecConformant: conformanceBreaks,
	}
}

// errorShapeBreaks: ERROR-SHAPE, every error of the detach operation
// carries the documented error body (client.ErrorShapeProblem, after
// docs/reference.md "Errors"). A PUT's answer (a METHOD-NOT-ALLOWED
// probe's) is no detach error.
func errorShapeBreaks(s *spec.Spec, exchanges []*client.Exchange) []report.Break {
	var out []report.Break
	for _, ex := range exchanges {
		if ex.Status >= 400 && ex.Method == http.MethodDelete {
			if problem := client.ErrorShapeProblem(s, ex); problem != "" {
				out = append(out, report.Break{Exchange: ex, Why: problem})
			}
		}
	}
	return out
}

// requestIDBreaks: REQUEST-ID, every answer carries a request id of its
// own (X-Openstack-Request-Id, X-Compute-Request-Id or X-Request-Id).
func requestIDBreaks(_ *spec.Spec, exchanges []*client.Exchange) []report.Break {
	var out []report.Break
	seen := map[string]*client.Exchange{}
	for _, ex := range answered(exchanges) {
		switch first := seen[ex.RequestID]; {
		case ex.RequestID == "":
			out = append(out, report.Break{Exchange: ex, Why: "no X-Openstack-Request-Id, X-Compute-Request-Id or X-Request-Id"})
		case first != nil:
			out = append(out, report.Break{Exchange: ex, Why: fmt.Sprintf("request id %s was already given to exchange #%d: it identifies no request", ex.RequestID, first.Seq)})
		default:
			seen[ex.RequestID] = ex
		}
	}
	return out
}

// conformanceBreaks: SPEC-CONFORMANT, every exchange of the detach
// operation validates against spec/openapi.yaml (the client records each
// violation kin-openapi finds); an off-contract probe has no operation to
// validate against.
func conformanceBreaks(_ *spec.Spec, exchanges []*client.Exchange) []report.Break {
	var out []report.Break
	for _, ex := range answered(exchanges) {
		if ex.Operation != "" && len(ex.Violations) > 0 {
			out = append(out, report.Break{Exchange: ex, Why: ex.Violations[0].Kind + ": " + ex.Violations[0].Message})
		}
	}
	return out
}

// expectNoBreak fails r on the first break, with its exchange.
func expectNoBreak(r *Rule, breaks []report.Break) {
	for _, b := range breaks {
		r.Expect(false).To(BeTrueBecause("%s: %s", b.Why, b.Exchange))
	}
}

// answered keeps the exchanges that got an answer, in order: one with no
// response is evidence for no rule about responses.
func answered(exchanges []*client.Exchange) []*client.Exchange {
	out := exchanges[:0:0]
	for _, ex := range exchanges {
		if ex.Status != 0 {
			out = append(out, ex)
		}
	}
	return out
}
