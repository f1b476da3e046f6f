package detach_test

import (
	"errors"
	"mime"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
)

var _ = Describe("Detaching a NIC", TargetDecorators(), func() {
	It("accepts the detach of an attached, non-primary NIC", Rule("DETACH-ACCEPTED"), func(ctx SpecContext) {
		want := env.Expected("DETACH-ACCEPTED")
		nic := env.AttachByPort(ctx, "accepted")

		ex, err := env.Client.Detach(ctx, env.ServerID, nic.PortID)
		Expect(err).NotTo(HaveOccurred())
		Expect(ex).To(HaveStatusIn("DETACH-ACCEPTED", want))
	})

	It("answers the detach with no body", Rule("BODY-EMPTY-RESPONSE"), func(ctx SpecContext) {
		nic := env.AttachByPort(ctx, "empty-body")

		ex, err := env.Client.Detach(ctx, env.ServerID, nic.PortID)
		Expect(err).NotTo(HaveOccurred())
		Expect(ex).To(HaveStatusIn("BODY-EMPTY-RESPONSE", env.Expected("BODY-EMPTY-RESPONSE")), "precondition: the detach is accepted (its status is DETACH-ACCEPTED's business)")
		Expect(ex.ResponseBody).To(BeEmpty(), "BODY-EMPTY-RESPONSE: the %d must have no body, got %d bytes: %s", ex.Status, len(ex.ResponseBody), ex)
		if ct := ex.ResponseHeader.Get("Content-Type"); ct != "" {
			media, _, _ := mime.ParseMediaType(ct)
			Expect(media).NotTo(Or(Equal("application/json"), HaveSuffix("+json")),
				"BODY-EMPTY-RESPONSE: a response without a body must not claim a JSON Content-Type: %s", ex)
		}
	})

	It("needs no request body and no Content-Type", Rule("BODY-NO-REQUEST"), func(ctx SpecContext) {
		nic := env.AttachByPort(ctx, "no-request-body")

		ex, err := env.Client.Detach(ctx, env.ServerID, nic.PortID)
		Expect(err).NotTo(HaveOccurred())
		Expect(ex.RequestBody).To(BeEmpty(), "the suite itself must send no body")
		Expect(ex.RequestHeader.Get("Content-Type")).To(BeEmpty(), "the suite itself must send no Content-Type")
		Expect(ex).To(HaveStatusIn("BODY-NO-REQUEST", env.Expected("BODY-NO-REQUEST")))
	})

	It("completes the detach within the bound", Rule("DETACH-COMPLETES"), func(ctx SpecContext) {
		nic := env.AttachByPort(ctx, "completes")

		ex, err := env.Client.Detach(ctx, env.ServerID, nic.PortID)
		Expect(err).NotTo(HaveOccurred())
		Expect(ex.Status).To(And(BeNumerically(">=", 200), BeNumerically("<", 300)), "precondition: the detach is accepted: %s", ex)
		env.ExpectDetached(ctx, nic.PortID)
	})

	It("keeps a port attached by port_id", Rule("PORT-ID-RETAINED"), func(ctx SpecContext) {
		nic := env.AttachByPort(ctx, "retained")
		env.Detach(ctx, nic)

		Eventually(ctx, func(g Gomega) {
			port, ex, err := env.Client.GetPort(ctx, nic.PortID)
			if errors.Is(err, client.ErrNotFound) {
				StopTrying("PORT-ID-RETAINED: the port attached by port_id was deleted by the detach").Wrap(err).Now()
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(port.DeviceID).To(BeEmpty(), "PORT-ID-RETAINED: device_id must be cleared: %s", ex)
			g.Expect(port.Status).To(Equal("DOWN"), "PORT-ID-RETAINED: status must be DOWN: %s", ex)
			g.Expect(port.MACAddress).To(Equal(nic.Port.MACAddress), "PORT-ID-RETAINED: the kept port must keep its MAC: %s", ex)
			g.Expect(port.FixedIPs).To(ConsistOf(nic.Port.FixedIPs), "PORT-ID-RETAINED: the kept port must keep its fixed IPs: %s", ex)
		}).WithTimeout(env.Target.DetachTimeout).WithPolling(env.Target.PollInterval).Should(Succeed())

		_, ex, err := env.Client.AttachPort(ctx, env.ServerID, nic.PortID)
		Expect(err).NotTo(HaveOccurred(), "PORT-ID-RETAINED: the kept port must attach again: %s", ex)
	})

	It("deletes the port of a NIC attached by net_id", Rule("NET-ID-DELETED"), func(ctx SpecContext) {
		want := env.Expected("NET-ID-DELETED")
		nic := env.AttachByNet(ctx, "net-deleted")
		env.Detach(ctx, nic)

		Eventually(ctx, func(g Gomega) {
			_, ex, err := env.Client.GetPort(ctx, nic.PortID)
			g.Expect(ex).NotTo(BeNil(), "show port: %v", err)
			g.Expect(ex).To(HaveStatusIn("NET-ID-DELETED", want), "the port a net_id attach created must be deleted with its NIC")
		}).WithTimeout(env.Target.DetachTimeout).WithPolling(env.Target.PollInterval).Should(Succeed())
	})

	It("leaves every other NIC of the server untouched", Rule("DETACH-ISOLATION"), func(ctx SpecContext) {
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
		env.ExpectNothingChanged(ctx, "DETACH-ISOLATION", before, ex)
		if other != nil {
			other.ExpectNothingChangedNow(ctx, "DETACH-ISOLATION", otherBefore, ex)
		}
	})

	It("never fails with 5xx when two detaches of one NIC race", Rule("DETACH-REPEAT"), func(ctx SpecContext) {
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
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer GinkgoRecover()
				defer wg.Done()
				ex, err := env.Client.Detach(ctx, env.ServerID, nic.PortID)
				Expect(err).NotTo(HaveOccurred())
				exchanges[i] = ex
			}()
		}
		wg.Wait()
		ex, err := env.Client.Detach(ctx, env.ServerID, nic.PortID)
		Expect(err).NotTo(HaveOccurred())
		exchanges[2] = ex

		accepted := 0
		for _, ex := range exchanges {
			ExpectNo5xx("DETACH-REPEAT", "a repeated or concurrent detach", ex)
			if ex.Status >= 200 && ex.Status < 300 {
				accepted++
			}
		}
		Expect(accepted).To(BeNumerically(">=", 1), "DETACH-REPEAT: none of the detaches was accepted: %s; %s; %s", exchanges[0], exchanges[1], exchanges[2])
		env.ExpectDetached(ctx, nic.PortID)
		port, ex, err := env.Client.GetPort(ctx, nic.PortID)
		Expect(err).NotTo(HaveOccurred(), "DETACH-REPEAT: the port attached by port_id must survive repeated detaches: %s", ex)
		Expect(port.DeviceID).To(BeEmpty(), "DETACH-REPEAT: %s", ex)
		// Nothing but the one detach: the other NICs stay as they were.
		env.ExpectNothingChanged(ctx, "DETACH-REPEAT", before, exchanges[2])
	})

	It("never fails with 5xx when the NIC is already detached", Rule("DETACH-REPEAT"), func(ctx SpecContext) {
		nic := env.AttachByPort(ctx, "repeat")
		env.Detach(ctx, nic)

		env.ExpectNoEffect(ctx, "DETACH-REPEAT", func() (*client.Exchange, error) {
			return env.Client.Detach(ctx, env.ServerID, nic.PortID)
		}, nic.PortID)
	})
})
