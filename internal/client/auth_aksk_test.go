package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/aksk"
)

const (
	testAK = "AKCLIENTTEST0001"
	testSK = "sk-client-secret-9f2c"
)

// verifying is a target that answers 200 to requests signed by testAK and
// 401 (with the reason) to others.
func verifying(t *testing.T) *target {
	return newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		body := readAll(r)
		err := aksk.Verify(r, body, func(ak string) (string, bool) { return testSK, ak == testAK }, time.Now(), time.Minute)
		if err != nil {
			reply(w, 401, "application/json", `{"error":{"code":"APIGW.0301","message":`+jsonString(err.Error())+`}}`)
			return
		}
		reply(w, 200, "application/json", listBody(1))
	})
}

func readAll(r *http.Request) []byte {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return []byte(b.String())
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestAKSKSignsWhatIsSent(t *testing.T) {
	tg := verifying(t)
	rec := NewRecorder()
	c := newClient(t, tg.URL+"/prefix%2Fpart", func(cfg *Config) {
		cfg.Auth = AKSK(testAK, testSK, "security-token-77ab", project)
		cfg.Recorder = rec
		cfg.Spec = nil
	})
	ctx := context.Background()
	for _, r := range []Request{
		{Method: "GET", Segments: []string{"v2.1", project, "servers", server, "os-interface"}},
		{Method: "GET", Segments: []string{"v2.1", project, "servers", "a/b c", "os-interface", "é~"}, Query: url.Values{"b": {""}, "a": {"2", "1"}}},
		{Method: "POST", Segments: []string{"v2.1", project, "servers", server, "os-interface"}, JSON: map[string]any{"interfaceAttachment": map[string]string{"port_id": port}}},
		{Method: "DELETE", RawPath: "/v2.1/" + project + "/servers/" + server + "/os-interface/%41%2f", NoRetry: true},
		{Method: "DELETE", RawPath: "/v2.1/" + project + "/servers/" + server + "/os-interface/", NoRetry: true},
	} {
		ex, err := c.Do(ctx, r)
		if err != nil {
			t.Fatalf("%s %v%s: %v", r.Method, r.Segments, r.RawPath, err)
		}
		if ex.Status != 200 {
			t.Errorf("%s %s: %d %s", r.Method, ex.URL, ex.Status, ex.ResponseBody)
		}
		got := tg.last()
		for _, h := range []string{"X-Sdk-Date", "X-Project-Id", "X-Security-Token"} {
			if got.Header.Get(h) == "" {
				t.Errorf("no %s sent", h)
			}
		}
		if a := got.Header.Get("Authorization"); !strings.Contains(a, "SignedHeaders=accept;user-agent;x-project-id;x-sdk-date;x-security-token,") {
			t.Errorf("Authorization %q", a)
		}
	}
	for _, ex := range rec.Exchanges() {
		if ex.RequestHeader.Get("Authorization") != Redacted || ex.RequestHeader.Get("X-Security-Token") != Redacted {
			t.Errorf("recorded headers not redacted: %v", ex.RequestHeader)
		}
		b, _ := json.Marshal(ex)
		if strings.Contains(string(b), testSK) || strings.Contains(string(b), "security-token-77ab") {
			t.Errorf("record holds a secret: %s", b)
		}
	}
}

// A path Go cannot send through Path/RawPath goes in Opaque; the signature
// covers those exact bytes.
func TestAKSKSignsOpaquePath(t *testing.T) {
	u := &url.URL{Scheme: "http", Host: "h.example"}
	if err := setWirePath(u, "/v2.1/p/servers/%zz/os-interface/%"); err != nil {
		t.Fatal(err)
	}
	if u.Opaque == "" {
		t.Fatal("expected an Opaque path")
	}
	req, _ := http.NewRequest("DELETE", "http://placeholder/", nil)
	req.URL, req.Host = u, u.Host
	if err := AKSK(testAK, testSK, "", "").Authenticate(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	// The request as a server would see it: the same bytes in RequestURI.
	in := &http.Request{Method: "DELETE", RequestURI: "/v2.1/p/servers/%zz/os-interface/%", URL: &url.URL{}, Host: "h.example", Header: req.Header}
	lookup := func(ak string) (string, bool) { return testSK, ak == testAK }
	if err := aksk.Verify(in, nil, lookup, time.Now(), time.Minute); err != nil {
		t.Errorf("Verify: %v", err)
	}
	in.RequestURI = "/v2.1/p/servers/%25zz/os-interface/%25" // what Go would have sent had it re-escaped
	if err := aksk.Verify(in, nil, lookup, time.Now(), time.Minute); err != nil {
		t.Errorf("the canonical form of an invalid escape is its escaped text: %v", err)
	}
	in.RequestURI = "/v2.1/p/servers/zz/os-interface/"
	if err := aksk.Verify(in, nil, lookup, time.Now(), time.Minute); err == nil {
		t.Error("a different path verified")
	}
}

func TestAKSKWrongKeyIsRefused(t *testing.T) {
	tg := verifying(t)
	c := newClient(t, tg.URL, func(cfg *Config) { cfg.Auth = AKSK(testAK, "not-the-secret", "", "") })
	ex, err := c.Do(context.Background(), Request{Method: "GET", Segments: []string{"v2.1", project, "servers", server, "os-interface"}})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Status != 401 || !strings.Contains(string(ex.ResponseBody), "bad signature") {
		t.Errorf("%d %s", ex.Status, ex.ResponseBody)
	}
}

func TestAKSKMissingKeys(t *testing.T) {
	tg := verifying(t)
	c := newClient(t, tg.URL, func(cfg *Config) { cfg.Auth = AKSK("", "", "", "") })
	if _, err := c.Do(context.Background(), Request{Method: "GET", Segments: []string{"x"}}); err == nil || !strings.Contains(err.Error(), "authenticate") {
		t.Errorf("err %v", err)
	}
	if tg.hits.Load() != 0 {
		t.Error("an unsigned request was sent")
	}
}

func TestAKSKSecretsAndString(t *testing.T) {
	a := AKSK("AKID", "the-secret-key", "the-sec-token", "p")
	got := a.Secrets()
	if len(got) != 2 || got[0] != "the-secret-key" || got[1] != "the-sec-token" {
		t.Errorf("Secrets %v", got)
	}
	if got := AKSK("AKID", "the-secret-key", "", "").Secrets(); len(got) != 1 {
		t.Errorf("Secrets without a token %v", got)
	}
	for _, s := range []string{fmtV(a), fmtGoV(a)} {
		if strings.Contains(s, "the-secret-key") || strings.Contains(s, "the-sec-token") {
			t.Errorf("%%v shows a secret: %s", s)
		}
	}
}
