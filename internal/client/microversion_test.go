package client

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/paths"
)

func TestParseMicroversion(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Microversion
		ok   bool
	}{
		{"2.1", Microversion{2, 1}, true},
		{"2.73", Microversion{2, 73}, true},
		{"3.0", Microversion{3, 0}, true},
		{"2.01", Microversion{}, false},
		{"latest", Microversion{}, false},
		{"2", Microversion{}, false},
		{" 2.1", Microversion{}, false},
		{"2.99999999999999999999", Microversion{}, false},
	} {
		got, err := ParseMicroversion(c.in)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("%q: %v %v", c.in, got, err)
		}
	}
	if !(Microversion{2, 9}).Less(Microversion{2, 73}) || (Microversion{3, 0}).Less(Microversion{2, 73}) {
		t.Error("Less")
	}
}

func TestAnsweredMicroversion(t *testing.T) {
	for _, c := range []struct {
		h    http.Header
		want string
	}{
		{http.Header{}, ""},
		{http.Header{"Openstack-Api-Version": {"compute 2.73"}, "X-Openstack-Nova-Api-Version": {"2.73"}}, "2.73"},
		{http.Header{"Openstack-Api-Version": {"volume 3.0, compute 2.9"}}, "2.9"},
		{http.Header{"Openstack-Api-Version": {"volume 3.0"}, "X-Openstack-Nova-Api-Version": {"2.60"}}, "2.60"},
		{http.Header{"X-Openstack-Nova-Api-Version": {"2.1, 2.2"}}, "2.2"},
	} {
		if got := AnsweredMicroversion(c.h); got != c.want {
			t.Errorf("%v: %q, want %q", c.h, got, c.want)
		}
	}
}

func TestMicroversionSettings(t *testing.T) {
	if _, err := New(Config{ComputeURL: "http://127.0.0.1:1", Microversion: "2.07"}); err == nil || !strings.Contains(err.Error(), "Config.Microversion") {
		t.Errorf("a malformed Config.Microversion: %v", err)
	}
	c := newClient(t, "http://127.0.0.1:1", func(cfg *Config) { cfg.Microversion = "latest" })
	if c.microversion != "latest" {
		t.Errorf("microversion = %q", c.microversion)
	}
	d := c.WithMicroversion("2.60")
	if d.microversion != "2.60" || c.microversion != "latest" || d.Recorder() != c.Recorder() {
		t.Error("WithMicroversion must return a copy sharing the recorder")
	}
	if d.WithMicroversion("").microversion != "" {
		t.Error(`WithMicroversion("") must send none`)
	}
	bad := c.WithMicroversion("two")
	if _, err := bad.Detach(context.Background(), server, port); err == nil || !strings.Contains(err.Error(), `microversion "two"`) {
		t.Errorf("a malformed WithMicroversion: %v", err)
	}
	if _, err := bad.DeletePort(context.Background(), port); err == nil || !strings.Contains(err.Error(), "dial") && !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("network calls carry no microversion, so a malformed one does not stop them: %v", err)
	}
}

// TestMicroversionOnTheWire checks which requests carry which version and
// that the exchange records the version the target answered.
func TestMicroversionOnTheWire(t *testing.T) {
	type seen struct{ legacy, std, body string }
	var got seen
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = seen{r.Header.Get(HeaderNovaAPIVersion), r.Header.Get(HeaderAPIVersion), string(b)}
		if v := got.legacy; v != "" && strings.HasPrefix(r.URL.Path, "/v2.1/") {
			if v == "latest" {
				v = "2.73"
			}
			w.Header().Set(HeaderAPIVersion, "compute "+v)
			w.Header().Set(HeaderNovaAPIVersion, v)
			w.Header().Add("Vary", HeaderAPIVersion)
			w.Header().Add("Vary", HeaderNovaAPIVersion)
		}
		switch {
		case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/servers/"+server):
			reply(w, 200, "application/json", `{"server":{"id":"`+server+`","name":"vm","status":"ACTIVE","locked":true,"locked_reason":"maintenance"}}`)
		case r.URL.Path == "/v2.0/ports/"+port:
			reply(w, 200, "application/json", `{"port":`+portJSON(port, "p")+`}`)
		default:
			reply(w, 202, "", "")
		}
	})
	ctx := context.Background()
	check := func(name string, ex *Exchange, err error, want seen, answered string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != want || ex.Microversion != answered {
			t.Errorf("%s sent %+v (answered %q), want %+v (answered %q)", name, got, ex.Microversion, want, answered)
		}
		if !ex.Valid() || len(ex.RequestViolations) > 0 {
			t.Errorf("%s: %s", name, ex)
		}
	}
	plain := newClient(t, tg.URL)
	ex, err := plain.Detach(ctx, server, port)
	check("detach, no microversion", ex, err, seen{}, "")
	srv, ex, err := plain.GetServer(ctx, server)
	check("show server asks 2.9", ex, err, seen{"2.9", "compute 2.9", ""}, "2.9")
	if !srv.Locked || srv.LockedReason == nil || *srv.LockedReason != "maintenance" {
		t.Errorf("server %+v", srv)
	}
	ex, err = plain.LockWithReason(ctx, server, "maintenance")
	check("lock with a reason asks 2.73", ex, err, seen{"2.73", "compute 2.73", `{"lock":{"locked_reason":"maintenance"}}`}, "2.73")
	ex, err = plain.Lock(ctx, server)
	check("lock, no microversion", ex, err, seen{"", "", `{"lock":null}`}, "")

	at60 := plain.WithMicroversion("2.60")
	ex, err = at60.Detach(ctx, server, port)
	check("detach at 2.60", ex, err, seen{"2.60", "compute 2.60", ""}, "2.60")
	_, ex, err = at60.GetServer(ctx, server)
	check("show server at 2.60", ex, err, seen{"2.60", "compute 2.60", ""}, "2.60")
	ex, err = at60.LockWithReason(ctx, server, "r")
	check("lock with a reason from 2.60 asks 2.73", ex, err, seen{"2.73", "compute 2.73", `{"lock":{"locked_reason":"r"}}`}, "2.73")
	_, ex, err = at60.GetPort(ctx, port)
	check("network calls carry none", ex, err, seen{}, "")
	latest := plain.WithMicroversion("latest")
	ex, err = latest.LockWithReason(ctx, server, "r")
	check("latest stays latest", ex, err, seen{"latest", "compute latest", `{"lock":{"locked_reason":"r"}}`}, "2.73")

	// A request's own header or version wins; a malformed one is refused.
	ex, err = at60.Do(ctx, Request{Method: "DELETE", Service: Compute, Segments: paths.Interface.Segments(at60.project, server, port),
		Header: http.Header{HeaderAPIVersion: {"compute 2.7"}}})
	check("own header", ex, err, seen{"", "compute 2.7", ""}, "")
	ex, err = at60.Do(ctx, Request{Method: "DELETE", Service: Compute, Segments: paths.Interface.Segments(at60.project, server, port), Microversion: "2.20"})
	check("own microversion", ex, err, seen{"2.20", "compute 2.20", ""}, "2.20")
	if _, err := at60.Do(ctx, Request{Method: "DELETE", Service: Compute, Segments: []string{"x"}, Microversion: "2.x"}); err == nil {
		t.Error("a malformed Request.Microversion was sent")
	}
}
