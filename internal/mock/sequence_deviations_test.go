package mock

import (
	"net/http"
	"testing"
)

// The sequence-only deviations' probes: each runs the shortest sequence
// that shows its break (TestDeviations runs them with the deviation off
// and on).
func init() {
	probes[DevReattachedUndetachable] = probe{check: reattachedDetachProbe}
	probes[DevLockCountsTwice] = probe{check: lockCycleProbe}
	probes[DevThirdNICSwapped] = probe{check: thirdNICProbe}
	probes[DevRepeatStaleBinding] = probe{check: repeatThenAttachProbe}
	probes[DevReattachNewMAC] = probe{check: reattachMACProbe}
}

// keptAndDetached creates a port, attaches it with port_id and detaches it.
func keptAndDetached(h *harness) Port {
	p := h.createPort("seq")
	h.attachPort(h.srv.ServerID, p.ID)
	h.expect(h.do("DELETE", h.nicPath(h.srv.ServerID, p.ID), ""), http.StatusAccepted, "first detach")
	h.settle()
	return p
}

// reattachedDetachProbe: a kept port attached again detaches again.
func reattachedDetachProbe(t *testing.T, h *harness) bool {
	p := keptAndDetached(h)
	h.attachPort(h.srv.ServerID, p.ID)
	code := h.do("DELETE", h.nicPath(h.srv.ServerID, p.ID), "").Code
	h.settle()
	return code != http.StatusAccepted || h.attached(h.srv.ServerID, p.ID)
}

func (h *harness) action(body string) int {
	return h.do("POST", h.base()+"/servers/"+h.srv.ServerID+"/action", body).Code
}

// lockCycleProbe: after lock, lock, unlock the server takes detaches again.
func lockCycleProbe(t *testing.T, h *harness) bool {
	nic := h.attachNet(h.srv.ServerID)
	for _, body := range []string{`{"lock":null}`, `{"lock":null}`, `{"unlock":null}`} {
		if code := h.action(body); code != http.StatusAccepted {
			t.Fatalf("%s: %d", body, code)
		}
	}
	return h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "").Code != http.StatusAccepted
}

// thirdNICProbe: detaching the third of three NICs detaches that one only.
func thirdNICProbe(t *testing.T, h *harness) bool {
	a, b, c := h.attachNet(h.srv.ServerID), h.attachNet(h.srv.ServerID), h.attachNet(h.srv.ServerID)
	h.do("DELETE", h.nicPath(h.srv.ServerID, c.PortID), "")
	h.settle()
	return h.attached(h.srv.ServerID, c.PortID) || !h.attached(h.srv.ServerID, b.PortID) || !h.attached(h.srv.ServerID, a.PortID)
}

// repeatThenAttachProbe: a kept port detached twice attaches again.
func repeatThenAttachProbe(t *testing.T, h *harness) bool {
	p := keptAndDetached(h)
	h.expect(h.do("DELETE", h.nicPath(h.srv.ServerID, p.ID), ""), http.StatusNotFound, "repeated detach")
	return h.do("POST", h.nics(h.srv.ServerID), `{"interfaceAttachment":{"port_id":"`+p.ID+`"}}`).Code != http.StatusOK
}

// reattachMACProbe: a kept port attached again keeps its MAC.
func reattachMACProbe(t *testing.T, h *harness) bool {
	p := keptAndDetached(h)
	return h.attachPort(h.srv.ServerID, p.ID).MACAddr != p.MACAddress
}
