package detach_test

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
)

// ignoreStatus keeps only the errors that are no HTTP answer: a status is
// what a judgement looks at.
func ignoreStatus(err error) error {
	var se *client.StatusError
	if errors.As(err, &se) {
		return nil
	}
	return err
}

var _ = Describe("Detaching a NIC", TargetDecorators(), func() {
	RuleIt("DETACH-ACCEPTED", func(ctx SpecContext, r *Rule) {
		nic := env.AttachByPort(ctx, "accepted")

		ex := r.Send("the detach", func() (*client.Exchange, error) { return env.Client.Detach(ctx, env.ServerID, nic.PortID) })
		r.ExpectStatus(ex, "the detach of an attached NIC")
	})

	RuleIt("BODY-EMPTY-RESPONSE", func(ctx SpecContext, r *Rule) {
		nic := env.AttachByPort(ctx, "empty-body")

		ex := r.Send("the detach", func() (*client.Exchange, error) { return env.Client.Detach(ctx, env.ServerID, nic.PortID) })
		if ex.Status < 200 || ex.Status > 299 {
			env.Unmet(PreDetachAccepted, "the detach was refused, so there is no success response to judge: %s", ex)
		}
		r.Expect(len(ex.ResponseBody) == 0).To(BeTrueBecause("the %d must have no body, got %d bytes: %s", ex.Status, len(ex.ResponseBody), ex))
		// A Content-Type on the empty body is an advisory (upstream Nova
		// sends one): the report raises it from the exchange.
	})

	RuleIt("BODY-NO-REQUEST", func(ctx SpecContext, r *Rule) {
		nic := env.AttachByPort(ctx, "no-request-body")

		ex := r.Send("the detach", func() (*client.Exchange, error) { return env.Client.Detach(ctx, env.ServerID, nic.PortID) })
		if len(ex.RequestBody) > 0 || ex.RequestHeader.Get("Content-Type") != "" {
			env.Unmet("", "the suite itself sent a body or a Content-Type: %s", ex)
		}
		r.ExpectStatus(ex, "a detach without a body and without a Content-Type")
	})

	RuleIt("DETACH-COMPLETES", func(ctx SpecContext, r *Rule) {
		nic := env.AttachByPort(ctx, "completes")

		ex := r.Send("the detach", func() (*client.Exchange, error) { return env.Client.Detach(ctx, env.ServerID, nic.PortID) })
		if ex.Status < 200 || ex.Status > 299 {
			env.Unmet(PreDetachAccepted, "the detach was refused, so there is no completion to await: %s", ex)
		}
		env.ExpectDetached(ctx, r, nic.PortID)
	})

	RuleIt("PORT-ID-RETAINED", func(ctx SpecContext, r *Rule) {
		nic := env.AttachByPort(ctx, "retained")
		env.DetachKeepingPort(ctx, nic)

		kept := func(g Gomega) {
			port, ex, err := env.Client.GetPort(ctx, nic.PortID)
			if errors.Is(err, client.ErrNotFound) {
				StopTrying(fmt.Sprintf("the port attached by port_id was deleted by the detach: %s", ex)).Now()
			}
			r.Observe(g, err, "", "show port "+nic.PortID)
			g.Expect(port.DeviceID == "").To(BeTrueBecause("device_id must be cleared, is %q: %s", port.DeviceID, ex))
			g.Expect(port.Status == "DOWN").To(BeTrueBecause("status must be DOWN, is %q: %s", port.Status, ex))
			g.Expect(port.MACAddress == nic.Port.MACAddress).To(BeTrueBecause("the kept port must keep its MAC %s, has %s: %s", nic.Port.MACAddress, port.MACAddress, ex))
			g.Expect(port.FixedIPs).To(ConsistOf(nic.Port.FixedIPs), "the kept port must keep its fixed IPs: %s", ex)
		}
		r.Eventually(ctx, kept)
		r.Consistently(ctx, env.Settle, kept, "the kept port's state")

		_, _, err := env.Client.AttachPort(ctx, env.ServerID, nic.PortID)
		r.Expect(err == nil).To(BeTrueBecause("the kept port must attach again: %v", err))
	})

	RuleCase("PORT-ID-RETAINED", "deletes a port attached by port_id when the detach does not ask to keep it, where the profile says so", func(ctx SpecContext, r *Rule) {
		keep := env.Profile.Detach.KeepQuery()
		if keep == nil {
			Skip("the " + env.Profile.Name + " profile keeps a port attached by port_id without being asked")
		}
		nic := env.AttachByPort(ctx, "not-reserved")
		env.Detach(ctx, nic)

		deleted := func(g Gomega) {
			_, ex, err := env.Client.GetPort(ctx, nic.PortID)
			if !errors.Is(err, client.ErrNotFound) {
				r.Observe(g, ignoreStatus(err), "", "show port "+nic.PortID)
			}
			g.Expect(errors.Is(err, client.ErrNotFound)).To(BeTrueBecause("without %s the detach must delete the port: %s", keep.Encode(), ex))
		}
		r.Eventually(ctx, deleted)
		r.Consistently(ctx, env.Settle, deleted, "the port's deletion")
	})

	RuleIt("NET-ID-DELETED", func(ctx SpecContext, r *Rule) {
		nic := env.AttachByNet(ctx, "net-deleted")
		env.Detach(ctx, nic)

		deleted := func(g Gomega) {
			_, ex, err := env.Client.GetPort(ctx, nic.PortID)
			if ex == nil {
				r.Observe(g, err, "", "show port "+nic.PortID)
				return
			}
			g.Expect(r.Want.Allows(ex.Status)).To(BeTrueBecause("the port a net_id attach created must be deleted with its NIC: show port answers %d, want %s: %s", ex.Status, r.Want, ex))
		}
		r.Eventually(ctx, deleted)
		r.Consistently(ctx, env.Settle, deleted, "the port's deletion")
	})

	RuleIt("DETACH-ISOLATION", func(ctx SpecContext, r *Rule) {
		target := env.AttachByPort(ctx, "isolation-target")
		byNet := env.AttachByNet(ctx, "isolation-net")
		byPort := env.AttachByPort(ctx, "isolation-port")
		watched := []string{byNet.PortID, byPort.PortID}
		if env.PrimaryPortID != "" {
			watched = append(watched, env.PrimaryPortID)
		}
		before := env.Snapshot(ctx, watched...)
		delete(before.NICs, target.PortID)
		// A NIC of another server, where one is at hand, is watched too.
		other := env.OtherServerIfAny(ctx)
		var otherBefore Snapshot
		if other != nil {
			elsewhere := other.AttachByPort(ctx, "isolation-elsewhere")
			otherBefore = other.Snapshot(ctx, elsewhere.PortID)
		}

		ex := env.Detach(ctx, target)
		env.ExpectNothingChanged(ctx, r, before, ex)
		if other != nil {
			other.ExpectNothingChangedNow(ctx, r, otherBefore, ex)
		}
	})

	RuleCase("DETACH-REPEAT", "never fails with 5xx when two detaches of one NIC race", func(ctx SpecContext, r *Rule) {
		nic := env.AttachByPort(ctx, "repeat-race")
		witness := env.Witness(ctx)
		watched := []string{witness.PortID}
		if env.PrimaryPortID != "" {
			watched = append(watched, env.PrimaryPortID)
		}
		before := env.Snapshot(ctx, watched...)
		delete(before.NICs, nic.PortID)

		// Two at once, then a third while the detach may still be in flight.
		var wg sync.WaitGroup
		exchanges := make([]*client.Exchange, 3)
		errs := make([]error, 3)
		for i := range 2 {
			wg.Go(func() { exchanges[i], errs[i] = env.Client.Detach(ctx, env.ServerID, nic.PortID) })
		}
		wg.Wait()
		exchanges[2], errs[2] = env.Client.Detach(ctx, env.ServerID, nic.PortID)
		if err := errors.Join(errs...); err != nil {
			env.Unmet("", "a detach got no HTTP answer: %v", err)
		}

		accepted := 0
		for _, ex := range exchanges {
			r.ExpectNo5xx(ex, "a repeated or concurrent detach")
			switch {
			case ex.Status >= 200 && ex.Status < 300:
				accepted++
			case ex.Status == http.StatusConflict:
				r.Advise("repeat-in-flight", fmt.Sprintf("a detach of port %s while another was in flight answered 409 (some services do; the OpenStack Terraform provider tolerates 400 and 404 there)", nic.PortID), ex)
			}
		}
		if accepted == 0 {
			env.Unmet(PreDetachAccepted, "none of the detaches was accepted: %s; %s; %s", exchanges[0], exchanges[1], exchanges[2])
		}
		if err := env.WaitDetached(ctx, nic.PortID); err != nil {
			env.Unmet(PreDetachCompletes, "%v", err)
		}
		// Nothing but the one detach: the other NICs stay as they were.
		env.ExpectNothingChanged(ctx, r, before, exchanges[2])
	})

	RuleCase("DETACH-REPEAT", "never fails with 5xx when the NIC is already detached", func(ctx SpecContext, r *Rule) {
		nic := env.AttachByPort(ctx, "repeat")
		env.Detach(ctx, nic)

		env.ExpectNoEffect(ctx, r, func() (*client.Exchange, error) {
			return env.Client.Detach(ctx, env.ServerID, nic.PortID)
		}, nic.PortID)
	})
})
