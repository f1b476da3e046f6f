package mock

// The reserve_port variant (Options.ReservePort): a Huawei-derived cloud's
// ECS API documents reserve_port (boolean, default false) on this detach;
// without it a NIC attached through the Nova API has its port deleted on
// detach, by port_id or not; reserve_port=true keeps (unbinds) the port
// (docs/reference.md §1 and §7).

// applyReservePort sets the port fate of a detach being accepted, from the
// request's reserve_port, when the variant is on. Called with m.mu held.
func (m *Mock) applyReservePort(d *detachRequest) {
	if m.opts.ReservePort {
		d.n.preserve = d.r.URL.Query().Get("reserve_port") == "true"
	}
}
