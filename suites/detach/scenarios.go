package detach

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
	"github.com/nicconform/nicconform/internal/overlap"
)

// The detach scenarios run side by side once the refusals are sent, each
// on NICs of its own (at most MaxNICs on the server at once, the primary
// included), where the target accepts concurrent NIC operations; a
// scenario that fails while other work was in flight runs again alone
// before its verdict stands.

// plainDetach is one detach of an attached NIC, judged four ways.
var plainDetach = run.Scenario("plain-detach",
	[]string{"DETACH-ACCEPTED", "BODY-EMPTY-RESPONSE", "BODY-NO-REQUEST", "DETACH-COMPLETES"}, []string{"REQUEST-ID", "SPEC-CONFORMANT"},
	func(t *Task) {
		t.Reserve(1)
		nic := t.AttachByPort("detach")
		ex := t.SendDetach(nic, "the detach")
		t.Exhibit(exhibitedDetaches, ex)
		accepted := ex.Status >= 200 && ex.Status <= 299

		t.Judge("DETACH-ACCEPTED", "", func(c *Check) {
			c.ExpectStatus(ex, "the detach of an attached NIC")
		})
		t.Judge("BODY-NO-REQUEST", "", func(c *Check) {
			if len(ex.RequestBody) > 0 || ex.RequestHeader.Get("Content-Type") != "" {
				c.Unmet("", "the suite itself sent a body or a Content-Type: %s", ex)
			}
			c.ExpectStatus(ex, "a detach without a body and without a Content-Type")
		})
		t.Judge("BODY-EMPTY-RESPONSE", "", func(c *Check) {
			if !accepted {
				c.Unmet(PreDetachAccepted, "the detach was refused, so there is no success response to judge: %s", ex)
			}
			c.Expect(ex.BodySize() == 0).To(BeTrueBecause("the %d must have no body, got %d bytes: %s", ex.Status, ex.BodySize(), ex))
			// A Content-Type on the empty body is an advisory (upstream Nova
			// sends one): the report raises it from the exchange.
		})
		t.Judge("DETACH-COMPLETES", "", func(c *Check) {
			if !accepted {
				c.Unmet(PreDetachAccepted, "the detach was refused, so there is no completion to await: %s", ex)
			}
			c.ExpectGone(nic)
		})
	})

var portRetained = run.Scenario("port-id-retained", []string{"PORT-ID-RETAINED"}, nil, func(t *Task) {
	t.Reserve(1)
	nic := t.AttachByPort("retained")
	t.DetachKeepingPort(nic)

	t.Judge("PORT-ID-RETAINED", "", func(c *Check) {
		kept := func(g Gomega) {
			port, ex, err := env().Client.GetPort(t.Context(), nic.PortID)
			if errors.Is(err, client.ErrNotFound) {
				StopTrying(fmt.Sprintf("the port attached by port_id was deleted by the detach: %s", ex)).Now()
			}
			c.Observe(g, err, "", "show port "+nic.PortID)
			g.Expect(port.DeviceID == "").To(BeTrueBecause("device_id must be cleared, is %q: %s", port.DeviceID, ex))
			g.Expect(port.Status == "DOWN").To(BeTrueBecause("status must be DOWN, is %q: %s", port.Status, ex))
			g.Expect(port.MACAddress == nic.Port.MACAddress).To(BeTrueBecause("the kept port must keep its MAC %s, has %s: %s", nic.Port.MACAddress, port.MACAddress, ex))
			g.Expect(port.FixedIPs).To(ConsistOf(nic.Port.FixedIPs), "the kept port must keep its fixed IPs: %s", ex)
		}
		c.Eventually(kept)
		// One window for the rule's state and the detach's: both must last.
		c.Consistently(t.Settle(), func(g Gomega) {
			c.StaysGone(g, nic.PortID)
			kept(g)
		}, "the kept port's state")

		t.Reserve(1)
		err := t.Reattach(nic)
		c.Expect(err == nil).To(BeTrueBecause("the kept port must attach again: %v", err))
	})
})

const notReserved = "deletes a port attached by port_id when the detach does not ask to keep it, where the profile says so"

// portNotReserved is the other half of PORT-ID-RETAINED under a profile
// whose detach keeps a port only when asked (reserve_port): without the
// query, the port goes with its NIC.
var portNotReserved = run.Scenario("port-not-reserved", nil, nil, func(t *Task) {
	t.Judge("PORT-ID-RETAINED", notReserved, func(c *Check) {
		keep := env().Profile.Detach.KeepQuery()
		if keep == nil {
			c.Skip("the " + env().Profile.Name + " profile keeps a port attached by port_id without being asked")
		}
		t.Reserve(1)
		nic := t.AttachByPort("not-reserved")
		c.Detach(nic)

		deleted := func(g Gomega) {
			_, ex, err := env().Client.GetPort(t.Context(), nic.PortID)
			if !errors.Is(err, client.ErrNotFound) {
				c.Observe(g, ignoreStatus(err), "", "show port "+nic.PortID)
			}
			g.Expect(errors.Is(err, client.ErrNotFound)).To(BeTrueBecause("without %s the detach must delete the port: %s", keep.Encode(), ex))
		}
		c.Eventually(deleted)
		c.Consistently(t.Settle(), deleted, "the port's deletion")
	})
}).Case("PORT-ID-RETAINED", notReserved)

// ignoreStatus keeps only the errors that are no HTTP answer: a status is
// what a judgement looks at.
func ignoreStatus(err error) error {
	var se *client.StatusError
	if errors.As(err, &se) {
		return nil
	}
	return err
}

var netDeleted = run.Scenario("net-id-deleted", []string{"NET-ID-DELETED"}, []string{"SPEC-CONFORMANT"}, func(t *Task) {
	t.Reserve(1)
	nic := t.AttachByNet("net-deleted")
	ex := t.StartDetach(nic)
	t.Exhibit(exhibitedDetaches, ex)
	if ex.Status < 200 || ex.Status > 299 {
		t.Unmet(PreDetachAccepted, "the detach of port %s was refused: %s", nic.PortID, ex)
	}
	t.AwaitGone(nic)

	t.Judge("NET-ID-DELETED", "", func(c *Check) {
		deleted := func(g Gomega) {
			_, ex, err := env().Client.GetPort(t.Context(), nic.PortID)
			if ex == nil {
				c.Observe(g, err, "", "show port "+nic.PortID)
				return
			}
			g.Expect(c.Want.Allows(ex.Status)).To(BeTrueBecause("the port a net_id attach created must be deleted with its NIC: show port answers %d, want %s: %s", ex.Status, c.Want, ex))
		}
		c.Eventually(deleted)
		c.Consistently(t.Settle(), func(g Gomega) {
			c.StaysGone(g, nic.PortID)
			deleted(g)
		}, "the port's deletion")
	})
})

const (
	repeatRace     = "never fails with 5xx when two detaches of one NIC race"
	repeatDetached = "never fails with 5xx when the NIC is already detached"
)

// repeat races three detaches of one NIC, and repeats the detach of
// another once it completed, beside a bystander NIC that must not change.
var repeat = run.Scenario("detach-repeat", nil, nil, func(t *Task) {
	t.Reserve(3)
	bystander := t.AttachByPort("repeat-bystander")
	racing := t.AttachByPort("repeat-race")
	again := t.AttachByPort("repeat")
	before := t.Snapshot(env().ServerID)
	delete(before.NICs, racing.PortID)
	delete(before.NICs, again.PortID)
	if _, ok := before.NICs[bystander.PortID]; !ok {
		t.Unmet("", "the bystander NIC %s is not in the list of server %s", bystander.PortID, env().ServerID)
	}

	t.Together(func() {
		t.Judge("DETACH-REPEAT", repeatRace, func(c *Check) {
			exchanges, err := t.RaceDetach(racing)
			if err != nil {
				c.Unmet("", "a detach got no HTTP answer: %v", err)
			}
			accepted := 0
			for _, ex := range exchanges {
				c.ExpectNo5xx(ex, "a repeated or concurrent detach")
				switch {
				case ex.Status >= 200 && ex.Status < 300:
					accepted++
				case ex.Status == http.StatusConflict:
					c.Advise("repeat-in-flight", fmt.Sprintf("a detach of port %s while another was in flight answered 409 (some services do; the OpenStack Terraform provider tolerates 400 and 404 there)", racing.PortID), ex)
				}
			}
			if accepted == 0 {
				c.Unmet(PreDetachAccepted, "none of the detaches was accepted: %s; %s; %s", exchanges[0], exchanges[1], exchanges[2])
			}
			c.AwaitGone(racing)
			// Nothing but the one detach: the other NICs stay as they were.
			c.Consistently(t.Settle(), func(g Gomega) {
				c.StaysGone(g, racing.PortID)
				c.Unchanged(env().ServerID, before, exchanges[2])(g)
			}, "nothing but the one detach")
		})
	}, func() {
		t.Judge("DETACH-REPEAT", repeatDetached, func(c *Check) {
			c.Detach(again)
			after := c.Snapshot(env().ServerID, again.PortID)
			delete(after.NICs, racing.PortID)
			ex := c.Send(env().ServerID, "the repeated detach", func(ctx context.Context) (*client.Exchange, error) {
				return env().Client.Detach(ctx, env().ServerID, again.PortID)
			})
			c.ExpectStatus(ex, "the request")
			c.Consistently(t.Settle(), func(g Gomega) {
				c.StaysGone(g, again.PortID)
				c.Unchanged(env().ServerID, after, ex)(g)
			}, "nothing changing")
		})
	})
}).Case("DETACH-REPEAT", repeatRace).Case("DETACH-REPEAT", repeatDetached)

var isolation = run.Scenario("detach-isolation", []string{"DETACH-ISOLATION"}, nil, func(t *Task) {
	t.Reserve(3)
	target := t.AttachByPort("isolation-target")
	byNet := t.AttachByNet("isolation-net")
	byPort := t.AttachByPort("isolation-port")
	before := t.Snapshot(env().ServerID, byNet.PortID, byPort.PortID)
	delete(before.NICs, target.PortID)
	// A NIC of another server, where one is at hand, is watched too.
	other := t.OtherServer()
	var otherBefore overlap.Snapshot
	if other != "" {
		t.ReserveOn(other, 1)
		elsewhere := t.AttachByPortTo(other, "isolation-elsewhere")
		otherBefore = t.Snapshot(other, elsewhere.PortID)
	}

	ex := t.Detach(target)
	t.Judge("DETACH-ISOLATION", "", func(c *Check) {
		c.Consistently(t.Settle(), func(g Gomega) {
			c.StaysGone(g, target.PortID)
			c.Unchanged(env().ServerID, before, ex)(g)
			if other != "" {
				c.Unchanged(other, otherBefore, ex)(g)
			}
		}, "every other NIC unchanged")
	})
}).Elsewhere()

var _ = Describe("Detaching a NIC", TargetDecorators(), func() {
	run.JudgeIt("DETACH-ACCEPTED", plainDetach)
	run.JudgeIt("BODY-EMPTY-RESPONSE", plainDetach)
	run.JudgeIt("BODY-NO-REQUEST", plainDetach)
	run.JudgeIt("DETACH-COMPLETES", plainDetach)
	run.JudgeIt("PORT-ID-RETAINED", portRetained)
	run.JudgeCase("PORT-ID-RETAINED", notReserved, portNotReserved)
	run.JudgeIt("NET-ID-DELETED", netDeleted)
	run.JudgeIt("DETACH-ISOLATION", isolation)
	run.JudgeCase("DETACH-REPEAT", repeatRace, repeat)
	run.JudgeCase("DETACH-REPEAT", repeatDetached, repeat)
})
