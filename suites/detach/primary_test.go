package detach_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
	"github.com/nicconform/nicconform/internal/report"
)

var _ = Describe("The primary NIC", TargetDecorators(), func() {
	It("refuses to detach the primary NIC", Rule("PRIMARY-FORBIDDEN"), func(ctx SpecContext) {
		env.Expected("PRIMARY-FORBIDDEN") // skips where the profile has no primary NIC
		env.RequirePrimaryProbe()
		Expect(env.PrimaryPortID).NotTo(BeEmpty(), "the primary NIC is unknown: set NICCONFORM_PRIMARY_PORT_ID")
		DeferCleanup(env.RestorePrimary)

		before := env.Snapshot(ctx, env.PrimaryPortID)
		ex := env.ExpectNoEffect(ctx, "PRIMARY-FORBIDDEN", func() (*client.Exchange, error) {
			return env.Client.Detach(ctx, env.ServerID, env.PrimaryPortID)
		}, env.PrimaryPortID)
		Expect(report.ErrorShapeProblem(env.Spec, ex)).To(BeEmpty(), "PRIMARY-FORBIDDEN: the 403 must carry an error body: %s", ex)
		if !env.Target.Embedded {
			// A real server cut off its network is the worst this probe can
			// cause: against a target, the primary is watched for the whole
			// detach bound, as the rule says, not just the settle time.
			env.ExpectNothingChangedFor(ctx, "PRIMARY-FORBIDDEN", before, ex, env.Target.DetachTimeout)
		}
	})
})
