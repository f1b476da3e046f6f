package mock

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/ids"
)

func TestRequestedVersion(t *testing.T) {
	cases := []struct {
		name    string
		hdr     http.Header
		want    string
		present bool
	}{
		{"none", http.Header{}, "", false},
		{"legacy", http.Header{"X-Openstack-Nova-Api-Version": {"2.73"}}, "2.73", true},
		{"legacy last of a list", http.Header{"X-Openstack-Nova-Api-Version": {"2.1, 2.9"}}, "2.9", true},
		{"legacy repeated", http.Header{"X-Openstack-Nova-Api-Version": {"2.1", " 2.60 "}}, "2.60", true},
		{"legacy empty is present", http.Header{"X-Openstack-Nova-Api-Version": {""}}, "", true},
		{"standard", http.Header{"Openstack-Api-Version": {"compute 2.73"}}, "2.73", true},
		{"standard wins", http.Header{"Openstack-Api-Version": {"compute 2.9"}, "X-Openstack-Nova-Api-Version": {"2.73"}}, "2.9", true},
		{"standard, service in any case, tab", http.Header{"Openstack-Api-Version": {"COMPUTE\t2.9"}}, "2.9", true},
		{"standard last compute item", http.Header{"Openstack-Api-Version": {"compute 2.1, volume 3.0, compute 2.60"}}, "2.60", true},
		{"standard for another service falls back", http.Header{"Openstack-Api-Version": {"volume 3.0"}, "X-Openstack-Nova-Api-Version": {"2.9"}}, "2.9", true},
		{"standard without a version is skipped", http.Header{"Openstack-Api-Version": {"compute"}}, "", false},
		{"latest", http.Header{"Openstack-Api-Version": {"compute latest"}}, "latest", true},
	}
	for _, c := range cases {
		got, present := requestedVersion(c.hdr)
		if got != c.want || present != c.present {
			t.Errorf("%s: got %q %v, want %q %v", c.name, got, present, c.want, c.present)
		}
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		value  string // X-OpenStack-Nova-API-Version; "-" sends none
		status int    // 0: accepted
		want   apiVersion
		echo   string
	}{
		{"-", 0, minVersion, "2.1"},
		{"latest", 0, maxVersion, "2.73"},
		{"2.1", 0, apiVersion{2, 1}, "2.1"},
		{"2.9", 0, apiVersion{2, 9}, "2.9"},
		{"2.73", 0, apiVersion{2, 73}, "2.73"},
		{"2.74", 406, apiVersion{2, 74}, "2.74"},
		{"2.0", 406, apiVersion{2, 0}, "2.0"},
		{"3.0", 406, apiVersion{3, 0}, "3.0"},
		{"1.5", 406, apiVersion{1, 5}, "1.5"},
		{"2.99999999999999999999999", 406, apiVersion{}, "2.99999999999999999999999"},
		{"2.01", 400, apiVersion{}, ""},
		{"02.1", 400, apiVersion{}, ""},
		{"2", 400, apiVersion{}, ""},
		{"2.", 400, apiVersion{}, ""},
		{"v2.1", 400, apiVersion{}, ""},
		{"LATEST", 400, apiVersion{}, ""},
		{"", 400, apiVersion{}, ""},
		{"2.1.0", 400, apiVersion{}, ""},
	}
	for _, c := range cases {
		h := http.Header{}
		if c.value != "-" {
			h.Set(headerNovaAPIVersion, c.value)
		}
		v, echo, aerr := negotiate(h, maxVersion)
		status := 0
		if aerr != nil {
			status = aerr.status
		}
		if status != c.status || echo != c.echo || (c.want != apiVersion{} && v != c.want) {
			t.Errorf("%q: got %v %q status %d, want %v %q status %d", c.value, v, echo, status, c.want, c.echo, c.status)
		}
	}
}

// versionHeaders returns what a response says of the microversion.
func versionHeaders(rec *httptest.ResponseRecorder) (std, legacy, vary string) {
	h := rec.Header()
	return h.Get(headerAPIVersion), h.Get(headerNovaAPIVersion), strings.Join(h.Values("Vary"), ",")
}

func TestMicroversionHeaders(t *testing.T) {
	for _, shape := range []ErrorShape{ErrorsNova, ErrorsHuawei} {
		h := newHarness(t, Options{Errors: shape})
		server := h.base() + "/servers/" + h.srv.ServerID
		// Every versioned compute answer names the version used, errors too.
		for _, c := range []struct {
			method, path string
			hdr          []string
			status       int
			version      string
		}{
			{"GET", server, nil, 200, "2.1"},
			{"GET", server, []string{headerNovaAPIVersion, "2.60"}, 200, "2.60"},
			{"GET", server, []string{headerAPIVersion, "compute 2.9"}, 200, "2.9"},
			{"GET", server, []string{headerAPIVersion, "compute latest"}, 200, "2.73"},
			{"GET", h.base() + "/servers/" + ids.NewUUID(), []string{headerNovaAPIVersion, "2.73"}, 404, "2.73"},
			{"GET", h.nics(h.srv.ServerID), []string{headerNovaAPIVersion, "2.70"}, 200, "2.70"},
			{"DELETE", h.nicPath(h.srv.ServerID, ids.NewUUID()), []string{headerNovaAPIVersion, "2.20"}, 404, "2.20"},
			{"GET", "/v2.1", []string{headerNovaAPIVersion, "2.50"}, 200, "2.50"},
			{"GET", h.base() + "/", nil, 200, "2.1"},
		} {
			rec := h.do(c.method, c.path, "", c.hdr...)
			std, legacy, vary := versionHeaders(rec)
			if rec.Code != c.status || std != "compute "+c.version || legacy != c.version ||
				vary != "OpenStack-API-Version,X-OpenStack-Nova-API-Version" {
				t.Errorf("%s %s %v: %d %q %q Vary %q, want %d and %s", c.method, c.path, c.hdr, rec.Code, std, legacy, vary, c.status, c.version)
			}
		}
		// 406: the version asked for is echoed, as Nova does; the fault is
		// computeFault (406 has no fault name of its own).
		before := h.snapshot()
		rec := h.do("DELETE", h.nicPath(h.srv.ServerID, h.srv.PrimaryPortID), "", headerNovaAPIVersion, "2.74")
		checkError(t, shape, rec, http.StatusNotAcceptable, "Mock.VersionNotSupported")
		if std, legacy, _ := versionHeaders(rec); std != "compute 2.74" || legacy != "2.74" {
			t.Errorf("406 headers %q %q", std, legacy)
		}
		if shape == ErrorsNova && !strings.Contains(rec.Body.String(), `"computeFault"`) ||
			!strings.Contains(rec.Body.String(), "Version 2.74 is not supported by the API. Minimum is 2.1 and maximum is 2.73.") {
			t.Errorf("406 body %s", rec.Body)
		}
		// 400: a malformed version names none.
		rec = h.do("DELETE", h.nicPath(h.srv.ServerID, h.srv.PrimaryPortID), "", headerAPIVersion, "compute 2.07")
		checkError(t, shape, rec, http.StatusBadRequest, codeInvalid)
		if std, legacy, vary := versionHeaders(rec); std != "" || legacy != "" || vary != "" {
			t.Errorf("400 headers %q %q %q", std, legacy, vary)
		}
		if h.snapshot() != before {
			t.Error("a refused microversion changed the world")
		}
		// Not under microversion control: the root list, the network API.
		for _, path := range []string{"/", "/v2.0/ports", "/v2.0/", "/networking/"} {
			rec := h.do("GET", path, "", headerNovaAPIVersion, "9.9")
			if std, legacy, _ := versionHeaders(rec); rec.Code != 200 || std != "" || legacy != "" {
				t.Errorf("GET %s with 9.9: %d %q %q", path, rec.Code, std, legacy)
			}
		}
		// The version is checked after the route and the method, before the ids.
		rec = h.do("GET", h.base()+"/servers/not-a-uuid", "", headerNovaAPIVersion, "9.9")
		checkError(t, shape, rec, http.StatusNotAcceptable, "")
		rec = h.do("PATCH", server, "", headerNovaAPIVersion, "9.9")
		checkError(t, shape, rec, http.StatusMethodNotAllowed, "")
	}
}

func TestDiscovery(t *testing.T) {
	h := newHarness(t, Options{})
	get := func(path string, hdr ...string) map[string]any {
		t.Helper()
		rec := h.do("GET", path, "", hdr...)
		h.expect(rec, http.StatusOK, "GET "+path)
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		var out map[string]any
		h.decode(rec, &out)
		return out
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }

	// Nova's list and version document, without credentials.
	root := get("/", "X-Auth-Token", "")
	want := `{"versions":[{"id":"v2.1","links":[{"href":"http://example.com/v2.1/","rel":"self"}],"min_version":"2.1","status":"CURRENT","updated":"2013-07-23T11:33:21Z","version":"2.73"}]}`
	if js(root) != want {
		t.Errorf("GET /:\n got %s\nwant %s", js(root), want)
	}
	doc := `{"version":{"id":"v2.1","links":[{"href":"http://example.com/v2.1/","rel":"self"},{"href":"http://docs.openstack.org/","rel":"describedby","type":"text/html"}],"media-types":[{"base":"application/json","type":"application/vnd.openstack.compute+json;version=2.1"}],"min_version":"2.1","status":"CURRENT","updated":"2013-07-23T11:33:21Z","version":"2.73"}}`
	for _, path := range []string{"/v2.1", "/v2.1/"} {
		if got := js(get(path, "X-Auth-Token", "")); got != doc {
			t.Errorf("GET %s:\n got %s\nwant %s", path, got, doc)
		}
	}
	// The same under the project (gophercloud asks its endpoint), with
	// credentials and the project checked.
	if got := js(get(h.base() + "/")); got != doc {
		t.Errorf("GET %s/:\n got %s", h.base(), got)
	}
	checkError(t, ErrorsNova, h.do("GET", h.base()+"/", "", "X-Auth-Token", ""), 401, "")
	checkError(t, ErrorsNova, h.do("GET", "/v2.1/0123456789abcdef0123456789abcdef/", ""), 403, "")
	checkError(t, ErrorsNova, h.do("GET", h.base(), ""), 404, "") // Nova: no route without the slash

	// Neutron's list at the network root, its resources below, with credentials.
	nlist := `{"versions":[{"id":"v2.0","links":[{"href":"http://example.com/networking/v2.0","rel":"self"}],"status":"CURRENT"}]}`
	for _, path := range []string{"/networking", "/networking/"} {
		if got := js(get(path, "X-Auth-Token", "")); got != nlist {
			t.Errorf("GET %s:\n got %s\nwant %s", path, got, nlist)
		}
	}
	res := `{"resources":[{"collection":"ports","links":[{"href":"http://example.com/networking/v2.0/ports","rel":"self"}],"name":"port"}]}`
	if got := js(get("/networking/v2.0/")); got != res {
		t.Errorf("GET /networking/v2.0/:\n got %s\nwant %s", got, res)
	}
	if got := js(get("/v2.0/")); got != strings.ReplaceAll(res, "/networking", "") {
		t.Errorf("GET /v2.0/: %s", got)
	}
	checkError(t, ErrorsNova, h.do("GET", "/networking/v2.0/", "", "X-Auth-Token", ""), 401, "")
	checkError(t, ErrorsNova, h.do("GET", "/networking/v2.0", ""), 404, "") // Neutron: 404 without the slash
	// The ports API under the network root; no compute API there.
	if ports := get("/networking/v2.0/ports"); len(ports["ports"].([]any)) != 1 {
		t.Errorf("ports under the network root: %v", ports)
	}
	p := h.createPort("under-the-network-root")
	checkError(t, ErrorsNova, h.do("GET", "/networking/v2.0/ports/"+ids.NewUUID(), ""), 404, "")
	h.expect(h.do("DELETE", "/networking/v2.0/ports/"+p.ID, ""), 204, "delete under the network root")
	checkError(t, ErrorsNova, h.do("GET", "/networking/v2.1", ""), 404, "")
	checkError(t, ErrorsNova, h.do("GET", "/networking"+h.base()+"/servers/"+h.srv.ServerID, ""), 404, "")

	// Only GET; a request id on every answer; https links behind TLS.
	rec := h.do("POST", "/", "{}", "X-Auth-Token", "")
	if rec.Code != 405 || rec.Header().Get("Allow") != "GET" {
		t.Errorf("POST /: %d Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	for _, path := range []string{"/", "/v2.1", "/networking/"} {
		rec := h.do("GET", path, "")
		if rec.Header().Get(headerRequestID) == "" {
			t.Errorf("GET %s: no request id", path)
		}
	}
	req := h.req("GET", "/v2.1/", "")
	req.TLS, req.Host = &tls.ConnectionState{}, "ecs.example.org:8443"
	rec = httptest.NewRecorder()
	h.m.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `"href":"https://ecs.example.org:8443/v2.1/"`) {
		t.Errorf("behind TLS: %s", rec.Body)
	}
}

func TestLockReason(t *testing.T) {
	h := newHarness(t, Options{})
	action := h.base() + "/servers/" + h.srv.ServerID + "/action"
	show := func(version string) map[string]any {
		t.Helper()
		rec := h.do("GET", h.base()+"/servers/"+h.srv.ServerID, "", headerNovaAPIVersion, version)
		h.expect(rec, 200, "show server at "+version)
		var out map[string]map[string]any
		h.decode(rec, &out)
		return out["server"]
	}
	lock := func(body, version string, status int) {
		t.Helper()
		h.expect(h.do("POST", action, body, headerNovaAPIVersion, version), status, "lock "+body+" at "+version)
	}
	unlock := func() { t.Helper(); lock(`{"unlock":null}`, "2.73", 202) }

	// What a server shows: "locked" from 2.9, "locked_reason" from 2.73.
	if s := show("2.8"); s["locked"] != nil || s["locked_reason"] != nil {
		t.Errorf("2.8 shows %v", s)
	}
	if s := show("2.72"); s["locked"] != false || len(s) != 5 {
		t.Errorf("2.72 shows %v", s)
	}
	if s, ok := show("2.73")["locked_reason"]; !ok || s != nil {
		t.Errorf("2.73, unlocked: locked_reason %v (present %v), want null", s, ok)
	}

	// 2.73: the reason is kept and shown; locking again changes nothing.
	lock(`{"lock":{"locked_reason":"maintenance: NIC detach test"}}`, "2.73", 202)
	if s := show("2.73"); s["locked"] != true || s["locked_reason"] != "maintenance: NIC detach test" {
		t.Errorf("locked with a reason: %v", s)
	}
	if s := show("2.72"); s["locked"] != true || s["locked_reason"] != nil {
		t.Errorf("2.72 after a reason: %v", s)
	}
	lock(`{"lock":{"locked_reason":"another"}}`, "2.73", 202)
	if s := show("latest"); s["locked_reason"] != "maintenance: NIC detach test" {
		t.Errorf("a second lock replaced the reason: %v", s)
	}
	unlock()
	if s := show("2.73"); s["locked"] != false || s["locked_reason"] != nil {
		t.Errorf("unlocked: %v", s)
	}
	// Without a reason: null, at 2.73 ({"lock":null} and {"lock":{}}) and below.
	for _, c := range []struct{ body, version string }{{`{"lock":null}`, "2.73"}, {`{"lock":{}}`, "2.73"}, {`{"lock":null}`, "2.1"}} {
		lock(c.body, c.version, 202)
		if s := show("2.73"); s["locked"] != true || s["locked_reason"] != nil {
			t.Errorf("%s at %s: %v", c.body, c.version, s)
		}
		unlock()
	}
	// Below 2.73 Nova's lock schema takes any object and ignores the reason.
	lock(`{"lock":{"locked_reason":"ignored","x":1}}`, "2.72", 202)
	if s := show("2.73"); s["locked"] != true || s["locked_reason"] != nil {
		t.Errorf("a reason below 2.73: %v", s)
	}
	unlock()
	// 2.73 refuses what its schema does, and changes nothing.
	before := show("2.73")
	for _, body := range []string{
		`{"lock":{"locked_reason":""}}`,
		`{"lock":{"locked_reason":"` + strings.Repeat("é", 256) + `"}}`,
		`{"lock":{"locked_reason":7}}`,
		`{"lock":{"locked_reason":null}}`,
		`{"lock":{"reason":"x"}}`,
		`{"lock":{"locked_reason":"x","other":1}}`,
		`{"lock":"x"}`,
	} {
		checkError(t, ErrorsNova, h.do("POST", action, body, headerNovaAPIVersion, "2.73"), 400, "")
	}
	lock(`{"lock":{"locked_reason":"`+strings.Repeat("é", 255)+`"}}`, "2.73", 202) // 255 characters, 510 bytes
	unlock()
	if after := show("2.73"); after["locked"] != before["locked"] || after["locked_reason"] != nil {
		t.Errorf("refused locks changed the server: %v", after)
	}
}

func TestInterfaceTag(t *testing.T) {
	h := newHarness(t, Options{ImmediateDetach: true})
	net := h.seed.NetworkID
	attach := func(body, version string) *httptest.ResponseRecorder {
		return h.do("POST", h.nics(h.srv.ServerID), body, headerNovaAPIVersion, version)
	}
	// Before 2.49 a tag is an unknown field.
	checkError(t, ErrorsNova, attach(`{"interfaceAttachment":{"net_id":"`+net+`","tag":"a"}}`, "2.48"), 400, "")
	for _, tag := range []string{`""`, `"a,b"`, `"a/b"`, `null`, `3`, `"` + strings.Repeat("t", 61) + `"`} {
		checkError(t, ErrorsNova, attach(`{"interfaceAttachment":{"net_id":"`+net+`","tag":`+tag+`}}`, "2.49"), 400, "")
	}
	// 2.49: taken, not shown; 2.70: shown (null when none).
	rec := attach(`{"interfaceAttachment":{"net_id":"`+net+`","tag":"data-nic"}}`, "2.49")
	h.expect(rec, 200, "attach with a tag")
	if strings.Contains(rec.Body.String(), `"tag"`) {
		t.Errorf("2.49 shows the tag: %s", rec.Body)
	}
	var out struct{ InterfaceAttachment Interface }
	h.decode(rec, &out)
	tagged := out.InterfaceAttachment.PortID
	rec = attach(`{"interfaceAttachment":{"port_id":"`+h.createPort("t").ID+`","tag":"`+strings.Repeat("t", 60)+`"}}`, "2.70")
	h.expect(rec, 200, "attach by port with a tag at 2.70")
	if !strings.Contains(rec.Body.String(), `"tag":"`+strings.Repeat("t", 60)+`"`) {
		t.Errorf("2.70 attach: %s", rec.Body)
	}
	rec = h.do("GET", h.nicPath(h.srv.ServerID, tagged), "", headerNovaAPIVersion, "2.70")
	if !strings.Contains(rec.Body.String(), `"tag":"data-nic"`) {
		t.Errorf("2.70 show: %s", rec.Body)
	}
	rec = h.do("GET", h.nics(h.srv.ServerID), "", headerNovaAPIVersion, "2.70")
	var list struct {
		InterfaceAttachments []map[string]any `json:"interfaceAttachments"`
	}
	h.decode(rec, &list)
	if len(list.InterfaceAttachments) != 3 {
		t.Fatalf("list: %s", rec.Body)
	}
	for _, i := range list.InterfaceAttachments {
		tag, ok := i["tag"]
		switch i["port_id"] {
		case h.srv.PrimaryPortID:
			if !ok || tag != nil {
				t.Errorf("the primary's tag: %v", i)
			}
		case tagged:
			if tag != "data-nic" {
				t.Errorf("the tagged NIC: %v", i)
			}
		}
	}
	if rec := h.do("GET", h.nics(h.srv.ServerID), "", headerNovaAPIVersion, "2.69"); strings.Contains(rec.Body.String(), `"tag"`) {
		t.Errorf("2.69 list shows tags: %s", rec.Body)
	}
}
