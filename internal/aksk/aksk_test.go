package aksk

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Known answer 1 (docs/reference.md §4): a VPC list with a query, content-type signed.
func TestKnownAnswerVPC(t *testing.T) {
	r, err := http.NewRequest("GET", "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(DateHeader, "20191115T033655Z")
	signed := []string{"content-type", "host", "x-sdk-date"}
	canonical := CanonicalRequest(r, nil, signed)
	wantCanonical := "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\nlimit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n" +
		"content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n\n" +
		"content-type;host;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if canonical != wantCanonical {
		t.Errorf("canonical request\n got %q\nwant %q", canonical, wantCanonical)
	}
	sig := Signature("MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", StringToSign(canonical, "20191115T033655Z"))
	if want := "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"; sig != want {
		t.Errorf("signature %s, want %s", sig, want)
	}
	got := AuthorizationHeader("QTWAOYTTINDUT2QVKYUC", signed, sig)
	want := "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
	if got != want {
		t.Errorf("Authorization %q, want %q", got, want)
	}
	// The same vector through Verify, with the header built above.
	r.Header.Set("Authorization", got)
	lookup := keys(map[string]string{"QTWAOYTTINDUT2QVKYUC": "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"})
	if err := Verify(r, nil, lookup, time.Date(2019, 11, 15, 3, 40, 0, 0, time.UTC), 0); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// Known answer 2 (docs/reference.md §4): the canonical request is published verbatim.
func TestKnownAnswerPath(t *testing.T) {
	r, _ := http.NewRequest("GET", "https://example.huaweicloud.com/path?limit=1", nil)
	r.Header.Set(DateHeader, "20060102T150405Z")
	canonical := CanonicalRequest(r, nil, []string{"x-sdk-date"})
	want := "GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if canonical != want {
		t.Errorf("canonical request\n got %q\nwant %q", canonical, want)
	}
	if sig := Signature("SecretKey", StringToSign(canonical, "20060102T150405Z")); sig != "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624" {
		t.Errorf("signature %s", sig)
	}
	// The Signer with a fixed clock and no host reproduces it.
	r2, _ := http.NewRequest("GET", "https://example.huaweicloud.com/path?limit=1", nil)
	r2.Host, r2.URL.Host = "", ""
	s := Signer{AK: "AccessKey", SK: "SecretKey", Now: fixed(time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC))}
	if err := s.Sign(r2, nil); err != nil {
		t.Fatal(err)
	}
	if got := r2.Header.Get("Authorization"); got != "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624" {
		t.Errorf("Signer: %q", got)
	}
}

func TestCanonicalURI(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/path", "/path/"},
		{"/path/", "/path/"},
		{"/a%2Fb/c", "/a%2Fb/c/"},             // an encoded slash stays in its segment
		{"/a%2fb", "/a%2Fb/"},                 // uppercase hex
		{"/a%20b/a+b", "/a%20b/a%2Bb/"},       // space; "+" is not a space in a path
		{"/%C3%A9t%C3%A9", "/%C3%A9t%C3%A9/"}, // non-ASCII, escaped
		{"/été", "/%C3%A9t%C3%A9/"},           // non-ASCII, raw
		{"/~a-b_c.d/%7E", "/~a-b_c.d/~/"},     // unreserved kept, %7E unescaped
		{"/a%zz/b%", "/a%25zz/b%25/"},         // an invalid escape: the raw segment, escaped
		{"//x", "//x/"},
		{"/v2.1/p/servers/s/os-interface/", "/v2.1/p/servers/s/os-interface/"},
	} {
		if got := CanonicalURI(c.in); got != c.want {
			t.Errorf("CanonicalURI(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"a=2&a=1&b=", "a=1&a=2&b="},
		{"b=1&a=2&a=1", "a=1&a=2&b=1"},
		{"b&a", "a=&b="},
		{"x=a+b&y=%2F&z=~", "x=a%20b&y=%2F&z=~"},
		{"k=%zz", "k=%25zz"},
		{"&&a=1&", "a=1"},
		{"%C3%A9=%E2%82%AC", "%C3%A9=%E2%82%AC"},
		{"a=1=2", "a=1%3D2"},
	} {
		if got := CanonicalQuery(c.in); got != c.want {
			t.Errorf("CanonicalQuery(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCanonicalRequestPathAndQuery(t *testing.T) {
	// A client request whose path Go would re-escape travels in Opaque.
	r, _ := http.NewRequest("DELETE", "http://h.example/", nil)
	r.URL.Opaque = "/v2.1/p/servers/a%2Fb/os-interface/%E2%82%AC%20~"
	r.URL.RawQuery = "a=2&a=1&b="
	got := CanonicalRequest(r, nil, []string{"host"})
	want := "DELETE\n/v2.1/p/servers/a%2Fb/os-interface/%E2%82%AC%20~/\na=1&a=2&b=\nhost:h.example\n\nhost\n" + HashHex(nil)
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	// A server request reads the path from RequestURI, as received.
	s := httptest.NewRequest("DELETE", "/v2.1/p/servers/a%2Fb/os-interface/%E2%82%AC%20~?b=&a=1&a=2", nil)
	s.Host = "h.example"
	if got2 := CanonicalRequest(s, nil, []string{"host"}); got2 != want {
		t.Errorf("server side: got %q\nwant %q", got2, want)
	}
}

func TestCanonicalRequestBody(t *testing.T) {
	r, _ := http.NewRequest("POST", "http://h/x", nil)
	a := CanonicalRequest(r, nil, nil)
	b := CanonicalRequest(r, []byte(`{"a":1}`), nil)
	if a == b || !strings.HasSuffix(b, HashHex([]byte(`{"a":1}`))) || !strings.HasSuffix(a, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") {
		t.Errorf("body hash:\n%q\n%q", a, b)
	}
}

func TestCanonicalHeadersMultiValue(t *testing.T) {
	r, _ := http.NewRequest("GET", "http://h/", nil)
	r.Header.Add("X-B", " 2 ")
	r.Header.Add("X-B", "1")
	if got := CanonicalHeaders(r, []string{"x-a", "x-b"}); got != "x-b:1\nx-b:2\n" {
		t.Errorf("%q", got)
	}
}

func TestSignedHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Sdk-Date", "d")
	h.Set("Accept", "*/*")
	h.Set("Authorization", "old")
	h.Set("X_Trace", "1")
	h.Set("Content-Type-Extra", "1")
	// As the Go SDK's extractSignedHeaders: all but content-type* and "_".
	if got := strings.Join(SignedHeaders(h), ";"); got != "accept;x-sdk-date" {
		t.Errorf("got %s", got)
	}
	h.Set("X-Security-Token", "t")
	h.Set("X-Project-Id", "p")
	h.Set("Host", "h")
	if got := strings.Join(SignedHeaders(h), ";"); got != "accept;host;x-project-id;x-sdk-date;x-security-token" {
		t.Errorf("got %s", got)
	}
}

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

func keys(m map[string]string) func(string) (string, bool) {
	return func(ak string) (string, bool) { sk, ok := m[ak]; return sk, ok }
}

const (
	testAK = "AKTEST0000000000"
	testSK = "sk-very-secret-0123456789"
)

var now = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// signed returns a signed request (as a server would receive it) and its body.
func signed(t *testing.T, s Signer, method, target, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if s.Now == nil {
		s.Now = fixed(now)
	}
	if err := s.Sign(r, []byte(body)); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSignVerifyRoundTrip(t *testing.T) {
	lookup := keys(map[string]string{testAK: testSK})
	for _, s := range []Signer{
		{AK: testAK, SK: testSK},
		{AK: testAK, SK: testSK, ProjectID: "0123abcd", SecurityToken: "sec-token"},
		{AK: testAK, SK: testSK, SignContentType: true},
	} {
		r := signed(t, s, "POST", "/v2.1/p/servers/a%2Fb/os-interface?b=2&a=1&a=0", `{"x":1}`)
		if err := Verify(r, []byte(`{"x":1}`), lookup, now.Add(time.Minute), time.Hour); err != nil {
			t.Errorf("%v: Verify: %v", s, err)
		}
		authz := r.Header.Get("Authorization")
		if strings.Contains(authz, testSK) {
			t.Error("the Authorization header holds the SK")
		}
		if s.ProjectID != "" && (r.Header.Get(ProjectIDHeader) != s.ProjectID || !strings.Contains(authz, "x-project-id") || !strings.Contains(authz, "x-security-token")) {
			t.Errorf("project/token not signed: %s", authz)
		}
		if s.SignContentType != strings.Contains(authz, "content-type") {
			t.Errorf("content-type signing: %s", authz)
		}
		if r.Header.Get(DateHeader) != "20250304T050607Z" {
			t.Errorf("date %q", r.Header.Get(DateHeader))
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	lookup := keys(map[string]string{testAK: testSK, "OTHER": "other-sk"})
	good := Signer{AK: testAK, SK: testSK}
	const target, body = "/v2.1/p/servers/s/os-interface/port?a=1", `{"x":1}`
	for _, c := range []struct {
		name  string
		req   func() *http.Request
		body  string
		want  error
		clock time.Time
	}{
		{name: "wrong SK", req: func() *http.Request { return signed(t, Signer{AK: testAK, SK: "not-the-sk"}, "DELETE", target, body) }, want: ErrBadSignature},
		{name: "tampered path", req: func() *http.Request {
			r := signed(t, good, "DELETE", target, body)
			r.RequestURI = strings.Replace(r.RequestURI, "port", "other", 1)
			return r
		}, want: ErrBadSignature},
		{name: "tampered query", req: func() *http.Request {
			r := signed(t, good, "DELETE", target, body)
			r.URL.RawQuery = "a=2"
			return r
		}, want: ErrBadSignature},
		{name: "tampered method", req: func() *http.Request {
			r := signed(t, good, "DELETE", target, body)
			r.Method = "GET"
			return r
		}, want: ErrBadSignature},
		{name: "tampered body", req: func() *http.Request { return signed(t, good, "DELETE", target, body) }, body: `{"x":2}`, want: ErrBadSignature},
		{name: "tampered host", req: func() *http.Request {
			// Signed as the Go SDK signs a host: as a Host header.
			r := httptest.NewRequest("DELETE", target, strings.NewReader(body))
			r.Header.Set("Host", r.Host)
			g := good
			g.Now = fixed(now)
			if err := g.Sign(r, []byte(body)); err != nil {
				t.Fatal(err)
			}
			r.Host = "evil.example"
			return r
		}, want: ErrBadSignature},
		{name: "tampered unsigned-payload body", req: func() *http.Request {
			r := httptest.NewRequest("DELETE", target, strings.NewReader(body))
			r.Header.Set("Content-Type", "text/plain")
			g := good
			g.Now = fixed(now)
			if err := g.Sign(r, []byte(body)); err != nil {
				t.Fatal(err)
			}
			r.Header.Set(ContentSHA256Header, HashHex([]byte(body)))
			return r
		}, want: ErrBadSignature},
		{name: "stale date", req: func() *http.Request { return signed(t, good, "DELETE", target, body) }, clock: now.Add(16 * time.Minute), want: ErrStale},
		{name: "future date", req: func() *http.Request { return signed(t, good, "DELETE", target, body) }, clock: now.Add(-16 * time.Minute), want: ErrStale},
		{name: "unknown AK", req: func() *http.Request { return signed(t, Signer{AK: "NOBODY", SK: testSK}, "DELETE", target, body) }, want: ErrUnknownKey},
		{name: "another key's AK", req: func() *http.Request { return signed(t, Signer{AK: "OTHER", SK: testSK}, "DELETE", target, body) }, want: ErrBadSignature},
		{name: "missing Authorization", req: func() *http.Request {
			r := signed(t, good, "DELETE", target, body)
			r.Header.Del("Authorization")
			return r
		}, want: ErrMissing},
		{name: "missing date", req: func() *http.Request {
			r := signed(t, good, "DELETE", target, body)
			r.Header.Del(DateHeader)
			return r
		}, want: ErrMissing},
		{name: "date not signed", req: func() *http.Request {
			r := signed(t, good, "DELETE", target, body)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=x-sdk-date", "SignedHeaders=content-length", 1))
			return r
		}, want: ErrMalformed},
		{name: "signed header missing", req: func() *http.Request {
			r := signed(t, Signer{AK: testAK, SK: testSK, ProjectID: "p"}, "DELETE", target, body)
			r.Header.Del(ProjectIDHeader)
			return r
		}, want: ErrMissing},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := body
			if c.body != "" {
				b = c.body
			}
			clock := now
			if !c.clock.IsZero() {
				clock = c.clock
			}
			err := Verify(c.req(), []byte(b), lookup, clock, 0)
			if !errors.Is(err, c.want) {
				t.Fatalf("Verify: %v, want %v", err, c.want)
			}
			checkNoSecret(t, err)
		})
	}
	for _, authz := range []string{
		"garbage",
		"SDK-HMAC-SHA256",
		"SDK-HMAC-SHA256 ",
		"SDK-HMAC-SHA256 Access=" + testAK,
		"SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=x-sdk-date",
		"SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=x-sdk-date, Signature=zz",
		"SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=x-sdk-date;, Signature=00",
		"SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=x-sdk-date, Signature=00, Signature=00",
		"SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=x-sdk-date, Signature=00, Extra=1",
		"SDK-HMAC-SHA256 Access=, SignedHeaders=x-sdk-date, Signature=00",
		"AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=00",
	} {
		r := signed(t, good, "GET", "/x", "")
		r.Header.Set("Authorization", authz)
		err := Verify(r, nil, lookup, now, 0)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("Authorization %q: %v, want malformed", authz, err)
		}
		checkNoSecret(t, err)
	}
	// A valid-looking signature of the right length that is wrong.
	r := signed(t, good, "GET", "/x", "")
	r.Header.Set("Authorization", AuthorizationHeader(testAK, []string{"host", "x-sdk-date"}, strings.Repeat("ab", 32)))
	if err := Verify(r, nil, lookup, now, 0); !errors.Is(err, ErrBadSignature) {
		t.Errorf("forged: %v", err)
	}
}

// checkNoSecret fails when an error holds the SK or any signature.
func checkNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	if strings.Contains(msg, testSK) || strings.Contains(msg, "not-the-sk") || strings.Contains(msg, "Signature=") {
		t.Errorf("error leaks a secret: %s", msg)
	}
	for _, f := range strings.FieldsFunc(msg, func(r rune) bool { return !strings.ContainsRune("0123456789abcdef", r) }) {
		if len(f) >= 64 {
			t.Errorf("error holds a signature-like hex string: %s", msg)
		}
	}
}

func TestSignerRefusesAndRedacts(t *testing.T) {
	r, _ := http.NewRequest("GET", "http://h/", nil)
	for _, s := range []Signer{{SK: "x"}, {AK: "x"}, {AK: "a b", SK: "x"}, {AK: "a,b", SK: "x"}} {
		if err := s.Sign(r, nil); err == nil {
			t.Errorf("%v signed", s)
		}
	}
	s := Signer{AK: "AK1", SK: "the-sk", SecurityToken: "the-token"}
	for _, out := range []string{s.String(), s.GoString()} {
		if strings.Contains(out, "the-sk") || strings.Contains(out, "the-token") || !strings.Contains(out, "AK1") {
			t.Errorf("String: %s", out)
		}
	}
}
