package mock

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/ids"
)

// configs are the four faithful combinations of profile and error shape.
var configs = []Options{
	{Profile: ProfileHuawei, Errors: ErrorsNova},
	{Profile: ProfileHuawei, Errors: ErrorsHuawei},
	{Profile: ProfileNova, Errors: ErrorsNova},
	{Profile: ProfileNova, Errors: ErrorsHuawei},
}

func configName(o Options) string { return fmt.Sprintf("%s-profile/%s-errors", o.Profile, o.Errors) }

// forEachConfig runs f for each profile and error shape, with two servers
// and immediate detach unless f's options say otherwise.
func forEachConfig(t *testing.T, f func(t *testing.T, o Options, h *harness)) {
	for _, o := range configs {
		t.Run(configName(o), func(t *testing.T) {
			o.Servers = 2
			o.ImmediateDetach = true
			f(t, o, newHarness(t, o))
		})
	}
}

func TestDetachByPortIDKeepsPort(t *testing.T) {
	forEachConfig(t, func(t *testing.T, o Options, h *harness) {
		p := h.createPort("keep")
		h.attachPort(h.srv.ServerID, p.ID)
		h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, p.ID), ""))
		if h.attached(h.srv.ServerID, p.ID) {
			t.Fatal("NIC still attached after an immediate detach")
		}
		got, ok := h.portByID(p.ID)
		if !ok {
			t.Fatal("port_id port deleted")
		}
		if got.DeviceID != "" || got.DeviceOwner != "" || got.Status != statusDown {
			t.Errorf("port not unbound: %+v", got)
		}
		if got.MACAddress != p.MACAddress {
			t.Errorf("MAC changed")
		}
		h.attachPort(h.seed.Servers[1].ServerID, p.ID) // can be attached again
	})
}

func TestDetachByNetIDDeletesPort(t *testing.T) {
	forEachConfig(t, func(t *testing.T, o Options, h *harness) {
		nic := h.attachNet(h.srv.ServerID)
		rec := h.do("GET", "/v2.0/ports/"+nic.PortID, "")
		h.expect(rec, http.StatusOK, "show port")
		if !strings.Contains(rec.Body.String(), `"name":""`) {
			t.Errorf("net_id port has a name: %s", rec.Body)
		}
		h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), ""))
		if o.Profile == ProfileNova {
			checkNeutronError(t, h.do("GET", "/v2.0/ports/"+nic.PortID, ""), http.StatusNotFound, "PortNotFound")
			return
		}
		checkError(t, o.Errors, h.do("GET", "/v2.0/ports/"+nic.PortID, ""), http.StatusNotFound, "")
	})
}

func TestDetachPrimary(t *testing.T) {
	forEachConfig(t, func(t *testing.T, o Options, h *harness) {
		before := h.snapshot()
		rec := h.do("DELETE", h.nicPath(h.srv.ServerID, h.srv.PrimaryPortID), "")
		if o.Profile == ProfileHuawei {
			checkError(t, o.Errors, rec, http.StatusForbidden, codePrimary)
			if h.snapshot() != before {
				t.Error("a refused primary detach changed the world")
			}
			return
		}
		h.checkAccepted(t, rec) // nova: no primary concept
		if h.attached(h.srv.ServerID, h.srv.PrimaryPortID) {
			t.Error("nova profile: primary not detached")
		}
	})
}

func TestDetachNotAttached(t *testing.T) {
	forEachConfig(t, func(t *testing.T, o Options, h *harness) {
		other := h.seed.Servers[1]
		elsewhere := h.attachNet(other.ServerID)
		unbound := h.createPort("unbound")
		for name, portID := range map[string]string{
			"unknown":           ids.NewUUID(),
			"unbound":           unbound.ID,
			"attached-to-other": elsewhere.PortID,
			"other-primary":     other.PrimaryPortID,
		} {
			before := h.snapshot()
			rec := h.do("DELETE", h.nicPath(h.srv.ServerID, portID), "")
			if o.Profile == ProfileHuawei {
				checkError(t, o.Errors, rec, http.StatusNotFound, codeNoInterface)
			} else {
				h.checkAccepted(t, rec)
			}
			if h.snapshot() != before {
				t.Errorf("%s: a DELETE of a port not attached changed the world", name)
			}
		}
	})
}

func TestDetachRepeat(t *testing.T) {
	forEachConfig(t, func(t *testing.T, o Options, h *harness) {
		p := h.createPort("repeat")
		h.attachPort(h.srv.ServerID, p.ID)
		path := h.nicPath(h.srv.ServerID, p.ID)
		h.checkAccepted(t, h.do("DELETE", path, ""))
		before := h.snapshot()
		rec := h.do("DELETE", path, "")
		if o.Profile == ProfileHuawei {
			checkError(t, o.Errors, rec, http.StatusNotFound, codeNoInterface)
		} else {
			h.checkAccepted(t, rec)
		}
		if h.snapshot() != before {
			t.Error("repeat DELETE changed the world")
		}
	})
}

func TestDetachUnknownServer(t *testing.T) {
	forEachConfig(t, func(t *testing.T, o Options, h *harness) {
		nic := h.attachNet(h.srv.ServerID)
		before := h.snapshot()
		checkError(t, o.Errors, h.do("DELETE", h.nicPath(ids.NewUUID(), nic.PortID), ""), http.StatusNotFound, codeServerNotFound)
		if h.snapshot() != before {
			t.Error("unknown server DELETE changed the world")
		}
	})
}

func TestDetachLocked(t *testing.T) {
	forEachConfig(t, func(t *testing.T, o Options, h *harness) {
		nic := h.attachNet(h.srv.ServerID)
		action := h.base() + "/servers/" + h.srv.ServerID + "/action"
		h.expect(h.do("POST", action, `{"lock":null}`), http.StatusAccepted, "lock")
		rec := h.do("GET", h.base()+"/servers/"+h.srv.ServerID, "", headerNovaAPIVersion, "2.9")
		if !strings.Contains(rec.Body.String(), `"locked":true`) {
			t.Errorf("show after lock: %s", rec.Body)
		}
		before := h.snapshot()
		checkError(t, o.Errors, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), ""), http.StatusConflict, codeLocked)
		if h.snapshot() != before {
			t.Error("locked DELETE changed the world")
		}
		h.expect(h.do("POST", action, `{"unlock":null}`), http.StatusAccepted, "unlock")
		h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), ""))
	})
}

func TestDetachProject(t *testing.T) {
	forEachConfig(t, func(t *testing.T, o Options, h *harness) {
		nic := h.attachNet(h.srv.ServerID)
		tail := "/servers/" + h.srv.ServerID + "/os-interface/" + nic.PortID
		foreign := ids.NewProjectID()
		for foreign == h.seed.ProjectID {
			foreign = ids.NewProjectID()
		}
		before := h.snapshot()
		rec := h.do("DELETE", "/v2.1/"+foreign+tail, "")
		if o.Profile == ProfileHuawei {
			checkError(t, o.Errors, rec, http.StatusForbidden, codePermission)
		} else {
			checkError(t, o.Errors, rec, http.StatusBadRequest, codeInvalid)
			if o.Errors == ErrorsNova && !strings.Contains(rec.Body.String(), "doesn't match Context's project_id") {
				t.Errorf("nova message: %s", rec.Body)
			}
		}
		for _, p := range []string{"not-hex-at-all!", strings.Repeat("a", 65), "%2F", "%C3%A9t%C3%A9", "%ff"} {
			checkError(t, o.Errors, h.do("DELETE", "/v2.1/"+p+tail, ""), http.StatusBadRequest, codeInvalid)
		}
		checkError(t, o.Errors, h.do("DELETE", "/v2.1/"+tail, ""), http.StatusBadRequest, codeInvalid) // empty project
		if h.snapshot() != before {
			t.Error("a refused project changed the world")
		}
	})
}

// malformedIDs are path segments that are not UUIDs.
var malformedIDs = []string{
	"not-a-uuid",
	"..",
	".",
	"%2F",
	"a%2Fb",
	"00000000-0000-0000-0000-00000000000%2F",
	strings.Repeat("f", 37),
	strings.Repeat("0", 4096),
	"%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9-0000-0000-0000-000000000000",
	"%ff%fe",
	"%00",
	"%20",
	"12345678-1234-1234-1234-1234567890ag",
	"{port_id}",
}

func TestDetachMalformedIDs(t *testing.T) {
	forEachConfig(t, func(t *testing.T, o Options, h *harness) {
		nic := h.attachNet(h.srv.ServerID)
		before := h.snapshot()
		want := http.StatusBadRequest
		if o.Profile == ProfileNova {
			want = http.StatusNotFound
		}
		for _, bad := range malformedIDs {
			for _, path := range []string{h.nicPath(bad, nic.PortID), h.nicPath(h.srv.ServerID, bad)} {
				rec := h.do("DELETE", path, "")
				if rec.Code != want {
					t.Errorf("DELETE %.120s: %d, want %d", path, rec.Code, want)
					continue
				}
				checkError(t, o.Errors, rec, want, "")
			}
		}
		// An empty server segment is malformed too; an empty port segment
		// (trailing slash) is not a route.
		checkError(t, o.Errors, h.do("DELETE", h.nicPath("", nic.PortID), ""), want, "")
		checkError(t, o.Errors, h.do("DELETE", h.nics(h.srv.ServerID)+"/", ""), http.StatusNotFound, "")
		if h.snapshot() != before {
			t.Error("a malformed id changed the world")
		}
	})
}

func TestDetachMethods(t *testing.T) {
	forEachConfig(t, func(t *testing.T, o Options, h *harness) {
		nic := h.attachNet(h.srv.ServerID)
		before := h.snapshot()
		// Huawei: 405 with Allow. Nova routes each method on its own: any
		// other matches no route, 404 without Allow
		// (nova/api/openstack/compute/routes.py:800-807).
		want, allowNIC, allowNICs := http.StatusMethodNotAllowed, "GET, DELETE", "GET, POST"
		if o.Profile == ProfileNova {
			want, allowNIC, allowNICs = http.StatusNotFound, "", ""
		}
		for _, method := range []string{"PUT", "PATCH", "POST", "HEAD", "OPTIONS", "TRACE", "BREW"} {
			rec := h.do(method, h.nicPath(h.srv.ServerID, nic.PortID), "")
			if _, has := rec.Header()["Allow"]; rec.Code != want || rec.Header().Get("Allow") != allowNIC || has != (allowNIC != "") {
				t.Errorf("%s: %d Allow %q", method, rec.Code, rec.Header().Get("Allow"))
			}
			if method != "HEAD" {
				checkError(t, o.Errors, rec, want, "")
			}
		}
		rec := h.do("DELETE", h.nics(h.srv.ServerID), "")
		checkError(t, o.Errors, rec, want, "")
		if got := rec.Header().Get("Allow"); got != allowNICs {
			t.Errorf("collection Allow %q", got)
		}
		if h.snapshot() != before {
			t.Error("a refused method changed the world")
		}
	})
}

func TestDetachAuth(t *testing.T) {
	forEachConfig(t, func(t *testing.T, o Options, h *harness) {
		nic := h.attachNet(h.srv.ServerID)
		path := h.nicPath(h.srv.ServerID, nic.PortID)
		before := h.snapshot()
		check := func(rec *httptest.ResponseRecorder) {
			t.Helper()
			if o.Profile == ProfileNova {
				checkKeystone401(t, rec, h.identityURL())
				return
			}
			checkError(t, o.Errors, rec, http.StatusUnauthorized, codeAuth)
			if got := rec.Header().Get("WWW-Authenticate"); got != "" {
				t.Errorf("huawei 401 with WWW-Authenticate %q", got)
			}
		}
		check(h.do("DELETE", path, "", "X-Auth-Token", ""))
		check(h.do("DELETE", path, "", "X-Auth-Token", "wrong"))
		check(h.do("DELETE", path, "", "X-Auth-Token", "", "Authorization", "SDK-HMAC-SHA256 Access=x, SignedHeaders=host, Signature=00"))
		check(h.do("GET", "/nowhere", "", "X-Auth-Token", ""))
		check(h.do("GET", "/v2.0/ports", "", "X-Auth-Token", "wrong"))
		if h.snapshot() != before {
			t.Error("an unauthenticated DELETE changed the world")
		}
	})
}

func TestDetachRequestBodyIgnored(t *testing.T) {
	forEachConfig(t, func(t *testing.T, o Options, h *harness) {
		a, b := h.attachNet(h.srv.ServerID), h.attachNet(h.srv.ServerID)
		h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, a.PortID), `{"anything":[1,2,3]}`))
		h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, b.PortID), "not json at all", "Content-Type", "text/plain"))
	})
}

func TestDetachRequestIDs(t *testing.T) {
	h := newHarness(t, Options{})
	nic := h.attachNet(h.srv.ServerID)
	seen := map[string]bool{}
	for _, c := range []struct {
		method, path string
		hdr          []string
		compute      bool
	}{
		{"DELETE", h.nicPath(h.srv.ServerID, nic.PortID), nil, true},
		{"DELETE", h.nicPath(h.srv.ServerID, nic.PortID), []string{"X-Auth-Token", ""}, true},
		{"PUT", h.nicPath(h.srv.ServerID, nic.PortID), nil, true},
		{"GET", h.base() + "/nowhere", nil, true},
		{"GET", "/v2.0/ports", nil, false},
		{"GET", "/", nil, false},
	} {
		rec := h.do(c.method, c.path, "", c.hdr...)
		id := rec.Header().Get(headerRequestID)
		if !strings.HasPrefix(id, "req-") || !ids.IsUUID(strings.TrimPrefix(id, "req-")) {
			t.Errorf("%s %s: request id %q", c.method, c.path, id)
		}
		if seen[id] {
			t.Errorf("request id %s reused", id)
		}
		seen[id] = true
		if got := rec.Header().Get(headerComputeRequestID); c.compute && got != id {
			t.Errorf("%s %s: compute request id %q, want %q", c.method, c.path, got, id)
		}
	}
}

func TestDetachAsync(t *testing.T) {
	const delay = 80 * time.Millisecond
	for _, profile := range []Profile{ProfileHuawei, ProfileNova} {
		t.Run(string(profile), func(t *testing.T) {
			h := newHarness(t, Options{Profile: profile, Delay: delay})
			nic := h.attachNet(h.srv.ServerID)
			path := h.nicPath(h.srv.ServerID, nic.PortID)
			start := time.Now()
			h.checkAccepted(t, h.do("DELETE", path, ""))
			// Still listed and shown right after the 202.
			if time.Since(start) < delay/2 {
				h.expect(h.do("GET", path, ""), http.StatusOK, "show during detach")
				if !strings.Contains(h.do("GET", h.nics(h.srv.ServerID), "").Body.String(), nic.PortID) {
					t.Error("NIC left the list before the delay")
				}
				// In flight: accepted again, nothing more.
				h.checkAccepted(t, h.do("DELETE", path, ""))
			}
			waitFor(t, "the NIC to leave", func() bool { return !h.attached(h.srv.ServerID, nic.PortID) })
			if el := time.Since(start); el < delay {
				t.Errorf("detach completed after %s, before the %s delay", el, delay)
			}
			h.expect(h.do("GET", path, ""), http.StatusNotFound, "show after detach")
			if _, ok := h.portByID(nic.PortID); ok {
				t.Error("net_id port survived")
			}
			if h.m.w.detaches != 1 {
				t.Errorf("%d detaches, want 1", h.m.w.detaches)
			}
		})
	}
}

func TestDetachImmediate(t *testing.T) {
	h := newHarness(t, Options{ImmediateDetach: true})
	nic := h.attachNet(h.srv.ServerID)
	h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), ""))
	h.expect(h.do("GET", h.nicPath(h.srv.ServerID, nic.PortID), ""), http.StatusNotFound, "show right after an immediate detach")
}

func TestCloseStopsPendingDetach(t *testing.T) {
	h := newHarness(t, Options{Delay: 20 * time.Millisecond})
	nic := h.attachNet(h.srv.ServerID)
	h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), ""))
	h.m.Close()
	time.Sleep(60 * time.Millisecond)
	if !h.attached(h.srv.ServerID, nic.PortID) {
		t.Error("a detach completed after Close")
	}
}

func TestDeletePortDuringDetach(t *testing.T) {
	h := newHarness(t, Options{Delay: 20 * time.Millisecond})
	p := h.createPort("doomed")
	h.attachPort(h.srv.ServerID, p.ID)
	h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, p.ID), ""))
	h.expect(h.do("DELETE", "/v2.0/ports/"+p.ID, ""), http.StatusNoContent, "delete port in flight")
	if h.attached(h.srv.ServerID, p.ID) {
		t.Error("deleted port still attached")
	}
	time.Sleep(40 * time.Millisecond)
	if h.m.Pending() != 0 {
		t.Error("pending detach left behind")
	}
}
