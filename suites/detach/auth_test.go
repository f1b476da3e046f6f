package detach_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
)

var _ = Describe("Authentication", TargetDecorators(), func() {
	RuleIt("AUTH-MISSING", func(ctx SpecContext, r *Rule) {
		nic := env.Witness(ctx)

		env.ExpectNoEffect(ctx, r, func() (*client.Exchange, error) {
			return env.Client.WithAuth(nil).Detach(ctx, env.ServerID, nic.PortID)
		}, nic.PortID)
	})

	RuleIt("AUTH-INVALID", func(ctx SpecContext, r *Rule) {
		nic := env.Witness(ctx)

		env.ExpectNoEffect(ctx, r, func() (*client.Exchange, error) {
			return env.Client.WithAuth(env.WrongCredentials()).Detach(ctx, env.ServerID, nic.PortID)
		}, nic.PortID)
	})
})

var _ = Describe("A locked server", TargetDecorators(), func() {
	RuleIt("STATE-LOCKED", func(ctx SpecContext, r *Rule) {
		nic := env.Witness(ctx)
		env.Lock(ctx)

		env.ExpectNoEffect(ctx, r, func() (*client.Exchange, error) {
			return env.Client.Detach(ctx, env.ServerID, nic.PortID)
		}, nic.PortID)
	})
})
