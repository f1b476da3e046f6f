package client

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTamperedKeepsTheShape(t *testing.T) {
	req := httptest.NewRequest("GET", "http://h/v2.1/p/servers", nil)
	if err := Tampered(Token("MIIabcdefghij0123456789")).Authenticate(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	got := req.Header.Get("X-Auth-Token")
	if got == "MIIabcdefghij0123456789" || len(got) != len("MIIabcdefghij0123456789") || !strings.HasPrefix(got, "MII") {
		t.Errorf("tampered token %q", got)
	}
	req = httptest.NewRequest("GET", "http://h/v1/x", nil)
	if err := AKSK("AK", "SK", "", "").Authenticate(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	good := req.Header.Get("Authorization")
	req2 := httptest.NewRequest("GET", "http://h/v1/x", nil)
	req2.Header.Set("X-Sdk-Date", req.Header.Get("X-Sdk-Date"))
	if err := Tampered(AKSK("AK", "SK", "", "")).Authenticate(context.Background(), req2, nil); err != nil {
		t.Fatal(err)
	}
	bad := req2.Header.Get("Authorization")
	if bad == good || len(bad) != len(good) || !strings.Contains(bad, "Access=AK") {
		t.Errorf("tampered signature:\n%s\n%s", good, bad)
	}
	if s := Tampered(Token("sekrit")).Secrets(); len(s) != 1 || s[0] != "sekrit" {
		t.Errorf("secrets %v", s)
	}
}
