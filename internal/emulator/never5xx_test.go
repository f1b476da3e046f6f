package emulator

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestNever5xx: whatever a client sends (method, path built from the
// world's ids, malformed ones and escapes, microversion and token headers,
// a body), the emulator answers below 500 and every error carries a JSON
// body (docs/reference.md §6: negative data is rejected with 4xx, never
// 5xx).
func TestNever5xx(t *testing.T) {
	h, w, err := New(Options{DetachDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	rapid.Check(t, func(rt *rapid.T) {
		pool := []string{
			w.ProjectID, w.ServerID, w.OtherServerID, w.PrimaryPortID, w.NetworkID, w.SubnetID,
			"v2.1", "v2.0", "servers", "os-interface", "action", "ports", "networks", "subnets", "network",
			"", "%2F", "%C3%A9", "%", "%zz", "..", "x.json", strings.Repeat("a", 300), "\u00e9",
		}
		// A route of the emulator's, its slots filled from the pool, cut
		// after any segment; or segments drawn from the pool alone.
		templates := [][]string{
			{"v2.1", "P", "servers", "S", "os-interface", "X"},
			{"v2.1", "P", "servers", "S", "action"},
			{"network", "v2.0", "ports", "X"},
			{"network", "v2.0", "networks", "X"},
			{"network", "v2.0", "subnets", "X"},
			{"network", "v2.0", "X", "X"},
			{"X", "X", "X", "X", "X", "X", "X"},
		}
		tpl := rapid.SampledFrom(templates).Draw(rt, "route")
		n := rapid.IntRange(0, len(tpl)).Draw(rt, "length")
		segs := make([]string, n)
		for i := range segs {
			switch tpl[i] {
			case "P":
				segs[i] = rapid.SampledFrom([]string{w.ProjectID, w.ProjectID, "x"}).Draw(rt, "project")
			case "S":
				segs[i] = rapid.SampledFrom(append([]string{w.ServerID, w.OtherServerID}, pool...)).Draw(rt, "server")
			case "X":
				segs[i] = rapid.SampledFrom(pool).Draw(rt, "segment")
			default:
				segs[i] = tpl[i]
			}
		}
		path := "/" + strings.Join(segs, "/")
		if rapid.Bool().Draw(rt, "trailing") {
			path += "/"
		}
		method := rapid.SampledFrom([]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}).Draw(rt, "method")
		body := rapid.SampledFrom([]string{"", "null", "[]", "{", `{"lock":null}`, `{"unlock":{}}`, `{"lock":{"locked_reason":7}}`,
			`{"interfaceAttachment":{"port_id":"` + w.PrimaryPortID + `"}}`, `{"interfaceAttachment":{"net_id":"` + w.NetworkID + `","fixed_ips":[{"ip_address":"x"}]}}`,
			`{"interfaceAttachment":{"net_id":"` + w.NetworkID + `","fixed_ips":[{}]}}`, `{"interfaceAttachment":null}`,
			`{"port":{"network_id":"` + w.NetworkID + `","fixed_ips":[{"ip_address":"192.168.0.1"}]}}`, `{"port":{"name":5}}`, `{"port":[]}`}).Draw(rt, "body")
		req := httptest.NewRequest(method, "http://emulator.test/", strings.NewReader(body))
		req.URL.RawPath, req.URL.Path = path, path // as the server would parse it, escapes kept
		if rapid.IntRange(0, 4).Draw(rt, "token") > 0 {
			req.Header.Set("X-Auth-Token", w.Token)
		}
		if mv := rapid.SampledFrom([]string{"", "2.1", "latest", "2.73", "9.9", "x", "2.0", "compute"}).Draw(rt, "microversion"); mv != "" {
			req.Header.Set(rapid.SampledFrom([]string{"X-OpenStack-Nova-API-Version", "OpenStack-API-Version"}).Draw(rt, "mv header"), mv)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			rt.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && method != http.MethodHead && !strings.HasPrefix(rec.Body.String(), "{") {
			rt.Fatalf("%s %s: %d without a JSON body: %q", method, path, rec.Code, rec.Body)
		}
	})
}
