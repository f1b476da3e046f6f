// Package emulator is an emulator written from docs/reference.md alone, by
// someone who had not read the suite or the reference mock; a target the
// suite did not grow up with.
//
// It serves, on one http.Handler, the detach of a NIC
// (DELETE /v2.1/{project_id}/servers/{server_id}/os-interface/{port_id}) and
// the neighbour calls docs/reference.md §3 lists: the compute calls under
// /v2.1/{project_id}/… and Nova's version documents at / and /v2.1, and the
// network calls (Neutron v2.0 ports, networks, subnets) below a network
// root (Options.NetworkRoot, "/network" by default), so that one listener
// serves both endpoints. Requests are authenticated with a token
// (X-Auth-Token, docs/reference.md §4).
//
// Where reference.md allows more than one answer, the emulator makes these
// choices (each is an Options field or documented on the handler):
//
//   - a detach of a port not attached to the server answers 404 in the
//     huawei profile, even on a locked server: the port is checked before
//     the lock (real Nova checks the lock first, §2);
//   - deleting a port that is bound to a server answers 409 (PortInUse);
//   - the detach is asynchronous (§2): the NIC leaves after Options.DetachDelay;
//     a port created by a net_id attach is then deleted, one attached by
//     port_id is unbound and kept (§1.1 接口约束, §2 "Port fate");
//   - Options.Profile "huawei" refuses the primary NIC with 403 (§1.1) and a
//     port not attached with 404 (Ecs.0085, §2); "nova" lets any NIC go and
//     accepts the detach of a well-formed port that is not attached with 202,
//     changing nothing (§2: "an unattached port can get 202 there").
//
// The emulator is safe for concurrent use and answers no request with a 5xx.
package emulator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Profiles the emulator can play (docs/reference.md, introduction and §2).
const (
	ProfileHuawei = "huawei"
	ProfileNova   = "nova"
)

// Options configures an emulator. The zero value is usable: profile huawei,
// a 50 ms detach, a random token and project, network root "/network".
type Options struct {
	// Profile is ProfileHuawei (default) or ProfileNova.
	Profile string
	// Token is the only value of X-Auth-Token accepted (docs/reference.md §4);
	// empty means a random one, returned in World.Token.
	Token string
	// ProjectID is the caller's project, 32 lowercase hex characters
	// (docs/reference.md §1.2); empty means a random one.
	ProjectID string
	// DetachDelay is how long an accepted detach takes before the NIC leaves
	// the list (docs/reference.md §2, "Detach is asynchronous"); 0 means
	// 50 ms, a negative value completes the detach before the 202 is sent.
	DetachDelay time.Duration
	// NetworkRoot is the path the network endpoint is served below, e.g.
	// "/network" (then the network URL is http://host/network and ports are
	// at /network/v2.0/ports); empty means "/network".
	NetworkRoot string
	// MaxMicroversion is the highest compute microversion served, "2.x";
	// empty means "2.96". The lowest is always 2.1.
	MaxMicroversion string
}

// World names what the emulator starts with: one project, two ACTIVE
// servers with one NIC each (their primary NIC), one network with one IPv4
// subnet.
type World struct {
	ProjectID          string
	Token              string
	ServerID           string
	PrimaryPortID      string
	OtherServerID      string
	OtherPrimaryPortID string
	NetworkID          string
	SubnetID           string
	Profile            string
	NetworkRoot        string
}

type microversion struct{ major, minor int }

func (v microversion) String() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

func (v microversion) atLeast(minor int) bool {
	return v.major > 2 || (v.major == 2 && v.minor >= minor)
}

func (v microversion) less(w microversion) bool {
	return v.major < w.major || (v.major == w.major && v.minor < w.minor)
}

// port is a Neutron port (docs/reference.md §3, "Port fields used").
type port struct {
	ID          string
	Name        string
	Description string
	NetworkID   string
	MAC         string
	IPs         []fixedIP
	DeviceID    string
	DeviceOwner string
	Status      string
	// preserve is Nova's preserve_on_delete: true for a port the user passed
	// in (attached by port_id), false for one Nova created from net_id
	// (docs/reference.md §2, "Port fate").
	preserve bool
	tag      string
	created  time.Time
}

type fixedIP struct {
	SubnetID  string `json:"subnet_id"`
	IPAddress string `json:"ip_address"`
}

type server struct {
	ID           string
	Name         string
	Locked       bool
	LockedReason *string
	Primary      string
	// NICs are the attached port ids, in attach order.
	NICs []string
	// detaching holds the ports whose accepted detach has not completed.
	detaching map[string]bool
	created   time.Time
}

type network struct {
	ID     string
	Name   string
	Subnet subnet
}

type subnet struct {
	ID      string
	Name    string
	CIDR    *net.IPNet
	Gateway net.IP
}

// Emulator is the http.Handler; New makes one.
type Emulator struct {
	opts    Options
	maxMV   microversion
	world   World
	reqSeq  atomic.Uint64
	reqBase string

	mu       sync.Mutex
	servers  map[string]*server
	ports    map[string]*port
	networks map[string]*network
	usedIPs  map[string]string // ip → port id
}

var (
	uuidRE    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	projectRE = regexp.MustCompile(`^[0-9a-f]{32}$`)
	mvRE      = regexp.MustCompile(`^([1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$`)
)

// New makes an emulator and its world. It fails on an unknown profile, a
// malformed project id or microversion, or a network root that is not an
// absolute path other than "/".
func New(o Options) (*Emulator, World, error) {
	switch o.Profile {
	case "":
		o.Profile = ProfileHuawei
	case ProfileHuawei, ProfileNova:
	default:
		return nil, World{}, fmt.Errorf("emulator: profile %q: want %q or %q", o.Profile, ProfileHuawei, ProfileNova)
	}
	if o.Token == "" {
		o.Token = "emu-" + randHex(24)
	}
	if o.ProjectID == "" {
		o.ProjectID = randHex(16)
	} else if !projectRE.MatchString(o.ProjectID) {
		return nil, World{}, fmt.Errorf("emulator: project id %q: want 32 lowercase hex characters (docs/reference.md §1.2)", o.ProjectID)
	}
	if o.DetachDelay == 0 {
		o.DetachDelay = 50 * time.Millisecond
	}
	if o.NetworkRoot == "" {
		o.NetworkRoot = "/network"
	}
	o.NetworkRoot = strings.TrimRight(o.NetworkRoot, "/")
	if !strings.HasPrefix(o.NetworkRoot, "/") || o.NetworkRoot == "" || strings.HasPrefix(o.NetworkRoot, "/v2.1") {
		return nil, World{}, fmt.Errorf("emulator: network root %q: want an absolute path other than / and /v2.1", o.NetworkRoot)
	}
	if o.MaxMicroversion == "" {
		o.MaxMicroversion = "2.96"
	}
	maxMV, ok := parseMicroversion(o.MaxMicroversion)
	if !ok || maxMV.less(microversion{2, 1}) {
		return nil, World{}, fmt.Errorf("emulator: max microversion %q: want 2.N with N ≥ 1", o.MaxMicroversion)
	}

	e := &Emulator{
		opts:     o,
		maxMV:    maxMV,
		reqBase:  randHex(4),
		servers:  map[string]*server{},
		ports:    map[string]*port{},
		networks: map[string]*network{},
		usedIPs:  map[string]string{},
	}
	_, cidr, _ := net.ParseCIDR("192.168.0.0/24")
	nw := &network{ID: newUUID(), Name: "emulator-net", Subnet: subnet{ID: newUUID(), Name: "emulator-subnet", CIDR: cidr, Gateway: net.ParseIP("192.168.0.1").To4()}}
	e.networks[nw.ID] = nw
	now := time.Now().UTC().Truncate(time.Second)
	mk := func(name string) (*server, *port) {
		s := &server{ID: newUUID(), Name: name, detaching: map[string]bool{}, created: now}
		p := &port{ID: newUUID(), NetworkID: nw.ID, MAC: newMAC(), DeviceID: s.ID, DeviceOwner: "compute:nova", Status: "ACTIVE", preserve: true, created: now}
		ip, _ := e.allocateIP(nw, p.ID)
		p.IPs = []fixedIP{{SubnetID: nw.Subnet.ID, IPAddress: ip}}
		s.Primary, s.NICs = p.ID, []string{p.ID}
		e.servers[s.ID], e.ports[p.ID] = s, p
		return s, p
	}
	s1, p1 := mk("emulator-server-1")
	s2, p2 := mk("emulator-server-2")
	e.world = World{
		ProjectID: o.ProjectID, Token: o.Token,
		ServerID: s1.ID, PrimaryPortID: p1.ID,
		OtherServerID: s2.ID, OtherPrimaryPortID: p2.ID,
		NetworkID: nw.ID, SubnetID: nw.Subnet.ID,
		Profile: o.Profile, NetworkRoot: o.NetworkRoot,
	}
	return e, e.world, nil
}

// ServeHTTP routes a request to the compute or the network API. A panic in
// a handler would be a bug of the emulator: it is answered 500
// (computeFault) rather than dropping the connection, so that tests which
// hold every answer below 500 see it.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := &recorder{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil && !rw.wrote {
			e.writeJSON(rw, http.StatusInternalServerError, fault(http.StatusInternalServerError, "The emulator failed on this request (a bug)."))
		}
	}()
	rw.Header().Set("X-Openstack-Request-Id", e.requestID())
	rw.Header().Set("X-Request-Id", rw.Header().Get("X-Openstack-Request-Id"))
	path := r.URL.EscapedPath()
	if path == e.opts.NetworkRoot || strings.HasPrefix(path, e.opts.NetworkRoot+"/") {
		e.serveNetwork(rw, r, strings.TrimPrefix(path, e.opts.NetworkRoot))
		return
	}
	rw.Header().Set("X-Compute-Request-Id", rw.Header().Get("X-Openstack-Request-Id"))
	e.serveCompute(rw, r, path)
}

type recorder struct {
	http.ResponseWriter
	wrote bool
}

func (r *recorder) WriteHeader(code int) { r.wrote = true; r.ResponseWriter.WriteHeader(code) }
func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// authorized reports whether the request carries the configured token
// (docs/reference.md §4), comparing in constant time.
func (e *Emulator) authorized(r *http.Request) bool {
	tok := r.Header.Get("X-Auth-Token")
	return tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(e.opts.Token)) == 1
}

// unauthorized answers 401. The huawei profile answers in the API gateway's
// shape {"error_code":"APIGW.0301","error_msg":…,"request_id":…}
// (docs/reference.md §2: "a correct cloud's 401s … come in this shape");
// the nova profile in Nova's fault shape (§2, faultName "unauthorized").
func (e *Emulator) unauthorized(w http.ResponseWriter, compute bool) {
	w.Header().Set("WWW-Authenticate", `Keystone uri="emulator"`)
	msg := "Incorrect IAM authentication information: the token is missing or invalid."
	if e.opts.Profile == ProfileHuawei {
		e.writeJSON(w, http.StatusUnauthorized, map[string]any{"error_code": "APIGW.0301", "error_msg": msg, "request_id": w.Header().Get("X-Request-Id")})
		return
	}
	if compute {
		e.writeJSON(w, http.StatusUnauthorized, fault(http.StatusUnauthorized, "The request you have made requires authentication."))
		return
	}
	e.writeJSON(w, http.StatusUnauthorized, neutronError("HTTPUnauthorized", "The request you have made requires authentication."))
}

func (e *Emulator) requestID() string {
	n := e.reqSeq.Add(1)
	id := randHex(16)
	return fmt.Sprintf("req-%s-%s-%s-%s-%s%04x", id[0:8], id[8:12], id[12:16], e.reqBase, id[16:24], n&0xffff)
}

// segments splits an escaped path into unescaped segments, dropping one
// trailing empty segment (a trailing slash), which it reports. A segment
// that does not unescape is kept escaped: it names nothing, and so answers
// 404 wherever an id is expected.
func segments(escaped string) ([]string, bool) {
	escaped = strings.TrimPrefix(escaped, "/")
	if escaped == "" {
		return nil, true
	}
	parts := strings.Split(escaped, "/")
	trailing := false
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts, trailing = parts[:len(parts)-1], true
	}
	for i, p := range parts {
		if u, err := url.PathUnescape(p); err == nil {
			parts[i] = u
		}
	}
	return parts, trailing
}

func (e *Emulator) allocateIP(nw *network, portID string) (string, bool) {
	base := nw.Subnet.CIDR.IP.To4()
	for i := 10; i < 255; i++ {
		ip := net.IPv4(base[0], base[1], base[2], byte(i)).String()
		if _, used := e.usedIPs[ip]; !used {
			e.usedIPs[ip] = portID
			return ip, true
		}
	}
	return "", false
}

func (e *Emulator) releaseIPs(p *port) {
	for _, f := range p.IPs {
		if e.usedIPs[f.IPAddress] == p.ID {
			delete(e.usedIPs, f.IPAddress)
		}
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func newMAC() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", b[0], b[1], b[2])
}
