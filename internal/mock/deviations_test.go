package mock

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// probe observes one rule on a fresh mock and reports whether it broke.
type probe struct {
	delay time.Duration // zero: immediate detach
	check func(t *testing.T, h *harness) (broken bool)
}

// detachNet attaches a NIC by net_id and DELETEs it.
func detachNet(h *harness) (Interface, int) {
	nic := h.attachNet(h.srv.ServerID)
	rec := h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "")
	return nic, rec.Code
}

// changedBy reports whether the world changed under do, checked after the
// pending detaches completed.
func changedBy(h *harness, do func() int) (status int, changed bool) {
	before := h.snapshot()
	status = do()
	h.settle()
	return status, h.snapshot() != before
}

func primaryProbe(t *testing.T, h *harness) bool {
	code := h.do("DELETE", h.nicPath(h.srv.ServerID, h.srv.PrimaryPortID), "").Code
	h.settle()
	return code != http.StatusForbidden || !h.attached(h.srv.ServerID, h.srv.PrimaryPortID)
}

func portIDRetainedProbe(t *testing.T, h *harness) bool {
	p := h.createPort("retained")
	h.attachPort(h.srv.ServerID, p.ID)
	h.do("DELETE", h.nicPath(h.srv.ServerID, p.ID), "")
	h.settle()
	got, ok := h.portByID(p.ID)
	if !ok || got.DeviceID != "" || got.Status != statusDown {
		return true
	}
	return h.do("POST", h.nics(h.seed.Servers[1].ServerID), `{"interfaceAttachment":{"port_id":"`+p.ID+`"}}`).Code != http.StatusOK
}

func emptyBodyProbe(t *testing.T, h *harness) bool {
	nic := h.attachNet(h.srv.ServerID)
	rec := h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "")
	_, hasCT := rec.Header()["Content-Type"]
	return rec.Body.Len() != 0 || hasCT
}

func acceptedProbe(t *testing.T, h *harness) bool {
	_, code := detachNet(h)
	return code != http.StatusAccepted
}

// completesProbe: within a bound the NIC leaves the list and show 404s.
func completesProbe(t *testing.T, h *harness) bool {
	nic, _ := detachNet(h)
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		if !h.attached(h.srv.ServerID, nic.PortID) &&
			h.do("GET", h.nicPath(h.srv.ServerID, nic.PortID), "").Code == http.StatusNotFound {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
	return true
}

func isolationProbe(t *testing.T, h *harness) bool {
	a, b, c := h.attachNet(h.srv.ServerID), h.attachNet(h.srv.ServerID), h.attachNet(h.srv.ServerID)
	h.do("DELETE", h.nicPath(h.srv.ServerID, b.PortID), "")
	h.settle()
	left := map[string]Interface{}
	for _, i := range h.m.Interfaces(h.srv.ServerID) {
		left[i.PortID] = i
	}
	for _, want := range []Interface{a, c} {
		got, ok := left[want.PortID]
		if !ok || got.MACAddr != want.MACAddr || got.FixedIPs[0] != want.FixedIPs[0] {
			return true
		}
	}
	return false
}

// probes maps every deviation to the probe of the rule it breaks.
var probes = map[Deviation]probe{
	DevPrimaryDetachable:  {check: primaryProbe},
	DevPrimary403Detaches: {delay: 5 * time.Millisecond, check: primaryProbe},
	DevPortIDDeleted:      {check: portIDRetainedProbe},
	DevPortIDStaysBound:   {check: portIDRetainedProbe},
	DevNetIDKept: {check: func(t *testing.T, h *harness) bool {
		nic, _ := detachNet(h)
		h.settle()
		_, kept := h.portByID(nic.PortID)
		return kept
	}},
	DevBodyOn202:        {check: emptyBodyProbe},
	DevContentTypeOn202: {check: emptyBodyProbe},
	DevSuccess204:       {check: acceptedProbe},
	DevSuccess200Sync:   {check: acceptedProbe},
	DevRequestBodyRequired: {check: func(t *testing.T, h *harness) bool {
		nic, code := detachNet(h)
		h.settle()
		return code != http.StatusAccepted || h.attached(h.srv.ServerID, nic.PortID)
	}},
	DevNeverCompletes:      {delay: 5 * time.Millisecond, check: completesProbe},
	DevShowLingers:         {delay: 5 * time.Millisecond, check: completesProbe},
	DevDetachNeighbour:     {delay: 5 * time.Millisecond, check: isolationProbe},
	DevNeighbourMACChanges: {check: isolationProbe},
	DevIgnoreServerID: {check: func(t *testing.T, h *harness) bool {
		nic := h.attachNet(h.srv.ServerID)
		code, changed := changedBy(h, func() int { return h.do("DELETE", h.nicPath(newUUID(), nic.PortID), "").Code })
		return code != http.StatusNotFound || changed
	}},
	DevUnknownPortAccepted: {check: func(t *testing.T, h *harness) bool {
		nic := h.attachNet(h.seed.Servers[1].ServerID)
		code, changed := changedBy(h, func() int { return h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "").Code })
		return code != http.StatusNotFound || changed
	}},
	DevForeignProjectAccepted: {check: func(t *testing.T, h *harness) bool {
		nic := h.attachNet(h.srv.ServerID)
		path := "/v2.1/" + newProjectID() + "/servers/" + h.srv.ServerID + "/os-interface/" + nic.PortID
		code, changed := changedBy(h, func() int { return h.do("DELETE", path, "").Code })
		return code < 400 || code >= 500 || changed
	}},
	DevMalformedID500: {check: func(t *testing.T, h *harness) bool {
		return h.do("DELETE", h.nicPath(h.srv.ServerID, "a%2Fb"), "").Code >= 500 ||
			h.do("DELETE", h.nicPath("not-a-uuid", h.srv.PrimaryPortID), "").Code >= 500
	}},
	DevCollectionDelete: {check: func(t *testing.T, h *harness) bool {
		h.attachNet(h.srv.ServerID)
		code, changed := changedBy(h, func() int { return h.do("DELETE", h.nics(h.srv.ServerID), "").Code })
		return (code != http.StatusNotFound && code != http.StatusMethodNotAllowed) || changed
	}},
	DevAnyMethodDetaches: {check: func(t *testing.T, h *harness) bool {
		nic := h.attachNet(h.srv.ServerID)
		broken := false
		for _, m := range []string{"PUT", "PATCH", "POST"} {
			code, changed := changedBy(h, func() int { return h.do(m, h.nicPath(h.srv.ServerID, nic.PortID), "").Code })
			broken = broken || (code != http.StatusMethodNotAllowed && code != http.StatusNotFound) || changed
		}
		return broken
	}},
	DevRepeat500: {check: func(t *testing.T, h *harness) bool {
		nic, _ := detachNet(h)
		h.settle()
		return h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "").Code >= 500
	}},
	DevAuthOptional: {check: func(t *testing.T, h *harness) bool {
		nic := h.attachNet(h.srv.ServerID)
		code, changed := changedBy(h, func() int {
			return h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "", "X-Auth-Token", "").Code
		})
		return code != http.StatusUnauthorized || changed
	}},
	DevAuthAnyToken: {check: func(t *testing.T, h *harness) bool {
		nic := h.attachNet(h.srv.ServerID)
		code, changed := changedBy(h, func() int {
			return h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "", "X-Auth-Token", "bogus").Code
		})
		return code != http.StatusUnauthorized || changed
	}},
	DevLockIgnored: {check: func(t *testing.T, h *harness) bool {
		nic := h.attachNet(h.srv.ServerID)
		h.expect(h.do("POST", h.base()+"/servers/"+h.srv.ServerID+"/action", `{"lock":null}`), http.StatusAccepted, "lock")
		code, changed := changedBy(h, func() int { return h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "").Code })
		return code != http.StatusConflict || changed
	}},
	DevErrorPlainText: {check: func(t *testing.T, h *harness) bool {
		rec := h.do("DELETE", h.nicPath(h.srv.ServerID, newUUID()), "")
		return rec.Header().Get("Content-Type") != "application/json" || !json.Valid(rec.Body.Bytes())
	}},
	DevNoRequestID: {check: func(t *testing.T, h *harness) bool {
		return h.do("GET", h.nics(h.srv.ServerID), "").Header().Get(headerRequestID) == "" ||
			h.do("GET", "/v2.0/ports", "", "X-Auth-Token", "").Header().Get(headerRequestID) == ""
	}},
	DevInterfaceNetIDEmpty: {check: func(t *testing.T, h *harness) bool {
		var out struct {
			InterfaceAttachments []struct {
				NetID string `json:"net_id"`
			} `json:"interfaceAttachments"`
		}
		if err := json.Unmarshal(h.do("GET", h.nics(h.srv.ServerID), "").Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		return len(out.InterfaceAttachments) > 0 && out.InterfaceAttachments[0].NetID == ""
	}},
}

// TestDeviations shows that each deviation breaks its rule, and that the
// same probe passes on the faithful mock.
func TestDeviations(t *testing.T) {
	for _, info := range Deviations() {
		p, ok := probes[info.Name]
		if !ok {
			t.Errorf("deviation %s has no probe", info.Name)
			continue
		}
		t.Run(string(info.Name), func(t *testing.T) {
			t.Parallel()
			for _, on := range []bool{false, true} {
				o := Options{Servers: 2, Delay: p.delay, ImmediateDetach: p.delay == 0}
				if on {
					o.Deviations = []Deviation{info.Name}
				}
				h := newHarness(t, o)
				if broken := p.check(t, h); broken != on {
					t.Errorf("%s (rule %s) deviation on=%v: probe observed broken=%v", info.Name, info.Rule, on, broken)
				}
			}
		})
	}
}

// TestDeviationsNovaProfile covers the deviations whose meaning depends on
// the profile.
func TestDeviationsNovaProfile(t *testing.T) {
	t.Run("unknown-port-accepted detaches from the other server", func(t *testing.T) {
		h := newHarness(t, Options{Profile: ProfileNova, Servers: 2, ImmediateDetach: true, Deviations: []Deviation{DevUnknownPortAccepted}})
		nic := h.attachNet(h.seed.Servers[1].ServerID)
		checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), ""))
		if h.attached(h.seed.Servers[1].ServerID, nic.PortID) {
			t.Error("not detached from the other server")
		}
	})
	t.Run("faithful nova leaves the other server alone", func(t *testing.T) {
		h := newHarness(t, Options{Profile: ProfileNova, Servers: 2, ImmediateDetach: true})
		nic := h.attachNet(h.seed.Servers[1].ServerID)
		checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), ""))
		if !h.attached(h.seed.Servers[1].ServerID, nic.PortID) {
			t.Error("detached from the other server")
		}
	})
	t.Run("primary-detachable is the nova behaviour", func(t *testing.T) {
		for _, devs := range [][]Deviation{nil, {DevPrimaryDetachable}} {
			h := newHarness(t, Options{Profile: ProfileNova, ImmediateDetach: true, Deviations: devs})
			checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, h.srv.PrimaryPortID), ""))
		}
	})
	t.Run("request-body-required accepts {} with JSON", func(t *testing.T) {
		h := newHarness(t, Options{Profile: ProfileNova, ImmediateDetach: true, Deviations: []Deviation{DevRequestBodyRequired}})
		nic := h.attachNet(h.srv.ServerID)
		checkError(t, ErrorsNova, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), ""), 400, "")
		checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "{}"))
	})
	t.Run("error-plain-text keeps JSON on success", func(t *testing.T) {
		h := newHarness(t, Options{Deviations: []Deviation{DevErrorPlainText}})
		rec := h.do("GET", h.nics(h.srv.ServerID), "")
		if rec.Header().Get("Content-Type") != "application/json" {
			t.Error("success lost its JSON")
		}
	})
}
