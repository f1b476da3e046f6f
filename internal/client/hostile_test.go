package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Every rendering a target can echo a secret in is scrubbed: raw, base64
// and base64url (padded or not, and within a longer encoded string at any
// alignment), JSON \u and \/ escapes, URL-encoded.
func TestRedactorCatchesEveryRendering(t *testing.T) {
	for _, secret := range []string{"canary-4f1d9a7e2b", "a/b+c=d?e&f", "t0k3n/with+slash/and=eq", "short!!"} {
		var u strings.Builder
		for _, r := range secret {
			fmt.Fprintf(&u, `\u%04X`, r)
		}
		forms := map[string]string{
			"raw":        secret,
			"json-slash": strings.ReplaceAll(secret, "/", `\/`),
			"u-escape":   strings.ToLower(u.String()),
			"U-escape":   u.String(),
			"query":      url.QueryEscape(secret),
			"path":       url.PathEscape(secret),
		}
		for k, prefix := range []string{"", "X", "XY", "X-Auth-Token: "} {
			for name, enc := range map[string]*base64.Encoding{"b64": base64.StdEncoding, "b64url": base64.URLEncoding, "b64raw": base64.RawStdEncoding, "b64rawurl": base64.RawURLEncoding} {
				e := enc.EncodeToString([]byte(prefix + secret))
				forms[fmt.Sprintf("%s+%d", name, k)] = e
				forms[fmt.Sprintf("%s+%d in JSON with \\/", name, k)] = strings.ReplaceAll(e, "/", `\/`)
				forms[fmt.Sprintf("%s+%d query-escaped", name, k)] = url.QueryEscape(e)
			}
		}
		red := newRedactor([]string{secret})
		for name, form := range forms {
			text := `{"echo":"` + form + `","more":1}`
			got := red.scrub(text)
			if !strings.Contains(got, Redacted) {
				t.Errorf("%q %s: %s not scrubbed", secret, name, got)
				continue
			}
			// What is left of the encoded secret is at most the couple of
			// characters at its edges that it shares with its neighbours, besides
			// the prefix and the padding.
			left := strings.TrimSuffix(strings.TrimPrefix(got, `{"echo":"`), `","more":1}`)
			if n := len(strings.Replace(left, Redacted, "", 1)); n > 30 {
				t.Errorf("%q %s: %q left", secret, name, left)
			}
		}
		if got := string(red.body([]byte(forms["b64+3"]))); strings.Contains(got, forms["b64+3"]) {
			t.Errorf("body not scrubbed: %s", got)
		}
	}
	// Ordinary text is left alone.
	red := newRedactor([]string{"canary-4f1d9a7e2b"})
	if s := `{"server":{"id":"6f1b1b62-8f3c-4bd4-9b1e-6d1c5e0d8a11","name":"vm QUJDREVGR0g="}}`; red.scrub(s) != s {
		t.Errorf("ordinary text changed: %s", red.scrub(s))
	}
}

// Every credential header value the run sent (an SDK-HMAC Authorization
// included, whose signature changes with every request) is scrubbed from
// the answers, in every rendering, wherever the target echoes it.
func TestEchoedCredentialHeadersAreScrubbed(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		a := r.Header.Get("Authorization")
		_, sig, _ := strings.Cut(a, "Signature=")
		w.Header().Set("X-Echo", base64.StdEncoding.EncodeToString([]byte("Authorization: "+a)))
		reply(w, http.StatusNotFound, "application/json", fmt.Sprintf(`{"itemNotFound":{"code":404,"message":"%s %s %s"}}`,
			strings.ReplaceAll(a, "/", `\/`), base64.RawURLEncoding.EncodeToString([]byte(sig)), url.QueryEscape(sig)))
	})
	c := newClient(t, tg.URL, func(c *Config) { c.Auth = AKSK("CANARYAK", "canary-sk-7e2b4f1d9a", "", project) })
	ex, err := c.Do(context.Background(), Request{Method: http.MethodGet, Segments: []string{"v2.1", "servers"}, NoRetry: true})
	if err != nil {
		t.Fatal(err)
	}
	sent := tg.last().Header.Get("Authorization")
	_, sig, _ := strings.Cut(sent, "Signature=")
	if sig == "" {
		t.Fatalf("no signature sent: %q", sent)
	}
	all := ex.String() + fmt.Sprint(ex.ResponseHeader)
	for _, leak := range []string{sig, sent, base64.RawURLEncoding.EncodeToString([]byte(sig))[:40], base64.StdEncoding.EncodeToString([]byte("Authorization: " + sent))[24:80]} {
		if strings.Contains(all, leak) {
			t.Errorf("%q is in the record: %s", leak, all)
		}
	}
	if !strings.Contains(string(ex.ResponseBody), Redacted) || !strings.Contains(ex.ResponseHeader.Get("X-Echo"), Redacted) {
		t.Errorf("nothing scrubbed: %s %v", ex.ResponseBody, ex.ResponseHeader)
	}
}

// net/http's own log lines go out with what the peer sent withheld.
func TestNetLogWithholdsPeerBytes(t *testing.T) {
	var buf bytes.Buffer
	l := log.New(NetLog(&buf), "", 0)
	l.Printf("Unsolicited response received on idle HTTP channel starting with %q; err=%v", "GET / HTTP/1.1\r\nX-Auth-Token: canary-4f1d\"9a\r\n", nil)
	l.Printf("http2: invalid header: %v", `unclosed "canary-4f1d`)
	l.Printf("plain line")
	got := buf.String()
	if strings.Contains(got, "canary") {
		t.Errorf("the peer's bytes went out: %s", got)
	}
	for _, want := range []string{"starting with <46 bytes from the peer, withheld>; err=<nil>\n", "invalid header: unclosed <", "plain line\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q in %s", want, got)
		}
	}
}

// A password login answered with a redirect is an error naming the host
// Location names; nothing goes there.
func TestIAMLoginRefusesRedirect(t *testing.T) {
	catcher := newTarget(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 201, "", "") })
	for _, status := range []int{301, 302, 303, 307, 308} {
		iam := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, catcher.URL+r.URL.Path, status)
		})
		for name, hc := range map[string]*http.Client{"default client": nil, "a client that follows": {}, "the target's": {CheckRedirect: RefuseRedirect}} {
			cfg := iamConfig(iam.URL)
			cfg.HTTPClient = hc
			a := IAMPassword(cfg)
			err := a.Authenticate(context.Background(), &http.Request{Header: http.Header{}}, nil)
			var re *RedirectError
			host := strings.TrimPrefix(catcher.URL, "http://")
			if !errors.As(err, &re) || re.Host != host || !strings.Contains(err.Error(), host) {
				t.Errorf("%d, %s: err %v, want a RedirectError naming %s", status, name, err, host)
			}
			if err != nil {
				checkNoIAMSecret(t, err.Error())
			}
		}
	}
	if n := catcher.hits.Load(); n != 0 {
		t.Errorf("the catcher got %d requests", n)
	}
}

// An id learned from an answer that is not a UUID is the answering call's
// contract breach: the call returns an *IDError and no id, so it goes in
// no path.
func TestMalformedIDsInAnswersAreRefused(t *testing.T) {
	for _, bad := range []string{"..", ".", "a/b", "x?y", "x#y", "id\x01", "not-a-uuid", ""} {
		body, _ := json.Marshal(bad)
		tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
			switch {
			case strings.HasSuffix(r.URL.Path, "/os-interface") && r.Method == http.MethodPost:
				reply(w, 200, "application/json", `{"interfaceAttachment":{"port_id":`+string(body)+`}}`)
			case strings.HasSuffix(r.URL.Path, "/os-interface"):
				reply(w, 200, "application/json", `{"interfaceAttachments":[`+nic(port, `"fa:16:3e:00:00:01"`)+`,{"port_id":`+string(body)+`}]}`)
			case strings.HasSuffix(r.URL.Path, "/ports") && r.Method == http.MethodPost:
				reply(w, 201, "application/json", `{"port":{"id":`+string(body)+`}}`)
			default:
				reply(w, 200, "application/json", `{"ports":[{"id":`+string(body)+`}]}`)
			}
		})
		c := newClient(t, tg.URL)
		ctx := context.Background()
		nicAttached, _, err1 := c.AttachNetwork(ctx, server, network)
		nics, _, err2 := c.ListInterfaces(ctx, server)
		p, _, err3 := c.CreatePort(ctx, network, "n")
		ports, _, err4 := c.ListPorts(ctx, ListPortsOpts{NetworkID: network})
		for i, err := range []error{err1, err2, err3, err4} {
			var ie *IDError
			if !errors.As(err, &ie) || ie.ID != bad {
				t.Errorf("%q, call %d: %v, want an IDError", bad, i+1, err)
			}
		}
		if nicAttached.PortID != "" || nics != nil || p.ID != "" || ports != nil {
			t.Errorf("%q: an id was returned: %v %v %v %v", bad, nicAttached, nics, p, ports)
		}
	}
}

// A NIC show that answers another port_id than the one asked for is a
// contract violation of its exchange (a neighbour's departure: an
// advisory), not an error; the same port_id is none.
func TestNICShowOfAnotherPortIsAViolation(t *testing.T) {
	const other = "aaaaaaaa-bbbb-4ccc-8ddd-000000000001"
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		shown := port
		if strings.HasSuffix(r.URL.Path, "/"+other) {
			shown = "aaaaaaaa-bbbb-4ccc-8ddd-000000000002"
		}
		reply(w, 200, "application/json", `{"interfaceAttachment":`+nic(shown, `"fa:16:3e:00:00:01"`)+`}`)
	})
	c := newClient(t, tg.URL)
	nicShown, ex, err := c.GetInterface(context.Background(), server, other)
	if err != nil || nicShown.PortID != "aaaaaaaa-bbbb-4ccc-8ddd-000000000002" {
		t.Fatalf("GetInterface: %v %v", nicShown, err)
	}
	if !hasKind(ex.Violations, KindContract) || !strings.Contains(fmt.Sprint(ex.Violations), other) {
		t.Errorf("violations %v, want a contract violation naming %s", ex.Violations, other)
	}
	_, ex, err = c.GetInterface(context.Background(), server, port)
	if err != nil || len(ex.Violations) != 0 {
		t.Errorf("the port asked for: %v %v", ex.Violations, err)
	}
}

// An answer whose header block is over MaxHeaderBytes is refused (a
// TransportError), never read whole.
func TestHugeHeaderBlockIsRefused(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		for i := range 64 {
			w.Header().Set(fmt.Sprintf("X-Junk-%d", i), strings.Repeat("j", 8<<10))
		}
		reply(w, http.StatusNotFound, "application/json", `{}`)
	})
	c := newClient(t, tg.URL)
	ex, err := c.Do(context.Background(), Request{Method: http.MethodGet, Segments: []string{"v2.1", "servers"}, NoRetry: true})
	var te *TransportError
	if !errors.As(err, &te) || ex == nil || ex.Status != 0 || !strings.Contains(err.Error(), "exceeded") {
		t.Errorf("a 512 KiB header block: %v (%v)", err, ex)
	}
}

// A body that never ends, or a gzip bomb (64 MiB of zeros in 64 KiB), is
// read to MaxBody and no further: the exchange keeps MaxBody bytes and says
// the body was cut.
func TestEndlessAndBombBodiesAreCut(t *testing.T) {
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zeros := make([]byte, 1<<20)
	for range 64 {
		_, _ = zw.Write(zeros)
	}
	_ = zw.Close()
	for name, h := range map[string]http.HandlerFunc{
		"endless": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			chunk := bytes.Repeat([]byte("x"), 64<<10)
			for i := 0; i < 1<<14; i++ { // 1 GiB, unless the client goes away
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		},
		"gzip bomb": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(bomb.Bytes())
		},
	} {
		tg := newTarget(t, h)
		c := newClient(t, tg.URL)
		ex, err := c.Do(context.Background(), Request{Method: http.MethodGet, Segments: []string{"v2.1", "servers"}, NoRetry: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ex.BodySize() != MaxBody || len(ex.ResponseBody) != KeptBody || !strings.Contains(fmt.Sprint(ex.Violations), "larger than 1 MiB") {
			t.Errorf("%s: %d bytes kept, %d in memory, violations %v", name, ex.BodySize(), len(ex.ResponseBody), ex.Violations)
		}
	}
}
