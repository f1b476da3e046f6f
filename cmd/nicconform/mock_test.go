package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/mock"
)

func TestRunMock(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- runMock(ctx, []string{"-addr", "127.0.0.1:0", "-servers", "2", "-delay", "0", "-profile", "nova", "-errors", "huawei", "-deviation", "body-on-202"}, pw, &stderr)
		pw.Close()
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() string {
		select {
		case l := <-lines:
			return l
		case <-time.After(5 * time.Second):
			t.Fatal("no output from runMock")
			return ""
		}
	}
	listen := next()
	url, ok := strings.CutPrefix(listen, "LISTEN ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line %q", listen)
	}
	var ids []map[string]string
	for range 2 {
		l := next()
		rest, ok := strings.CutPrefix(l, "IDS ")
		if !ok {
			t.Fatalf("IDS line %q", l)
		}
		kv := map[string]string{}
		for _, f := range strings.Fields(rest) {
			k, v, _ := strings.Cut(f, "=")
			kv[k] = v
		}
		if kv["project"] == "" || kv["network"] == "" || kv["server"] == "" || kv["primary_port"] == "" {
			t.Fatalf("IDS line %q", l)
		}
		ids = append(ids, kv)
	}
	if ids[0]["server"] == ids[1]["server"] {
		t.Error("two IDS lines for one server")
	}
	wantEndpoints := "ENDPOINTS compute=" + url + "/v2.1/" + ids[0]["project"] + " network=" + url + mock.NetworkRoot + " identity=" + url + mock.IdentityRoot
	if l := next(); l != wantEndpoints {
		t.Errorf("endpoints line %q, want %q", l, wantEndpoints)
	}
	if l := next(); l != "export NICCONFORM_COMPUTE_URL="+url+"/v2.1/"+ids[0]["project"] {
		t.Errorf("first export line %q", l)
	}
	for range 6 {
		if l := next(); !strings.HasPrefix(l, "export NICCONFORM_") && !strings.HasPrefix(l, "export OS_AUTH_URL=") {
			t.Errorf("export line %q", l)
		}
	}
	// nova profile: the primary is detachable; body-on-202 shows a body.
	req, _ := http.NewRequest("DELETE", url+"/v2.1/"+ids[0]["project"]+"/servers/"+ids[0]["server"]+"/os-interface/"+ids[0]["primary_port"], nil)
	req.Header.Set("X-Auth-Token", mock.DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 202 || !strings.Contains(string(body), "accepted") {
		t.Errorf("DELETE: %d %q", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("runMock: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runMock did not return after cancel")
	}
}

func TestRunMockFlags(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"-profile", "aws"},
		{"-errors", "xml"},
		{"-deviation", "nope"},
		{"-delay", "-1s"},
		{"-delay", "soon"},
		{"-servers", "0"},
		{"-token", ""},
		{"-addr", "not an address"},
		{"extra"},
		{"-bogus"},
	} {
		var out, errb bytes.Buffer
		if err := runMock(ctx, args, &out, &errb); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	var out, errb bytes.Buffer
	if err := runMock(ctx, []string{"-h"}, &out, &errb); err != nil {
		t.Fatalf("-h: %v", err)
	}
	help := errb.String()
	for _, want := range []string{"-addr", "-profile", "-errors", "-delay", "-servers", "-token", "-deviation", "-log", "LISTEN", "ENDPOINTS", mock.NetworkRoot, mock.MaxMicroversion} {
		if !strings.Contains(help, want) {
			t.Errorf("-h lacks %s", want)
		}
	}
	for _, d := range mock.Deviations() {
		if !strings.Contains(help, string(d.Name)) || !strings.Contains(help, d.Rule) {
			t.Errorf("-h lacks deviation %s (%s)", d.Name, d.Rule)
		}
	}
}

func TestRunMockAuth(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- runMock(ctx, []string{"-addr", "127.0.0.1:0", "-delay", "0", "-log",
			"-aksk", "AKFLAG0001:sk:with:colons", "-aksk", "AKFLAG0002:other-sk",
			"-iam-user", "ops:pw@with@at@acme", "-iam-user", "dev:dev-pw"}, pw, &stderr)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var base, project string
	for sc.Scan() {
		l := sc.Text()
		if u, ok := strings.CutPrefix(l, "LISTEN "); ok {
			base = u
		}
		if rest, ok := strings.CutPrefix(l, "IDS "); ok {
			for _, f := range strings.Fields(rest) {
				if v, ok := strings.CutPrefix(f, "project="); ok {
					project = v
				}
			}
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if base == "" || project == "" {
		t.Fatal("no LISTEN/IDS lines")
	}
	ports := base + "/v2.0/ports"
	get := func(a client.Authenticator) int {
		t.Helper()
		req, _ := http.NewRequest("GET", ports, nil)
		if a != nil {
			if err := a.Authenticate(context.Background(), req, nil); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for name, c := range map[string]struct {
		auth client.Authenticator
		want int
	}{
		"first key":     {client.AKSK("AKFLAG0001", "sk:with:colons", "", ""), 200},
		"second key":    {client.AKSK("AKFLAG0002", "other-sk", "", project), 200},
		"wrong SK":      {client.AKSK("AKFLAG0001", "other-sk", "", ""), 401},
		"none":          {nil, 401},
		"IAM, domain":   {client.IAMPassword(client.IAMConfig{AuthURL: base, User: "ops", Password: "pw@with@at", Domain: "acme", ProjectID: project}), 200},
		"IAM, default":  {client.IAMPassword(client.IAMConfig{AuthURL: base + "/v3", User: "dev", Password: "dev-pw", Domain: mock.DefaultDomain, ProjectID: project}), 200},
		"static token":  {client.Token(mock.DefaultToken), 200},
		"another token": {client.Token("not-a-token"), 401},
	} {
		if got := get(c.auth); got != c.want {
			t.Errorf("%s: %d, want %d", name, got, c.want)
		}
	}
	req, _ := http.NewRequest("GET", ports, nil)
	err := client.IAMPassword(client.IAMConfig{AuthURL: base, User: "ops", Password: "wrong-pw", Domain: "acme", ProjectID: project}).Authenticate(context.Background(), req, nil)
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "wrong-pw") {
		t.Errorf("wrong password: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("runMock: %v", err)
	}
	for _, secret := range []string{"sk:with:colons", "other-sk", "pw@with@at", "dev-pw", "wrong-pw"} {
		if strings.Contains(stderr.String(), secret) {
			t.Errorf("stderr holds %q", secret)
		}
	}
	if !strings.Contains(stderr.String(), "/v3/auth/tokens") {
		t.Errorf("no log line for the login: %s", stderr.String())
	}
}

func TestRunMockAuthFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-aksk", "no-colon-secret"},
		{"-aksk", ":only-secret"},
		{"-aksk", "AK:"},
		{"-aksk", "A K:spaced-secret"},
		{"-iam-user", "name-only"},
		{"-iam-user", "n:"},
		{"-iam-user", ":secret-pw"},
		{"-iam-user", "n:secret-pw@"},
		{"-iam-user", "n:@dom"},
		{"-max-skew", "0"},
		{"-max-skew", "-1m"},
	} {
		var out, errb bytes.Buffer
		err := runMock(context.Background(), args, &out, &errb)
		if err == nil {
			t.Errorf("%v accepted", args)
			continue
		}
		for _, secret := range []string{"no-colon-secret", "only-secret", "spaced-secret", "secret-pw"} {
			if strings.Contains(err.Error()+errb.String(), secret) {
				t.Errorf("%v: the error shows the secret: %v %s", args, err, errb.String())
			}
		}
	}
	var out, errb bytes.Buffer
	if err := runMock(context.Background(), []string{"-h"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-aksk", "AK:SK", "-iam-user", "NAME:PASSWORD[@DOMAIN]", "-max-skew", "/v3/auth/tokens", "X-Subject-Token", "SDK-HMAC-SHA256"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("-h lacks %s", want)
		}
	}
}

// TestRunMockDeviations serves several deviations at once over HTTP.
func TestRunMockDeviations(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- runMock(ctx, []string{"-addr", "127.0.0.1:0", "-delay", "0",
			"-deviation", "request-id-constant", "-deviation", "METHOD-405-NO-ALLOW", "-deviation", "completes-late"}, pw, &stderr)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	kv := map[string]string{}
	for sc.Scan() {
		l := sc.Text()
		if u, ok := strings.CutPrefix(l, "LISTEN "); ok {
			kv["url"] = u
		}
		if rest, ok := strings.CutPrefix(l, "IDS "); ok {
			for _, f := range strings.Fields(rest) {
				k, v, _ := strings.Cut(f, "=")
				kv[k] = v
			}
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if kv["url"] == "" || kv["server"] == "" {
		t.Fatal("no LISTEN/IDS lines")
	}
	nics := kv["url"] + "/v2.1/" + kv["project"] + "/servers/" + kv["server"] + "/os-interface"
	do := func(method, url, body string) (*http.Response, string) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, url, rd)
		req.Header.Set("X-Auth-Token", mock.DefaultToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	const constantID = "req-00000000-0000-0000-0000-000000000000"
	resp, _ := do("PUT", nics+"/"+kv["primary_port"], "")
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "" || resp.Header.Get("X-Openstack-Request-Id") != constantID {
		t.Errorf("PUT: %d, Allow %q, request id %q", resp.StatusCode, resp.Header.Get("Allow"), resp.Header.Get("X-Openstack-Request-Id"))
	}
	resp, body := do("POST", nics, `{"interfaceAttachment":{"net_id":"`+kv["network"]+`"}}`)
	var att struct {
		InterfaceAttachment struct {
			PortID string `json:"port_id"`
		} `json:"interfaceAttachment"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &att) != nil {
		t.Fatalf("attach: %d %s", resp.StatusCode, body)
	}
	// completes-late: even with -delay 0 the NIC is still listed after the 202.
	if resp, _ := do("DELETE", nics+"/"+att.InterfaceAttachment.PortID, ""); resp.StatusCode != http.StatusAccepted {
		t.Errorf("DELETE: %d", resp.StatusCode)
	}
	if _, list := do("GET", nics, ""); !strings.Contains(list, att.InterfaceAttachment.PortID) {
		t.Errorf("completes-late: the NIC left at once: %s", list)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("runMock: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runMock did not return after cancel")
	}
}
