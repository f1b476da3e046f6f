package detach_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	. "github.com/nicconform/nicconform/internal/fixtures"
	"github.com/nicconform/nicconform/internal/report"
)

var _ = Describe("The primary NIC", TargetDecorators(), func() {
	It("refuses to detach the primary NIC", Rule("PRIMARY-FORBIDDEN"), func(ctx SpecContext) {
		want := env.Expected("PRIMARY-FORBIDDEN")
		Expect(env.PrimaryPortID).NotTo(BeEmpty(), "the primary NIC is unknown: set NICCONFORM_PRIMARY_PORT_ID")
		DeferCleanup(env.RestorePrimary)
		before := env.Snapshot(ctx, env.PrimaryPortID)

		ex, err := env.Client.Detach(ctx, env.ServerID, env.PrimaryPortID)
		Expect(err).NotTo(HaveOccurred())
		Expect(ex).To(HaveStatusIn("PRIMARY-FORBIDDEN", want))
		Expect(report.ErrorShapeProblem(env.Spec, ex)).To(BeEmpty(), "PRIMARY-FORBIDDEN: the 403 must carry an error body: %s", ex)
		env.ExpectNothingChanged(ctx, "PRIMARY-FORBIDDEN", before, ex)
	})
})
