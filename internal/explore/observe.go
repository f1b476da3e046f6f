package explore

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/paths"
)

// nicView is one NIC as a world shows it, its port named by reference.
type nicView struct {
	ref, mac, ips, state string
}

// portView is one port the sequence made, as a world shows it.
type portView struct {
	found  bool
	status int    // of show port, when not found
	device string // the server role of device_id, "" unbound, "elsewhere" for another device
	owned  bool   // device_owner is set
	state  string // status: ACTIVE, DOWN, …
	mac    string
	ips    string
}

// view is what a world shows of the state explore compares.
type view struct {
	locked  bool                 // the server (main role) shows locked
	nics    map[string][]nicView // server role → its NICs, by reference
	unknown map[string]int       // server role → NICs of ports the sequence does not know
	ports   map[string]portView  // handle reference → the port
}

// look says what an observation reads.
type look struct {
	// gone are the handles both worlds already showed deleted: ids never
	// come back, so they are not looked at again.
	gone map[string]bool
	// lock: show the server for its lock, once the sequence has locked or
	// unlocked it (nothing else changes the lock).
	lock bool
	// roles are the servers whose NICs are listed: the other server once
	// the sequence has named it or one of its NICs.
	roles []string
	// list reads the ports with one list of the network's ports instead
	// of one show each: for the embedded target, whose network holds
	// nothing else.
	list bool
	note string
}

// observe reads a world's state through the API: the server (locked), the
// servers' NICs, and each port the sequence made.
func (sd *side) observe(ctx context.Context, l look) (view, []pair, error) {
	v := view{nics: map[string][]nicView{}, unknown: map[string]int{}, ports: map[string]portView{}}
	var calls []pair
	if l.lock {
		ex, err := sd.send(ctx, sd.c, client.Request{
			Method: http.MethodGet, Service: client.Compute, NoRetry: true,
			Segments: paths.Server.Segments(sd.project, sd.servers[Main]), Microversion: client.MicroversionLocked,
		}, l.note+": show the server")
		if err != nil {
			return v, nil, err
		}
		calls = append(calls, pair{what: "show the server", ex: ex})
		var srv struct {
			Server struct {
				Locked bool `json:"locked"`
			} `json:"server"`
		}
		if ex.Status == http.StatusOK && ex.JSON(&srv) == nil {
			v.locked = srv.Server.Locked
		}
	}
	for _, role := range l.roles {
		id := sd.servers[role]
		what := "list the NICs of the " + strings.ReplaceAll(role, "-", " ")
		ex, err := sd.get(ctx, client.Compute, paths.Interfaces.Segments(sd.project, id), nil, l.note+": "+what)
		if err != nil {
			return v, nil, err
		}
		calls = append(calls, pair{what: what, ex: ex})
		var out struct {
			InterfaceAttachments []client.Interface `json:"interfaceAttachments"`
		}
		if ex.Status != http.StatusOK || ex.JSON(&out) != nil {
			v.unknown[role] = -1 // unreadable: differs from any readable list
			continue
		}
		for _, n := range out.InterfaceAttachments {
			if sd.ignored[n.PortID] {
				continue
			}
			ref := sd.ref(n.PortID)
			if ref == "" {
				v.unknown[role]++
				continue
			}
			v.nics[role] = append(v.nics[role], nicView{ref: ref, mac: n.MACAddr, ips: client.IPAddresses(n.FixedIPs), state: n.PortState})
		}
		sort.Slice(v.nics[role], func(i, j int) bool { return v.nics[role][i].ref < v.nics[role][j].ref })
	}
	var listed map[string]client.Port
	if l.list && len(sd.ports) > 0 {
		what := "list the ports of the network"
		ex, err := sd.get(ctx, client.Network, paths.Ports.Segments(), url.Values{"network_id": {sd.network}}, l.note+": "+what)
		if err != nil {
			return v, nil, err
		}
		calls = append(calls, pair{what: what, ex: ex})
		var out struct {
			Ports []client.Port `json:"ports"`
		}
		if ex.Status == http.StatusOK && ex.JSON(&out) == nil {
			listed = map[string]client.Port{}
			for _, p := range out.Ports {
				listed[p.ID] = p
			}
		}
	}
	for i, id := range sd.ports {
		ref := handleRef(i)
		if l.gone[ref] || id == "" {
			continue
		}
		var p client.Port
		if listed != nil {
			var ok bool
			if p, ok = listed[id]; !ok {
				v.ports[ref] = portView{status: http.StatusNotFound}
				continue
			}
		} else {
			what := "show port " + ref
			ex, err := sd.get(ctx, client.Network, paths.Port.Segments(id), nil, l.note+": "+what)
			if err != nil {
				return v, nil, err
			}
			calls = append(calls, pair{what: what, ex: ex})
			var out struct {
				Port client.Port `json:"port"`
			}
			if ex.Status != http.StatusOK || ex.JSON(&out) != nil {
				v.ports[ref] = portView{status: ex.Status}
				continue
			}
			p = out.Port
		}
		device := sd.role(p.DeviceID)
		if device == "" && p.DeviceID != "" {
			device = "elsewhere"
		}
		v.ports[ref] = portView{found: true, device: device, owned: p.DeviceOwner != "", state: p.Status, mac: p.MACAddress, ips: client.IPAddresses(p.FixedIPs)}
	}
	return v, calls, nil
}

// modelView reads the model's state in process, as observe would read it
// through the API (the model is the faithful mock: its answers keep the
// contract, so there is nothing to validate); locked is the lock its
// answers to the sequence's lock and unlock left.
func (r *seqRun) modelView(l look) view {
	sd := r.mdl
	v := view{nics: map[string][]nicView{}, unknown: map[string]int{}, ports: map[string]portView{}}
	if l.lock {
		v.locked = r.locked
	}
	for _, role := range l.roles {
		for _, n := range r.model.Interfaces(sd.servers[role]) {
			if sd.ignored[n.PortID] {
				continue
			}
			ref := sd.ref(n.PortID)
			if ref == "" {
				v.unknown[role]++
				continue
			}
			v.nics[role] = append(v.nics[role], nicView{ref: ref, mac: n.MACAddr, ips: mockIPs(n.FixedIPs), state: n.PortState})
		}
		sort.Slice(v.nics[role], func(i, j int) bool { return v.nics[role][i].ref < v.nics[role][j].ref })
	}
	ports := map[string]mock.Port{}
	for _, p := range r.model.Ports() {
		ports[p.ID] = p
	}
	for i, id := range sd.ports {
		ref := handleRef(i)
		if l.gone[ref] || id == "" {
			continue
		}
		p, ok := ports[id]
		if !ok {
			v.ports[ref] = portView{status: http.StatusNotFound}
			continue
		}
		device := sd.role(p.DeviceID)
		if device == "" && p.DeviceID != "" {
			device = "elsewhere"
		}
		v.ports[ref] = portView{found: true, device: device, owned: p.DeviceOwner != "", state: p.Status, mac: p.MACAddress, ips: mockIPs(p.FixedIPs)}
	}
	return v
}

func mockIPs(ips []mock.FixedIP) string {
	out := make([]client.FixedIP, len(ips))
	for i, ip := range ips {
		out[i] = client.FixedIP{SubnetID: ip.SubnetID, IPAddress: ip.IPAddress}
	}
	return client.IPAddresses(out)
}

// pair is one observation call of a world.
type pair struct {
	what string
	ex   *client.Exchange
}

// Aspects of a state difference, for the rule a difference concerns.
const (
	aspectLock    = "lock"
	aspectNIC     = "nic"     // a NIC present in one world only, or its state
	aspectUnknown = "unknown" // NICs of ports the sequence does not know
	aspectExists  = "exists"  // a port exists in one world only
	aspectBinding = "binding" // a port's device, owner or status
	aspectAddress = "address" // a MAC or IP that changed in one world only, or is shared
)

// stateDiff is one difference between the worlds' states.
type stateDiff struct {
	ref    string // the port it concerns ("" for none)
	aspect string
	text   string
}

// addresses remembers, per port reference, the MAC and IPs each world last
// showed, to tell a change in one world only; and which values each world
// gives which port, to tell two ports sharing one.
type addresses struct {
	last map[string][2]string // "mac p1" → {target, model}
}

func newAddresses() *addresses { return &addresses{last: map[string][2]string{}} }

func (a *addresses) clone() *addresses { return &addresses{last: maps.Clone(a.last)} }

// compare holds two views against each other and returns their
// differences, in reading order. It learns addresses into a.
func compare(t, m view, a *addresses, rolesPresent []string) []stateDiff {
	var out []stateDiff
	add := func(ref, aspect, format string, args ...any) {
		out = append(out, stateDiff{ref: ref, aspect: aspect, text: fmt.Sprintf(format, args...)})
	}
	if t.locked != m.locked {
		add("", aspectLock, "the server: the target shows it %s, the model %s", lockWord(t.locked), lockWord(m.locked))
	}
	// Ports first, so that a NIC's addresses are held to its port's.
	refs := slices.Sorted(maps.Keys(m.ports))
	for _, r := range slices.Sorted(maps.Keys(t.ports)) {
		if _, ok := m.ports[r]; !ok {
			refs = append(refs, r)
		}
	}
	sort.Slice(refs, func(i, j int) bool { return handleIndex(refs[i]) < handleIndex(refs[j]) })
	for _, r := range refs {
		tp, mp := t.ports[r], m.ports[r]
		switch {
		case tp.found != mp.found:
			add(r, aspectExists, "port %s: the target shows %s; the model shows %s", r, portWords(tp), portWords(mp))
			continue
		case !tp.found:
			continue
		}
		if tp.device != mp.device || tp.owned != mp.owned || tp.state != mp.state {
			add(r, aspectBinding, "port %s: the target shows %s; the model shows %s", r, portWords(tp), portWords(mp))
		}
		a.check(add, r, "MAC", tp.mac, mp.mac)
		a.check(add, r, "fixed IPs", tp.ips, mp.ips)
	}
	for _, role := range rolesPresent {
		tn, mn := index(t.nics[role]), index(m.nics[role])
		var only []string
		for _, r := range slices.Sorted(maps.Keys(tn)) {
			if _, ok := mn[r]; !ok {
				only = append(only, r)
			}
		}
		if len(only) > 0 {
			add(only[0], aspectNIC, "%s: the target lists %s attached (%s), the model does not", roleWords(role), strings.Join(only, ", "), nicList(t.nics[role]))
		}
		only = nil
		for _, r := range slices.Sorted(maps.Keys(mn)) {
			if _, ok := tn[r]; !ok {
				only = append(only, r)
			}
		}
		if len(only) > 0 {
			add(only[0], aspectNIC, "%s: the model lists %s attached, the target does not (the target lists %s)", roleWords(role), strings.Join(only, ", "), nicList(t.nics[role]))
		}
		for _, r := range slices.Sorted(maps.Keys(tn)) {
			mv, ok := mn[r]
			if !ok {
				continue
			}
			tv := tn[r]
			if tv.state != mv.state {
				add(r, aspectNIC, "%s: NIC %s: the target shows port_state %q, the model %q", roleWords(role), r, tv.state, mv.state)
			}
			a.check(add, r, "MAC", tv.mac, mv.mac)
			a.check(add, r, "fixed IPs", tv.ips, mv.ips)
		}
		if t.unknown[role] != m.unknown[role] {
			add("", aspectUnknown, "%s: the target lists %d NIC(s) of ports the sequence never made, the model %d", roleWords(role), max(t.unknown[role], 0), max(m.unknown[role], 0))
		}
	}
	out = append(out, shared(t, m)...)
	return out
}

// check holds one address of a port: a world whose value changed while
// the other's did not is a difference.
func (a *addresses) check(add func(ref, aspect, format string, args ...any), ref, what, tv, mv string) {
	key := what + " " + ref
	last, seen := a.last[key]
	a.last[key] = [2]string{tv, mv}
	if !seen {
		return
	}
	tChanged, mChanged := tv != last[0], mv != last[1]
	switch {
	case tChanged && !mChanged:
		add(ref, aspectAddress, "port %s: its %s changed on the target (%s, was %s); the model's stayed %s", ref, what, orNone(tv), orNone(last[0]), orNone(mv))
	case mChanged && !tChanged:
		add(ref, aspectAddress, "port %s: its %s changed in the model (%s, was %s); the target's stayed %s", ref, what, orNone(mv), orNone(last[1]), orNone(tv))
	}
}

// shared finds ports that share a MAC or an IP in one world and not in the
// other.
func shared(t, m view) []stateDiff {
	var out []stateDiff
	group := func(v view, ip bool) map[string][]string {
		g := map[string][]string{}
		for _, r := range slices.Sorted(maps.Keys(v.ports)) {
			p := v.ports[r]
			if !p.found {
				continue
			}
			vals := []string{p.mac}
			if ip {
				vals = strings.Split(p.ips, ",")
			}
			for _, val := range vals {
				if val != "" {
					g[val] = append(g[val], r)
				}
			}
		}
		return g
	}
	for _, ip := range []bool{false, true} {
		what := "MAC"
		if ip {
			what = "IP"
		}
		tg, mg := group(t, ip), group(m, ip)
		sharedIn := func(g map[string][]string) map[string]string {
			out := map[string]string{}
			for val, refs := range g {
				if len(refs) > 1 {
					out[strings.Join(refs, " and ")] = val
				}
			}
			return out
		}
		ts, ms := sharedIn(tg), sharedIn(mg)
		for _, refs := range slices.Sorted(maps.Keys(ts)) {
			if _, ok := ms[refs]; !ok {
				out = append(out, stateDiff{ref: strings.Fields(refs)[0], aspect: aspectAddress,
					text: fmt.Sprintf("ports %s share the %s %s on the target; the model gives them different ones", refs, what, ts[refs])})
			}
		}
		for _, refs := range slices.Sorted(maps.Keys(ms)) {
			if _, ok := ts[refs]; !ok {
				out = append(out, stateDiff{ref: strings.Fields(refs)[0], aspect: aspectAddress,
					text: fmt.Sprintf("ports %s share the %s %s in the model; the target gives them different ones", refs, what, ms[refs])})
			}
		}
	}
	return out
}

func index(ns []nicView) map[string]nicView {
	out := make(map[string]nicView, len(ns))
	for _, n := range ns {
		out[n.ref] = n
	}
	return out
}

func nicList(ns []nicView) string {
	if len(ns) == 0 {
		return "none"
	}
	refs := make([]string, len(ns))
	for i, n := range ns {
		refs[i] = n.ref
	}
	return strings.Join(refs, ", ")
}

func portWords(p portView) string {
	if !p.found {
		if p.status == http.StatusNotFound {
			return "it deleted (404)"
		}
		return fmt.Sprintf("no port (show port answered %d)", p.status)
	}
	bound := "unbound"
	switch {
	case p.device == Main:
		bound = "bound to the server"
	case p.device == Other:
		bound = "bound to the other server"
	case p.device != "":
		bound = "bound to another device"
	}
	owner := ""
	if p.owned != (p.device != "") {
		owner = map[bool]string{true: ", with a device_owner", false: ", without a device_owner"}[p.owned]
	}
	return fmt.Sprintf("it %s, status %s%s", bound, p.state, owner)
}

func lockWord(locked bool) string {
	if locked {
		return "locked"
	}
	return "unlocked"
}

func roleWords(role string) string {
	if role == Other {
		return "the other server"
	}
	return "the server"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
