package overlap

import (
	"sync"
)

// A port's status after an attach is the cloud finishing that attach for a
// while: upstream Neutron's ML2 leaves a port it has just bound DOWN (an
// agent-based mechanism driver puts an L2 provisioning block on it at bind,
// neutron/plugins/ml2/drivers/mech_agent.py:85-88, Neutron 21.0.0), the L2
// agent fetching the device's details makes it BUILD
// (neutron/plugins/ml2/rpc.py:74-78, _get_new_status) and its "device up"
// lifts the block (rpc.py:348-351), which makes it ACTIVE
// (neutron/plugins/ml2/plugin.py:331-395, _port_provisioned). Nova's attach
// answer reports the status of that moment, `port_state: DOWN`
// (nova/api/openstack/compute/attach_interfaces.py:47, Nova 26.2.2), and
// ACTIVE follows one agent poll later (an OVS agent's: ~1-2 s).
//
// So, after an attach, DOWN or BUILD → ACTIVE is no change a request made,
// until the run first sees that port ACTIVE; after that any status change is
// a change. A cloud whose bound ports never leave DOWN (some emulators) is
// found once, by the first attach that waits its whole bound seeing only
// DOWN: the run raises an advisory and waits no more.

// bindingKind is what the run learned of how the target's bound ports end.
type bindingKind int

const (
	bindingUnknown  bindingKind = iota
	bindingActive               // bound ports become ACTIVE
	bindingStayDown             // bound ports stay DOWN
)

// Binding tracks the ports an attach of the run has not yet been seen
// finish.
type Binding struct {
	mu       sync.Mutex
	settling map[string]bool // port id → attached, not yet seen ACTIVE
	kind     bindingKind
}

// NewBinding tracks no port yet.
func NewBinding() *Binding { return &Binding{settling: map[string]bool{}} }

// Attached records that the run attached port (again): until it is seen
// ACTIVE, DOWN and BUILD are the attach finishing.
func (b *Binding) Attached(port string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.settling[port] = true
}

// Status reads a port's status as the state it is settling to: DOWN or
// BUILD of a port the run attached and has not yet seen ACTIVE reads as
// ACTIVE (on a target whose bound ports go ACTIVE, or before the run knows);
// an ACTIVE port is settled from then on, and an attached port seen ACTIVE
// shows that the target's bound ports go ACTIVE. Every other status is as
// given.
func (b *Binding) Status(port, status string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case status == "ACTIVE":
		if b.settling[port] {
			delete(b.settling, port)
			b.kind = bindingActive
		}
	case b.settling[port] && b.kind != bindingStayDown && (status == "DOWN" || status == "BUILD"):
		return "ACTIVE"
	}
	return status
}

// StaysDown reports whether the run found that the target's bound ports
// stay DOWN.
func (b *Binding) StaysDown() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.kind == bindingStayDown
}

// StayedDown records that an attached port stayed DOWN for a whole bound
// (never BUILD) while the run knew nothing yet of how the target's bound
// ports end: from then on the target's bound ports stay DOWN. first says
// this call established it (the caller raises the advisory once); stays,
// that the target's bound ports stay DOWN (false when the run had seen one
// go ACTIVE).
func (b *Binding) StayedDown() (first, stays bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	first = b.kind == bindingUnknown
	if first {
		b.kind = bindingStayDown
	}
	return first, b.kind == bindingStayDown
}
