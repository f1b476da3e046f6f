package detach_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
)

var _ = Describe("The primary NIC", TargetDecorators(), func() {
	RuleIt("PRIMARY-FORBIDDEN", func(ctx SpecContext, r *Rule) {
		env.RequirePrimaryProbe()
		DeferCleanup(env.RestorePrimary)

		before := env.Snapshot(ctx, env.PrimaryPortID)
		// With the query that keeps a port, where the profile's detach takes
		// one: a broken target that detaches the primary must not delete it.
		ex := env.ExpectNoEffect(ctx, r, func() (*client.Exchange, error) {
			return env.Client.DetachWithQuery(ctx, env.ServerID, env.PrimaryPortID, env.Profile.Detach.KeepQuery())
		}, env.PrimaryPortID)
		// The body's shape is ERROR-SHAPE's to judge, on every error.
		r.Expect(len(ex.ResponseBody) > 0).To(BeTrueBecause("the 403 must carry an error body: %s", ex))
		if !env.Target.Embedded {
			// A real server cut off its network is the worst this probe can
			// cause: against a target, the primary is watched for the whole
			// detach bound, as the rule says, not just the settle time.
			env.ExpectNothingChangedFor(ctx, r, before, ex, env.Target.DetachTimeout)
		}
	})
})
