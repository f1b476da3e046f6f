package mock

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// detachInterface is the subject: DELETE …/os-interface/{port_id}. Checks,
// in order (auth, project and ids were checked before): server unknown
// (404), locked (409), primary NIC (huawei 403), not attached (huawei 404,
// nova 202 no-op), detach already in flight (202, nothing more), else the
// detach is accepted (202) and completes after the delay.
func (m *Mock) detachInterface(w http.ResponseWriter, r *request, serverID, portID string) {
	m.mu.Lock()
	var aerr *apiError
	// Nova ignores a body on DELETE; the request-body-required deviation
	// insists on a JSON one for a detach it would accept.
	if m.dev.on(DevRequestBodyRequired) && !(jsonContentType(r.Request) && json.Valid(r.body)) && m.wouldAccept(serverID, portID) {
		aerr = errBadRequest(codeInvalid, "The request body is missing or is not JSON.")
	} else {
		aerr = m.detachLocked(serverID, portID)
	}
	m.mu.Unlock()
	if aerr != nil {
		m.writeError(w, aerr)
		return
	}
	m.writeAccepted(w)
}

func (m *Mock) detachLocked(serverID, portID string) *apiError {
	wd := m.w
	s := wd.servers[serverID]
	if m.dev.on(DevIgnoreServerID) {
		if owner := wd.attached[portID]; owner != nil {
			s = owner
		} else if s == nil {
			return m.notAttached(serverID, portID, nil)
		}
	}
	switch {
	case s == nil:
		if m.dev.on(DevUnknownServerDetachesLater) {
			if owner := wd.attached[portID]; owner != nil {
				_ = m.detachLocked(owner.id, portID) // the 404 stands
			}
		}
		return errServerNotFound(serverID)
	case s.locked && !m.dev.on(DevLockIgnored):
		if m.dev.on(DevLockedDetachesLater) {
			_ = m.detachNIC(s, serverID, portID) // the 409 stands
		}
		return errLocked(serverID)
	}
	return m.detachNIC(s, serverID, portID)
}

// wouldAccept reports whether a detach of portID from serverID would be
// accepted and start: the server is known and unlocked, the NIC attached,
// not a protected primary, not already detaching.
func (m *Mock) wouldAccept(serverID, portID string) bool {
	s := m.w.servers[serverID]
	if s == nil || s.locked {
		return false
	}
	n := s.nic(portID)
	return n != nil && !n.detaching && !m.primaryProtected(s, portID)
}

// detachNIC is the part of a detach after the server checks: primary,
// not attached, in flight, else accepted.
func (m *Mock) detachNIC(s *serverRec, serverID, portID string) *apiError {
	n := s.nic(portID)
	if n == nil {
		return m.notAttached(serverID, portID, s)
	}
	if m.primaryProtected(s, portID) {
		if m.dev.on(DevPrimary403Detaches) && !n.detaching {
			m.startDetach(s, n)
		}
		return errPrimary(portID)
	}
	if !n.detaching && m.busy(s, n) {
		return errBusy(serverID)
	}
	if n.detaching {
		if m.dev.on(DevConcurrentDetach500) {
			return newError(http.StatusInternalServerError, codeMock("InternalError"), "Unexpected API Error: a detach of port %s is in progress.", portID)
		}
		return nil // in flight: accepted again, nothing more happens
	}
	m.applyNeighbourDeviations(s, n)
	m.startDetach(s, n)
	return nil
}

// busy reports whether the busy-409 deviation refuses a NIC operation on s
// other than a repeat of n's detach: another NIC of s is detaching.
func (m *Mock) busy(s *serverRec, n *nic) bool {
	if !m.dev.on(DevBusy409) {
		return false
	}
	for _, o := range s.nics {
		if o != n && o.detaching {
			return true
		}
	}
	return false
}

func errBusy(serverID string) *apiError {
	return errConflict(codeMock("ServerBusy"), "Server %s is busy: a NIC operation is in progress, try again later.", serverID)
}

// primaryProtected reports whether detaching portID from s must answer
// 403: the huawei profile protects the primary NIC, unless the
// primary-detachable deviation is on.
func (m *Mock) primaryProtected(s *serverRec, portID string) bool {
	return m.opts.Profile == ProfileHuawei && portID == s.primaryPortID && !m.dev.on(DevPrimaryDetachable)
}

func errPrimary(portID string) *apiError {
	return newError(http.StatusForbidden, codePrimary, "The primary interface cannot be detached: port %s is the primary NIC.", portID)
}

// notAttached answers a DELETE of a port that s (nil: no known server)
// does not have: huawei 404, nova 202 with no effect.
func (m *Mock) notAttached(serverID, portID string, s *serverRec) *apiError {
	if s != nil && m.dev.on(DevUnknownPortDetachesOther) && m.w.ports[portID] == nil {
		m.detachOtherLater(s)
	}
	if s != nil && m.dev.on(DevRepeat500) && s.detached[portID] {
		return newError(http.StatusInternalServerError, codeMock("InternalError"), "Unexpected API Error: port %s was already detached.", portID)
	}
	if m.dev.on(DevUnknownPortAccepted) {
		if owner := m.w.attached[portID]; owner != nil && owner != s {
			if n := owner.nic(portID); n != nil && !n.detaching && !m.primaryProtected(owner, portID) {
				m.startDetach(owner, n)
			}
		}
		return nil
	}
	if m.opts.Profile == ProfileHuawei {
		return errNotAttached(serverID, portID)
	}
	return nil
}

// detachOtherLater is the unknown-port-detaches-other-later deviation:
// otherLater delays from now, the newest non-primary NIC of s that is not
// detaching starts detaching (m.mu is held).
func (m *Mock) detachOtherLater(s *serverRec) {
	time.AfterFunc(otherLater*m.opts.Delay, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.closed {
			return
		}
		for i := len(s.nics) - 1; i >= 0; i-- {
			if o := s.nics[i]; o.portID != s.primaryPortID && !o.detaching {
				m.startDetach(s, o)
				return
			}
		}
	})
}

// applyNeighbourDeviations breaks DETACH-ISOLATION when asked: detaching n
// also detaches the newest other non-primary NIC, or changes the MACs of
// the other non-primary NICs.
func (m *Mock) applyNeighbourDeviations(s *serverRec, n *nic) {
	if m.dev.on(DevNeighbourMACChanges) {
		for _, o := range s.nics {
			if o != n && o.portID != s.primaryPortID {
				if p := m.w.ports[o.portID]; p != nil {
					m.w.changeMAC(p)
				}
			}
		}
	}
	if m.dev.on(DevDetachNeighbour) {
		for i := len(s.nics) - 1; i >= 0; i-- {
			if o := s.nics[i]; o != n && o.portID != s.primaryPortID && !o.detaching {
				m.startDetach(s, o)
				break
			}
		}
	}
}

// detachAll is DELETE on the NIC collection under the collection-delete
// deviation: every non-primary NIC is detached.
func (m *Mock) detachAll(w http.ResponseWriter, serverID string) {
	m.mu.Lock()
	s := m.w.servers[serverID]
	var aerr *apiError
	switch {
	case s == nil:
		aerr = errServerNotFound(serverID)
	case s.locked && !m.dev.on(DevLockIgnored):
		aerr = errLocked(serverID)
	default:
		for _, n := range append([]*nic(nil), s.nics...) {
			if n.portID != s.primaryPortID && !n.detaching {
				m.startDetach(s, n)
			}
		}
	}
	m.mu.Unlock()
	if aerr != nil {
		m.writeError(w, aerr)
		return
	}
	m.writeAccepted(w)
}

// writeAccepted answers a detach: 202, zero bytes, no Content-Type (or
// what a success deviation says).
func (m *Mock) writeAccepted(w http.ResponseWriter) {
	switch {
	case m.dev.on(DevBodyOn202):
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted"})
	case m.dev.on(DevContentTypeOn202):
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
	case m.dev.on(DevSuccess204):
		w.WriteHeader(http.StatusNoContent)
	case m.dev.on(DevSuccess200Sync):
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}

// startDetach marks n in flight and arranges its completion: at once when
// the delay is zero (or under success-200-sync), never under
// never-completes or after Close, else after the delay (60s under
// completes-late).
func (m *Mock) startDetach(s *serverRec, n *nic) {
	n.detaching = true
	delay := m.opts.Delay
	if m.dev.on(DevCompletesLate) {
		delay = lateDelay
	}
	switch {
	case m.dev.on(DevNeverCompletes):
	case delay == 0 || m.dev.on(DevSuccess200Sync):
		m.finishDetach(s, n)
	case m.closed:
	default:
		n.timer = time.AfterFunc(delay, func() {
			m.mu.Lock()
			defer m.mu.Unlock()
			if !m.closed {
				m.finishDetach(s, n)
			}
		})
	}
}

// finishDetach is the completion of an accepted detach of n: n is detached,
// unless a deviation detaches another NIC instead (detach-instead-neighbour)
// or as well (other-server-nic-detached).
func (m *Mock) finishDetach(s *serverRec, n *nic) {
	if m.dev.on(DevDetachInsteadNeighbour) {
		if slices.Index(s.nics, n) < 0 {
			return // already gone (port deleted meanwhile)
		}
		n.detaching, n.timer = false, nil // n stays attached
		if o := newestNonPrimary(s, n); o != nil {
			m.completeDetach(s, o)
		}
		return
	}
	if !m.completeDetach(s, n) {
		return
	}
	if m.dev.on(DevOtherServerNICDetached) {
		order := m.w.serverOrder
		i := slices.Index(order, s)
		for k := 1; i >= 0 && k < len(order); k++ {
			other := order[(i+k)%len(order)]
			if o := newestNonPrimary(other, nil); o != nil {
				m.completeDetach(other, o)
				break
			}
		}
	}
}

// newestNonPrimary returns the most recently attached non-primary NIC of s
// other than except, or nil.
func newestNonPrimary(s *serverRec, except *nic) *nic {
	for i := len(s.nics) - 1; i >= 0; i-- {
		if o := s.nics[i]; o != except && o.portID != s.primaryPortID {
			return o
		}
	}
	return nil
}

// completeDetach removes n from s and applies the port's fate: a port
// attached by port_id is unbound (device_id and device_owner cleared,
// status DOWN); a port created by a net_id attach is deleted. It reports
// whether n was still attached.
func (m *Mock) completeDetach(s *serverRec, n *nic) bool {
	wd := m.w
	if !wd.unlink(s, n) {
		return false // already gone (port deleted meanwhile)
	}
	if m.dev.on(DevRepeat500) { // only that deviation needs the history, which grows with every detach
		s.detached[n.portID] = true
	}
	wd.detaches++
	p := wd.ports[n.portID]
	if p == nil {
		return true
	}
	snapshot := interfaceOf(p)
	unbind := func() { p.DeviceID, p.DeviceOwner, p.Status = "", "", statusDown }
	switch {
	case n.preserve && m.dev.on(DevPortIDDeleted):
		wd.deletePort(p)
	case n.preserve && m.dev.on(DevPortIDStaysBound):
	case n.preserve:
		unbind()
		if m.dev.on(DevKeptPortLosesIP) {
			wd.releaseIPs(p)
		}
	case m.dev.on(DevNetIDKept):
		unbind()
	default:
		wd.deletePort(p)
	}
	if m.dev.on(DevShowLingers) {
		s.lingering[snapshot.PortID] = snapshot
	}
	return true
}
