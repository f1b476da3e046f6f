package detach_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
)

var _ = Describe("Authentication", TargetDecorators(), func() {
	It("answers 401 without credentials", Rule("AUTH-MISSING"), func(ctx SpecContext) {
		want := env.Expected("AUTH-MISSING")
		nic := env.AttachByPort(ctx, "auth-missing")
		before := env.Snapshot(ctx, nic.PortID)

		ex, err := env.Client.WithAuth(nil).Detach(ctx, env.ServerID, nic.PortID)
		Expect(err).NotTo(HaveOccurred())
		Expect(ex).To(HaveStatusIn("AUTH-MISSING", want))
		env.ExpectNothingChanged(ctx, "AUTH-MISSING", before, ex)
	})

	It("answers 401 to a wrong token", Rule("AUTH-INVALID"), func(ctx SpecContext) {
		want := env.Expected("AUTH-INVALID")
		nic := env.AttachByPort(ctx, "auth-invalid")
		before := env.Snapshot(ctx, nic.PortID)

		wrong := client.Token("nicconform-wrong-" + UnknownProjectID())
		ex, err := env.Client.WithAuth(wrong).Detach(ctx, env.ServerID, nic.PortID)
		Expect(err).NotTo(HaveOccurred())
		Expect(ex).To(HaveStatusIn("AUTH-INVALID", want))
		env.ExpectNothingChanged(ctx, "AUTH-INVALID", before, ex)
	})
})

var _ = Describe("A locked server", TargetDecorators(), func() {
	It("answers 409 on a locked server and changes nothing", Rule("STATE-LOCKED"), func(ctx SpecContext) {
		want := env.Expected("STATE-LOCKED")
		nic := env.AttachByPort(ctx, "locked")
		env.Lock(ctx)
		before := env.Snapshot(ctx, nic.PortID)

		ex, err := env.Client.Detach(ctx, env.ServerID, nic.PortID)
		Expect(err).NotTo(HaveOccurred())
		Expect(ex).To(HaveStatusIn("STATE-LOCKED", want))
		env.ExpectNothingChanged(ctx, "STATE-LOCKED", before, ex)
	})
})
