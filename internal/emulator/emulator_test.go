package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// client talks to one emulator over httptest.
type client struct {
	t     *testing.T
	srv   *httptest.Server
	world World
}

func newClient(t *testing.T, o Options) *client {
	t.Helper()
	h, w, err := New(o)
	if err != nil {
		t.Fatalf("New(%+v): %v", o, err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &client{t: t, srv: srv, world: w}
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body %q: not a JSON object: %v", a.body, err)
	}
	return m
}

// do sends method path (relative to the compute root; a path starting with
// "net:" goes below the network root) with the token unless headers set
// X-Auth-Token (an empty value sends none).
func (c *client) do(method, path string, body any, headers ...string) answer {
	c.t.Helper()
	url := c.srv.URL + path
	if rest, ok := strings.CutPrefix(path, "net:"); ok {
		url = c.srv.URL + c.world.NetworkRoot + rest
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", c.world.Token)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

func (c *client) server(id string) string { return "/v2.1/" + c.world.ProjectID + "/servers/" + id }

func (c *client) nic(server, port string) string { return c.server(server) + "/os-interface/" + port }

func (c *client) createPort(name string) string {
	c.t.Helper()
	a := c.do("POST", "net:/v2.0/ports", map[string]any{"port": map[string]any{"network_id": c.world.NetworkID, "name": name}})
	if a.status != 201 {
		c.t.Fatalf("create port: %d %s", a.status, a.body)
	}
	return a.json(c.t)["port"].(map[string]any)["id"].(string)
}

func (c *client) attach(server string, ia map[string]any) string {
	c.t.Helper()
	a := c.do("POST", c.server(server)+"/os-interface", map[string]any{"interfaceAttachment": ia})
	if a.status != 200 {
		c.t.Fatalf("attach %v: %d %s", ia, a.status, a.body)
	}
	return a.json(c.t)["interfaceAttachment"].(map[string]any)["port_id"].(string)
}

func (c *client) nics(server string) []string {
	c.t.Helper()
	a := c.do("GET", c.server(server)+"/os-interface", nil)
	if a.status != 200 {
		c.t.Fatalf("list NICs: %d %s", a.status, a.body)
	}
	var ids []string
	for _, ia := range a.json(c.t)["interfaceAttachments"].([]any) {
		ids = append(ids, ia.(map[string]any)["port_id"].(string))
	}
	return ids
}

func (c *client) lock(server string) {
	c.t.Helper()
	if a := c.do("POST", c.server(server)+"/action", map[string]any{"lock": nil}); a.status != 202 {
		c.t.Fatalf("lock: %d %s", a.status, a.body)
	}
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// eventually polls cond every 5 ms up to 5 s (a bound, not a timed
// assertion: the detach delay in these tests is 50 ms or less).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within 5s", what)
}

func faultCode(t *testing.T, a answer) (string, float64) {
	t.Helper()
	m := a.json(t)
	if len(m) != 1 {
		t.Fatalf("fault %s: want one key", a.body)
	}
	for k, v := range m {
		f, _ := v.(map[string]any)
		code, _ := f["code"].(float64)
		return k, code
	}
	return "", 0
}

// TestDetachAcceptedAsyncPortFate: the detach answers 202 with no body and
// no Content-Type (§1.1 响应消息, §2); the NIC leaves later (§2, async);
// the port of a port_id attach is kept unbound and DOWN with its MAC and
// IPs, the port of a net_id attach is deleted (§1.1 接口约束, §2).
func TestDetachAcceptedAsyncPortFate(t *testing.T) {
	c := newClient(t, Options{DetachDelay: time.Hour})
	kept := c.createPort("kept")
	c.attach(c.world.ServerID, map[string]any{"port_id": kept})
	before := c.do("GET", "net:/v2.0/ports/"+kept, nil).json(t)["port"].(map[string]any)
	if before["device_id"] != c.world.ServerID || before["status"] != "ACTIVE" {
		t.Fatalf("attached port: %v", before)
	}
	a := c.do("DELETE", c.nic(c.world.ServerID, kept), nil)
	if a.status != 202 || len(a.body) != 0 || a.header.Get("Content-Type") != "" {
		t.Fatalf("detach: %d %q Content-Type %q; want 202, empty, none", a.status, a.body, a.header.Get("Content-Type"))
	}
	for _, h := range []string{"X-Openstack-Request-Id", "X-Compute-Request-Id", "X-Request-Id"} {
		if a.header.Get(h) == "" {
			t.Errorf("detach: no %s", h)
		}
	}
	// With an hour's delay the NIC is still listed: the 202 only accepted it.
	if !contains(c.nics(c.world.ServerID), kept) {
		t.Fatal("the NIC left before the detach completed")
	}

	c = newClient(t, Options{DetachDelay: 20 * time.Millisecond})
	kept = c.createPort("kept")
	c.attach(c.world.ServerID, map[string]any{"port_id": kept})
	made := c.attach(c.world.ServerID, map[string]any{"net_id": c.world.NetworkID, "fixed_ips": []any{map[string]any{"ip_address": "192.168.0.200"}}})
	keptBefore := c.do("GET", "net:/v2.0/ports/"+kept, nil).json(t)["port"].(map[string]any)
	for _, p := range []string{kept, made} {
		if a := c.do("DELETE", c.nic(c.world.ServerID, p), nil); a.status != 202 {
			t.Fatalf("detach %s: %d %s", p, a.status, a.body)
		}
	}
	eventually(t, "both NICs leave", func() bool {
		ids := c.nics(c.world.ServerID)
		return !contains(ids, kept) && !contains(ids, made)
	})
	if a := c.do("GET", c.nic(c.world.ServerID, kept), nil); a.status != 404 {
		t.Errorf("show detached NIC: %d, want 404", a.status)
	}
	if a := c.do("GET", "net:/v2.0/ports/"+made, nil); a.status != 404 {
		t.Errorf("net_id port after detach: %d, want 404 (deleted)", a.status)
	}
	a = c.do("GET", "net:/v2.0/ports/"+kept, nil)
	if a.status != 200 {
		t.Fatalf("port_id port after detach: %d, want 200 (kept)", a.status)
	}
	after := a.json(t)["port"].(map[string]any)
	if after["device_id"] != "" || after["device_owner"] != "" || after["status"] != "DOWN" ||
		after["mac_address"] != keptBefore["mac_address"] || !jsonEqual(after["fixed_ips"], keptBefore["fixed_ips"]) {
		t.Errorf("kept port: %v; want unbound, DOWN, same MAC and IPs as %v", after, keptBefore)
	}
	// The kept port can be attached again (§6, Tempest reassigns it).
	c.attach(c.world.OtherServerID, map[string]any{"port_id": kept})
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestPrimaryNIC: huawei refuses the primary NIC with 403 and keeps it
// (§1.1 port_id 说明); nova detaches it (no primary concept, §2).
func TestPrimaryNIC(t *testing.T) {
	c := newClient(t, Options{Profile: ProfileHuawei, DetachDelay: -1})
	a := c.do("DELETE", c.nic(c.world.ServerID, c.world.PrimaryPortID), nil)
	if name, code := faultCode(t, a); a.status != 403 || name != "forbidden" || code != 403 {
		t.Fatalf("huawei primary detach: %d %s; want 403 forbidden", a.status, a.body)
	}
	if !contains(c.nics(c.world.ServerID), c.world.PrimaryPortID) {
		t.Fatal("huawei: the primary NIC left after a 403")
	}

	c = newClient(t, Options{Profile: ProfileNova, DetachDelay: -1})
	if a := c.do("DELETE", c.nic(c.world.ServerID, c.world.PrimaryPortID), nil); a.status != 202 {
		t.Fatalf("nova primary detach: %d %s; want 202", a.status, a.body)
	}
	if contains(c.nics(c.world.ServerID), c.world.PrimaryPortID) {
		t.Fatal("nova: the primary NIC is still attached after a completed detach")
	}
}

// TestUnattachedPortAndLock: the emulator's choice 1. huawei checks the port
// before the lock: a port not attached answers 404 even on a locked server;
// an attached port on a locked server 409 (§2). nova checks the lock first
// (409) and accepts a well-formed unattached port with 202, changing
// nothing (§2), and answers 404 to one that is not a UUID.
func TestUnattachedPortAndLock(t *testing.T) {
	for _, tc := range []struct {
		profile                    string
		unlockedFree, lockedFree   int
		lockedAttached, malformedU int
	}{
		{ProfileHuawei, 404, 404, 409, 404},
		{ProfileNova, 202, 409, 409, 404},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			c := newClient(t, Options{Profile: tc.profile, DetachDelay: -1})
			free := c.createPort("free")
			attached := c.createPort("attached")
			c.attach(c.world.ServerID, map[string]any{"port_id": attached})
			other := c.world.OtherPrimaryPortID // attached to the other server
			for _, p := range []string{free, other} {
				if a := c.do("DELETE", c.nic(c.world.ServerID, p), nil); a.status != tc.unlockedFree {
					t.Errorf("unlocked, port not attached: %d %s; want %d", a.status, a.body, tc.unlockedFree)
				}
			}
			if a := c.do("DELETE", c.nic(c.world.ServerID, "not-a-uuid"), nil); a.status != tc.malformedU {
				t.Errorf("port id not a UUID: %d; want %d", a.status, tc.malformedU)
			}
			c.lock(c.world.ServerID)
			if a := c.do("DELETE", c.nic(c.world.ServerID, free), nil); a.status != tc.lockedFree {
				t.Errorf("locked, port not attached: %d %s; want %d", a.status, a.body, tc.lockedFree)
			}
			a := c.do("DELETE", c.nic(c.world.ServerID, attached), nil)
			if name, _ := faultCode(t, a); a.status != tc.lockedAttached || name != "conflictingRequest" {
				t.Errorf("locked, port attached: %d %s; want %d conflictingRequest", a.status, a.body, tc.lockedAttached)
			}
			// Nothing changed: both servers keep their NICs, the free port stays free.
			if ids := c.nics(c.world.ServerID); !contains(ids, attached) || !contains(ids, c.world.PrimaryPortID) || len(ids) != 2 {
				t.Errorf("server NICs after refusals: %v", ids)
			}
			if ids := c.nics(c.world.OtherServerID); len(ids) != 1 || ids[0] != other {
				t.Errorf("other server NICs: %v", ids)
			}
			if p := c.do("GET", "net:/v2.0/ports/"+free, nil).json(t)["port"].(map[string]any); p["device_id"] != "" {
				t.Errorf("free port bound: %v", p)
			}
		})
	}
}

// TestDeleteBoundPort: choice 2, a port bound to a server (attached, or its
// detach in flight) is refused with 409 PortInUse; once unbound it deletes
// with 204, then answers 404.
func TestDeleteBoundPort(t *testing.T) {
	c := newClient(t, Options{DetachDelay: 30 * time.Millisecond})
	p := c.createPort("bound")
	c.attach(c.world.ServerID, map[string]any{"port_id": p})
	a := c.do("DELETE", "net:/v2.0/ports/"+p, nil)
	if ne, _ := a.json(t)["NeutronError"].(map[string]any); a.status != 409 || ne["type"] != "PortInUse" {
		t.Fatalf("delete bound port: %d %s; want 409 PortInUse", a.status, a.body)
	}
	if !contains(c.nics(c.world.ServerID), p) {
		t.Fatal("the NIC left after a refused port delete")
	}
	if a := c.do("DELETE", c.nic(c.world.ServerID, p), nil); a.status != 202 {
		t.Fatalf("detach: %d", a.status)
	}
	eventually(t, "port deletable after the detach", func() bool {
		return c.do("DELETE", "net:/v2.0/ports/"+p, nil).status == 204
	})
	if a := c.do("GET", "net:/v2.0/ports/"+p, nil); a.status != 404 {
		t.Errorf("deleted port: %d, want 404", a.status)
	}
	if a := c.do("DELETE", "net:/v2.0/ports/"+p, nil); a.status != 404 {
		t.Errorf("delete again: %d, want 404", a.status)
	}
}

// TestAuth: a missing or wrong X-Auth-Token answers 401 (§4) in the
// gateway's shape for huawei (§2), Nova's fault for nova; the version
// documents need none.
func TestAuth(t *testing.T) {
	for _, profile := range []string{ProfileHuawei, ProfileNova} {
		c := newClient(t, Options{Profile: profile, DetachDelay: -1})
		p := c.createPort("p")
		c.attach(c.world.ServerID, map[string]any{"port_id": p})
		for _, tok := range []string{"", c.world.Token + "x", strings.ToUpper(c.world.Token)} {
			for _, path := range []string{c.nic(c.world.ServerID, p), "net:/v2.0/ports/" + p} {
				method := "DELETE"
				a := c.do(method, path, nil, "X-Auth-Token", tok)
				if a.status != 401 {
					t.Fatalf("%s %s %s token %q: %d, want 401", profile, method, path, tok, a.status)
				}
				m := a.json(t)
				switch {
				case profile == ProfileHuawei && (m["error_code"] != "APIGW.0301" || m["error_msg"] == "" || m["request_id"] != a.header.Get("X-Request-Id")):
					t.Errorf("huawei 401 body %s, want the gateway's shape", a.body)
				case profile == ProfileNova && strings.HasPrefix(path, "/v2.1"):
					if name, code := faultCode(t, a); name != "unauthorized" || code != 401 {
						t.Errorf("nova 401 body %s", a.body)
					}
				}
			}
		}
		if ids := c.nics(c.world.ServerID); !contains(ids, p) {
			t.Fatalf("%s: a refused request detached the NIC", profile)
		}
		for _, path := range []string{"/", "/v2.1", "/v2.1/", "net:/"} {
			if a := c.do("GET", path, nil, "X-Auth-Token", ""); a.status != 200 {
				t.Errorf("%s GET %s without a token: %d, want 200", profile, path, a.status)
			}
		}
	}
}

// TestMicroversions: spec/openapi.yaml info: both headers, the newer wins,
// "latest", none is 2.1; 400 malformed, 406 out of range; locked from 2.9,
// locked_reason from 2.73 (§7), tag from 2.70 (§3).
func TestMicroversions(t *testing.T) {
	c := newClient(t, Options{MaxMicroversion: "2.80"})
	srv := c.server(c.world.ServerID)
	for _, tc := range []struct {
		headers []string
		status  int
		used    string
	}{
		{nil, 200, "2.1"},
		{[]string{"X-OpenStack-Nova-API-Version", "2.9"}, 200, "2.9"},
		{[]string{"OpenStack-API-Version", "compute 2.73", "X-OpenStack-Nova-API-Version", "2.9"}, 200, "2.73"},
		{[]string{"OpenStack-API-Version", "volume 3.0, compute latest"}, 200, "2.80"},
		{[]string{"X-OpenStack-Nova-API-Version", "2.09"}, 400, ""},
		{[]string{"X-OpenStack-Nova-API-Version", "two"}, 400, ""},
		{[]string{"X-OpenStack-Nova-API-Version", "2.81"}, 406, ""},
		{[]string{"OpenStack-API-Version", "compute 3.0"}, 406, ""},
	} {
		a := c.do("GET", srv, nil, tc.headers...)
		if a.status != tc.status {
			t.Errorf("%v: %d %s, want %d", tc.headers, a.status, a.body, tc.status)
			continue
		}
		if tc.status == 406 {
			if name, code := faultCode(t, a); name != "computeFault" || code != 406 {
				t.Errorf("%v: 406 body %s", tc.headers, a.body)
			}
		}
		if tc.used != "" && (a.header.Get("OpenStack-API-Version") != "compute "+tc.used || a.header.Get("X-OpenStack-Nova-API-Version") != tc.used) {
			t.Errorf("%v: answered at %q / %q, want %s", tc.headers, a.header.Get("OpenStack-API-Version"), a.header.Get("X-OpenStack-Nova-API-Version"), tc.used)
		}
	}
	show := func(mv string) map[string]any {
		return c.do("GET", srv, nil, "X-OpenStack-Nova-API-Version", mv).json(t)["server"].(map[string]any)
	}
	if _, ok := show("2.8")["locked"]; ok {
		t.Error("locked shown at 2.8")
	}
	if s := show("2.9"); s["locked"] != false {
		t.Errorf("2.9: locked %v, want false", s["locked"])
	}
	// A locked_reason needs 2.73; before, the body is not validated and the lock has no reason.
	if a := c.do("POST", srv+"/action", map[string]any{"lock": map[string]any{"locked_reason": "mine"}}, "X-OpenStack-Nova-API-Version", "2.73"); a.status != 202 {
		t.Fatalf("lock with a reason: %d %s", a.status, a.body)
	}
	if s := show("2.73"); s["locked"] != true || s["locked_reason"] != "mine" {
		t.Errorf("2.73: %v, want locked with reason mine", s)
	}
	if a := c.do("POST", srv+"/action", map[string]any{"lock": map[string]any{"bogus": 1}}, "X-OpenStack-Nova-API-Version", "2.73"); a.status != 400 {
		t.Errorf("lock with an unknown argument at 2.73: %d, want 400", a.status)
	}
	if a := c.do("POST", srv+"/action", map[string]any{"unlock": nil}); a.status != 202 {
		t.Fatalf("unlock: %d", a.status)
	}
	if s := show("2.73"); s["locked"] != false || s["locked_reason"] != nil {
		t.Errorf("after unlock: %v", s)
	}
	p := c.createPort("tagged")
	a := c.do("POST", srv+"/os-interface", map[string]any{"interfaceAttachment": map[string]any{"port_id": p, "tag": "t1"}}, "X-OpenStack-Nova-API-Version", "2.48")
	if a.status != 400 {
		t.Errorf("tag at 2.48: %d, want 400", a.status)
	}
	a = c.do("POST", srv+"/os-interface", map[string]any{"interfaceAttachment": map[string]any{"port_id": p, "tag": "t1"}}, "X-OpenStack-Nova-API-Version", "2.70")
	if ia := a.json(t)["interfaceAttachment"].(map[string]any); a.status != 200 || ia["tag"] != "t1" {
		t.Errorf("tag at 2.70: %d %s", a.status, a.body)
	}
	if ia := c.do("GET", c.nic(c.world.ServerID, p), nil).json(t)["interfaceAttachment"].(map[string]any); ia["tag"] != nil {
		t.Errorf("tag shown at 2.1: %v", ia)
	}
}

// TestAttachRequests: §3's attach rules: port_id and net_id exclusive,
// fixed_ips only with net_id and one item (400); an unknown port or network
// 404; a bound port 409; a locked server 409.
func TestAttachRequests(t *testing.T) {
	c := newClient(t, Options{})
	p := c.createPort("p")
	path := c.server(c.world.ServerID) + "/os-interface"
	ip := map[string]any{"ip_address": "192.168.0.99"}
	for _, tc := range []struct {
		ia     map[string]any
		status int
	}{
		{map[string]any{"port_id": p, "net_id": c.world.NetworkID}, 400},
		{map[string]any{"port_id": p, "fixed_ips": []any{ip}}, 400},
		{map[string]any{"net_id": c.world.NetworkID, "fixed_ips": []any{ip, ip}}, 400},
		{map[string]any{}, 400},
		{map[string]any{"port_id": "nope"}, 400},
		{map[string]any{"port_id": newUUID()}, 404},
		{map[string]any{"net_id": newUUID()}, 404},
		{map[string]any{"port_id": c.world.OtherPrimaryPortID}, 409},
		{map[string]any{"net_id": c.world.NetworkID, "fixed_ips": []any{map[string]any{"ip_address": "10.0.0.1"}}}, 400},
	} {
		if a := c.do("POST", path, map[string]any{"interfaceAttachment": tc.ia}); a.status != tc.status {
			t.Errorf("attach %v: %d %s, want %d", tc.ia, a.status, a.body, tc.status)
		}
	}
	c.lock(c.world.ServerID)
	if a := c.do("POST", path, map[string]any{"interfaceAttachment": map[string]any{"port_id": p}}); a.status != 409 {
		t.Errorf("attach to a locked server: %d, want 409", a.status)
	}
	if ids := c.nics(c.world.ServerID); len(ids) != 1 {
		t.Errorf("refused attaches attached: %v", ids)
	}
}

// TestPortsAndFilters: create, rename, list with name/network_id/device_id
// filters (spec/openapi.yaml listPorts), and refusals of unknown attributes.
func TestPortsAndFilters(t *testing.T) {
	c := newClient(t, Options{})
	a := c.createPort("nicconform-x-a")
	b := c.createPort("other")
	names := func(query string) []string {
		var ids []string
		for _, p := range c.do("GET", "net:/v2.0/ports"+query, nil).json(t)["ports"].([]any) {
			ids = append(ids, p.(map[string]any)["id"].(string))
		}
		return ids
	}
	if ids := names("?name=nicconform-x-a"); len(ids) != 1 || ids[0] != a {
		t.Errorf("name filter: %v", ids)
	}
	if ids := names("?name=nicconform-x-a&name=other"); len(ids) != 2 {
		t.Errorf("two names: %v", ids)
	}
	if ids := names("?device_id=" + c.world.ServerID); len(ids) != 1 || ids[0] != c.world.PrimaryPortID {
		t.Errorf("device_id filter: %v", ids)
	}
	if ids := names("?network_id=" + c.world.NetworkID + "&name=nothing"); len(ids) != 0 {
		t.Errorf("no match: %v", ids)
	}
	if r := c.do("PUT", "net:/v2.0/ports/"+b, map[string]any{"port": map[string]any{"name": "renamed"}}); r.status != 200 || r.json(t)["port"].(map[string]any)["name"] != "renamed" {
		t.Errorf("rename: %d %s", r.status, r.body)
	}
	if r := c.do("PUT", "net:/v2.0/ports/"+b, map[string]any{"port": map[string]any{"device_id": "x"}}); r.status != 400 {
		t.Errorf("update device_id: %d, want 400", r.status)
	}
	if r := c.do("POST", "net:/v2.0/ports", map[string]any{"port": map[string]any{"network_id": c.world.NetworkID, "bogus": 1}}); r.status != 400 {
		t.Errorf("unknown attribute: %d, want 400", r.status)
	}
	if r := c.do("POST", "net:/v2.0/ports", map[string]any{"port": map[string]any{"network_id": newUUID()}}); r.status != 404 {
		t.Errorf("unknown network: %d, want 404", r.status)
	}
	if r := c.do("GET", "net:/v2.0/networks/"+c.world.NetworkID, nil); r.status != 200 {
		t.Errorf("show network: %d", r.status)
	}
}

// TestConcurrentDetach: many concurrent detaches of one NIC (§7, DETACH-REPEAT)
// answer 2xx or 4xx, never 5xx, and detach it once; run with -race.
func TestConcurrentDetach(t *testing.T) {
	c := newClient(t, Options{DetachDelay: 10 * time.Millisecond})
	p := c.createPort("p")
	other := c.createPort("other")
	c.attach(c.world.ServerID, map[string]any{"port_id": p})
	c.attach(c.world.ServerID, map[string]any{"port_id": other})
	var wg sync.WaitGroup
	statuses := make(chan int, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%4 == 0 {
				c.nics(c.world.ServerID)
			}
			statuses <- c.do("DELETE", c.nic(c.world.ServerID, p), nil).status
		}(i)
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s >= 500 || s < 200 || (s >= 300 && s < 400) {
			t.Errorf("concurrent detach answered %d", s)
		}
	}
	eventually(t, "the NIC leaves", func() bool { return !contains(c.nics(c.world.ServerID), p) })
	if ids := c.nics(c.world.ServerID); len(ids) != 2 || !contains(ids, other) {
		t.Errorf("NICs after the concurrent detaches: %v", ids)
	}
}

// TestPathsAndMethods: PATH-MISSING-PORT, METHOD-NOT-ALLOWED, a foreign
// project (400, §2) and malformed ids (404) in the emulator's answers.
func TestPathsAndMethods(t *testing.T) {
	c := newClient(t, Options{DetachDelay: -1})
	p := c.createPort("p")
	c.attach(c.world.ServerID, map[string]any{"port_id": p})
	nic := c.nic(c.world.ServerID, p)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"DELETE", c.server(c.world.ServerID) + "/os-interface", 405, "GET, POST"},
		{"DELETE", c.server(c.world.ServerID) + "/os-interface/", 405, "GET, POST"},
		{"PUT", nic, 405, "GET, DELETE"},
		{"PATCH", nic, 405, "GET, DELETE"},
		{"POST", nic, 405, "GET, DELETE"},
		{"DELETE", "/v2.1/" + strings.Repeat("0", 32) + "/servers/" + c.world.ServerID + "/os-interface/" + p, 400, ""},
		{"DELETE", c.nic(c.world.ServerID, p[:8]+"%2F"+p[8:]), 404, ""},
		{"DELETE", c.nic(c.world.ServerID[:8]+"%2F"+c.world.ServerID[8:], p), 404, ""},
		{"DELETE", c.nic(c.world.ServerID+"%C3%A9", p), 404, ""},
		{"DELETE", c.nic(c.world.ServerID, p+strings.Repeat("0", 300)), 404, ""},
		{"DELETE", c.server("") + "/os-interface/" + p, 404, ""},
		{"GET", "/v2.1/" + c.world.ProjectID + "/flavors", 404, ""},
	} {
		a := c.do(tc.method, tc.path, nil)
		if a.status != tc.status || a.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want %d Allow %q", tc.method, tc.path, a.status, a.header.Get("Allow"), tc.status, tc.allow)
		}
		if name, code := faultCode(t, a); int(code) != tc.status || name == "" {
			t.Errorf("%s %s: fault %s", tc.method, tc.path, a.body)
		}
	}
	if !contains(c.nics(c.world.ServerID), p) {
		t.Fatal("a refused request detached the NIC")
	}
}

// TestRequestIDs: every answer carries request ids, a different one each.
func TestRequestIDs(t *testing.T) {
	c := newClient(t, Options{})
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		a := c.do("DELETE", c.nic(c.world.ServerID, newUUID()), nil)
		id := a.header.Get("X-Openstack-Request-Id")
		if id == "" || seen[id] || a.header.Get("X-Compute-Request-Id") != id {
			t.Fatalf("request id %q (seen: %v)", id, seen[id])
		}
		seen[id] = true
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	for _, o := range []Options{
		{Profile: "aws"},
		{ProjectID: "ABC"},
		{NetworkRoot: "/"},
		{NetworkRoot: "/v2.1/x"},
		{MaxMicroversion: "2"},
		{MaxMicroversion: "1.9"},
	} {
		if _, _, err := New(o); err == nil {
			t.Errorf("New(%+v): no error", o)
		}
	}
}
