package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// parseMicroversion parses "X.Y" (no leading zeros, as Nova's
// APIVersionRequest).
func parseMicroversion(s string) (microversion, bool) {
	m := mvRE.FindStringSubmatch(s)
	if m == nil {
		return microversion{}, false
	}
	var v microversion
	_, _ = fmt.Sscanf(m[1]+" "+m[2], "%d %d", &v.major, &v.minor)
	return v, true
}

// requestedMicroversion reads the compute microversion of a request
// (spec/openapi.yaml, info: "OpenStack-API-Version: compute X.Y" wins over
// "X-OpenStack-Nova-API-Version: X.Y"; "latest" is the highest served; none
// is 2.1). It answers the version and, when it cannot serve it, the status
// to answer: 400 for a malformed one, 406 for one outside [2.1, max]
// (nova/api/openstack/wsgi.py, as spec/openapi.yaml cites it).
func (e *Emulator) requestedMicroversion(r *http.Request) (microversion, int, string) {
	asked := ""
	for _, h := range r.Header.Values("OpenStack-API-Version") {
		for _, item := range strings.Split(h, ",") {
			f := strings.Fields(item)
			if len(f) == 2 && strings.EqualFold(f[0], "compute") {
				asked = f[1]
			}
		}
	}
	if asked == "" {
		asked = strings.TrimSpace(r.Header.Get("X-OpenStack-Nova-API-Version"))
	}
	switch {
	case asked == "":
		return microversion{2, 1}, 0, ""
	case strings.EqualFold(asked, "latest"):
		return e.maxMV, 0, ""
	}
	v, ok := parseMicroversion(asked)
	if !ok {
		return microversion{2, 1}, http.StatusBadRequest, fmt.Sprintf("Invalid API version request: %.40q.", asked)
	}
	if v.less(microversion{2, 1}) || e.maxMV.less(v) {
		return v, http.StatusNotAcceptable, fmt.Sprintf("Version %s is not supported by the API. Minimum is 2.1 and maximum is %s.", v, e.maxMV)
	}
	return v, 0, ""
}

func setMicroversion(w http.ResponseWriter, v microversion) {
	w.Header().Set("OpenStack-API-Version", "compute "+v.String())
	w.Header().Set("X-OpenStack-Nova-API-Version", v.String())
	w.Header().Set("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version")
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (e *Emulator) versionObject(r *http.Request) map[string]any {
	return map[string]any{
		"id": "v2.1", "status": "CURRENT", "version": e.maxMV.String(), "min_version": "2.1",
		"updated": "2013-07-23T11:33:21Z",
		"links": []any{
			map[string]any{"rel": "self", "href": baseURL(r) + "/v2.1/"},
			map[string]any{"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
		},
		"media-types": []any{map[string]any{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}},
	}
}

// serveCompute serves Nova's version documents (no credentials, §3 and
// spec/openapi.yaml "versions") and the compute calls of docs/reference.md
// §3 under /v2.1/{project_id}/.
func (e *Emulator) serveCompute(w http.ResponseWriter, r *http.Request, path string) {
	segs, _ := segments(path)
	if len(segs) == 0 { // GET /: the version list
		if !allow(w, r, "GET") {
			e.computeError(w, http.StatusMethodNotAllowed, "The method is not allowed on this resource.")
			return
		}
		e.writeJSON(w, http.StatusOK, map[string]any{"versions": []any{e.versionObject(r)}})
		return
	}
	if segs[0] != "v2.1" {
		e.computeError(w, http.StatusNotFound, "The resource could not be found.")
		return
	}
	if len(segs) == 1 { // GET /v2.1 and /v2.1/: the version document
		v, status, msg := e.requestedMicroversion(r)
		setMicroversion(w, v)
		if status != 0 {
			e.computeError(w, status, msg)
			return
		}
		if !allow(w, r, "GET") {
			e.computeError(w, http.StatusMethodNotAllowed, "The method is not allowed on this resource.")
			return
		}
		e.writeJSON(w, http.StatusOK, map[string]any{"version": e.versionObject(r)})
		return
	}
	// Below a project: credentials first (the gateway or keystonemiddleware
	// refuses before the service sees the request, docs/reference.md §2).
	if !e.authorized(r) {
		e.unauthorized(w, true)
		return
	}
	v, status, msg := e.requestedMicroversion(r)
	setMicroversion(w, v)
	if status != 0 {
		e.computeError(w, status, msg)
		return
	}
	// A project other than the token's: 400, as upstream Nova
	// (docs/reference.md §2).
	if segs[1] != e.opts.ProjectID {
		e.computeError(w, http.StatusBadRequest, "Malformed request URL: URL's project_id does not match Context's project_id.")
		return
	}
	rest := segs[2:]
	switch {
	case len(rest) == 0: // GET /v2.1/{project_id}/: the version document
		if !allow(w, r, "GET") {
			e.computeError(w, http.StatusMethodNotAllowed, "The method is not allowed on this resource.")
			return
		}
		e.writeJSON(w, http.StatusOK, map[string]any{"version": e.versionObject(r)})
	case rest[0] != "servers" || len(rest) == 1 || len(rest) > 4:
		e.computeError(w, http.StatusNotFound, "The resource could not be found.")
	case len(rest) == 2:
		if !allow(w, r, "GET") {
			e.computeError(w, http.StatusMethodNotAllowed, "The method is not allowed on this resource.")
			return
		}
		e.showServer(w, r, v, rest[1])
	case rest[2] == "action" && len(rest) == 3:
		if !allow(w, r, "POST") {
			e.computeError(w, http.StatusMethodNotAllowed, "The method is not allowed on this resource.")
			return
		}
		e.serverAction(w, r, v, rest[1])
	case rest[2] == "os-interface" && len(rest) == 3:
		switch r.Method {
		case http.MethodGet:
			e.listInterfaces(w, v, rest[1])
		case http.MethodPost:
			e.attachInterface(w, r, v, rest[1])
		default:
			// PATH-MISSING-PORT: a DELETE without a port id is not routed
			// (Nova's routes have no DELETE on the collection).
			w.Header().Set("Allow", "GET, POST")
			e.computeError(w, http.StatusMethodNotAllowed, "The method is not allowed on this resource.")
		}
	case rest[2] == "os-interface" && len(rest) == 4:
		switch r.Method {
		case http.MethodGet:
			e.showInterface(w, v, rest[1], rest[3])
		case http.MethodDelete:
			e.detachInterface(w, rest[1], rest[3])
		default:
			// Nova routes GET and DELETE only; a 405 names them (RFC 9110 §15.5.6).
			w.Header().Set("Allow", "GET, DELETE")
			e.computeError(w, http.StatusMethodNotAllowed, "The method is not allowed on this resource.")
		}
	default:
		e.computeError(w, http.StatusNotFound, "The resource could not be found.")
	}
}

// allow reports whether r's method is the one given (or HEAD for GET), and
// sets Allow when it is not.
func allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method || (method == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	w.Header().Set("Allow", method)
	return false
}

func (e *Emulator) showServer(w http.ResponseWriter, r *http.Request, v microversion, id string) {
	e.mu.Lock()
	s, ok := e.servers[id]
	if !ok {
		e.mu.Unlock()
		e.computeError(w, http.StatusNotFound, fmt.Sprintf("Instance %.64s could not be found.", id))
		return
	}
	addresses := map[string]any{}
	for _, pid := range s.NICs {
		p := e.ports[pid]
		if p == nil {
			continue
		}
		nw := e.networks[p.NetworkID]
		name := p.NetworkID
		if nw != nil {
			name = nw.Name
		}
		list, _ := addresses[name].([]any)
		for _, f := range p.IPs {
			list = append(list, map[string]any{"addr": f.IPAddress, "version": 4, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": p.MAC})
		}
		addresses[name] = list
	}
	body := map[string]any{
		"id": s.ID, "name": s.Name, "status": "ACTIVE", "tenant_id": e.opts.ProjectID, "user_id": "emulator-user",
		"created": s.created.Format(time.RFC3339), "updated": s.created.Format(time.RFC3339),
		"addresses":                            addresses,
		"OS-EXT-STS:vm_state":                  "active",
		"OS-EXT-STS:task_state":                nil,
		"OS-EXT-STS:power_state":               1,
		"links":                                []any{map[string]any{"rel": "self", "href": baseURL(r) + "/v2.1/" + e.opts.ProjectID + "/servers/" + s.ID}},
		"metadata":                             map[string]any{},
		"os-extended-volumes:volumes_attached": []any{},
	}
	if v.atLeast(9) { // "locked" from microversion 2.9 (spec/openapi.yaml Server)
		body["locked"] = s.Locked
	}
	if v.atLeast(73) { // "locked_reason" from 2.73 (docs/reference.md §7)
		if s.LockedReason != nil {
			body["locked_reason"] = *s.LockedReason
		} else {
			body["locked_reason"] = nil
		}
	}
	e.mu.Unlock()
	e.writeJSON(w, http.StatusOK, map[string]any{"server": body})
}

// serverAction serves lock and unlock (docs/reference.md §3): {"lock": null},
// from microversion 2.73 {"lock": {"locked_reason": "…"}} (§7), and
// {"unlock": null}; 202 with no body. Other actions answer 400.
func (e *Emulator) serverAction(w http.ResponseWriter, r *http.Request, v microversion, id string) {
	obj, err := readObject(r)
	if errors.Is(err, errTooLarge) {
		e.computeError(w, http.StatusRequestEntityTooLarge, "The request body is too large.")
		return
	}
	if err != nil {
		e.computeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if len(obj) != 1 {
		e.computeError(w, http.StatusBadRequest, "There is not exactly one action in the request body.")
		return
	}
	var reason *string
	action := ""
	for k, raw := range obj {
		action = k
		switch k {
		case "lock":
			if isNull(raw) || !v.atLeast(73) { // before 2.73 the body is not validated
				break
			}
			var args map[string]json.RawMessage
			if err := json.Unmarshal(raw, &args); err != nil || args == nil {
				e.computeError(w, http.StatusBadRequest, "Invalid input for field/attribute lock.")
				return
			}
			for ak, av := range args {
				if ak != "locked_reason" {
					e.computeError(w, http.StatusBadRequest, fmt.Sprintf("Additional properties are not allowed (%.40q was unexpected).", ak))
					return
				}
				var s string
				if err := json.Unmarshal(av, &s); err != nil || s == "" || len([]rune(s)) > 255 {
					e.computeError(w, http.StatusBadRequest, "Invalid input for field/attribute locked_reason: a string of 1 to 255 characters.")
					return
				}
				reason = &s
			}
		case "unlock":
		default:
			e.mu.Lock()
			_, ok := e.servers[id]
			e.mu.Unlock()
			if !ok {
				e.computeError(w, http.StatusNotFound, fmt.Sprintf("Instance %.64s could not be found.", id))
				return
			}
			e.computeError(w, http.StatusBadRequest, fmt.Sprintf("There is no such action: %.40s.", k))
			return
		}
	}
	e.mu.Lock()
	s, ok := e.servers[id]
	if !ok {
		e.mu.Unlock()
		e.computeError(w, http.StatusNotFound, fmt.Sprintf("Instance %.64s could not be found.", id))
		return
	}
	if action == "lock" {
		s.Locked, s.LockedReason = true, reason
	} else {
		s.Locked, s.LockedReason = false, nil
	}
	e.mu.Unlock()
	writeEmpty(w, http.StatusAccepted)
}

// attachment renders a NIC (docs/reference.md §3, "Interface attachment
// fields"; tag from 2.70). The caller holds e.mu.
func attachment(p *port, v microversion) map[string]any {
	ips := make([]any, 0, len(p.IPs))
	for _, f := range p.IPs {
		ips = append(ips, map[string]any{"subnet_id": f.SubnetID, "ip_address": f.IPAddress})
	}
	a := map[string]any{"port_state": p.Status, "fixed_ips": ips, "port_id": p.ID, "net_id": p.NetworkID, "mac_addr": p.MAC}
	if v.atLeast(70) {
		if p.tag != "" {
			a["tag"] = p.tag
		} else {
			a["tag"] = nil
		}
	}
	return a
}

func (e *Emulator) listInterfaces(w http.ResponseWriter, v microversion, id string) {
	e.mu.Lock()
	s, ok := e.servers[id]
	if !ok {
		e.mu.Unlock()
		e.computeError(w, http.StatusNotFound, fmt.Sprintf("Instance %.64s could not be found.", id))
		return
	}
	list := make([]any, 0, len(s.NICs))
	for _, pid := range s.NICs {
		if p := e.ports[pid]; p != nil {
			list = append(list, attachment(p, v))
		}
	}
	e.mu.Unlock()
	e.writeJSON(w, http.StatusOK, map[string]any{"interfaceAttachments": list})
}

// showInterface answers the NIC, or 404 when the port is not attached to
// the server (docs/reference.md §3).
func (e *Emulator) showInterface(w http.ResponseWriter, v microversion, id, portID string) {
	e.mu.Lock()
	s, ok := e.servers[id]
	if !ok {
		e.mu.Unlock()
		e.computeError(w, http.StatusNotFound, fmt.Sprintf("Instance %.64s could not be found.", id))
		return
	}
	p := e.ports[portID]
	if !s.has(portID) || p == nil {
		e.mu.Unlock()
		e.computeError(w, http.StatusNotFound, fmt.Sprintf("Instance %s does not have an interface with port_id %.64s.", id, portID))
		return
	}
	a := attachment(p, v)
	e.mu.Unlock()
	e.writeJSON(w, http.StatusOK, map[string]any{"interfaceAttachment": a})
}

func (s *server) has(portID string) bool {
	for _, id := range s.NICs {
		if id == portID {
			return true
		}
	}
	return false
}

// attachInterface attaches a NIC by port_id or by net_id (docs/reference.md
// §3: exclusive; fixed_ips only with net_id, one item; tag from 2.49).
// Order as Nova's os-interface create: the body (400), the server (404), the
// lock (409), then the port or network (404) and its use (409).
func (e *Emulator) attachInterface(w http.ResponseWriter, r *http.Request, v microversion, id string) {
	obj, err := readObject(r)
	if errors.Is(err, errTooLarge) {
		e.computeError(w, http.StatusRequestEntityTooLarge, "The request body is too large.")
		return
	}
	if err != nil {
		e.computeError(w, http.StatusBadRequest, err.Error())
		return
	}
	req, msg := parseAttach(obj, v)
	if msg != "" {
		e.computeError(w, http.StatusBadRequest, "Invalid input for field/attribute interfaceAttachment: "+msg)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.servers[id]
	if !ok {
		e.computeError(w, http.StatusNotFound, fmt.Sprintf("Instance %.64s could not be found.", id))
		return
	}
	if s.Locked {
		e.computeError(w, http.StatusConflict, fmt.Sprintf("Instance %s is locked", s.ID))
		return
	}
	var p *port
	if req.portID != "" {
		p = e.ports[req.portID]
		if p == nil {
			e.computeError(w, http.StatusNotFound, fmt.Sprintf("Port %.64s could not be found.", req.portID))
			return
		}
		if p.DeviceID != "" { // docs/reference.md §2: Ecs.0919, "attached to another instance"
			e.computeError(w, http.StatusConflict, fmt.Sprintf("Port %s is still in use.", p.ID))
			return
		}
		p.preserve = true
	} else {
		nw := e.networks[req.netID]
		if nw == nil {
			e.computeError(w, http.StatusNotFound, fmt.Sprintf("Network %.64s could not be found.", req.netID))
			return
		}
		p = &port{ID: newUUID(), NetworkID: nw.ID, MAC: newMAC(), created: time.Now().UTC()}
		ip := req.ip
		if ip != "" {
			parsed := net.ParseIP(ip)
			if parsed == nil || parsed.To4() == nil || !nw.Subnet.CIDR.Contains(parsed) {
				e.computeError(w, http.StatusBadRequest, fmt.Sprintf("Fixed IP %.64s is not a valid ip address for network %s.", ip, nw.ID))
				return
			}
			ip = parsed.To4().String()
			if _, used := e.usedIPs[ip]; used || ip == nw.Subnet.Gateway.String() {
				e.computeError(w, http.StatusConflict, fmt.Sprintf("Fixed IP address %s is already in use on instance or network.", ip))
				return
			}
			e.usedIPs[ip] = p.ID
		} else if ip, ok = e.allocateIP(nw, p.ID); !ok {
			e.computeError(w, http.StatusBadRequest, "No more fixed IP addresses in the network.")
			return
		}
		p.IPs = []fixedIP{{SubnetID: nw.Subnet.ID, IPAddress: ip}}
		p.preserve = false // Nova created it: deleted on detach (§1.1, §2)
		e.ports[p.ID] = p
	}
	p.DeviceID, p.DeviceOwner, p.Status, p.tag = s.ID, "compute:nova", "ACTIVE", req.tag
	s.NICs = append(s.NICs, p.ID)
	e.writeJSON(w, http.StatusOK, map[string]any{"interfaceAttachment": attachment(p, v)})
}

type attachRequest struct{ portID, netID, ip, tag string }

func parseAttach(obj map[string]json.RawMessage, v microversion) (attachRequest, string) {
	var req attachRequest
	raw, ok := obj["interfaceAttachment"]
	if !ok || len(obj) != 1 {
		return req, "the body is {\"interfaceAttachment\": {…}}"
	}
	var ia map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ia); err != nil || ia == nil {
		return req, "not an object"
	}
	str := func(k string) (string, bool) {
		var s string
		if err := json.Unmarshal(ia[k], &s); err != nil {
			return "", false
		}
		return s, true
	}
	for k := range ia {
		switch k {
		case "port_id", "net_id":
			s, ok := str(k)
			if !ok || !uuidRE.MatchString(s) {
				return req, k + " is not a UUID"
			}
			if k == "port_id" {
				req.portID = strings.ToLower(s)
			} else {
				req.netID = strings.ToLower(s)
			}
		case "tag":
			s, ok := str(k)
			if !v.atLeast(49) {
				return req, "tag needs microversion 2.49"
			}
			if !ok || s == "" || len([]rune(s)) > 60 || strings.ContainsAny(s, ",/") {
				return req, "tag is not a valid device tag"
			}
			req.tag = s
		case "fixed_ips":
			var ips []map[string]json.RawMessage
			if err := json.Unmarshal(ia[k], &ips); err != nil || len(ips) != 1 {
				return req, "fixed_ips is a list of one item"
			}
			for ik, iv := range ips[0] {
				var s string
				if ik != "ip_address" || json.Unmarshal(iv, &s) != nil || s == "" {
					return req, "fixed_ips items are {\"ip_address\": \"…\"}"
				}
				req.ip = s
			}
			if req.ip == "" {
				return req, "fixed_ips items are {\"ip_address\": \"…\"}"
			}
		default:
			return req, fmt.Sprintf("additional properties are not allowed (%.40q was unexpected)", k)
		}
	}
	switch {
	case req.portID != "" && req.netID != "":
		return req, "port_id and net_id are exclusive"
	case req.portID == "" && req.netID == "":
		return req, "port_id or net_id is required"
	case req.ip != "" && req.netID == "":
		return req, "fixed_ips goes only with net_id"
	}
	return req, ""
}

// detachInterface is the endpoint under test (docs/reference.md §1, §2).
//
// huawei profile, in order: unknown server 404 (§2); a port not attached to
// the server 404, Ecs.0085 (§2), checked before the lock (the emulator's
// choice; real Nova checks the lock first); the primary NIC 403 (§1.1
// port_id 说明); a locked server 409 (§2); a detach already in flight 202
// again, changing nothing more; else 202 and the NIC leaves after
// DetachDelay.
//
// nova profile: unknown server 404; locked 409; a port not attached 202
// when its id is a UUID (upstream does not check synchronously, §2; nothing
// changes), 404 when it is not; no primary NIC concept.
func (e *Emulator) detachInterface(w http.ResponseWriter, id, portID string) {
	e.mu.Lock()
	s, ok := e.servers[id]
	if !ok {
		e.mu.Unlock()
		e.computeError(w, http.StatusNotFound, fmt.Sprintf("Instance %.64s could not be found.", id))
		return
	}
	attached := s.has(portID)
	huawei := e.opts.Profile == ProfileHuawei
	notAttached := func() {
		e.mu.Unlock()
		e.computeError(w, http.StatusNotFound, fmt.Sprintf("Instance %s does not have an interface with port_id %.64s.", id, portID))
	}
	if huawei && !attached {
		notAttached()
		return
	}
	if huawei && portID == s.Primary {
		e.mu.Unlock()
		e.computeError(w, http.StatusForbidden, "The primary NIC of a server cannot be detached.")
		return
	}
	if s.Locked {
		e.mu.Unlock()
		e.computeError(w, http.StatusConflict, fmt.Sprintf("Instance %s is locked", s.ID))
		return
	}
	if !attached {
		if !uuidRE.MatchString(portID) {
			notAttached()
			return
		}
		e.mu.Unlock()
		writeEmpty(w, http.StatusAccepted)
		return
	}
	if s.detaching[portID] {
		e.mu.Unlock()
		writeEmpty(w, http.StatusAccepted)
		return
	}
	s.detaching[portID] = true
	e.mu.Unlock()
	if e.opts.DetachDelay < 0 {
		e.completeDetach(s.ID, portID)
	} else {
		time.AfterFunc(e.opts.DetachDelay, func() { e.completeDetach(s.ID, portID) })
	}
	writeEmpty(w, http.StatusAccepted)
}

// completeDetach takes the NIC off the server; the port is deleted when
// Nova created it from net_id, and unbound (device_id and device_owner
// cleared, status DOWN) when the user passed it in (docs/reference.md §2,
// "Port fate"; §1.1 接口约束).
func (e *Emulator) completeDetach(serverID, portID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.servers[serverID]
	if s == nil || !s.detaching[portID] {
		return
	}
	delete(s.detaching, portID)
	for i, id := range s.NICs {
		if id == portID {
			s.NICs = append(s.NICs[:i:i], s.NICs[i+1:]...)
			break
		}
	}
	p := e.ports[portID]
	if p == nil {
		return
	}
	if !p.preserve {
		e.releaseIPs(p)
		delete(e.ports, portID)
		return
	}
	p.DeviceID, p.DeviceOwner, p.Status, p.tag = "", "", "DOWN", ""
}
