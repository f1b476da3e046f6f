package mock

import (
	"net/http"
	"time"
)

// The subject: DELETE …/os-interface/{port_id} (docs/reference.md). Auth,
// the project and the ids were checked by the router. The detach then
// decides, in order: the server is unknown (404), locked (409), does not
// have the NIC (huawei 404, nova 202 that does nothing), the NIC is the
// primary (huawei 403), its detach is in flight already (202, nothing
// more), else the detach is accepted: 202, and the NIC leaves after the
// delay, its port unbound and kept when it was attached by port_id,
// deleted when a net_id attach made it. Each decision is a named point
// deviations hook (points.go).

// detachRequest is one detach being decided.
type detachRequest struct {
	r                *request // the request that asked for it
	serverID, portID string   // as the path names them
	s                *serverRec
	n                *nic
}

func (m *Mock) detachInterface(w http.ResponseWriter, r *request) {
	m.mu.Lock()
	aerr := m.decideDetach(&detachRequest{r: r, serverID: r.serverID, portID: r.portID})
	m.mu.Unlock()
	if aerr != nil {
		m.writeError(w, aerr)
		return
	}
	m.writeAccepted(w)
}

// decideDetach decides a detach from the server (with Mock.mu held):
// unknown, locked, then decideNIC.
func (m *Mock) decideDetach(d *detachRequest) *apiError {
	d.s = m.w.servers[d.serverID]
	m.dev.detachTarget(m, d)
	switch {
	case d.s == nil:
		return m.dev.serverUnknown(m, d, errServerNotFound(d.serverID))
	case d.s.locked && !m.passesLock(d.r):
		return m.dev.serverLocked(m, d, errLocked(d.serverID))
	}
	if aerr := m.dev.serverUnlocked(m, d); aerr != nil {
		return aerr
	}
	return m.decideNIC(d)
}

// decideNIC decides a detach from the NIC: not attached, primary, then
// decideStart.
func (m *Mock) decideNIC(d *detachRequest) *apiError {
	if d.n = d.s.nic(d.portID); d.n == nil {
		return m.declineNotAttached(d)
	}
	if m.primaryProtected(d.s, d.portID) {
		return m.dev.primaryNIC(m, d, errPrimary(d.portID))
	}
	return m.decideStart(d)
}

// declineNotAttached answers a detach of a NIC the server d.s (nil: no
// known server) does not have: huawei 404, nova 202 that does nothing.
func (m *Mock) declineNotAttached(d *detachRequest) *apiError {
	var answer *apiError
	if m.opts.Profile == ProfileHuawei {
		answer = errNotAttached(d.serverID, d.portID)
	}
	return m.dev.notAttached(m, d, answer)
}

// decideStart decides a detach of an attached NIC: in flight already (202
// again, nothing more), else accepted: it starts.
func (m *Mock) decideStart(d *detachRequest) *apiError {
	if d.n.detaching {
		return m.dev.inFlight(m, d, nil)
	}
	if aerr := m.dev.detachAccepted(m, d); aerr != nil {
		return aerr
	}
	m.applyReservePort(d)
	m.startDetach(d.s, d.n)
	return nil
}

// primaryProtected reports whether detaching portID from s must answer
// 403: the huawei profile protects the primary NIC.
func (m *Mock) primaryProtected(s *serverRec, portID string) bool {
	return m.opts.Profile == ProfileHuawei && portID == s.primaryPortID
}

func errPrimary(portID string) *apiError {
	return newError(http.StatusForbidden, codePrimary, "The primary interface cannot be detached: port %s is the primary NIC.", portID)
}

// writeAccepted answers an accepted detach: 202, zero bytes, no
// Content-Type; under the nova profile with Content-Type: application/json,
// as upstream Nova answers every response of its API, the bodiless 202
// too (ResponseObject.serialize, nova/api/openstack/wsgi.py:287-300; seen
// on the real cloud, docs/openstack.md). BODY-EMPTY-RESPONSE holds (zero
// bytes); the reports raise the content-type-on-empty-body advisory.
func (m *Mock) writeAccepted(w http.ResponseWriter) {
	if m.dev.acceptedWritten(w) {
		return
	}
	if m.opts.Profile == ProfileNova {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(http.StatusAccepted)
}

// startDetach marks n in flight and arranges its completion after the
// delay: at once when it is zero, never after Close.
func (m *Mock) startDetach(s *serverRec, n *nic) {
	n.detaching = true
	switch delay := m.dev.detachDelay(m.opts.Delay); {
	case delay == never:
	case delay == 0:
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

// finishDetach is the completion of an accepted detach of n: n leaves s.
func (m *Mock) finishDetach(s *serverRec, n *nic) {
	if m.dev.detachCompletes(m, s, n) {
		return
	}
	m.completeDetach(s, n)
}

// portFate is what becomes of a detached NIC's port.
type portFate int

const (
	fateUnbind     portFate = iota // kept, unbound: device_id and device_owner cleared, status DOWN
	fateDelete                     // deleted
	fateStaysBound                 // kept as it was, still bound (only a deviation chooses it)
)

// completeDetach removes n from s and applies the port's fate: a port
// attached by port_id is unbound, a port created by a net_id attach is
// deleted. It reports whether n was still attached.
func (m *Mock) completeDetach(s *serverRec, n *nic) bool {
	wd := m.w
	if !wd.unlink(s, n) {
		return false // already gone (port deleted meanwhile)
	}
	wd.detaches++
	p := wd.ports[n.portID]
	if p == nil {
		return true
	}
	shown := interfaceOf(p)
	fate := fateDelete
	if n.preserve {
		fate = fateUnbind
	}
	switch m.dev.portFate(m, n, p, fate) {
	case fateUnbind:
		p.DeviceID, p.DeviceOwner, p.Status = "", "", statusDown
	case fateDelete:
		wd.deletePort(p)
	case fateStaysBound:
	}
	m.dev.nicDetached(m, s, n, shown, p)
	return true
}

// passesLock reports whether r's caller may change a locked server: under
// the nova profile an admin (a token the mock's IAM issued to a User with
// Admin), as check_instance_lock lets context.is_admin pass
// (nova/compute/api.py:236-241). r is nil for a detach no request asked
// for (a deviation's): it passes no lock.
func (m *Mock) passesLock(r *request) bool {
	return r != nil && m.opts.Profile == ProfileNova && m.auth.admin(r.Header.Get("X-Auth-Token"))
}
