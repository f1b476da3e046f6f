package faultproxy

import (
	"bufio"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func upstream(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Host-Seen", r.Host)
		_, _ = io.WriteString(w, `{"server":{"id":"x"}}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestStartRefusesBadOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"no upstream":            {},
		"unknown mode":           {Upstream: "http://127.0.0.1:1", Modes: []Mode{"nope"}},
		"redirect with no where": {Upstream: "http://127.0.0.1:1", Modes: []Mode{RedirectLogin}},
	} {
		if p, err := Start(o); err == nil {
			p.Close()
			t.Errorf("%s: started", name)
		}
	}
	if len(Modes()) != len(faults) {
		t.Error("Modes does not list every fault")
	}
}

// A faithful proxy forwards as it came (the Host included: a signature
// covers it); redirect-login redirects the login only.
func TestForwardAndRedirectLogin(t *testing.T) {
	var caught atomic.Int64
	catcher := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { caught.Add(1) }))
	defer catcher.Close()
	p, err := Start(Options{Upstream: upstream(t).URL, Modes: []Mode{RedirectLogin}, RedirectTo: catcher.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, p.URL+"/v2.1/p/servers/x", nil)
	req.Header.Set("X-Auth-Token", "tok-1")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != `{"server":{"id":"x"}}` || resp.Header.Get("X-Host-Seen") != strings.TrimPrefix(p.URL, "http://") {
		t.Errorf("forwarded: %d %s %v", resp.StatusCode, b, resp.Header)
	}
	resp, err = hc.Post(p.URL+"/v3/auth/tokens", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Location") != catcher.URL+"/v3/auth/tokens" {
		t.Errorf("login: %d %v", resp.StatusCode, resp.Header)
	}
	if got := p.Credentials(); len(got) != 1 || got[0] != "tok-1" {
		t.Errorf("credentials seen: %q", got)
	}
	if caught.Load() != 0 {
		t.Error("the proxy itself went to the catcher")
	}
}

// echo puts every rendering in the answer's headers and body; echo-idle
// the raw request after it on the connection.
func TestEcho(t *testing.T) {
	p, err := Start(Options{Upstream: upstream(t).URL, Modes: []Mode{Echo, EchoIdle}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET /v2.1/x HTTP/1.1\r\nHost: h\r\nX-Auth-Token: tok/en+1\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	after, _ := io.ReadAll(br)
	all := string(body) + "\n" + strings.Join(resp.Header.Values("X-Echo-X-Auth-Token-0-Value-B64"), "")
	for _, want := range []string{
		`"X-Auth-Token-0-value-raw":"tok/en+1"`, base64.StdEncoding.EncodeToString([]byte("tok/en+1")),
		base64.RawURLEncoding.EncodeToString([]byte("X-Auth-Token: tok/en+1")), `tok\/en+1`, "tok%2Fen%2B1", `\u0074\u006f\u006b`, `"server":{"id":"x"}`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("%q not echoed: %s", want, all)
		}
	}
	if !strings.Contains(string(after), "X-Auth-Token: tok/en+1") {
		t.Errorf("unsolicited bytes: %q", after)
	}
}

// The size faults: a 2 GiB body with its Content-Length, streamed; a
// small gzip body that inflates past 1 GiB; an 8 MiB header; a list
// padded with {} items to 1 MiB, still JSON.
func TestSizeFaults(t *testing.T) {
	list := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"interfaceAttachments":[{"port_id":"a"}],"n":1}`)
	}))
	defer list.Close()
	get := func(t *testing.T, up string, m Mode) *http.Response {
		t.Helper()
		p, err := Start(Options{Upstream: up, Modes: []Mode{m}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		hc := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxResponseHeaderBytes: 16 << 20}}
		t.Cleanup(hc.CloseIdleConnections)
		resp, err := hc.Get(p.URL + "/v2.1/p/servers/x/os-interface")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	t.Run("huge-body", func(t *testing.T) {
		resp := get(t, upstream(t).URL, HugeBody)
		head, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		if resp.ContentLength != HugeBodySize || err != nil || !strings.HasPrefix(string(head), `{"server":{"id":"x"}}   `) || len(head) != 4<<20 {
			t.Errorf("Content-Length %d, %d bytes read (%v): %.40q", resp.ContentLength, len(head), err, head)
		}
	})
	t.Run("gzip-bomb", func(t *testing.T) {
		resp := get(t, upstream(t).URL, GzipBomb)
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.ContentLength > BombSize/512 {
			t.Fatalf("Content-Encoding %q, Content-Length %d", resp.Header.Get("Content-Encoding"), resp.ContentLength)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, zr)
		if n < BombSize || err != nil {
			t.Errorf("inflates to %d bytes (%v)", n, err)
		}
	})
	t.Run("huge-headers", func(t *testing.T) {
		resp := get(t, upstream(t).URL, HugeHeaders)
		if len(resp.Header.Get("X-Padding")) != HugeHeaderSize {
			t.Errorf("X-Padding is %d bytes", len(resp.Header.Get("X-Padding")))
		}
	})
	t.Run("junk-list", func(t *testing.T) {
		resp := get(t, list.URL, JunkList)
		b, _ := io.ReadAll(resp.Body)
		var got struct {
			InterfaceAttachments []map[string]any `json:"interfaceAttachments"`
		}
		if err := json.Unmarshal(b, &got); err != nil || len(b) > JunkListSize || len(b) < JunkListSize-8 {
			t.Fatalf("%d bytes: %v", len(b), err)
		}
		last := got.InterfaceAttachments[len(got.InterfaceAttachments)-1]
		if len(got.InterfaceAttachments) < 300000 || last["port_id"] != "a" || len(got.InterfaceAttachments[0]) != 0 {
			t.Errorf("%d items, the last %v", len(got.InterfaceAttachments), last)
		}
	})
}

// garble-witness-attach cuts every attach of a port created as
// "…-witness", and no other; garble-net-attach every net_id attach, and
// no port_id one.
func TestGarbleWitnessAndNetAttach(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/ports") {
			id := "port-other"
			if strings.Contains(string(body), "-witness") {
				id = "port-witness"
			}
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"port":{"id":"`+id+`"}}`)
			return
		}
		_, _ = io.WriteString(w, `{"interfaceAttachment":{"port_id":"port-x","net_id":"n"}}`)
	}))
	defer up.Close()
	for mode, want := range map[Mode][]bool{
		GarbleWitnessAttach: {true, true, false, false},
		GarbleNetAttach:     {false, false, false, true},
	} {
		p, err := Start(Options{Upstream: up.URL, Modes: []Mode{mode}})
		if err != nil {
			t.Fatal(err)
		}
		post := func(path, body string) string {
			resp, err := http.Post(p.URL+path, "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return string(b)
		}
		post("/v2.0/ports", `{"port":{"name":"nicconform-r-witness","network_id":"n"}}`)
		post("/v2.0/ports", `{"port":{"name":"nicconform-r-other","network_id":"n"}}`)
		attaches := []string{`{"interfaceAttachment":{"port_id":"port-witness"}}`, `{"interfaceAttachment":{"port_id":"port-witness"}}`,
			`{"interfaceAttachment":{"port_id":"port-other"}}`, `{"interfaceAttachment":{"net_id":"n"}}`}
		for i, body := range attaches {
			got := post("/v2.1/p/servers/s/os-interface", body)
			if cut := !json.Valid([]byte(got)); cut != want[i] {
				t.Errorf("%s: attach %s answered %q (cut: %t, want %t)", mode, body, got, cut, want[i])
			}
		}
		p.Close()
	}
}
