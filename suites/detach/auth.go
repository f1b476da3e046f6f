package detach

import (
	"context"

	. "github.com/onsi/ginkgo/v2"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
)

var _ = Describe("Authentication", TargetDecorators(), func() {
	run.RefusalIt("AUTH-MISSING", Refusal{Aim: AimWitness, Exhibit: errorProbes, Users: errorRules,
		Send: func(ctx context.Context, nic NIC) (*client.Exchange, error) {
			return env().Client.WithAuth(nil).Detach(ctx, env().ServerID, nic.PortID)
		}})

	run.RefusalIt("AUTH-INVALID", Refusal{Aim: AimWitness,
		Send: func(ctx context.Context, nic NIC) (*client.Exchange, error) {
			return env().Client.WithAuth(env().WrongCredentials()).Detach(ctx, env().ServerID, nic.PortID)
		}})
})

var _ = Describe("A locked server", TargetDecorators(), func() {
	// The lock is server-wide: the run sends this refusal in a window of
	// its own (lock, request, settle time, unlock), with no other operation
	// on the server meanwhile.
	run.RefusalIt("STATE-LOCKED", Refusal{Aim: AimWitness, Locked: true,
		Send: func(ctx context.Context, nic NIC) (*client.Exchange, error) {
			return env().Client.Detach(ctx, env().ServerID, nic.PortID)
		}})
})
