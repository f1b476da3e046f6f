package detach_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
	"github.com/nicconform/nicconform/internal/report"
)

// errorProbes provoke the detach's documented errors without changing
// anything: unknown server, no credentials, malformed id, other method.
func errorProbes(ctx SpecContext, portID string) []*client.Exchange {
	GinkgoHelper()
	var out []*client.Exchange
	ex, err := env.Client.Detach(ctx, UnknownUUID(), portID)
	Expect(err).NotTo(HaveOccurred())
	out = append(out, ex)
	ex, err = env.Client.WithAuth(nil).Detach(ctx, env.ServerID, portID)
	Expect(err).NotTo(HaveOccurred())
	out = append(out, ex)
	out = append(out, env.Probe(ctx, http.MethodDelete, NICPath(env.ProjectID, "nicconform-not-a-uuid", portID), "malformed server_id"))
	out = append(out, env.Probe(ctx, http.MethodPut, NICPath(env.ProjectID, env.ServerID, portID), "PUT on a NIC"))
	return out
}

var _ = Describe("The contract", TargetDecorators(), func() {
	It("carries a documented error body on every error", Rule("ERROR-SHAPE"), func(ctx SpecContext) {
		// Its own NIC (removed at the end, so a probe's delayed effect cannot
		// reach later specs); the primary NIC's 403 is PRIMARY-FORBIDDEN's,
		// which checks its shape too, and every error of the run is held to
		// this rule when the report is written.
		nic := env.AttachByPort(ctx, "error-shape")
		for _, ex := range errorProbes(ctx, nic.PortID) {
			if ex.Status >= 400 {
				Expect(report.ErrorShapeProblem(env.Spec, ex)).To(BeEmpty(), "ERROR-SHAPE: %s", ex)
			}
		}
	})

	It("carries a request id on every response", Rule("REQUEST-ID"), func(ctx SpecContext) {
		start := env.Client.Recorder().Len()
		nic := env.AttachByPort(ctx, "request-id")
		errorProbes(ctx, nic.PortID)
		_, err := env.Client.Detach(ctx, env.ServerID, nic.PortID)
		Expect(err).NotTo(HaveOccurred())

		seen := map[string]*client.Exchange{}
		for _, ex := range env.Client.Recorder().Since(start) {
			Expect(ex.RequestID).NotTo(BeEmpty(), "REQUEST-ID: no X-Openstack-Request-Id, X-Compute-Request-Id or X-Request-Id: %s", ex)
			Expect(seen).NotTo(HaveKey(ex.RequestID), "REQUEST-ID: request id %s answers two requests: %s and %s", ex.RequestID, seen[ex.RequestID], ex)
			seen[ex.RequestID] = ex
		}
	})

	It("answers every exchange as spec/openapi.yaml describes", Rule("SPEC-CONFORMANT"), func(ctx SpecContext) {
		start := env.Client.Recorder().Len()
		_, _, err := env.Client.GetServer(ctx, env.ServerID)
		Expect(err).NotTo(HaveOccurred())
		byPort := env.AttachByPort(ctx, "conformant-port")
		byNet := env.AttachByNet(ctx, "conformant-net")
		_, _, err = env.Client.GetInterface(ctx, env.ServerID, byPort.PortID)
		Expect(err).NotTo(HaveOccurred())
		_, _, err = env.Client.ListPorts(ctx, client.ListPortsOpts{Name: byNet.Port.Name})
		Expect(err).NotTo(HaveOccurred())
		errorProbes(ctx, byPort.PortID)
		for _, nic := range []NIC{byPort, byNet} {
			_, err = env.Client.Detach(ctx, env.ServerID, nic.PortID)
			Expect(err).NotTo(HaveOccurred())
		}
		_, _, err = env.Client.GetPort(ctx, byPort.PortID)
		Expect(err).NotTo(HaveOccurred())

		checked := 0
		for _, ex := range env.Client.Recorder().Since(start) {
			if ex.Operation == "" {
				continue // an off-contract probe: nothing to validate against
			}
			checked++
			Expect(ex.Violations).To(BeEmpty(), "SPEC-CONFORMANT: %s", ex)
		}
		Expect(checked).To(BeNumerically(">=", 9), "the scripted session validated too few exchanges")
	})
})
