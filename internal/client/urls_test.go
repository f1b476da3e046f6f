package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Every id reaches the server as exactly one escaped segment.
func TestIDsArriveAsOneEscapedSegment(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusNotFound, "application/json", `{"itemNotFound":{"code":404,"message":"x"}}`)
	})
	for _, base := range []string{tg.URL, tg.URL + "/prefix/"} {
		c := newClient(t, base)
		prefix := strings.TrimPrefix(strings.TrimSuffix(base, "/"), tg.URL)
		for _, id := range []string{"a/b", "50%", "a b", "a?b", "a#b", "ünï-🙂", "", "...", "a;b=c", "%2F"} {
			ex, err := c.Detach(context.Background(), server, id)
			if err != nil {
				t.Fatalf("%q: %v", id, err)
			}
			got := tg.last().URL.EscapedPath()
			want := prefix + "/v2.1/" + project + "/servers/" + server + "/os-interface/" + url.PathEscape(id)
			if got != want {
				t.Errorf("id %q: server saw %q, want %q", id, got, want)
			}
			segs := strings.Split(strings.TrimPrefix(got, prefix+"/"), "/")
			if len(segs) != 6 {
				t.Errorf("id %q: %d segments in %q", id, len(segs), got)
				continue
			}
			if dec, err := url.PathUnescape(segs[5]); err != nil || dec != id {
				t.Errorf("id %q: last segment %q decodes to %q (%v)", id, segs[5], dec, err)
			}
			if tg.last().URL.RawQuery != "" {
				t.Errorf("id %q leaked into the query: %q", id, tg.last().URL.RawQuery)
			}
			if !strings.HasSuffix(ex.URL, "/os-interface/"+url.PathEscape(id)) {
				t.Errorf("recorded URL %q", ex.URL)
			}
		}
	}
}

// A dot segment is never sent: a server or a gateway would resolve it
// (…/os-interface/.. is the server itself).
func TestDotSegmentsAreNeverSent(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusNoContent, "", "") })
	c := newClient(t, tg.URL)
	ctx := context.Background()
	for _, id := range []string{".", ".."} {
		calls := map[string]func() error{
			"Detach":       func() error { _, err := c.Detach(ctx, server, id); return err },
			"DeletePort":   func() error { _, err := c.DeletePort(ctx, id); return err },
			"GetPort":      func() error { _, _, err := c.GetPort(ctx, id); return err },
			"GetInterface": func() error { _, _, err := c.GetInterface(ctx, id, port); return err },
			"Unlock":       func() error { _, err := c.Unlock(ctx, id); return err },
		}
		for name, call := range calls {
			if err := call(); !errors.Is(err, ErrDotSegment) {
				t.Errorf("%s(%q): %v, want ErrDotSegment", name, id, err)
			}
		}
	}
	if n := tg.hits.Load(); n != 0 {
		t.Errorf("%d requests reached the target", n)
	}
}

// lineTarget records the request line of each request (even one Go's
// server would refuse) and answers 404.
func lineTarget(t *testing.T) (string, chan string) {
	lines := make(chan string, 100)
	base := rawTarget(t, func(conn net.Conn) {
		defer conn.Close()
		br := bufio.NewReader(conn)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			lines <- strings.TrimSpace(line)
			for { // headers
				h, err := br.ReadString('\n')
				if err != nil {
					return
				}
				if strings.TrimSpace(h) == "" {
					break
				}
			}
			body := `{"itemNotFound":{"code":404,"message":"x"}}`
			fmt.Fprintf(conn, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		}
	})
	return base, lines
}

func TestRawPathIsSentVerbatim(t *testing.T) {
	base, lines := lineTarget(t)
	c := newClient(t, base+"/base")
	for _, raw := range []string{
		"/v2.1/" + project + "/servers/" + server + "/os-interface/",
		"/v2.1/" + project + "/servers/" + server + "/os-interface",
		"/v2.1/" + project + "/servers/" + server + "/os-interface/a%2Fb",
		"/v2.1/" + project + "/servers/" + server + "/os-interface/%zz",
		"/v2.1/" + project + "/servers/" + server + "/os-interface/%C3%BC",
		"/v2.1/" + project + "/servers/" + server + "/os-interface/a%2fb",
		"/v2.1/" + project + "/servers/" + server + "/./os-interface/x",
	} {
		ex, err := c.Do(context.Background(), Request{Method: http.MethodDelete, RawPath: raw})
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if got, want := <-lines, "DELETE /base"+raw+" HTTP/1.1"; got != want {
			t.Errorf("server saw %q, want %q", got, want)
		}
		if ex.URL != base+"/base"+raw {
			t.Errorf("recorded %q", ex.URL)
		}
	}
	for _, bad := range []Request{
		{Method: http.MethodGet, RawPath: "v2.1/x"},
		{Method: http.MethodGet, RawPath: "/a b"},
		{Method: http.MethodGet, RawPath: "/a?b"},
		{Method: http.MethodGet, RawPath: "/a", Segments: []string{"a"}},
		{Method: http.MethodGet},
	} {
		if _, err := c.Do(context.Background(), bad); err == nil {
			t.Errorf("Do(%+v) accepted", bad)
		}
	}
}

func TestQueryAndNetworkURL(t *testing.T) {
	compute := newTarget(t, func(w http.ResponseWriter, r *http.Request) { t.Errorf("compute got %s", r.URL) })
	network := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, "application/json", `{"ports":[]}`)
	})
	c := newClient(t, compute.URL, func(c *Config) { c.NetworkURL = network.URL + "/vpc" })
	ports, ex, err := c.ListPorts(context.Background(), ListPortsOpts{Name: "nicconform-run 1&x", DeviceID: server})
	if err != nil || len(ports) != 0 || !ex.Valid() {
		t.Fatalf("%v %v %s", ports, err, ex)
	}
	r := network.last()
	if r.URL.Path != "/vpc/v2.0/ports" || r.URL.Query().Get("name") != "nicconform-run 1&x" ||
		r.URL.Query().Get("device_id") != server || r.URL.Query().Has("network_id") {
		t.Errorf("network got %s", r.URL)
	}
}
