package mock

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
)

// maxPortName is Neutron's limit on a port name.
const maxPortName = 255

func errPortNotFound(id string) *apiError {
	return errNotFound(codeMock("PortNotFound"), "Port %s could not be found.", id)
}

// listPorts filters on name, device_id and network_id (exact match; only
// the first value of a repeated filter counts).
func (m *Mock) listPorts(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	type filter struct {
		key   string
		field func(*portRec) string
	}
	filters := []filter{
		{"name", func(p *portRec) string { return p.Name }},
		{"device_id", func(p *portRec) string { return p.DeviceID }},
		{"network_id", func(p *portRec) string { return p.NetworkID }},
	}
	keep := func(p *portRec) bool {
		for _, f := range filters {
			if vs, ok := q[f.key]; ok && len(vs) > 0 && f.field(p) != vs[0] {
				return false
			}
		}
		return true
	}
	m.mu.Lock()
	ports := m.w.sortedPorts(keep)
	m.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string][]Port{"ports": ports})
}

// createPort creates an unbound port: {"port":{"network_id","name"[,"fixed_ips"]}}.
// Other Neutron attributes are accepted and ignored.
func (m *Mock) createPort(w http.ResponseWriter, r *request) {
	if aerr := checkMediaType(r.Request); aerr != nil {
		m.writeError(w, aerr)
		return
	}
	var body struct {
		Port *struct {
			NetworkID *string `json:"network_id"`
			Name      *string `json:"name"`
			FixedIPs  []struct {
				SubnetID  *string `json:"subnet_id"`
				IPAddress *string `json:"ip_address"`
			} `json:"fixed_ips"`
		} `json:"port"`
	}
	bad := func(msg string) { m.writeError(w, errBadRequest(codeInvalid, "Invalid port: %s.", msg)) }
	if err := json.Unmarshal(r.body, &body); err != nil || body.Port == nil {
		bad(`the body must be {"port":{"network_id":…}}`)
		return
	}
	p := body.Port
	switch {
	case p.NetworkID == nil:
		bad("network_id is required")
		return
	case p.Name != nil && len(*p.Name) > maxPortName:
		bad("name is longer than 255 characters")
		return
	case len(p.FixedIPs) > 1:
		bad("the mock supports at most one fixed IP")
		return
	}
	name := ""
	if p.Name != nil {
		name = *p.Name
	}
	var ip netip.Addr
	if len(p.FixedIPs) == 1 {
		f := p.FixedIPs[0]
		if f.SubnetID != nil && strings.ToLower(*f.SubnetID) != m.w.subnetID {
			bad("subnet_id is not a subnet of the network")
			return
		}
		if f.IPAddress != nil {
			a, err := netip.ParseAddr(*f.IPAddress)
			if err != nil || !a.Is4() || !m.w.usableIP(a) {
				bad("ip_address is not a usable address of the subnet")
				return
			}
			ip = a
		}
	}
	if strings.ToLower(*p.NetworkID) != m.w.networkID {
		m.writeError(w, errNotFound(codeMock("NetworkNotFound"), "Network %s could not be found.", sanitize(*p.NetworkID)))
		return
	}
	m.mu.Lock()
	rec, aerr := m.w.newPort(name, ip)
	var port Port
	if aerr == nil {
		port = rec.clone()
	}
	m.mu.Unlock()
	if aerr != nil {
		m.writeError(w, aerr)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]Port{"port": port})
}

func (m *Mock) showPort(w http.ResponseWriter, r *request) {
	m.answerPort(w, r.portID, nil)
}

// updatePort renames a port: {"port":{"name":…}}; nothing else is updatable.
func (m *Mock) updatePort(w http.ResponseWriter, r *request) {
	if aerr := checkMediaType(r.Request); aerr != nil {
		m.writeError(w, aerr)
		return
	}
	name, ok := parseRename(r.body)
	if !ok {
		m.writeError(w, errBadRequest(codeInvalid, `Invalid port update: only {"port":{"name":"…"}} is accepted.`))
		return
	}
	m.answerPort(w, r.portID, func(p *portRec) { p.Name = name })
}

// answerPort answers a port (200) after change (if any) is applied to it
// under the lock, or 404.
func (m *Mock) answerPort(w http.ResponseWriter, portID string, change func(*portRec)) {
	m.mu.Lock()
	p := m.w.ports[portID]
	var port Port
	if p != nil {
		if change != nil {
			change(p)
		}
		port = p.shown()
	}
	m.mu.Unlock()
	if p == nil {
		m.writeError(w, errPortNotFound(portID))
		return
	}
	writeJSON(w, http.StatusOK, map[string]Port{"port": port})
}

// parseRename accepts exactly {"port":{"name":"…"}}.
func parseRename(body []byte) (string, bool) {
	var top map[string]map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || len(top) != 1 || len(top["port"]) != 1 {
		return "", false
	}
	var name string
	raw, ok := top["port"]["name"]
	if !ok || json.Unmarshal(raw, &name) != nil || len(name) > maxPortName {
		return "", false
	}
	return name, true
}

// deletePort deletes a port (204). A bound non-primary port is detached
// from its server at once; a primary port cannot be deleted (409).
func (m *Mock) deletePort(w http.ResponseWriter, r *request) {
	portID := r.portID
	m.mu.Lock()
	p := m.w.ports[portID]
	var aerr *apiError
	switch {
	case p == nil:
		aerr = errPortNotFound(portID)
	case m.isPrimaryPort(portID):
		aerr = errConflict(codeMock("PortInUse"), "Port %s is the primary NIC of a server and cannot be deleted.", portID)
	default:
		m.w.deletePort(p)
	}
	m.mu.Unlock()
	if aerr != nil {
		m.writeError(w, aerr)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// isPrimaryPort reports whether portID is some server's primary port.
func (m *Mock) isPrimaryPort(portID string) bool {
	if s := m.w.attached[portID]; s != nil {
		return s.primaryPortID == portID
	}
	return false
}
