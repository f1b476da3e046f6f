package aksk

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// FuzzCanonicalRequest: no input panics, the canonical request is
// deterministic, and whatever the Signer signs Verify accepts.
func FuzzCanonicalRequest(f *testing.F) {
	f.Add("GET", "/path", "limit=1", "20060102T150405Z", []byte(nil))
	f.Add("DELETE", "/v2.1/p/servers/a%2Fb/os-interface/%E2%82%AC", "a=2&a=1&b=", " v ", []byte(`{"x":1}`))
	f.Add("POST", "/a%zz/%", "k=%zz&&=&+", "\x00\n", []byte{0xff})
	f.Add("", "", "", "", []byte{})
	f.Add("PUT", "//x//", "%C3%A9=%E2%82%AC;x", "été", []byte("body"))
	f.Fuzz(func(t *testing.T, method, path, query, value string, body []byte) {
		mk := func() *http.Request {
			r := &http.Request{Method: method, Host: "h.example", Header: http.Header{}, URL: &url.URL{Path: path, RawQuery: query}}
			r.Header.Set("X-Value", value)
			return r
		}
		headers := []string{"host", "x-value", "x-absent"}
		for _, set := range []func(*http.Request){
			func(*http.Request) {},
			func(r *http.Request) { r.URL.Opaque = "/" + path },
			func(r *http.Request) { r.RequestURI = "/" + path + "?" + query },
		} {
			a, b := mk(), mk()
			set(a)
			set(b)
			if CanonicalRequest(a, body, headers) != CanonicalRequest(b, body, headers) ||
				NodeCanonicalRequest(a, body, headers) != NodeCanonicalRequest(b, body, headers) {
				t.Fatal("CanonicalRequest is not deterministic")
			}
		}
		_ = CanonicalURI(path)
		_ = NodeCanonicalURI(path)
		_ = CanonicalQuery(query)
		_, _ = ParseAuthorization(value)

		r := mk()
		r.Header.Set("Authorization", value)
		_ = Verify(r, body, keys(map[string]string{"AK": "SK"}), now, 0)

		s := Signer{AK: "AK", SK: "SK", ProjectID: value, Now: fixed(now)}
		r = mk()
		if err := s.Sign(r, body); err != nil {
			t.Fatal(err)
		}
		if err := Verify(r, body, keys(map[string]string{"AK": "SK"}), now.Add(time.Second), 0); err != nil {
			t.Fatalf("sign then verify: %v", err)
		}
		// A body that is not JSON: signed UNSIGNED-PAYLOAD, verified so.
		r = mk()
		r.Header.Set("Content-Type", "text/plain")
		if err := s.Sign(r, body); err != nil {
			t.Fatal(err)
		}
		if r.Header.Get(ContentSHA256Header) != UnsignedPayload {
			t.Fatal("a text/plain body not signed UNSIGNED-PAYLOAD")
		}
		if err := Verify(r, append(body, 'x'), keys(map[string]string{"AK": "SK"}), now.Add(time.Second), 0); err != nil {
			t.Fatalf("sign then verify, unsigned payload: %v", err)
		}
	})
}
