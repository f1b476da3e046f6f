package mock

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// Mock is the reference mock: an http.Handler over an in-memory world. It is
// safe for concurrent use. Create it with New; stop it with Close.
type Mock struct {
	opts Options
	dev  deviationHooks // the hooks of Options.Deviations (points.go)

	mu     sync.Mutex // guards w, memo and closed
	w      *world
	memo   deviationMemo
	closed bool

	panics   atomic.Int64 // recovered handler panics: always a bug
	requests atomic.Int64 // counts requests, for Options.Throttle

	auth authState // tokens the mock's IAM issued (auth.go)
}

// New validates opts, applies the defaults and seeds the world.
func New(opts Options) (*Mock, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	m := &Mock{opts: opts, dev: hooksOf(opts.Deviations), w: newWorld()}
	m.w.bindDown, m.w.bindBuild = opts.BindDown, opts.BindBuild
	for range opts.Servers {
		if _, err := m.AddServer(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Options returns the effective options (defaults applied).
func (m *Mock) Options() Options {
	o := m.opts
	o.Deviations = append([]Deviation(nil), o.Deviations...)
	o.AKSK = maps.Clone(o.AKSK)
	o.Users = slices.Clone(o.Users)
	return o
}

// Seed returns the ids of the seeded world, servers in creation order.
func (m *Mock) Seed() Seed {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := Seed{ProjectID: m.w.projectID, NetworkID: m.w.networkID, SubnetID: m.w.subnetID}
	for _, srv := range m.w.serverOrder {
		s.Servers = append(s.Servers, SeedServer{ServerID: srv.id, PrimaryPortID: srv.primaryPortID})
	}
	return s
}

// AddServer seeds one more ACTIVE, unlocked server with one primary NIC.
func (m *Mock) AddServer() (SeedServer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, aerr := m.w.addServer()
	if aerr != nil {
		return SeedServer{}, fmt.Errorf("mock: add server: %s", aerr.message)
	}
	return SeedServer{ServerID: s.id, PrimaryPortID: s.primaryPortID}, nil
}

// Close stops pending detach completions: a detach accepted and not yet
// completed never completes. The handler keeps answering after Close.
func (m *Mock) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	for _, s := range m.w.serverOrder {
		for _, n := range s.nics {
			if n.timer != nil {
				n.timer.Stop()
				n.timer = nil
			}
		}
	}
}

// Ports returns a copy of every port, in creation order.
func (m *Mock) Ports() []Port {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.w.sortedPorts(nil)
}

// Interfaces returns a copy of the NICs of a server in attach order (nil
// for an unknown server).
func (m *Mock) Interfaces(serverID string) []Interface {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.w.servers[serverID]
	if s == nil {
		return nil
	}
	return m.w.interfaces(s)
}

// Panics returns how many handler panics were recovered (answered 500).
// Any non-zero value is a bug in the mock; tests check it stays zero.
func (m *Mock) Panics() int64 { return m.panics.Load() }

// Pending reports how many accepted detaches have not completed yet.
func (m *Mock) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.w.serverOrder {
		for _, nc := range s.nics {
			if nc.detaching {
				n++
			}
		}
	}
	return n
}

// CheckInvariants checks the world's consistency: a port is attached to at
// most one server; every NIC's port exists and is bound to its server; a
// bound port is attached where it says; no index refers to a deleted port;
// MACs and IPs are unique; and (huawei profile, unless a primary deviation
// is on) every server keeps its primary NIC. It returns every violation.
func (m *Mock) CheckInvariants() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.w
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	seen := map[string]string{} // port id → server id
	for _, s := range w.serverOrder {
		for _, n := range s.nics {
			if other, dup := seen[n.portID]; dup {
				bad("port %s attached to servers %s and %s", n.portID, other, s.id)
			}
			seen[n.portID] = s.id
			p := w.ports[n.portID]
			switch {
			case p == nil:
				bad("server %s lists deleted port %s", s.id, n.portID)
			case p.DeviceID != s.id:
				bad("port %s attached to server %s has device_id %q", p.ID, s.id, p.DeviceID)
			}
			if w.attached[n.portID] != s {
				bad("attachment index disagrees for port %s", n.portID)
			}
		}
		primaryKept := m.opts.Profile == ProfileHuawei && !m.dev.losesPrimary()
		if primaryKept && s.nic(s.primaryPortID) == nil {
			bad("server %s lost its primary NIC %s", s.id, s.primaryPortID)
		}
	}
	if len(w.attached) != len(seen) {
		bad("attachment index has %d entries, servers list %d NICs", len(w.attached), len(seen))
	}
	macs := map[string]string{}
	ips := map[string]string{}
	for _, p := range w.ports {
		if other, dup := macs[p.MACAddress]; dup {
			bad("ports %s and %s share MAC %s", other, p.ID, p.MACAddress)
		}
		macs[p.MACAddress] = p.ID
		for _, ip := range p.FixedIPs {
			if other, dup := ips[ip.IPAddress]; dup {
				bad("ports %s and %s share IP %s", other, p.ID, ip.IPAddress)
			}
			ips[ip.IPAddress] = p.ID
		}
		if p.DeviceID != "" && seen[p.ID] != p.DeviceID && !m.dev.leavesPortBound() {
			bad("port %s has device_id %s but is not attached there", p.ID, p.DeviceID)
		}
	}
	for mac, id := range w.macs {
		if p := w.ports[id]; p == nil || p.MACAddress != mac {
			bad("MAC index entry %s → %s is stale", mac, id)
		}
	}
	for ip, id := range w.ips {
		if p := w.ports[id]; p == nil || p.ip != ip {
			bad("IP index entry %s → %s is stale", ip, id)
		}
	}
	withIP := 0 // a port kept by kept-port-loses-ip has no IP
	for _, p := range w.ports {
		if p.ip.IsValid() {
			withIP++
		} else if len(p.FixedIPs) != 0 {
			bad("port %s shows fixed IPs but holds no address", p.ID)
		}
	}
	if len(w.macs) != len(w.ports) || len(w.ips) != withIP {
		bad("index sizes: %d MACs, %d IPs, %d ports (%d with an IP)", len(w.macs), len(w.ips), len(w.ports), withIP)
	}
	return errors.Join(errs...)
}
