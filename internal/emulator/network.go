package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// serveNetwork serves the network endpoint below Options.NetworkRoot:
// Neutron's version list at the root (no credentials), the v2.0 resources
// at /v2.0/, and ports, networks and subnets (docs/reference.md §3;
// spec/openapi.yaml "network" and "versions").
func (e *Emulator) serveNetwork(w http.ResponseWriter, r *http.Request, path string) {
	segs, trailing := segments(path)
	root := baseURL(r) + e.opts.NetworkRoot
	if len(segs) == 0 {
		if !allow(w, r, "GET") {
			e.networkError(w, http.StatusMethodNotAllowed, "HTTPMethodNotAllowed", "The method is not allowed on this resource.")
			return
		}
		e.writeJSON(w, http.StatusOK, map[string]any{"versions": []any{map[string]any{
			"id": "v2.0", "status": "CURRENT",
			"links": []any{map[string]any{"rel": "self", "href": root + "/v2.0/"}},
		}}})
		return
	}
	if segs[0] != "v2.0" || (len(segs) == 1 && !trailing) { // Neutron answers 404 to /v2.0 (spec/openapi.yaml /v2.0/)
		e.networkError(w, http.StatusNotFound, "HTTPNotFound", "The resource could not be found.")
		return
	}
	if !e.authorized(r) {
		e.unauthorized(w, false)
		return
	}
	rest := segs[1:]
	if len(rest) > 0 {
		rest[len(rest)-1] = strings.TrimSuffix(rest[len(rest)-1], ".json")
	}
	switch {
	case len(rest) == 0:
		if !allow(w, r, "GET") {
			e.networkError(w, http.StatusMethodNotAllowed, "HTTPMethodNotAllowed", "The method is not allowed on this resource.")
			return
		}
		var res []any
		for _, c := range []struct{ name, coll string }{{"network", "networks"}, {"port", "ports"}, {"subnet", "subnets"}} {
			res = append(res, map[string]any{"name": c.name, "collection": c.coll, "links": []any{map[string]any{"rel": "self", "href": root + "/v2.0/" + c.coll}}})
		}
		e.writeJSON(w, http.StatusOK, map[string]any{"resources": res})
	case rest[0] == "ports" && len(rest) == 1:
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			e.listPorts(w, r.URL.Query())
		case http.MethodPost:
			e.createPort(w, r)
		default:
			w.Header().Set("Allow", "GET, POST")
			e.networkError(w, http.StatusMethodNotAllowed, "HTTPMethodNotAllowed", "The method is not allowed on this resource.")
		}
	case rest[0] == "ports" && len(rest) == 2:
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			e.showPort(w, rest[1])
		case http.MethodPut:
			e.updatePort(w, r, rest[1])
		case http.MethodDelete:
			e.deletePort(w, rest[1])
		default:
			w.Header().Set("Allow", "GET, PUT, DELETE")
			e.networkError(w, http.StatusMethodNotAllowed, "HTTPMethodNotAllowed", "The method is not allowed on this resource.")
		}
	case (rest[0] == "networks" || rest[0] == "subnets") && len(rest) <= 2:
		if !allow(w, r, "GET") {
			e.networkError(w, http.StatusMethodNotAllowed, "HTTPMethodNotAllowed", "The method is not allowed on this resource.")
			return
		}
		e.showNetworks(w, rest)
	default:
		e.networkError(w, http.StatusNotFound, "HTTPNotFound", "The resource could not be found.")
	}
}

// portBody renders a port (docs/reference.md §3, "Port fields used";
// spec/openapi.yaml Port). The caller holds e.mu.
func (e *Emulator) portBody(p *port) map[string]any {
	ips := make([]any, 0, len(p.IPs))
	for _, f := range p.IPs {
		ips = append(ips, map[string]any{"subnet_id": f.SubnetID, "ip_address": f.IPAddress})
	}
	ts := p.created.Format(time.RFC3339)
	return map[string]any{
		"id": p.ID, "name": p.Name, "description": p.Description, "network_id": p.NetworkID,
		"mac_address": p.MAC, "fixed_ips": ips, "device_id": p.DeviceID, "device_owner": p.DeviceOwner,
		"status": p.Status, "admin_state_up": true, "tenant_id": e.opts.ProjectID, "project_id": e.opts.ProjectID,
		"security_groups": []any{}, "created_at": ts, "updated_at": ts,
	}
}

// portFilters are the attributes a port list filters on (Neutron: any
// attribute; the suite uses name, network_id and device_id, spec/openapi.yaml
// listPorts). Several values of one key match any of them. Other query keys
// (fields, limit, sort_key, …) are ignored.
var portFilters = map[string]func(p *port, projectID string) string{
	"id":           func(p *port, _ string) string { return p.ID },
	"name":         func(p *port, _ string) string { return p.Name },
	"network_id":   func(p *port, _ string) string { return p.NetworkID },
	"device_id":    func(p *port, _ string) string { return p.DeviceID },
	"device_owner": func(p *port, _ string) string { return p.DeviceOwner },
	"status":       func(p *port, _ string) string { return p.Status },
	"mac_address":  func(p *port, _ string) string { return p.MAC },
	"tenant_id":    func(_ *port, pid string) string { return pid },
	"project_id":   func(_ *port, pid string) string { return pid },
}

func (e *Emulator) listPorts(w http.ResponseWriter, q url.Values) {
	e.mu.Lock()
	var ps []*port
	for _, p := range e.ports {
		match := true
		for k, vals := range q {
			get, ok := portFilters[k]
			if !ok {
				continue
			}
			have, hit := get(p, e.opts.ProjectID), false
			for _, v := range vals {
				hit = hit || v == have
			}
			match = match && hit
		}
		if match {
			ps = append(ps, p)
		}
	}
	sort.Slice(ps, func(i, j int) bool {
		if !ps[i].created.Equal(ps[j].created) {
			return ps[i].created.Before(ps[j].created)
		}
		return ps[i].ID < ps[j].ID
	})
	list := make([]any, 0, len(ps))
	for _, p := range ps {
		list = append(list, e.portBody(p))
	}
	e.mu.Unlock()
	e.writeJSON(w, http.StatusOK, map[string]any{"ports": list})
}

func (e *Emulator) showPort(w http.ResponseWriter, id string) {
	e.mu.Lock()
	p := e.ports[id]
	if p == nil {
		e.mu.Unlock()
		e.networkError(w, http.StatusNotFound, "PortNotFound", fmt.Sprintf("Port %.64s could not be found.", id))
		return
	}
	b := e.portBody(p)
	e.mu.Unlock()
	e.writeJSON(w, http.StatusOK, map[string]any{"port": b})
}

// knownPortAttrs are Neutron port attributes a create may carry and the
// emulator ignores; any other attribute is refused with 400, as Neutron
// refuses unrecognized attributes.
var knownPortAttrs = map[string]bool{
	"admin_state_up": true, "security_groups": true, "tenant_id": true, "project_id": true,
	"port_security_enabled": true, "binding:vnic_type": true, "allowed_address_pairs": true,
	"extra_dhcp_opts": true, "qos_policy_id": true, "tags": true,
}

func readPortObject(w http.ResponseWriter, r *http.Request, e *Emulator) (map[string]json.RawMessage, bool) {
	obj, err := readObject(r)
	if errors.Is(err, errTooLarge) {
		e.networkError(w, http.StatusRequestEntityTooLarge, "HTTPRequestEntityTooLarge", "The request body is too large.")
		return nil, false
	}
	if err != nil {
		e.networkError(w, http.StatusBadRequest, "HTTPBadRequest", err.Error())
		return nil, false
	}
	var attrs map[string]json.RawMessage
	if raw, ok := obj["port"]; !ok || len(obj) != 1 || json.Unmarshal(raw, &attrs) != nil || attrs == nil {
		e.networkError(w, http.StatusBadRequest, "HTTPBadRequest", `The body is {"port": {…}}.`)
		return nil, false
	}
	return attrs, true
}

func stringAttr(attrs map[string]json.RawMessage, k string, maxLen int) (string, bool) {
	raw, ok := attrs[k]
	if !ok {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || len([]rune(s)) > maxLen {
		return "", false
	}
	return s, true
}

// createPort creates an unbound port (status DOWN) on a network, with an
// address from its subnet or the one asked for (docs/reference.md §3).
func (e *Emulator) createPort(w http.ResponseWriter, r *http.Request) {
	attrs, ok := readPortObject(w, r, e)
	if !ok {
		return
	}
	p := &port{ID: newUUID(), MAC: newMAC(), Status: "DOWN", preserve: true, created: time.Now().UTC()}
	var wantIP, wantSubnet string
	for k, raw := range attrs {
		switch k {
		case "network_id":
			s, ok := stringAttr(attrs, k, 36)
			if !ok || !uuidRE.MatchString(s) {
				e.networkError(w, http.StatusBadRequest, "HTTPBadRequest", "Invalid input for network_id: not a UUID.")
				return
			}
			p.NetworkID = strings.ToLower(s)
		case "name", "description":
			s, ok := stringAttr(attrs, k, 255)
			if !ok {
				e.networkError(w, http.StatusBadRequest, "HTTPBadRequest", fmt.Sprintf("Invalid input for %s: a string of at most 255 characters.", k))
				return
			}
			if k == "name" {
				p.Name = s
			} else {
				p.Description = s
			}
		case "fixed_ips":
			var ips []map[string]string
			if json.Unmarshal(raw, &ips) != nil || len(ips) > 1 {
				e.networkError(w, http.StatusBadRequest, "HTTPBadRequest", "Invalid input for fixed_ips: at most one {subnet_id, ip_address} (the emulator's subnet).")
				return
			}
			if len(ips) == 1 {
				wantIP, wantSubnet = ips[0]["ip_address"], ips[0]["subnet_id"]
			}
		default:
			if !knownPortAttrs[k] {
				e.networkError(w, http.StatusBadRequest, "HTTPBadRequest", fmt.Sprintf("Unrecognized attribute(s) '%.40s'", k))
				return
			}
		}
	}
	if p.NetworkID == "" {
		e.networkError(w, http.StatusBadRequest, "HTTPBadRequest", "Failed to parse request. Required attribute 'network_id' not specified")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	nw := e.networks[p.NetworkID]
	if nw == nil {
		e.networkError(w, http.StatusNotFound, "NetworkNotFound", fmt.Sprintf("Network %s could not be found.", p.NetworkID))
		return
	}
	if wantSubnet != "" && wantSubnet != nw.Subnet.ID {
		e.networkError(w, http.StatusBadRequest, "InvalidInput", fmt.Sprintf("Invalid input for operation: subnet %.64s is not on network %s.", wantSubnet, nw.ID))
		return
	}
	ip := wantIP
	if ip != "" {
		parsed := net.ParseIP(ip)
		if parsed == nil || parsed.To4() == nil || !nw.Subnet.CIDR.Contains(parsed) {
			e.networkError(w, http.StatusBadRequest, "InvalidIpForNetwork", fmt.Sprintf("IP address %.64s is not a valid IP for any of the subnets on the specified network.", ip))
			return
		}
		ip = parsed.To4().String()
		if _, used := e.usedIPs[ip]; used || ip == nw.Subnet.Gateway.String() {
			e.networkError(w, http.StatusConflict, "IpAddressInUse", fmt.Sprintf("Unable to complete operation for network %s. The IP address %s is in use.", nw.ID, ip))
			return
		}
		e.usedIPs[ip] = p.ID
	} else if ip, ok = e.allocateIP(nw, p.ID); !ok {
		e.networkError(w, http.StatusConflict, "IpAddressGenerationFailure", fmt.Sprintf("No more IP addresses available on network %s.", nw.ID))
		return
	}
	p.IPs = []fixedIP{{SubnetID: nw.Subnet.ID, IPAddress: ip}}
	e.ports[p.ID] = p
	e.writeJSON(w, http.StatusCreated, map[string]any{"port": e.portBody(p)})
}

// updatePort renames a port (spec/openapi.yaml updatePort: name; the
// emulator also takes description and admin_state_up). Other attributes
// answer 400.
func (e *Emulator) updatePort(w http.ResponseWriter, r *http.Request, id string) {
	attrs, ok := readPortObject(w, r, e)
	if !ok {
		return
	}
	var name, desc *string
	for k := range attrs {
		switch k {
		case "name", "description":
			s, ok := stringAttr(attrs, k, 255)
			if !ok {
				e.networkError(w, http.StatusBadRequest, "HTTPBadRequest", fmt.Sprintf("Invalid input for %s: a string of at most 255 characters.", k))
				return
			}
			if k == "name" {
				name = &s
			} else {
				desc = &s
			}
		case "admin_state_up":
		default:
			e.networkError(w, http.StatusBadRequest, "HTTPBadRequest", fmt.Sprintf("The emulator cannot update attribute '%.40s' of a port.", k))
			return
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.ports[id]
	if p == nil {
		e.networkError(w, http.StatusNotFound, "PortNotFound", fmt.Sprintf("Port %.64s could not be found.", id))
		return
	}
	if name != nil {
		p.Name = *name
	}
	if desc != nil {
		p.Description = *desc
	}
	e.writeJSON(w, http.StatusOK, map[string]any{"port": e.portBody(p)})
}

// deletePort deletes an unbound port (204). A port bound to a server (an
// attached NIC, or one whose detach has not completed) is refused with 409
// PortInUse: the emulator's choice where some clouds delete the port and
// its NIC with it.
func (e *Emulator) deletePort(w http.ResponseWriter, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.ports[id]
	if p == nil {
		e.networkError(w, http.StatusNotFound, "PortNotFound", fmt.Sprintf("Port %.64s could not be found.", id))
		return
	}
	if p.DeviceID != "" {
		e.networkError(w, http.StatusConflict, "PortInUse", fmt.Sprintf("Unable to complete operation on port %s for network %s. Port already has an attached device %s.", p.ID, p.NetworkID, p.DeviceID))
		return
	}
	e.releaseIPs(p)
	delete(e.ports, id)
	writeEmpty(w, http.StatusNoContent)
}

// showNetworks serves GET networks, networks/{id}, subnets, subnets/{id}.
func (e *Emulator) showNetworks(w http.ResponseWriter, rest []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var nets, subs []any
	for _, nw := range e.networks {
		nets = append(nets, map[string]any{
			"id": nw.ID, "name": nw.Name, "status": "ACTIVE", "admin_state_up": true, "shared": false,
			"subnets": []any{nw.Subnet.ID}, "tenant_id": e.opts.ProjectID, "project_id": e.opts.ProjectID,
		})
		subs = append(subs, map[string]any{
			"id": nw.Subnet.ID, "name": nw.Subnet.Name, "network_id": nw.ID, "ip_version": 4,
			"cidr": nw.Subnet.CIDR.String(), "gateway_ip": nw.Subnet.Gateway.String(), "enable_dhcp": true,
			"tenant_id": e.opts.ProjectID, "project_id": e.opts.ProjectID,
		})
	}
	list, one, typ := nets, "network", "NetworkNotFound"
	if rest[0] == "subnets" {
		list, one, typ = subs, "subnet", "SubnetNotFound"
	}
	if len(rest) == 1 {
		e.writeJSON(w, http.StatusOK, map[string]any{rest[0]: list})
		return
	}
	for _, item := range list {
		if m := item.(map[string]any); m["id"] == rest[1] {
			e.writeJSON(w, http.StatusOK, map[string]any{one: m})
			return
		}
	}
	e.networkError(w, http.StatusNotFound, typ, fmt.Sprintf("%s %.64s could not be found.", one, rest[1]))
}
