package detach_test

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
	RefusalIt("PRIMARY-FORBIDDEN", Refusal{Aim: AimPrimary,
		Send: func(ctx context.Context, nic NIC) (*client.Exchange, error) {
			return env.Client.Detach(ctx, env.ServerID, nic.PortID)
		},
		Check: func(r *Rule, ex *client.Exchange) {
			// The body's shape is ERROR-SHAPE's to judge, on every error.
			r.Expect(ex.ResponseBody).NotTo(BeEmpty(), "the 403 must carry an error body: %s", ex)
		}})
})
