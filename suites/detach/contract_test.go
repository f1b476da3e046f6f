package detach_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
	"github.com/nicconform/nicconform/internal/paths"
)

// errorProbes provoke the detach's documented errors without changing
// anything: unknown server, no credentials, malformed id, other method.
func errorProbes(ctx SpecContext, r *Rule, portID string) []*client.Exchange {
	GinkgoHelper()
	return []*client.Exchange{
		r.Send("a detach on an unknown server", func() (*client.Exchange, error) {
			return env.Client.Detach(ctx, UnknownUUID(), portID)
		}),
		r.Send("a detach without credentials", func() (*client.Exchange, error) {
			return env.Client.WithAuth(nil).Detach(ctx, env.ServerID, portID)
		}),
		r.Send("a detach with a malformed server_id", func() (*client.Exchange, error) {
			return env.Probe(ctx, http.MethodDelete, paths.Interface.Segments(env.ProjectID, "nicconform-not-a-uuid", portID), "malformed server_id")
		}),
		r.Send("a PUT on a NIC", func() (*client.Exchange, error) {
			return env.Probe(ctx, http.MethodPut, paths.Interface.Segments(env.ProjectID, env.ServerID, portID), "PUT on a NIC")
		}),
	}
}

var _ = Describe("The contract", TargetDecorators(), func() {
	RuleIt("ERROR-SHAPE", func(ctx SpecContext, r *Rule) {
		// Its own NIC (removed at the end, so a probe's delayed effect cannot
		// reach later specs); the primary NIC's 403 is PRIMARY-FORBIDDEN's,
		// which checks its shape too, and every error of the detach
		// operation in the run is held to this rule when the report is
		// written.
		nic := env.AttachByPort(ctx, "error-shape")
		for _, ex := range errorProbes(ctx, r, nic.PortID) {
			if ex.Status >= 400 {
				problem := client.ErrorShapeProblem(env.Spec, ex)
				r.Expect(problem == "").To(BeTrueBecause("%s: %s", problem, ex))
			}
		}
	})

	RuleIt("REQUEST-ID", func(ctx SpecContext, r *Rule) {
		nic := env.AttachByPort(ctx, "request-id")
		exchanges := errorProbes(ctx, r, nic.PortID)
		exchanges = append(exchanges, r.Send("the detach", func() (*client.Exchange, error) {
			return env.Client.Detach(ctx, env.ServerID, nic.PortID)
		}))

		seen := map[string]*client.Exchange{}
		for _, ex := range exchanges {
			r.Expect(ex.RequestID != "").To(BeTrueBecause("no X-Openstack-Request-Id, X-Compute-Request-Id or X-Request-Id: %s", ex))
			r.Expect(seen[ex.RequestID] == nil).To(BeTrueBecause("request id %s answers two requests: %s and %s", ex.RequestID, seen[ex.RequestID], ex))
			seen[ex.RequestID] = ex
		}
	})

	RuleIt("SPEC-CONFORMANT", func(ctx SpecContext, r *Rule) {
		byPort := env.AttachByPort(ctx, "conformant-port")
		byNet := env.AttachByNet(ctx, "conformant-net")
		exchanges := errorProbes(ctx, r, byPort.PortID)
		for _, nic := range []NIC{byPort, byNet} {
			exchanges = append(exchanges, r.Send("the detach", func() (*client.Exchange, error) {
				return env.Client.Detach(ctx, env.ServerID, nic.PortID)
			}))
		}

		checked := 0
		for _, ex := range exchanges {
			if ex.Operation == "" {
				continue // an off-contract probe: no operation to validate against
			}
			checked++
			r.Expect(len(ex.Violations) == 0).To(BeTrueBecause("%s", ex))
		}
		if checked < 4 {
			env.Unmet("", "the scripted session validated only %d exchanges of the detach operation", checked)
		}
	})
})
