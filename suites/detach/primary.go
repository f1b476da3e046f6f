package detach

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
)

var _ = Describe("The primary NIC", TargetDecorators(), func() {
	// Sent alone at the start of the run; against a configured target the
	// primary is then watched for the whole detach bound, in the background,
	// as the rule says (a real server cut off its network is the worst this
	// probe can cause), and re-attached if a broken target let it go.
	run.RefusalIt("PRIMARY-FORBIDDEN", Refusal{Aim: AimPrimary,
		Send: func(ctx context.Context, nic NIC) (*client.Exchange, error) {
			// With the query that keeps a port, where the profile's detach
			// takes one: a broken target that detaches the primary must not
			// delete it.
			return env().Client.DetachWithQuery(ctx, env().ServerID, nic.PortID, env().Profile.Detach.KeepQuery())
		},
		Check: func(r *Rule, ex *client.Exchange) {
			// The body's shape is ERROR-SHAPE's to judge, on every error.
			r.Expect(len(ex.ResponseBody) > 0).To(BeTrueBecause("the 403 must carry an error body: %s", ex))
		}})
})
