package mock

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"time"

	"github.com/nicconform/nicconform/internal/ids"
)

// Port states and the device owner of a port bound to a server.
const (
	statusActive = "ACTIVE"
	statusDown   = "DOWN"
	statusBuild  = "BUILD"
	ownerCompute = "compute:nova"
)

// subnetCIDR is the mock network's only subnet.
var subnetCIDR = netip.MustParsePrefix("192.168.0.0/16")

// FixedIP is an IP address of a port, on the wire as {subnet_id, ip_address}.
type FixedIP struct {
	SubnetID  string `json:"subnet_id"`
	IPAddress string `json:"ip_address"`
}

// Port is a network port as the network endpoint shows it.
type Port struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	NetworkID   string    `json:"network_id"`
	MACAddress  string    `json:"mac_address"`
	FixedIPs    []FixedIP `json:"fixed_ips"`
	DeviceID    string    `json:"device_id"`
	DeviceOwner string    `json:"device_owner"`
	Status      string    `json:"status"`
	TenantID    string    `json:"tenant_id"`
}

func (p Port) clone() Port {
	p.FixedIPs = slices.Clone(p.FixedIPs)
	return p
}

// Interface is a NIC of a server (an interface attachment) as the compute
// endpoint shows it.
type Interface struct {
	PortState string    `json:"port_state"`
	FixedIPs  []FixedIP `json:"fixed_ips"`
	PortID    string    `json:"port_id"`
	NetID     string    `json:"net_id"`
	MACAddr   string    `json:"mac_addr"`
}

// Seed describes the seeded world: the ids a client needs to use the mock.
type Seed struct {
	ProjectID string
	NetworkID string
	SubnetID  string
	Servers   []SeedServer
}

// SeedServer is one seeded server and its primary NIC's port.
type SeedServer struct {
	ServerID      string
	PrimaryPortID string
}

// portRec is a port and its bookkeeping.
type portRec struct {
	Port
	seq uint64 // creation order, for stable listings
	ip  netip.Addr
	// downUntil, buildUntil: an ACTIVE port an attach bound shows DOWN,
	// then BUILD, until then (Options.BindDown, BindBuild).
	downUntil, buildUntil time.Time
}

// shown is p as the network endpoint shows it now.
func (p *portRec) shown() Port {
	out := p.clone()
	out.Status = p.status()
	return out
}

// status is p's status as shown now: a port an attach bound is DOWN, then
// BUILD, before it is ACTIVE, as on upstream ML2 with an L2 agent (the
// provisioning block, neutron/plugins/ml2/drivers/mech_agent.py:85-88;
// BUILD when the agent fetches the device, rpc.py:74-78; ACTIVE on device
// up, plugin.py:331-395, Neutron 21.0.0).
func (p *portRec) status() string {
	if p.Status == statusActive {
		now := time.Now()
		switch {
		case now.Before(p.downUntil):
			return statusDown
		case now.Before(p.buildUntil):
			return statusBuild
		}
	}
	return p.Status
}

// nic is a port attached to a server.
type nic struct {
	portID    string
	tag       *string     // the device tag given at attach (microversion 2.49 and later)
	preserve  bool        // attached by port_id: keep (unbind) the port on detach
	detaching bool        // a detach was accepted and has not completed
	timer     *time.Timer // pending completion, if any
}

// serverRec is a server and its NICs, in attach order.
type serverRec struct {
	id, name      string
	locked        bool
	lockedReason  *string // the reason given at lock (microversion 2.73 and later)
	primaryPortID string
	nics          []*nic
}

func (s *serverRec) nic(portID string) *nic {
	for _, n := range s.nics {
		if n.portID == portID {
			return n
		}
	}
	return nil
}

// world is the mock's state. Every method must be called with Mock.mu held.
type world struct {
	projectID, networkID, subnetID string
	gateway                        netip.Addr

	servers     map[string]*serverRec
	serverOrder []*serverRec
	ports       map[string]*portRec
	attached    map[string]*serverRec // port id → server it is attached to
	macs        map[string]string     // MAC → port id
	ips         map[netip.Addr]string // IP → port id
	nextIP      netip.Addr
	seq         uint64
	detaches    int // completed detaches, for tests
	// bindDown, bindBuild are how long a port an attach bound shows DOWN,
	// then BUILD (Options.BindDown, BindBuild).
	bindDown, bindBuild time.Duration
}

func newWorld() *world {
	first := subnetCIDR.Addr()
	gw := first.Next()
	return &world{
		projectID: ids.NewProjectID(),
		networkID: ids.NewUUID(),
		subnetID:  ids.NewUUID(),
		gateway:   gw,
		servers:   map[string]*serverRec{},
		ports:     map[string]*portRec{},
		attached:  map[string]*serverRec{},
		macs:      map[string]string{},
		ips:       map[netip.Addr]string{},
		nextIP:    gw.Next(),
	}
}

// usableIP reports whether a is an address a port may hold: inside the
// subnet, and neither the network address, the gateway nor the broadcast.
func (w *world) usableIP(a netip.Addr) bool {
	if !subnetCIDR.Contains(a) || a == subnetCIDR.Addr() || a == w.gateway {
		return false
	}
	return a != broadcast(subnetCIDR)
}

func broadcast(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	host := 32 - p.Bits()
	for i := 3; i >= 0 && host > 0; i-- {
		n := min(host, 8)
		b[i] |= byte(1<<n - 1)
		host -= n
	}
	return netip.AddrFrom4(b)
}

// allocIP returns the next free usable address.
func (w *world) allocIP() (netip.Addr, *apiError) {
	capacity := 1<<(32-subnetCIDR.Bits()) - 3
	if len(w.ips) >= capacity {
		return netip.Addr{}, errConflict(codeMock("IpAddressGenerationFailure"), "No more IP addresses available on network %s.", w.networkID)
	}
	a := w.nextIP
	for {
		if !w.usableIP(a) {
			a = w.gateway.Next()
		}
		if _, taken := w.ips[a]; !taken {
			w.nextIP = a.Next()
			return a, nil
		}
		a = a.Next()
	}
}

// newPort creates an unbound port. A valid ip (already checked with
// usableIP) is taken if free; the zero Addr allocates one.
func (w *world) newPort(name string, ip netip.Addr) (*portRec, *apiError) {
	if ip.IsValid() {
		if _, taken := w.ips[ip]; taken {
			return nil, errConflict(codeMock("IpAddressInUse"), "IP address %s already allocated in subnet %s.", ip, w.subnetID)
		}
	} else {
		var err *apiError
		if ip, err = w.allocIP(); err != nil {
			return nil, err
		}
	}
	w.seq++
	p := &portRec{
		Port: Port{
			ID:         ids.NewUUID(),
			Name:       name,
			NetworkID:  w.networkID,
			MACAddress: w.freshMAC(),
			FixedIPs:   []FixedIP{{SubnetID: w.subnetID, IPAddress: ip.String()}},
			Status:     statusDown,
			TenantID:   w.projectID,
		},
		seq: w.seq,
		ip:  ip,
	}
	w.ports[p.ID] = p
	w.macs[p.MACAddress] = p.ID
	w.ips[ip] = p.ID
	return p, nil
}

// freshMAC returns a MAC no port holds.
func (w *world) freshMAC() string {
	for {
		if mac := newMAC(); w.macs[mac] == "" {
			return mac
		}
	}
}

// changeMAC gives p a new MAC address.
func (w *world) changeMAC(p *portRec) {
	delete(w.macs, p.MACAddress)
	p.MACAddress = w.freshMAC()
	w.macs[p.MACAddress] = p.ID
}

// addServer seeds one ACTIVE, unlocked server with a primary NIC.
func (w *world) addServer() (*serverRec, *apiError) {
	s := &serverRec{
		id:   ids.NewUUID(),
		name: fmt.Sprintf("mock-server-%d", len(w.serverOrder)+1),
	}
	p, err := w.newPort("", netip.Addr{})
	if err != nil {
		return nil, err
	}
	s.primaryPortID = p.ID
	w.servers[s.id] = s
	w.serverOrder = append(w.serverOrder, s)
	// The primary port was created by the cloud at boot: deleted on detach.
	w.bind(s, p, false)
	return s, nil
}

// attachBind is bind for an attach: the port settles (DOWN, BUILD) for the
// world's bind delays before it shows ACTIVE.
func (w *world) attachBind(s *serverRec, p *portRec, preserve bool) *nic {
	n := w.bind(s, p, preserve)
	now := time.Now()
	p.downUntil, p.buildUntil = now.Add(w.bindDown), now.Add(w.bindDown+w.bindBuild)
	return n
}

// bind attaches p to s as its newest NIC.
func (w *world) bind(s *serverRec, p *portRec, preserve bool) *nic {
	p.DeviceID, p.DeviceOwner, p.Status = s.id, ownerCompute, statusActive
	n := &nic{portID: p.ID, preserve: preserve}
	s.nics = append(s.nics, n)
	w.attached[p.ID] = s
	return n
}

// unlink removes n from s's NICs (stopping a pending completion) and
// reports whether it was there.
func (w *world) unlink(s *serverRec, n *nic) bool {
	i := slices.Index(s.nics, n)
	if i < 0 {
		return false
	}
	if n.timer != nil {
		n.timer.Stop()
		n.timer = nil
	}
	s.nics = slices.Delete(s.nics, i, i+1)
	if w.attached[n.portID] == s {
		delete(w.attached, n.portID)
	}
	return true
}

// deletePort removes p, detaching it at once from the server it is
// attached to.
func (w *world) deletePort(p *portRec) {
	if s := w.attached[p.ID]; s != nil {
		if n := s.nic(p.ID); n != nil {
			w.unlink(s, n)
		}
	}
	delete(w.ports, p.ID)
	delete(w.macs, p.MACAddress)
	if p.ip.IsValid() {
		delete(w.ips, p.ip)
	}
}

// releaseIPs frees p's address: p keeps no fixed IP.
func (w *world) releaseIPs(p *portRec) {
	if p.ip.IsValid() && w.ips[p.ip] == p.ID {
		delete(w.ips, p.ip)
	}
	p.ip = netip.Addr{}
	p.FixedIPs = []FixedIP{}
}

// interfaceOf renders p as an interface attachment.
func interfaceOf(p *portRec) Interface {
	return Interface{
		PortState: p.status(),
		FixedIPs:  slices.Clone(p.FixedIPs),
		PortID:    p.ID,
		NetID:     p.NetworkID,
		MACAddr:   p.MACAddress,
	}
}

// interfaces lists s's NICs in attach order.
func (w *world) interfaces(s *serverRec) []Interface {
	out := make([]Interface, 0, len(s.nics))
	for _, n := range s.nics {
		if p := w.ports[n.portID]; p != nil {
			out = append(out, interfaceOf(p))
		}
	}
	return out
}

// sortedPorts returns copies of the ports matching keep, in creation order.
func (w *world) sortedPorts(keep func(*portRec) bool) []Port {
	recs := make([]*portRec, 0, len(w.ports))
	for _, p := range w.ports {
		if keep == nil || keep(p) {
			recs = append(recs, p)
		}
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].seq < recs[j].seq })
	out := make([]Port, len(recs))
	for i, p := range recs {
		out[i] = p.shown()
	}
	return out
}
