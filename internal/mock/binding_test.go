package mock

import (
	"net/http"
	"testing"
	"time"
)

// A port an attach bound under the nova profile with bind delays goes
// DOWN → BUILD → ACTIVE, as on upstream ML2 with an L2 agent: the attach
// answers port_state DOWN, the network endpoint shows DOWN, then BUILD,
// then ACTIVE, in that order; the seeded primary port is ACTIVE all along.
func TestBoundPortSettlesDownBuildActive(t *testing.T) {
	h := newHarness(t, Options{Profile: ProfileNova, BindDown: 200 * time.Millisecond, BindBuild: 200 * time.Millisecond})
	status := func(id string) string {
		rec := h.do("GET", "/v2.0/ports/"+id, "")
		h.expect(rec, http.StatusOK, "show port")
		var out struct{ Port Port }
		h.decode(rec, &out)
		return out.Port.Status
	}
	if s := status(h.srv.PrimaryPortID); s != "ACTIVE" {
		t.Errorf("the seeded primary port is %s, want ACTIVE", s)
	}
	p := h.createPort("nicconform-run-bind")
	nic := h.attachPort(h.srv.ServerID, p.ID)
	if nic.PortState != "DOWN" {
		t.Errorf("the attach answered port_state %q, want DOWN (nova/api/openstack/compute/attach_interfaces.py:47)", nic.PortState)
	}
	var seen []string
	waitFor(t, "the bound port to be ACTIVE", func() bool {
		s := status(p.ID)
		if len(seen) == 0 || seen[len(seen)-1] != s {
			seen = append(seen, s)
		}
		return s == "ACTIVE"
	})
	if len(seen) != 3 || seen[0] != "DOWN" || seen[1] != "BUILD" {
		t.Errorf("the bound port went %v, want [DOWN BUILD ACTIVE]", seen)
	}
	if i := h.m.Interfaces(h.srv.ServerID); len(i) == 0 || i[len(i)-1].PortState != "ACTIVE" {
		t.Errorf("the NIC list shows %+v, want the new NIC ACTIVE", i)
	}
}

// Bind delays are upstream Nova's: the huawei profile, or a negative delay,
// is refused.
func TestBindDelaysNeedNova(t *testing.T) {
	for _, o := range []Options{
		{BindDown: time.Second},
		{Profile: ProfileNova, BindBuild: -time.Second},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v): no error", o)
		}
	}
}
