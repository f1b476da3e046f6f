package mock

// The reserve_port variant (Options.ReservePort): a Huawei-derived cloud's
// ECS API documents reserve_port (boolean, default false) on this detach;
// without it a NIC attached through the Nova API has its port deleted on
// detach, by port_id or not; reserve_port=true keeps (unbinds) the port
// (docs/reference.md §1 and §7).

// applyReservePort sets the port fate of a detach the mock is about to
// accept, from the request's reserve_port. Called with m.mu held.
func (m *Mock) applyReservePort(r *request, serverID, portID string) {
	if !m.opts.ReservePort || !m.wouldAccept(serverID, portID) {
		return
	}
	keep := r.URL.Query().Get("reserve_port") == "true" && !m.dev.on(DevReservePortIgnored)
	m.w.servers[serverID].nic(portID).preserve = keep
}
