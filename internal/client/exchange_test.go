package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/paths"
)

// A secret never reaches a recorded field, the logger or an error string.
func TestSecretsNeverLeak(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Subject-Token", canary)
		w.Header().Set("X-Echo", "you sent "+r.Header.Get("X-Auth-Token"))
		w.Header().Set("Location", "http://x/?token="+url.QueryEscape(canary))
		msg := fmt.Sprintf(`{"itemNotFound":{"code":404,"message":"token %s in %s is bad"}}`, canary, r.URL)
		reply(w, http.StatusNotFound, "application/json", msg)
	})
	logger, logs := bufferLogger()
	c := newClient(t, tg.URL, func(c *Config) { c.Auth = Token(canary); c.Logger = logger })
	ctx := context.Background()

	var errs []error
	first, err := c.Do(ctx, Request{
		Method: http.MethodPost, Segments: paths.Interfaces.Segments(c.project, server),
		Query:  url.Values{"token": {canary}, "q": {"x" + canary}},
		Header: http.Header{"X-Note": {canary}},
		JSON:   map[string]any{"auth": map[string]any{"password": "hunter22", "nested": []any{map[string]string{"Secret_Key": "sk-value"}}, "note": canary}},
		Note:   "probe with " + canary,
	})
	if err != nil || first.Status != http.StatusNotFound {
		t.Fatalf("Do: %v", err)
	}
	if got := tg.last().Header.Get("X-Auth-Token"); got != canary {
		t.Errorf("token not sent: %q", got)
	}
	_, ex, err := c.GetPort(ctx, port)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetPort: %v", err)
	}
	errs = append(errs, err)
	if !strings.Contains(ex.RequestHeader.Get("X-Auth-Token"), Redacted) || ex.ResponseHeader.Get("X-Subject-Token") != Redacted {
		t.Errorf("headers not redacted: %v %v", ex.RequestHeader, ex.ResponseHeader)
	}
	// A copy without credentials still scrubs its parent's secret.
	_, _, err = c.WithAuth(nil).GetPort(ctx, port)
	errs = append(errs, err)
	// Transport errors.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	dead := newClient(t, "http://"+addr, func(c *Config) { c.Auth = Token(canary); c.Logger = logger })
	_, err = dead.Do(ctx, Request{Method: http.MethodDelete, Segments: []string{"v2.1", canary}, Query: url.Values{"x": {canary}}})
	errs = append(errs, err)

	var all []*Exchange
	all = append(all, c.Recorder().Exchanges()...)
	all = append(all, dead.Recorder().Exchanges()...)
	if len(all) < 4 {
		t.Fatalf("%d exchanges", len(all))
	}
	for _, ex := range all {
		dump, err := json.Marshal(ex)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{string(dump), ex.String(), fmt.Sprintf("%+v", *ex), string(ex.RequestBody), string(ex.ResponseBody)} {
			for _, secret := range []string{canary, url.QueryEscape(canary), "hunter22", "sk-value"} {
				if strings.Contains(s, secret) {
					t.Errorf("exchange %d leaks %q: %s", ex.Seq, secret, s)
				}
			}
		}
	}
	for _, err := range errs {
		if err == nil {
			t.Error("expected an error")
			continue
		}
		if strings.Contains(err.Error(), canary) {
			t.Errorf("error leaks the secret: %v", err)
		}
	}
	if l := logs.String(); strings.Contains(l, canary) || !strings.Contains(l, "request_id=req-test") {
		t.Errorf("logger output leaks or lacks fields:\n%s", l)
	}
	if fmt.Sprint(Token(canary)) == canary || strings.Contains(fmt.Sprintf("%#v %v", Token(canary), Token(canary)), canary) {
		t.Error("Token prints its secret")
	}
}

func TestRedactJSONKeepsEverythingElse(t *testing.T) {
	in := []byte(`{"auth": {"identity": {"password": {"user": {"name": "u", "password" : "p@ss\"w"}}},
  "token_id":"abc", "tokens": ["a"], "count": 3, "Secret": null, "x": "password"}}`)
	want := `{"auth": {"identity": {"password": {"user": {"name": "u", "password" : "REDACTED"}}},
  "token_id":"REDACTED", "tokens": ["a"], "count": 3, "Secret": null, "x": "password"}}`
	if got := string(redactJSON(in)); got != want {
		t.Errorf("redactJSON:\n got %s\nwant %s", got, want)
	}
	plain := []byte(`{"port":{"id":"x"}}`)
	if got := redactJSON(plain); &got[0] != &plain[0] {
		t.Error("a body without sensitive keys was copied")
	}
	if got := string(redactJSON([]byte(`not json token`))); got != "not json token" {
		t.Errorf("non-JSON changed: %s", got)
	}
}

func TestRedactQuery(t *testing.T) {
	r := newRedactor([]string{"abcd"})
	if got := r.query("name=x&X-Auth-Token=t1&signature=s&v=abcd"); got != "name=x&X-Auth-Token=REDACTED&signature=REDACTED&v=REDACTED" {
		t.Errorf("query: %s", got)
	}
	if got := newRedactor([]string{"abc"}).scrub("abc"); got != "abc" {
		t.Errorf("a secret shorter than 4 bytes was scrubbed: %s", got)
	}
}

// A body longer than KeptBody leaves memory when its exchange is
// recorded: the exchange keeps its first KeptBody bytes and reads the
// whole back (issue 26: memory bounded whatever the target sends), while
// the typed call that made it decoded all of it.
func TestLongBodiesAreSpooledAndReadBack(t *testing.T) {
	const n = 3000 // ports: about 330 KiB of JSON
	var body strings.Builder
	body.WriteString(`{"ports":[`)
	for i := range n {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"id":"aaaaaaaa-bbbb-4ccc-8ddd-%012d","network_id":"%s","status":"DOWN","device_id":"","fixed_ips":[],"mac_address":"fa:16:3e:00:00:01","name":"pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad"}`, i, network)
	}
	body.WriteString(`]}`)
	served := body.String()
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, "application/json", served)
	})
	c := newClient(t, tg.URL)
	ports, ex, err := c.ListPorts(context.Background(), ListPortsOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ports) != n {
		t.Fatalf("decoded %d ports, want %d", len(ports), n)
	}
	if len(served) <= KeptBody || len(served) > MaxBody {
		t.Fatalf("the test's body is %d bytes: it must be over KeptBody and at most MaxBody", len(served))
	}
	if len(ex.ResponseBody) != KeptBody || string(ex.ResponseBody) != served[:KeptBody] {
		t.Errorf("kept %d bytes in memory, want the first %d", len(ex.ResponseBody), KeptBody)
	}
	if ex.BodySize() != len(served) {
		t.Errorf("BodySize %d, want %d", ex.BodySize(), len(served))
	}
	got, err := ex.Body()
	if err != nil || string(got) != served {
		t.Fatalf("Body: %d bytes, err %v; want the %d served", len(got), err, len(served))
	}
	var again struct{ Ports []Port }
	if err := ex.JSON(&again); err != nil || len(again.Ports) != n {
		t.Fatalf("JSON: %d ports, err %v", len(again.Ports), err)
	}
	raw, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	var travelled Exchange
	if err := json.Unmarshal(raw, &travelled); err != nil || string(travelled.ResponseBody) != served {
		t.Errorf("as JSON (a parallel run's report entry) the body is %d bytes, err %v; want the %d served", len(travelled.ResponseBody), err, len(served))
	}
	if recorded := c.Recorder().Exchanges(); recorded[len(recorded)-1] != ex {
		t.Fatal("the recorder holds another exchange than the one returned")
	}

	// A short body stays whole in memory.
	short := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, "application/json", `{"ports":[]}`)
	})
	_, ex, err = newClient(t, short.URL).ListPorts(context.Background(), ListPortsOpts{})
	if err != nil || string(ex.ResponseBody) != `{"ports":[]}` || ex.spooled != nil {
		t.Fatalf("short body: %q spooled %v err %v", ex.ResponseBody, ex.spooled != nil, err)
	}
}
