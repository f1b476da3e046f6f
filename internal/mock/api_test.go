package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/ids"
)

func TestNewValidates(t *testing.T) {
	for _, o := range []Options{
		{Profile: "aws"},
		{Errors: "xml"},
		{Delay: -time.Second},
		{Servers: -1},
		{Deviations: []Deviation{"no-such-thing"}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	m, err := New(Options{Deviations: []Deviation{"  Body-On-202 "}})
	if err != nil {
		t.Fatal(err)
	}
	got := m.Options()
	if got.Profile != ProfileHuawei || got.Errors != ErrorsNova || got.Delay != DefaultDelay ||
		got.Servers != 1 || got.Token != DefaultToken || got.Deviations[0] != DevBodyOn202 {
		t.Errorf("defaults: %+v", got)
	}
	if m, _ := New(Options{ImmediateDetach: true, Delay: time.Second}); m.opts.Delay != 0 {
		t.Errorf("ImmediateDetach: delay %s", m.opts.Delay)
	}
}

func TestDeviationCatalog(t *testing.T) {
	rules := regexp.MustCompile(`^[A-Z]+(-[A-Z]+)+$`)
	devs := Deviations()
	if len(devs) != len(deviationTable) {
		t.Fatal("Deviations lost entries")
	}
	for i, d := range devs {
		if i > 0 && devs[i-1].Name >= d.Name {
			t.Errorf("not sorted or duplicate at %s", d.Name)
		}
		if !rules.MatchString(d.Rule) || d.Description == "" {
			t.Errorf("%s: rule %q description %q", d.Name, d.Rule, d.Description)
		}
		if got, err := ParseDeviation(strings.ToUpper(string(d.Name))); err != nil || got != d.Name {
			t.Errorf("ParseDeviation(%s) = %q, %v", d.Name, got, err)
		}
	}
	if _, err := ParseDeviation("nope"); err == nil || !strings.Contains(err.Error(), "primary-detachable") {
		t.Errorf("unknown deviation error: %v", err)
	}
}

func TestSeed(t *testing.T) {
	h := newHarness(t, Options{Servers: 3})
	s := h.seed
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(s.ProjectID) || !ids.IsUUID(s.NetworkID) || !ids.IsUUID(s.SubnetID) {
		t.Fatalf("seed ids: %+v", s)
	}
	if len(s.Servers) != 3 {
		t.Fatalf("%d servers", len(s.Servers))
	}
	added, err := h.m.AddServer()
	if err != nil {
		t.Fatal(err)
	}
	mac := regexp.MustCompile(`^fa:16:3e(:[0-9a-f]{2}){3}$`)
	for i, srv := range append(s.Servers, added) {
		rec := h.do("GET", h.base()+"/servers/"+srv.ServerID, "", headerNovaAPIVersion, "2.9") // "locked" from 2.9
		h.expect(rec, http.StatusOK, "show server")
		var out map[string]map[string]any
		h.decode(rec, &out)
		sv := out["server"]
		if sv["id"] != srv.ServerID || sv["status"] != "ACTIVE" || sv["locked"] != false ||
			sv["tenant_id"] != s.ProjectID || sv["name"] != "mock-server-"+string(rune('1'+i)) {
			t.Errorf("server %d: %v", i, sv)
		}
		nics := h.m.Interfaces(srv.ServerID)
		if len(nics) != 1 || nics[0].PortID != srv.PrimaryPortID || nics[0].PortState != "ACTIVE" || !mac.MatchString(nics[0].MACAddr) {
			t.Errorf("server %d NICs: %+v", i, nics)
		}
		p, _ := h.portByID(srv.PrimaryPortID)
		if p.DeviceID != srv.ServerID || p.DeviceOwner != "compute:nova" || p.Status != "ACTIVE" || p.TenantID != s.ProjectID {
			t.Errorf("primary port: %+v", p)
		}
	}
}

func TestShowAndListInterfaces(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.attachNet(h.srv.ServerID)
	p := h.createPort("b")
	b := h.attachPort(h.srv.ServerID, p.ID)
	rec := h.do("GET", h.nics(h.srv.ServerID), "")
	h.expect(rec, http.StatusOK, "list")
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var list struct{ InterfaceAttachments []Interface }
	h.decode(rec, &list)
	portIDs := []string{}
	for _, i := range list.InterfaceAttachments {
		portIDs = append(portIDs, i.PortID)
	}
	if strings.Join(portIDs, ",") != strings.Join([]string{h.srv.PrimaryPortID, a.PortID, b.PortID}, ",") {
		t.Errorf("order: %v", portIDs)
	}
	for _, raw := range []string{`"port_state":"ACTIVE"`, `"fixed_ips":[{"subnet_id":"` + h.seed.SubnetID, `"net_id":"` + h.seed.NetworkID, `"mac_addr":"fa:16:3e:`} {
		if !strings.Contains(rec.Body.String(), raw) {
			t.Errorf("list lacks %s: %s", raw, rec.Body)
		}
	}
	rec = h.do("GET", h.nicPath(h.srv.ServerID, b.PortID), "")
	h.expect(rec, http.StatusOK, "show")
	var show struct{ InterfaceAttachment Interface }
	h.decode(rec, &show)
	if show.InterfaceAttachment.PortID != p.ID || show.InterfaceAttachment.MACAddr != p.MACAddress {
		t.Errorf("show: %+v", show)
	}
	checkError(t, ErrorsNova, h.do("GET", h.nicPath(h.srv.ServerID, ids.NewUUID()), ""), http.StatusNotFound, "")
	checkError(t, ErrorsNova, h.do("GET", h.nics(ids.NewUUID()), ""), http.StatusNotFound, "")
	// Uppercase UUIDs name the same resources.
	h.expect(h.do("GET", h.nicPath(strings.ToUpper(h.srv.ServerID), strings.ToUpper(b.PortID)), ""), http.StatusOK, "uppercase ids")
}

func TestAttachValidation(t *testing.T) {
	for _, shape := range []ErrorShape{ErrorsNova, ErrorsHuawei} {
		t.Run(string(shape), func(t *testing.T) {
			h := newHarness(t, Options{Errors: shape, Servers: 2})
			other := h.seed.Servers[1]
			bound := h.attachNet(other.ServerID)
			net := h.seed.NetworkID
			taken := bound.FixedIPs[0].IPAddress
			cases := []struct {
				body   string
				status int
				code   string
			}{
				{``, 400, codeInvalid},
				{`{`, 400, codeInvalid},
				{`[]`, 400, codeInvalid},
				{`{}`, 400, codeInvalid},
				{`{"interfaceAttachment":null}`, 400, codeInvalid},
				{`{"interfaceAttachment":{}}`, 400, codeInvalid},
				{`{"interfaceAttachment":{"port_id":"` + ids.NewUUID() + `","net_id":"` + net + `"}}`, 400, codeInvalid},
				{`{"interfaceAttachment":{"port_id":"x"}}`, 400, codeInvalid},
				{`{"interfaceAttachment":{"port_id":7}}`, 400, codeInvalid},
				{`{"interfaceAttachment":{"net_id":"` + net + `","bogus":1}}`, 400, codeInvalid},
				{`{"interfaceAttachment":{"port_id":"` + bound.PortID + `","fixed_ips":[{"ip_address":"192.168.9.9"}]}}`, 400, codeInvalid},
				{`{"interfaceAttachment":{"net_id":"` + net + `","fixed_ips":[{"ip_address":"192.168.9.9"},{"ip_address":"192.168.9.10"}]}}`, 400, codeInvalid},
				{`{"interfaceAttachment":{"net_id":"` + net + `","fixed_ips":[{"ip_address":"10.0.0.5"}]}}`, 400, codeInvalid},
				{`{"interfaceAttachment":{"net_id":"` + net + `","fixed_ips":[{"ip_address":"192.168.0.1"}]}}`, 400, codeInvalid},
				{`{"interfaceAttachment":{"net_id":"` + net + `","fixed_ips":[{"ip_address":"nope"}]}}`, 400, codeInvalid},
				{`{"interfaceAttachment":{"net_id":"` + net + `","fixed_ips":[{"ip_address":"` + taken + `"}]}}`, 409, "Mock.IpAddressInUse"},
				{`{"interfaceAttachment":{"net_id":"` + ids.NewUUID() + `"}}`, 404, "Mock.NetworkNotFound"},
				{`{"interfaceAttachment":{"port_id":"` + ids.NewUUID() + `"}}`, 404, "Mock.PortNotFound"},
				{`{"interfaceAttachment":{"port_id":"` + bound.PortID + `"}}`, 409, codePortInUse},
				{`{"interfaceAttachment":{"port_id":"` + other.PrimaryPortID + `"}}`, 409, codePortInUse},
			}
			before := h.snapshot()
			for _, c := range cases {
				rec := h.do("POST", h.nics(h.srv.ServerID), c.body, "Content-Type", "application/json")
				if rec.Code != c.status {
					t.Errorf("%s: %d, want %d (%s)", c.body, rec.Code, c.status, rec.Body)
					continue
				}
				checkError(t, shape, rec, c.status, map[ErrorShape]string{ErrorsHuawei: c.code}[shape])
			}
			checkError(t, shape, h.do("POST", h.nics(ids.NewUUID()), `{"interfaceAttachment":{"net_id":"`+net+`"}}`), 404, codeServerNotFound)
			checkError(t, shape, h.do("POST", h.nics(h.srv.ServerID), `{"interfaceAttachment":{"net_id":"`+net+`"}}`, "Content-Type", "text/xml"), 415, "")
			if h.snapshot() != before {
				t.Error("a refused attach changed the world")
			}
			rec := h.do("POST", h.nics(h.srv.ServerID), `{"interfaceAttachment":{"net_id":"`+strings.ToUpper(net)+`","fixed_ips":[{"ip_address":"192.168.200.7"}]}}`)
			h.expect(rec, http.StatusOK, "attach with fixed IP")
			if !strings.Contains(rec.Body.String(), `"ip_address":"192.168.200.7"`) {
				t.Errorf("fixed IP not honoured: %s", rec.Body)
			}
			// A locked server refuses attaches.
			h.expect(h.do("POST", h.base()+"/servers/"+h.srv.ServerID+"/action", `{"lock":null}`), 202, "lock")
			checkError(t, shape, h.do("POST", h.nics(h.srv.ServerID), `{"interfaceAttachment":{"net_id":"`+net+`"}}`), 409, codeLocked)
		})
	}
}

func TestServerAction(t *testing.T) {
	h := newHarness(t, Options{})
	path := h.base() + "/servers/" + h.srv.ServerID + "/action"
	for _, body := range []string{``, `{}`, `{"lock":null,"unlock":null}`, `{"reboot":{"type":"SOFT"}}`, `{"lock":3}`, `nope`} {
		checkError(t, ErrorsNova, h.do("POST", path, body, "Content-Type", "application/json"), 400, "")
	}
	rec := h.do("POST", path, `{"lock":{"locked_reason":"test"}}`)
	h.expect(rec, 202, "lock with reason")
	if rec.Body.Len() != 0 {
		t.Errorf("lock 202 body %q", rec.Body)
	}
	checkError(t, ErrorsNova, h.do("POST", h.base()+"/servers/"+ids.NewUUID()+"/action", `{"lock":null}`), 404, "")
	rec = h.do("GET", path, "")
	if rec.Code != 405 || rec.Header().Get("Allow") != "POST" {
		t.Errorf("GET action: %d Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	rec = h.do("DELETE", h.base()+"/servers/"+h.srv.ServerID, "")
	if rec.Code != 405 || rec.Header().Get("Allow") != "GET" {
		t.Errorf("DELETE server: %d Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	checkError(t, ErrorsNova, h.do("GET", h.base()+"/servers/"+ids.NewUUID(), ""), 404, "")
}

func TestPorts(t *testing.T) {
	for _, shape := range []ErrorShape{ErrorsNova, ErrorsHuawei} {
		t.Run(string(shape), func(t *testing.T) {
			h := newHarness(t, Options{Errors: shape})
			p := h.createPort("nicconform-run-a")
			if p.Status != "DOWN" || p.DeviceID != "" || p.DeviceOwner != "" || p.NetworkID != h.seed.NetworkID ||
				p.TenantID != h.seed.ProjectID || len(p.FixedIPs) != 1 || p.FixedIPs[0].SubnetID != h.seed.SubnetID {
				t.Errorf("created port: %+v", p)
			}
			rec := h.do("POST", "/v2.0/ports", `{"port":{"network_id":"`+h.seed.NetworkID+`","name":"x","admin_state_up":true,"fixed_ips":[{"subnet_id":"`+h.seed.SubnetID+`","ip_address":"192.168.77.7"}]}}`)
			h.expect(rec, 201, "create with fixed ip")
			if !strings.Contains(rec.Body.String(), "192.168.77.7") {
				t.Errorf("fixed ip ignored: %s", rec.Body)
			}
			for _, c := range []struct {
				body   string
				status int
			}{
				{``, 400}, {`{}`, 400}, {`{"port":{}}`, 400}, {`{"port":{"name":"x"}}`, 400},
				{`{"port":{"network_id":"` + h.seed.NetworkID + `","name":"` + strings.Repeat("n", 256) + `"}}`, 400},
				{`{"port":{"network_id":"` + h.seed.NetworkID + `","fixed_ips":[{"ip_address":"192.168.77.7"}]}}`, 409},
				{`{"port":{"network_id":"` + h.seed.NetworkID + `","fixed_ips":[{"ip_address":"8.8.8.8"}]}}`, 400},
				{`{"port":{"network_id":"` + h.seed.NetworkID + `","fixed_ips":[{"subnet_id":"` + ids.NewUUID() + `"}]}}`, 400},
				{`{"port":{"network_id":"` + ids.NewUUID() + `"}}`, 404},
			} {
				checkError(t, shape, h.do("POST", "/v2.0/ports", c.body, "Content-Type", "application/json"), c.status, "")
			}
			// show, rename, filters
			h.expect(h.do("GET", "/v2.0/ports/"+p.ID, ""), 200, "show port")
			rec = h.do("PUT", "/v2.0/ports/"+p.ID, `{"port":{"name":"renamed"}}`)
			h.expect(rec, 200, "rename")
			if !strings.Contains(rec.Body.String(), `"name":"renamed"`) {
				t.Errorf("rename: %s", rec.Body)
			}
			for _, body := range []string{`{"port":{"device_id":"x"}}`, `{"port":{"name":"a","device_id":"x"}}`, `{"port":{"name":1}}`, `{}`, `x`} {
				checkError(t, shape, h.do("PUT", "/v2.0/ports/"+p.ID, body, "Content-Type", "application/json"), 400, "")
			}
			checkError(t, shape, h.do("PUT", "/v2.0/ports/"+ids.NewUUID(), `{"port":{"name":"n"}}`), 404, "")
			count := func(query string) int {
				rec := h.do("GET", "/v2.0/ports"+query, "")
				h.expect(rec, 200, "list ports")
				var out struct{ Ports []Port }
				h.decode(rec, &out)
				return len(out.Ports)
			}
			if n := count(""); n != 3 {
				t.Errorf("all ports: %d", n)
			}
			if n := count("?name=renamed&name=x"); n != 1 {
				t.Errorf("name filter: %d", n)
			}
			if n := count("?device_id=" + h.srv.ServerID); n != 1 {
				t.Errorf("device_id filter: %d", n)
			}
			if n := count("?network_id=" + h.seed.NetworkID + "&name=nothing"); n != 0 {
				t.Errorf("combined filter: %d", n)
			}
			// delete: bound non-primary vanishes at once; primary refused.
			h.attachPort(h.srv.ServerID, p.ID)
			rec = h.do("DELETE", "/v2.0/ports/"+p.ID, "")
			h.expect(rec, 204, "delete port")
			if rec.Body.Len() != 0 {
				t.Errorf("204 body %q", rec.Body)
			}
			if h.attached(h.srv.ServerID, p.ID) {
				t.Error("deleted port still a NIC")
			}
			checkError(t, shape, h.do("GET", "/v2.0/ports/"+p.ID, ""), 404, "")
			checkError(t, shape, h.do("DELETE", "/v2.0/ports/"+p.ID, ""), 404, "")
			checkError(t, shape, h.do("DELETE", "/v2.0/ports/"+h.srv.PrimaryPortID, ""), 409, "")
			rec = h.do("PATCH", "/v2.0/ports/"+p.ID, "")
			if rec.Code != 405 || rec.Header().Get("Allow") != "GET, PUT, DELETE" {
				t.Errorf("PATCH port: %d %q", rec.Code, rec.Header().Get("Allow"))
			}
			rec = h.do("DELETE", "/v2.0/ports", "")
			if rec.Code != 405 || rec.Header().Get("Allow") != "GET, POST" {
				t.Errorf("DELETE ports: %d %q", rec.Code, rec.Header().Get("Allow"))
			}
			if rec.Header().Get(headerComputeRequestID) != "" {
				t.Error("network response carries a compute request id")
			}
		})
	}
}

func TestCommonErrors(t *testing.T) {
	h := newHarness(t, Options{})
	for _, path := range []string{"/v2.0", "/v2.1/x", "/networking/v2.1/" + h.seed.ProjectID + "/servers/" + h.srv.ServerID, "/networkingx/", "/v2.0/ports/", "/v2.1/" + h.seed.ProjectID + "/servers", "/v2.1/" + h.seed.ProjectID + "/servers/" + h.srv.ServerID + "/", "/v2.1/" + h.seed.ProjectID + "/servers/" + h.srv.ServerID + "/os-interface/a/b", "//v2.0/ports", "/v2.0/ports%2Fx", "/v3/ports"} {
		checkError(t, ErrorsNova, h.do("GET", path, ""), 404, "")
	}
	big := `{"port":{"name":"` + strings.Repeat("x", maxBody) + `"}}`
	checkError(t, ErrorsNova, h.do("POST", "/v2.0/ports", big), 413, "")
	checkError(t, ErrorsNova, h.do("POST", "/v2.0/ports", big, "X-Auth-Token", ""), 401, "")
	checkError(t, ErrorsNova, h.do("DELETE", h.nicPath(h.srv.ServerID, h.srv.PrimaryPortID), big), 413, "")
}

// panicVerifier panics: the recover path must answer 500 and count it.
type panicVerifier struct{}

func (panicVerifier) Verify(*http.Request, []byte) error { panic("boom") }

func TestRecoverCountsPanics(t *testing.T) {
	m, err := New(Options{Auth: panicVerifier{}})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, m: m, seed: m.Seed()}
	rec := h.do("GET", "/v2.0/ports", "")
	if rec.Code != 500 || m.Panics() != 1 || rec.Header().Get(headerRequestID) == "" {
		t.Errorf("panic: status %d, panics %d", rec.Code, m.Panics())
	}
}

// bodyVerifier accepts requests whose X-Signature is the body's length.
type bodyVerifier struct{}

func (bodyVerifier) Verify(r *http.Request, body []byte) error {
	if r.Header.Get("X-Signature") == string(rune('0'+len(body))) {
		return nil
	}
	return errors.New("bad signature")
}

func TestVerifier(t *testing.T) {
	h := newHarness(t, Options{Auth: bodyVerifier{}})
	h.expect(h.do("GET", "/v2.0/ports", "", "X-Auth-Token", "", "X-Signature", "0"), 200, "signed")
	h.expect(h.do("POST", h.base()+"/servers/"+h.srv.ServerID+"/action", `{"lock":null}`, "X-Auth-Token", "", "X-Signature", "="), 202, "signed body") // '0'+13
	checkError(t, ErrorsNova, h.do("GET", "/v2.0/ports", "", "X-Auth-Token", "", "X-Signature", "1"), 401, "")
	checkError(t, ErrorsNova, h.do("GET", "/v2.0/ports", "", "X-Auth-Token", ""), 401, "")
	checkError(t, ErrorsNova, h.do("GET", "/v2.0/ports", "", "X-Auth-Token", "wrong", "X-Signature", "1"), 401, "")
	// The verifier is one way among others: the token still works.
	h.expect(h.do("GET", "/v2.0/ports", "", "X-Signature", "1"), 200, "token with a verifier")
}

func TestLoggingNeverShowsCredentials(t *testing.T) {
	var buf bytes.Buffer
	h := newHarness(t, Options{Token: "s3cret-token", Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	h.do("GET", h.nics(h.srv.ServerID), "", "Authorization", "SDK-HMAC-SHA256 Access=AK, Signature=feedface")
	h.do("DELETE", h.nicPath(h.srv.ServerID, h.srv.PrimaryPortID), "", "X-Auth-Token", "wrong-token")
	out := buf.String()
	if strings.Count(out, "msg=request") != 2 || !strings.Contains(out, "status=403") && !strings.Contains(out, "status=401") {
		t.Errorf("log: %s", out)
	}
	for _, secret := range []string{"s3cret-token", "wrong-token", "feedface"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q", secret)
		}
	}
	if !strings.Contains(out, "request_id=req-") || !strings.Contains(out, "duration=") || !strings.Contains(out, "method=DELETE") {
		t.Errorf("log lacks fields: %s", out)
	}
}

func TestNewServer(t *testing.T) {
	s, err := NewServer(Options{ImmediateDetach: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seed := s.Mock.Seed()
	req, _ := http.NewRequest("DELETE", s.URL+"/v2.1/"+seed.ProjectID+"/servers/"+seed.Servers[0].ServerID+"/os-interface/"+seed.Servers[0].PrimaryPortID, nil)
	req.Header.Set("X-Auth-Token", DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get(headerComputeRequestID) == "" {
		t.Errorf("over HTTP: %d %v", resp.StatusCode, resp.Header)
	}
	// An encoded slash travels intact over a real connection.
	req, _ = http.NewRequest("DELETE", s.URL+"/v2.1/"+seed.ProjectID+"/servers/"+seed.Servers[0].ServerID+"/os-interface/a%2Fb", nil)
	req.Header.Set("X-Auth-Token", DefaultToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("encoded slash over HTTP: %d", resp.StatusCode)
	}
	// A zero-byte 202 with no Content-Type over the wire.
	body := strings.NewReader(`{"interfaceAttachment":{"net_id":"` + seed.NetworkID + `"}}`)
	req, _ = http.NewRequest("POST", s.URL+"/v2.1/"+seed.ProjectID+"/servers/"+seed.Servers[0].ServerID+"/os-interface", body)
	req.Header.Set("X-Auth-Token", DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var att struct{ InterfaceAttachment Interface }
	err = json.NewDecoder(resp.Body).Decode(&att)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("attach over HTTP: %d %v", resp.StatusCode, err)
	}
	req, _ = http.NewRequest("DELETE", s.URL+"/v2.1/"+seed.ProjectID+"/servers/"+seed.Servers[0].ServerID+"/os-interface/"+att.InterfaceAttachment.PortID, nil)
	req.Header.Set("X-Auth-Token", DefaultToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 202 || n != 0 || resp.ContentLength != 0 || resp.Header.Get("Content-Type") != "" {
		t.Errorf("202 over HTTP: status %d, %d bytes, Content-Length %d, Content-Type %q", resp.StatusCode, n, resp.ContentLength, resp.Header.Get("Content-Type"))
	}
}

// Project-less compute paths (/v2.1/servers/…, as Nova ≥ 2.18 serves a
// catalog's compute endpoint without a project) reach the caller's project:
// list, show, detach, in both profiles.
func TestProjectlessRoutes(t *testing.T) {
	for _, profile := range []Profile{ProfileHuawei, ProfileNova} {
		h := newHarness(t, Options{Profile: profile})
		srv := h.srv.ServerID
		h.expect(h.do("GET", "/v2.1/servers/"+srv+"/os-interface", ""), 200, "project-less list")
		h.expect(h.do("GET", "/v2.1/servers/"+srv, ""), 200, "project-less show")
		h.expect(h.do("POST", "/v2.1/servers/"+srv+"/os-interface", `{"interfaceAttachment":{"net_id":"`+h.seed.NetworkID+`"}}`), 200, "project-less attach")
		nics := h.m.Interfaces(srv)
		h.expect(h.do("DELETE", "/v2.1/servers/"+srv+"/os-interface/"+nics[len(nics)-1].PortID, ""), 202, "project-less detach")
		if rec := h.do("GET", "/v2.1/servers/"+srv+"/os-interface/", ""); rec.Code == 200 {
			t.Errorf("%s: a trailing slash is no port id: %d", profile, rec.Code)
		}
	}
}
