package mock

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// expandIDs replaces the placeholders {p}, {s}, {s2}, {port}, {net} and
// {subnet} with the ids of h's world, so that fuzzed paths and bodies reach
// past the id checks.
func expandIDs(h *harness, s string) string {
	return strings.NewReplacer(
		"{p}", h.seed.ProjectID,
		"{s}", h.srv.ServerID,
		"{s2}", h.seed.Servers[1].ServerID,
		"{port}", h.srv.PrimaryPortID,
		"{net}", h.seed.NetworkID,
		"{subnet}", h.seed.SubnetID,
	).Replace(s)
}

// FuzzHandler drives a faithful mock with arbitrary method, path and body
// (after a NIC was attached). It must never panic, never answer 5xx, always
// carry a request id and keep its invariants.
func FuzzHandler(f *testing.F) {
	seeds := []struct{ method, path, body string }{
		{"DELETE", "/v2.1/{p}/servers/{s}/os-interface/{port}", ""},
		{"DELETE", "/v2.1/{p}/servers/{s}/os-interface/{nic}", ""},
		{"DELETE", "/v2.1/{p}/servers/{s}/os-interface/{nic}", "{}"},
		{"DELETE", "/v2.1/{p}/servers/{s2}/os-interface/{nic}", ""},
		{"DELETE", "/v2.1/{p}/servers/{s}/os-interface/", ""},
		{"DELETE", "/v2.1/{p}/servers/{s}/os-interface", ""},
		{"DELETE", "/v2.1/{p}/servers/{s}/os-interface/a%2Fb", ""},
		{"DELETE", "/v2.1/{p}/servers/{s}%2Fos-interface/{nic}", ""},
		{"DELETE", "/v2.1/{p}/servers/../os-interface/{nic}", ""},
		{"DELETE", "/v2.1/{p}/servers/{s}/os-interface/..", ""},
		{"DELETE", "/v2.1/{p}/servers/{s}/os-interface/" + strings.Repeat("f", 5000), ""},
		{"DELETE", "/v2.1/{p}/servers/\xff\xfe/os-interface/{nic}", ""},
		{"DELETE", "/v2.1/{p}/servers/%ff%fe/os-interface/{nic}", ""},
		{"DELETE", "/v2.1/{p}/servers/%/os-interface/{nic}", ""},
		{"DELETE", "/v2.1/{p}/servers/%zz/os-interface/{nic}", ""},
		{"DELETE", "/v2.1/{p}/servers//os-interface/{nic}", ""},
		{"DELETE", "/v2.1//servers/{s}/os-interface/{nic}", ""},
		{"DELETE", "/v2.1/%E2%98%83/servers/{s}/os-interface/{nic}", ""},
		{"DELETE", "/v2.1/" + strings.Repeat("a", 70) + "/servers/{s}/os-interface/{nic}", ""},
		{"DELETE", "/v2.1/{p}/servers/{s}/os-interface/{nic}?reserve_port=true", ""},
		{"PUT", "/v2.1/{p}/servers/{s}/os-interface/{nic}", "{}"},
		{"PATCH", "/v2.1/{p}/servers/{s}/os-interface/{nic}", ""},
		{"POST", "/v2.1/{p}/servers/{s}/os-interface", `{"interfaceAttachment":{"net_id":"{net}"}}`},
		{"POST", "/v2.1/{p}/servers/{s}/os-interface", `{"interfaceAttachment":{"net_id":"{net}","fixed_ips":[{"ip_address":"192.168.3.3"}]}}`},
		{"POST", "/v2.1/{p}/servers/{s}/os-interface", `{"interfaceAttachment":{"port_id":"{nic}"}}`},
		{"POST", "/v2.1/{p}/servers/{s}/os-interface", `{"interfaceAttachment":{"net_id":"{net}","fixed_ips":{"ip_address":1}}}`},
		{"POST", "/v2.1/{p}/servers/{s}/os-interface", `{"interfaceAttachment":[]}`},
		{"POST", "/v2.1/{p}/servers/{s}/action", `{"lock":null}`},
		{"POST", "/v2.1/{p}/servers/{s}/action", `{"unlock":{}}`},
		{"POST", "/v2.1/{p}/servers/{s}/action", `{"lock":`},
		{"GET", "/v2.1/{p}/servers/{s}", ""},
		{"GET", "/v2.1/{p}/servers/{s}/os-interface/{nic}", ""},
		{"POST", "/v2.0/ports", `{"port":{"network_id":"{net}","name":"x","fixed_ips":[{"subnet_id":"{subnet}","ip_address":"192.168.0.255"}]}}`},
		{"POST", "/v2.0/ports", `{"port":{"network_id":"{net}","fixed_ips":[{"ip_address":"::1"}]}}`},
		{"PUT", "/v2.0/ports/{nic}", `{"port":{"name":"\u0000"}}`},
		{"DELETE", "/v2.0/ports/{nic}", ""},
		{"DELETE", "/v2.0/ports/{port}", ""},
		{"GET", "/v2.0/ports?name=&device_id={s}&name=%ff", ""},
		{"GET", "/", ""},
		{"GET", "/v2.1", ""},
		{"GET", "/v2.1/", ""},
		{"GET", "/v2.1/{p}/", ""},
		{"DELETE", "/v2.1/{p}/", ""},
		{"GET", "/v2.0/", ""},
		{"GET", "/networking", ""},
		{"GET", "/networking/v2.0/", ""},
		{"POST", "/networking/v2.0/ports", `{"port":{"network_id":"{net}"}}`},
		{"GET", "/networking/v2.1/{p}/servers/{s}", ""},
		{"POST", "/v2.1/{p}/servers/{s}/action", `{"lock":{"locked_reason":"x"}}`},
		{"POST", "/v2.1/{p}/servers/{s}/os-interface", `{"interfaceAttachment":{"net_id":"{net}","tag":"x"}}`},
		{"", "", ""},
		{"GET", "*", ""},
		{"\x00", "/v2.0/ports", "\xff"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.body)
	}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		h := newHarness(t, Options{Servers: 2, ImmediateDetach: true})
		nic := h.attachNet(h.srv.ServerID)
		expand := func(s string) string { return strings.ReplaceAll(expandIDs(h, s), "{nic}", nic.PortID) }
		target := expand(path)
		u, err := url.ParseRequestURI(target)
		if err != nil || !validMethod(method) {
			t.Skip("net/http rejects this request before any handler")
		}
		r := httptest.NewRequest(http.MethodGet, "/", strings.NewReader(expand(body)))
		r.Method, r.URL, r.RequestURI = method, u, target
		r.Header.Set("X-Auth-Token", DefaultToken)
		rec := httptest.NewRecorder()
		h.m.ServeHTTP(rec, r)
		if rec.Code >= 500 {
			t.Fatalf("%q %q: answered %d %s", method, target, rec.Code, rec.Body)
		}
		if rec.Header().Get(headerRequestID) == "" {
			t.Fatalf("%q %q: no request id", method, target)
		}
		if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("%q %q: %d without a JSON body", method, target, rec.Code)
		}
		// harness cleanup checks panics and invariants.
	})
}

// validMethod reports whether net/http would accept m as a method (a
// token of RFC 9110).
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
