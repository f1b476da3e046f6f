package detach_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
)

var _ = Describe("Authentication", TargetDecorators(), func() {
	It("answers 401 without credentials", Rule("AUTH-MISSING"), func(ctx SpecContext) {
		nic := env.Witness(ctx)

		env.ExpectNoEffect(ctx, "AUTH-MISSING", func() (*client.Exchange, error) {
			return env.Client.WithAuth(nil).Detach(ctx, env.ServerID, nic.PortID)
		}, nic.PortID)
	})

	It("answers 401 to wrong credentials", Rule("AUTH-INVALID"), func(ctx SpecContext) {
		nic := env.Witness(ctx)

		env.ExpectNoEffect(ctx, "AUTH-INVALID", func() (*client.Exchange, error) {
			return env.Client.WithAuth(env.WrongCredentials()).Detach(ctx, env.ServerID, nic.PortID)
		}, nic.PortID)
	})
})

var _ = Describe("A locked server", TargetDecorators(), func() {
	It("answers 409 on a locked server and changes nothing", Rule("STATE-LOCKED"), func(ctx SpecContext) {
		nic := env.Witness(ctx)
		env.Lock(ctx)

		env.ExpectNoEffect(ctx, "STATE-LOCKED", func() (*client.Exchange, error) {
			return env.Client.Detach(ctx, env.ServerID, nic.PortID)
		}, nic.PortID)
	})
})
