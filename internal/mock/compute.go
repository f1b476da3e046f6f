package mock

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
)

// serveCompute answers the /v2.1 routes: project, then ids, then the
// operation.
func (m *Mock) serveCompute(w http.ResponseWriter, r *request, kind routeKind, method string, ids []segment) {
	if aerr := m.checkProject(ids[0]); aerr != nil {
		if kind == routeInterface && method == http.MethodDelete && m.dev.on(DevForeignProjectDetaches) {
			m.foreignProjectDetach(ids)
		}
		m.writeError(w, aerr)
		return
	}
	serverID, aerr := m.pathID(ids[1], "server_id")
	if aerr != nil {
		m.writeError(w, aerr)
		return
	}
	var portID string
	if kind == routeInterface {
		if portID, aerr = m.pathID(ids[2], "port_id"); aerr != nil {
			m.writeError(w, aerr)
			return
		}
	}
	switch {
	case kind == routeServer:
		m.showServer(w, serverID)
	case kind == routeAction:
		m.serverAction(w, r, serverID)
	case kind == routeInterfaces && method == http.MethodGet:
		m.listInterfaces(w, serverID)
	case kind == routeInterfaces && method == http.MethodPost:
		m.attachInterface(w, r, serverID)
	case kind == routeInterfaces && method == http.MethodDelete:
		m.detachAll(w, serverID)
	case kind == routeInterface && method == http.MethodGet:
		m.showInterface(w, serverID, portID)
	case kind == routeInterface && method == http.MethodDelete:
		m.detachInterface(w, r, serverID, portID)
	}
}

// checkProject refuses a malformed project id (400) or another project's
// (huawei 403, nova 400).
func (m *Mock) checkProject(seg segment) *apiError {
	if !seg.ok || !wellFormedProject(m.opts.Profile, seg.val) {
		return errBadRequest(codeInvalid, "Malformed request URL: invalid project_id %q.", sanitize(seg.raw))
	}
	if seg.val == m.w.projectID || m.dev.on(DevForeignProjectAccepted) {
		return nil
	}
	if m.opts.Profile == ProfileHuawei {
		return newError(http.StatusForbidden, codePermission, "Project %s is not the caller's project: permission denied.", seg.val)
	}
	return errBadRequest(codeInvalid, "Malformed request URL: URL's project_id '%s' doesn't match Context's project_id '%s'", seg.val, m.w.projectID)
}

// foreignProjectDetach is the foreign-project-detaches deviation: a DELETE
// refused for another (well-formed) project still detaches the port from
// the server named, as a detach in the caller's project would.
func (m *Mock) foreignProjectDetach(ids []segment) {
	if !ids[0].ok || !wellFormedProject(m.opts.Profile, ids[0].val) {
		return // malformed, not foreign
	}
	serverID, aerr := m.pathID(ids[1], "server_id")
	if aerr != nil {
		return
	}
	portID, aerr := m.pathID(ids[2], "port_id")
	if aerr != nil {
		return
	}
	m.mu.Lock()
	if m.w.servers[serverID] != nil {
		_ = m.detachLocked(serverID, portID) // the refusal stands
	}
	m.mu.Unlock()
}

// pathID decodes a server or port id from the path: a UUID, returned in
// lowercase. A malformed id answers 400 (huawei) or 404 (nova), or 500
// under the malformed-id-500 deviation (long-id-truncated takes the first
// 36 characters of a longer id).
func (m *Mock) pathID(seg segment, name string) (string, *apiError) {
	if seg.ok && isUUID(seg.val) {
		return strings.ToLower(seg.val), nil
	}
	if m.dev.on(DevLongIDTruncated) && seg.ok && len(seg.val) > uuidLen && isUUID(seg.val[:uuidLen]) {
		return strings.ToLower(seg.val[:uuidLen]), nil
	}
	switch {
	case m.dev.on(DevMalformedID500):
		return "", newError(http.StatusInternalServerError, codeMock("InternalError"), "Unexpected API Error: invalid %s.", name)
	case m.dev.on(DevMalformedID422):
		return "", newError(http.StatusUnprocessableEntity, codeInvalid, "Invalid %s %q: not a UUID.", name, sanitize(seg.raw))
	case m.opts.Profile == ProfileHuawei:
		return "", errBadRequest(codeInvalid, "Invalid %s %q: not a UUID.", name, sanitize(seg.raw))
	default:
		return "", errNotFound(codeMock("ResourceNotFound"), "%s %q could not be found.", name, sanitize(seg.raw))
	}
}

func errServerNotFound(id string) *apiError {
	return errNotFound(codeServerNotFound, "Instance %s could not be found.", id)
}

func errLocked(id string) *apiError {
	return errConflict(codeLocked, "Instance %s is locked.", id)
}

func (m *Mock) showServer(w http.ResponseWriter, serverID string) {
	m.mu.Lock()
	s := m.w.servers[serverID]
	var locked bool
	var name string
	if s != nil {
		locked, name = s.locked, s.name
	}
	m.mu.Unlock()
	if s == nil {
		m.writeError(w, errServerNotFound(serverID))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"server": map[string]any{
		"id":        serverID,
		"name":      name,
		"status":    statusActive,
		"tenant_id": m.w.projectID,
		"locked":    locked,
	}})
}

// serverAction handles {"lock":null} and {"unlock":null}.
func (m *Mock) serverAction(w http.ResponseWriter, r *request, serverID string) {
	if aerr := checkMediaType(r.Request); aerr != nil {
		m.writeError(w, aerr)
		return
	}
	var action map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &action); err != nil || len(action) != 1 {
		m.writeError(w, errBadRequest(codeInvalid, `Invalid action body: want {"lock":null} or {"unlock":null}.`))
		return
	}
	var lock bool
	var arg json.RawMessage
	switch {
	case action["lock"] != nil:
		lock, arg = true, action["lock"]
	case action["unlock"] != nil:
		arg = action["unlock"]
	default:
		m.writeError(w, errBadRequest(codeInvalid, "Unsupported server action: only lock and unlock."))
		return
	}
	if v := strings.TrimSpace(string(arg)); v != "null" && !strings.HasPrefix(v, "{") {
		m.writeError(w, errBadRequest(codeInvalid, "Invalid action argument: want null or an object."))
		return
	}
	m.mu.Lock()
	s := m.w.servers[serverID]
	if s != nil {
		s.locked = lock
	}
	m.mu.Unlock()
	if s == nil {
		m.writeError(w, errServerNotFound(serverID))
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (m *Mock) listInterfaces(w http.ResponseWriter, serverID string) {
	m.mu.Lock()
	s := m.w.servers[serverID]
	var ifaces []Interface
	if s != nil {
		ifaces = m.w.interfaces(s)
	}
	m.mu.Unlock()
	if s == nil {
		m.writeError(w, errServerNotFound(serverID))
		return
	}
	for i := range ifaces {
		ifaces[i] = m.render(ifaces[i])
	}
	writeJSON(w, http.StatusOK, map[string][]Interface{"interfaceAttachments": ifaces})
}

func (m *Mock) showInterface(w http.ResponseWriter, serverID, portID string) {
	m.mu.Lock()
	s := m.w.servers[serverID]
	var iface Interface
	found := false
	if s != nil {
		if p := m.w.ports[portID]; p != nil && s.nic(portID) != nil {
			iface, found = interfaceOf(p), true
		} else if li, ok := s.lingering[portID]; ok {
			iface, found = li, true
		}
	}
	m.mu.Unlock()
	switch {
	case s == nil:
		m.writeError(w, errServerNotFound(serverID))
	case !found:
		m.writeError(w, errNotAttached(serverID, portID))
	default:
		writeJSON(w, http.StatusOK, map[string]Interface{"interfaceAttachment": m.render(iface)})
	}
}

func errNotAttached(serverID, portID string) *apiError {
	return errNotFound(codeNoInterface, "The server %s does not have the interface %s.", serverID, portID)
}

// attachRequest is a parsed attach body.
type attachRequest struct {
	portID, netID string
	ip            netip.Addr // zero: allocate
}

// parseAttach validates an attach body: port_id or net_id (exclusive),
// fixed_ips only with net_id and at most one item.
func (m *Mock) parseAttach(body []byte) (attachRequest, *apiError) {
	var req attachRequest
	bad := func(msg string) (attachRequest, *apiError) {
		return req, errBadRequest(codeInvalid, "Invalid interfaceAttachment: %s.", msg)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return bad(`the body must be a JSON object {"interfaceAttachment":{…}}`)
	}
	var ia map[string]json.RawMessage
	if err := json.Unmarshal(top["interfaceAttachment"], &ia); err != nil || ia == nil {
		return bad("interfaceAttachment must be an object")
	}
	for k := range ia {
		switch k {
		case "port_id", "net_id", "fixed_ips", "tag":
		default:
			return bad("unknown field " + sanitize(k))
		}
	}
	str := func(k string) (string, bool) {
		raw, ok := ia[k]
		if !ok || string(raw) == "null" {
			return "", true
		}
		var s string
		return s, json.Unmarshal(raw, &s) == nil
	}
	var ok bool
	if req.portID, ok = str("port_id"); !ok {
		return bad("port_id must be a string")
	}
	if req.netID, ok = str("net_id"); !ok {
		return bad("net_id must be a string")
	}
	switch {
	case req.portID != "" && req.netID != "":
		return bad("port_id and net_id are mutually exclusive")
	case req.portID == "" && req.netID == "":
		return bad("port_id or net_id is required")
	case req.portID != "" && !isUUID(req.portID):
		return bad("port_id is not a UUID")
	case req.netID != "" && !isUUID(req.netID):
		return bad("net_id is not a UUID")
	}
	req.portID, req.netID = strings.ToLower(req.portID), strings.ToLower(req.netID)
	raw, has := ia["fixed_ips"]
	if !has || string(raw) == "null" {
		return req, nil
	}
	if req.portID != "" {
		return bad("fixed_ips goes only with net_id")
	}
	var ips []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ips); err != nil {
		return bad("fixed_ips must be a list of objects")
	}
	switch len(ips) {
	case 0:
		return req, nil
	case 1:
	default:
		return bad("fixed_ips takes at most one item")
	}
	var addr string
	if err := json.Unmarshal(ips[0]["ip_address"], &addr); err != nil || len(ips[0]) != 1 {
		return bad(`fixed_ips item must be {"ip_address":"…"}`)
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil || !ip.Is4() || !m.w.usableIP(ip) {
		return bad("ip_address " + sanitize(addr) + " is not a usable address of the subnet")
	}
	req.ip = ip
	return req, nil
}

// attachInterface attaches a NIC synchronously, by port_id (the port is
// preserved on detach) or by net_id (the created port is deleted on
// detach).
func (m *Mock) attachInterface(w http.ResponseWriter, r *request, serverID string) {
	if aerr := checkMediaType(r.Request); aerr != nil {
		m.writeError(w, aerr)
		return
	}
	req, aerr := m.parseAttach(r.body)
	if aerr != nil {
		m.writeError(w, aerr)
		return
	}
	m.mu.Lock()
	iface, aerr := m.attachLocked(serverID, req)
	m.mu.Unlock()
	if aerr != nil {
		m.writeError(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]Interface{"interfaceAttachment": m.render(iface)})
}

// render applies the deviations that change how a NIC is shown.
func (m *Mock) render(iface Interface) Interface {
	if m.dev.on(DevInterfaceNetIDEmpty) {
		iface.NetID = ""
	}
	return iface
}

func (m *Mock) attachLocked(serverID string, req attachRequest) (Interface, *apiError) {
	wd := m.w
	s := wd.servers[serverID]
	switch {
	case s == nil:
		return Interface{}, errServerNotFound(serverID)
	case s.locked:
		return Interface{}, errLocked(serverID)
	}
	if req.portID != "" {
		p := wd.ports[req.portID]
		switch {
		case p == nil:
			return Interface{}, errNotFound(codeMock("PortNotFound"), "Port id %s could not be found.", req.portID)
		case p.DeviceID != "" || wd.attached[p.ID] != nil:
			return Interface{}, errConflict(codePortInUse, "Port %s is still in use: the NIC has been attached to an instance.", p.ID)
		}
		wd.bind(s, p, true)
		return interfaceOf(p), nil
	}
	if req.netID != wd.networkID {
		return Interface{}, errNotFound(codeMock("NetworkNotFound"), "Network %s could not be found.", req.netID)
	}
	p, aerr := wd.newPort("", req.ip)
	if aerr != nil {
		return Interface{}, aerr
	}
	wd.bind(s, p, false)
	return interfaceOf(p), nil
}
