package mock

// Sequence-only deviations: breaks that show only after a sequence of
// calls that no spec of the rule suite makes (a port detached and attached
// again, a lock taken twice, a third NIC, a repeated detach followed by an
// attach). `nicconform explore` finds them by running random sequences
// against the mock and, in lockstep, against the faithful reference model.
//
// Each hook below is called from one named point of the handlers, with
// Mock.mu held, and does nothing unless its deviation is on.

// seqState is what the sequence-only deviations remember of a mock's
// history. Guarded by Mock.mu.
type seqState struct {
	// keptDetached records, per port, the servers a detach of the port
	// completed from while the port was attached with port_id (kept).
	keptDetached map[string]map[string]bool
	// locks counts the locks of each server (lock-counts-twice).
	locks map[string]int
	// stale marks the ports a repeated detach left with a stale binding
	// (repeat-stale-binding).
	stale map[string]bool
}

// historyDeviations need keptDetached, which grows with every detach of a
// kept port: it is recorded only when one of them is on.
var historyDeviations = []Deviation{DevReattachedUndetachable, DevRepeatStaleBinding, DevReattachNewMAC}

// seqDetached is called by completeDetach once n has left s: a kept
// port's detach is remembered.
func (m *Mock) seqDetached(s *serverRec, n *nic) {
	if !n.preserve || !m.dev.onAny(historyDeviations) {
		return
	}
	if m.seq.keptDetached == nil {
		m.seq.keptDetached = map[string]map[string]bool{}
	}
	if m.seq.keptDetached[n.portID] == nil {
		m.seq.keptDetached[n.portID] = map[string]bool{}
	}
	m.seq.keptDetached[n.portID][s.id] = true
}

// seqRefuseDetach is called by detachNIC before it accepts a detach of n
// from s: reattached-undetachable refuses a kept port that was detached
// from s before (404, as for a NIC the server does not have).
func (m *Mock) seqRefuseDetach(s *serverRec, n *nic) *apiError {
	if m.dev.on(DevReattachedUndetachable) && n.preserve && m.seq.keptDetached[n.portID][s.id] {
		return errNotAttached(s.id, n.portID)
	}
	return nil
}

// seqSwap is called by detachNIC before it accepts a detach of n from s,
// and returns the NIC to detach instead: third-nic-swapped takes the
// second non-primary NIC when n is the third of at least three.
func (m *Mock) seqSwap(s *serverRec, n *nic) *nic {
	if !m.dev.on(DevThirdNICSwapped) {
		return n
	}
	var others []*nic
	for _, o := range s.nics {
		if o.portID != s.primaryPortID {
			others = append(others, o)
		}
	}
	if len(others) >= 3 && others[2] == n && !others[1].detaching {
		return others[1]
	}
	return n
}

// seqLock is called by serverAction for a lock (lock true) or an unlock of
// s, before the lock state changes: lock-counts-twice counts them.
func (m *Mock) seqLock(s *serverRec, lock bool) {
	if !m.dev.on(DevLockCountsTwice) {
		return
	}
	if m.seq.locks == nil {
		m.seq.locks = map[string]int{}
	}
	switch {
	case lock:
		m.seq.locks[s.id]++
	case m.seq.locks[s.id] > 0:
		m.seq.locks[s.id]--
	}
}

// seqLocked is called by detachLocked for an unlocked server: under
// lock-counts-twice a lock count left over by a second lock keeps
// refusing detaches (409), though the server shows unlocked.
func (m *Mock) seqLocked(s *serverRec) bool {
	return m.dev.on(DevLockCountsTwice) && m.seq.locks[s.id] > 0
}

// seqNotAttached is called by notAttached for a DELETE of a port that s
// (known) does not have: repeat-stale-binding marks a kept port already
// detached from s as stale.
func (m *Mock) seqNotAttached(s *serverRec, portID string) {
	if m.dev.on(DevRepeatStaleBinding) && m.seq.keptDetached[portID][s.id] {
		if m.seq.stale == nil {
			m.seq.stale = map[string]bool{}
		}
		m.seq.stale[portID] = true
	}
}

// seqAttachPort is called by attachLocked before it binds the existing
// port p: repeat-stale-binding refuses a stale port (409 still in use);
// reattach-new-mac gives a kept port that was detached before a new MAC.
func (m *Mock) seqAttachPort(p *portRec) *apiError {
	if m.dev.on(DevRepeatStaleBinding) && m.seq.stale[p.ID] {
		return errConflict(codePortInUse, "Port %s is still in use: the NIC has been attached to an instance.", p.ID)
	}
	if m.dev.on(DevReattachNewMAC) && len(m.seq.keptDetached[p.ID]) > 0 {
		m.w.changeMAC(p)
	}
	return nil
}

// onAny reports whether any of ds is on.
func (s deviationSet) onAny(ds []Deviation) bool {
	for _, d := range ds {
		if s[d] {
			return true
		}
	}
	return false
}
