package mock

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/nicconform/nicconform/internal/ids"
)

// checkProject refuses a malformed project id (400) or another project's
// (huawei 403, nova 400).
func (m *Mock) checkProject(r *request, seg segment) *apiError {
	if seg.implied {
		return nil
	}
	if aerr, ok := m.dev.projectSegment(m, r, seg); ok {
		return aerr
	}
	if !seg.ok || !wellFormedProject(m.opts.Profile, seg.val) {
		return errBadRequest(codeInvalid, "Malformed request URL: invalid project_id %q.", sanitize(seg.raw))
	}
	if seg.val == m.w.projectID || m.dev.projectForeign(m, r) {
		return nil
	}
	if m.opts.Profile == ProfileHuawei {
		return newError(http.StatusForbidden, codePermission, "Project %s is not the caller's project: permission denied.", seg.val)
	}
	return errBadRequest(codeInvalid, "Malformed request URL: URL's project_id '%s' doesn't match Context's project_id '%s'", seg.val, m.w.projectID)
}

// pathID decodes a server or port id from the path: a UUID, returned in
// lowercase. A malformed id answers 400 (huawei) or 404 (nova).
func (m *Mock) pathID(seg segment, name string) (string, *apiError) {
	if seg.ok && ids.IsUUID(seg.val) {
		return strings.ToLower(seg.val), nil
	}
	if id, aerr, ok := m.dev.pathIDMalformed(seg, name); ok {
		return id, aerr
	}
	if m.opts.Profile == ProfileHuawei {
		return "", errBadRequest(codeInvalid, "Invalid %s %q: not a UUID.", name, sanitize(seg.raw))
	}
	return "", errNotFound(codeMock("ResourceNotFound"), "%s %q could not be found.", name, sanitize(seg.raw))
}

func errServerNotFound(id string) *apiError {
	return errNotFound(codeServerNotFound, "Instance %s could not be found.", id)
}

func errLocked(id string) *apiError {
	return errConflict(codeLocked, "Instance %s is locked.", id)
}

// showServer shows the part of a server the mock models: id, name,
// status, tenant_id, "locked" from microversion 2.9 and "locked_reason"
// (null when none was given) from 2.73
// (nova/api/openstack/compute/views/servers.py ViewBuilder.show).
func (m *Mock) showServer(w http.ResponseWriter, r *request) {
	serverID := r.serverID
	m.mu.Lock()
	s := m.w.servers[serverID]
	var locked bool
	var name string
	var reason *string
	if s != nil {
		locked, name, reason = s.locked, s.name, s.lockedReason
	}
	m.mu.Unlock()
	if s == nil {
		m.writeError(w, errServerNotFound(serverID))
		return
	}
	server := map[string]any{
		"id":        serverID,
		"name":      name,
		"status":    statusActive,
		"tenant_id": m.w.projectID,
	}
	if r.version.atLeast(vLocked) {
		server["locked"] = locked
	}
	if r.version.atLeast(vLockReason) {
		server["locked_reason"] = reason
	}
	writeJSON(w, http.StatusOK, map[string]any{"server": server})
}

// maxLockedReason is the longest locked_reason Nova takes, in characters
// (nova/api/openstack/compute/schemas/lock_server.py lock_v273).
const maxLockedReason = 255

// serverAction handles lock and unlock: {"lock":null} (from microversion
// 2.73 also {"lock":{"locked_reason":"…"}}) and {"unlock":null}, as
// nova/api/openstack/compute/lock_server.py does. Below 2.73 Nova's schema
// takes any lock argument and ignores a locked_reason; the mock takes null
// or an object. From 2.73 the argument is null or an object holding at most
// locked_reason, a string of 1 to 255 characters (else 400). Locking a
// locked server changes nothing, its reason included (nova/compute/api.py
// API.lock); unlocking clears the reason.
func (m *Mock) serverAction(w http.ResponseWriter, r *request) {
	serverID := r.serverID
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
	var reason *string
	if lock && r.version.atLeast(vLockReason) {
		var aerr *apiError
		if reason, aerr = parseLockReason(arg); aerr != nil {
			m.writeError(w, aerr)
			return
		}
	}
	m.mu.Lock()
	s := m.w.servers[serverID]
	if s != nil {
		m.dev.lockAction(m, s, lock)
	}
	switch {
	case s == nil:
	case lock && !s.locked:
		s.locked, s.lockedReason = true, reason
	case !lock:
		s.locked, s.lockedReason = false, nil
	}
	m.mu.Unlock()
	if s == nil {
		m.writeError(w, errServerNotFound(serverID))
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// parseLockReason reads the lock argument at microversion 2.73 and later:
// null, or an object with at most "locked_reason" (1 to 255 characters).
func parseLockReason(arg json.RawMessage) (*string, *apiError) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(arg, &obj); err != nil || obj == nil {
		return nil, nil // null (the caller refused anything but null or an object)
	}
	for k := range obj {
		if k != "locked_reason" {
			return nil, errBadRequest(codeInvalid, "Invalid input for field/attribute lock. Additional properties are not allowed (%q was unexpected).", sanitize(k))
		}
	}
	raw, ok := obj["locked_reason"]
	if !ok {
		return nil, nil
	}
	var reason string
	if err := json.Unmarshal(raw, &reason); err != nil {
		return nil, errBadRequest(codeInvalid, "Invalid input for field/attribute locked_reason: not a string.")
	}
	if n := utf8.RuneCountInString(reason); n < 1 || n > maxLockedReason {
		return nil, errBadRequest(codeInvalid, "Invalid input for field/attribute locked_reason: want 1 to %d characters, got %d.", maxLockedReason, n)
	}
	return &reason, nil
}

// listInterfaces lists a server's NICs, with their tags from microversion
// 2.70 (nova/api/openstack/compute/attach_interfaces.py).
func (m *Mock) listInterfaces(w http.ResponseWriter, r *request) {
	serverID := r.serverID
	m.mu.Lock()
	s := m.w.servers[serverID]
	var ifaces []Interface
	var tags []*string
	if s != nil {
		for _, n := range s.nics { // as world.interfaces, with the tags
			if p := m.w.ports[n.portID]; p != nil {
				ifaces, tags = append(ifaces, interfaceOf(p)), append(tags, n.tag)
			}
		}
	}
	m.mu.Unlock()
	if s == nil {
		m.writeError(w, errServerNotFound(serverID))
		return
	}
	out := make([]any, len(ifaces))
	for i := range ifaces {
		out[i] = m.render(ifaces[i], tags[i], r.version)
	}
	writeJSON(w, http.StatusOK, map[string][]any{"interfaceAttachments": out})
}

func (m *Mock) showInterface(w http.ResponseWriter, r *request) {
	serverID, portID := r.serverID, r.portID
	m.mu.Lock()
	s := m.w.servers[serverID]
	var iface Interface
	var tag *string
	found := false
	if s != nil {
		if p, n := m.w.ports[portID], s.nic(portID); p != nil && n != nil {
			iface, tag, found = interfaceOf(p), n.tag, true
		} else {
			iface, found = m.dev.nicNotFound(m, s, portID)
		}
	}
	m.mu.Unlock()
	switch {
	case s == nil:
		m.writeError(w, errServerNotFound(serverID))
	case !found:
		m.writeError(w, errNotAttached(serverID, portID))
	default:
		writeJSON(w, http.StatusOK, map[string]any{"interfaceAttachment": m.render(iface, tag, r.version)})
	}
}

func errNotAttached(serverID, portID string) *apiError {
	return errNotFound(codeNoInterface, "The server %s does not have the interface %s.", serverID, portID)
}

// attachRequest is a parsed attach body.
type attachRequest struct {
	portID, netID string
	ip            netip.Addr // zero: allocate
	tag           *string
}

// maxTag is the longest device tag Nova takes (nova/objects/tag.py
// MAX_TAG_LENGTH).
const maxTag = 60

// parseAttach validates an attach body: port_id or net_id (exclusive),
// fixed_ips only with net_id and at most one item, and from microversion
// 2.49 a tag of 1 to 60 characters without "," or "/"
// (nova/api/openstack/compute/schemas/attach_interfaces.py create_v249,
// nova/api/validation/parameter_types.py tag).
func (m *Mock) parseAttach(body []byte, v apiVersion) (attachRequest, *apiError) {
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
		switch {
		case k == "port_id", k == "net_id", k == "fixed_ips":
		case k == "tag" && v.atLeast(vAttachTag):
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
	case req.portID != "" && !ids.IsUUID(req.portID):
		return bad("port_id is not a UUID")
	case req.netID != "" && !ids.IsUUID(req.netID):
		return bad("net_id is not a UUID")
	}
	req.portID, req.netID = strings.ToLower(req.portID), strings.ToLower(req.netID)
	if raw, has := ia["tag"]; has {
		var tag string
		if json.Unmarshal(raw, &tag) != nil {
			return bad("tag must be a string")
		}
		if n := utf8.RuneCountInString(tag); n < 1 || n > maxTag || strings.ContainsAny(tag, ",/") {
			return bad(`tag must be 1 to 60 characters without "," or "/"`)
		}
		req.tag = &tag
	}
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
func (m *Mock) attachInterface(w http.ResponseWriter, r *request) {
	serverID := r.serverID
	if aerr := checkMediaType(r.Request); aerr != nil {
		m.writeError(w, aerr)
		return
	}
	req, aerr := m.parseAttach(r.body, r.version)
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
	writeJSON(w, http.StatusOK, map[string]any{"interfaceAttachment": m.render(iface, req.tag, r.version)})
}

// taggedInterface is a NIC as shown from microversion 2.70: with its tag
// (null when it has none).
type taggedInterface struct {
	Interface
	Tag *string `json:"tag"`
}

// render shows a NIC at a microversion (with its tag from 2.70).
func (m *Mock) render(iface Interface, tag *string, v apiVersion) any {
	iface = m.dev.nicShown(iface)
	if v.atLeast(vShowTag) {
		return taggedInterface{Interface: iface, Tag: tag}
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
	if aerr := m.dev.attachStarting(m, s); aerr != nil {
		return Interface{}, aerr
	}
	if req.portID != "" {
		p := wd.ports[req.portID]
		switch {
		case p == nil:
			return Interface{}, errNotFound(codeMock("PortNotFound"), "Port id %s could not be found.", req.portID)
		case p.DeviceID != "" || wd.attached[p.ID] != nil:
			return Interface{}, errConflict(codePortInUse, "Port %s is still in use: the NIC has been attached to an instance.", p.ID)
		}
		if aerr := m.dev.portAttach(m, p); aerr != nil {
			return Interface{}, aerr
		}
		wd.attachBind(s, p, true).tag = req.tag
		return interfaceOf(p), nil
	}
	if req.netID != wd.networkID {
		return Interface{}, errNotFound(codeMock("NetworkNotFound"), "Network %s could not be found.", req.netID)
	}
	p, aerr := wd.newPort("", req.ip)
	if aerr != nil {
		return Interface{}, aerr
	}
	wd.attachBind(s, p, false).tag = req.tag
	return interfaceOf(p), nil
}
