package client

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/aksk"
)

// Each authenticator's Tampered sends a credential of its own kind and
// shape, but wrong: the token with its middle changed, the signature with a
// digit changed; it scrubs the right credentials too.
func TestTamperedKeepsTheShape(t *testing.T) {
	req := httptest.NewRequest("GET", "http://h/v2.1/p/servers", nil)
	wrong := Token("MIIabcdefghij0123456789").Tampered()
	if err := wrong.Authenticate(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	got := req.Header.Get("X-Auth-Token")
	if got == "MIIabcdefghij0123456789" || len(got) != len("MIIabcdefghij0123456789") || !strings.HasPrefix(got, "MII") {
		t.Errorf("tampered token %q", got)
	}
	if s := wrong.Secrets(); len(s) != 2 || s[0] != got || s[1] != "MIIabcdefghij0123456789" {
		t.Errorf("secrets %v", s)
	}
	if shown := fmt.Sprintf("%v %+v %#v", wrong, wrong, wrong); strings.Contains(shown, "MII") {
		t.Errorf("the tampered token shows its credentials: %s", shown)
	}

	req = httptest.NewRequest("GET", "http://h/v1/x", nil)
	if err := AKSK("AK", "SK", "", "").Authenticate(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	good := req.Header.Get("Authorization")
	req2 := httptest.NewRequest("GET", "http://h/v1/x", nil)
	req2.Header.Set("X-Sdk-Date", req.Header.Get("X-Sdk-Date"))
	if err := AKSK("AK", "SK", "", "").Tampered().Authenticate(context.Background(), req2, nil); err != nil {
		t.Fatal(err)
	}
	bad := req2.Header.Get("Authorization")
	if bad == good || len(bad) != len(good) || !strings.Contains(bad, "Access=AK") {
		t.Errorf("tampered signature:\n%s\n%s", good, bad)
	}
	if _, err := aksk.ParseAuthorization(bad); err != nil {
		t.Errorf("tampered signature does not parse: %v", err)
	}
}

// A target refuses each kind tampered, and accepts it untampered; the
// record redacts the credential headers of each kind.
func TestTamperedIsRefused(t *testing.T) {
	iam := newIAMServer(t)
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		body := readAll(r)
		ok := r.Header.Get("X-Auth-Token") == "static-token-1234" || r.Header.Get("X-Auth-Token") == "tok-1" ||
			aksk.Verify(r, body, func(ak string) (string, bool) { return testSK, ak == testAK }, time.Now(), time.Minute) == nil
		if !ok {
			reply(w, 401, "application/json", `{"error":{"code":"APIGW.0301","message":"no"}}`)
			return
		}
		reply(w, 200, "application/json", listBody(1))
	})
	for name, auth := range map[string]Authenticator{
		"token":    Token("static-token-1234"),
		"aksk":     AKSK(testAK, testSK, "security-token-5678", ""),
		"password": IAMPassword(iamConfig(iam.URL)),
	} {
		t.Run(name, func(t *testing.T) {
			rec := NewRecorder()
			c := newClient(t, tg.URL, func(cfg *Config) { cfg.Auth, cfg.Recorder = auth, rec })
			if _, _, err := c.ListInterfaces(context.Background(), server); err != nil {
				t.Fatalf("right credentials: %v", err)
			}
			if _, _, err := c.WithAuth(auth.Tampered()).ListInterfaces(context.Background(), server); err == nil {
				t.Errorf("tampered credentials were accepted")
			}
			for _, ex := range rec.Exchanges() {
				for _, h := range auth.Headers() {
					if v := ex.RequestHeader.Get(h); v != "" && v != Redacted {
						t.Errorf("%s recorded: %q", h, v)
					}
				}
			}
		})
	}
}
