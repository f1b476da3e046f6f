package main

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/mock"
)

// nicconform sign prints headers the mock's verifier accepts (as the
// run's own signer's), and refuses a configuration that does not sign.
func TestSign(t *testing.T) {
	srv, err := mock.NewServer(mock.Options{AKSK: map[string]string{"AKSIGN": "sk-sign-test"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	seed := srv.Mock.Seed()
	url := srv.URL + "/v2.1/" + seed.ProjectID + "/servers/" + seed.Servers[0].ServerID + "/os-interface"
	for _, tc := range []struct {
		sk   string
		want int
	}{{"sk-sign-test", http.StatusOK}, {"another-key", http.StatusUnauthorized}} {
		settings := config.Settings{Auth: config.Auth{Mode: config.AuthAKSK, AK: "AKSIGN", SK: tc.sk}}
		var out, errb bytes.Buffer
		if err := sign(settings, []string{"-X", "GET", "-H", "Accept: application/json", url}, &out, &errb); err != nil {
			t.Fatalf("sign: %v %s", err, errb.String())
		}
		vars := map[string]string{}
		sc := bufio.NewScanner(&out)
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), "=")
			vars[k] = strings.Trim(v, "'")
		}
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-Sdk-Date", vars["SDK_DATE"])
		req.Header.Set("Authorization", vars["SDK_AUTHORIZATION"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("signed with %s: %d, want %d (%v)", tc.sk, resp.StatusCode, tc.want, vars)
		}
	}
	var out bytes.Buffer
	err = sign(config.Settings{Auth: config.Auth{Mode: config.AuthToken}}, []string{url}, &out, &out)
	var exit *exitCode
	if !errors.As(err, &exit) || exit.code != 2 || !strings.Contains(exit.msg, "not AK/SK") {
		t.Errorf("a token configuration: %v", err)
	}
}
