// Package upstream holds what upstream OpenStack Zed (Nova 26.2.2, Neutron
// 21.0.0, keystonemiddleware 10.1.0, as Debian 12 ships them) answers where
// the reference leaves a choice or a real cloud departs from it, as
// observations: each checks one behaviour over HTTP against a target,
// changing nothing there, and names its source in upstream's code.
//
// The same table runs against the reference mock under the nova profile
// (its test, in `make test`; an observation whose behaviour breaks a rule
// runs against the mock's nova-upstream deviation) and against the real
// cloud of scripts/openstack (scripts/openstack/observe, in `make
// conformance-openstack`), so the mock is held to what the real cloud does.
package upstream

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"

	"github.com/nicconform/nicconform/internal/ids"
)

// Target is where the observations look: a cloud's compute and network
// roots (the /v2.1 and /v2.0 APIs below them), the project, a server of the
// project that is ACTIVE and not locked, and a token of the project.
type Target struct {
	ComputeURL, NetworkURL string
	ProjectID, ServerID    string
	Token                  string
	// Client sends the requests; nil is http.DefaultClient.
	Client *http.Client
}

// Observation is one behaviour of upstream OpenStack.
type Observation struct {
	Name string
	// Source is where upstream's code does it (Debian 12's
	// /usr/lib/python3/dist-packages paths, file:line).
	Source string
	// Deviation is the mock deviation that shows the behaviour: "" for the
	// faithful mock under the nova profile (the behaviour breaks no rule),
	// "nova-upstream" for one that breaks a rule.
	Deviation string
	// Check observes the behaviour on t: nil when t shows it, else what t
	// answered instead. It changes nothing on t.
	Check func(ctx context.Context, t Target) error
}

// The answers upstream gives, as the real cloud sent them.
const (
	// keystoneUnauthorized is keystonemiddleware's 401 body.
	keystoneUnauthorized = `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`
	// webobNotFound is Nova's router's 404 body.
	webobNotFound = `{"message": "The resource could not be found.<br /><br />\n\n\n", "code": "404 Not Found", "title": "Not Found"}`
	// MaxMicroversion is Nova Zed's highest compute microversion.
	MaxMicroversion = "2.93"
)

var keystoneURI = regexp.MustCompile(`^Keystone uri="[^"]+"$`)

// Observations lists the behaviours, in a fixed order.
func Observations() []Observation {
	return []Observation{
		{Name: "unrouted-method-404",
			Source: "nova/api/openstack/compute/routes.py:804-807 (GET and DELETE on a NIC, each method its own route), nova/api/wsgi.py:218-220 (no route: 404)",
			Check: func(ctx context.Context, t Target) error {
				a, err := t.do(ctx, http.MethodPut, t.nic(ids.NewUUID()), t.Token, nil)
				if err != nil {
					return err
				}
				if _, has := a.header["Allow"]; a.status != http.StatusNotFound || has {
					return fmt.Errorf("PUT on a NIC: %s, want 404 with no Allow", a)
				}
				return nil
			}},
		{Name: "keystone-401",
			Source: "keystonemiddleware/auth_token/__init__.py:680-690 (the body), 712-724 (WWW-Authenticate: Keystone uri=…)",
			Check: func(ctx context.Context, t Target) error {
				for _, token := range []string{"", "nicconform-not-a-token"} {
					a, err := t.do(ctx, http.MethodDelete, t.nic(ids.NewUUID()), token, nil)
					if err != nil {
						return err
					}
					if a.status != http.StatusUnauthorized || !keystoneURI.MatchString(a.header.Get("WWW-Authenticate")) || !sameJSON(a.body, keystoneUnauthorized) {
						return fmt.Errorf("DELETE with token %q: %s, want 401 %s with WWW-Authenticate: Keystone uri=\"…\"", token, a, keystoneUnauthorized)
					}
				}
				return nil
			}},
		{Name: "neutron-error",
			Source: "neutron/api/api_common.py:476, 512-524 ({\"NeutronError\": {type: the exception's class, message, detail: \"\"}}), neutron_lib/exceptions/__init__.py:132 (PortNotFound)",
			Check: func(ctx context.Context, t Target) error {
				a, err := t.do(ctx, http.MethodGet, strings.TrimRight(t.NetworkURL, "/")+"/v2.0/ports/"+ids.NewUUID(), t.Token, nil)
				if err != nil {
					return err
				}
				var body map[string]*struct {
					Type    string  `json:"type"`
					Message string  `json:"message"`
					Detail  *string `json:"detail"`
				}
				if a.status != http.StatusNotFound || json.Unmarshal(a.body, &body) != nil || len(body) != 1 || body["NeutronError"] == nil {
					return fmt.Errorf("GET of an unknown port: %s, want 404 with a NeutronError", a)
				}
				if e := body["NeutronError"]; e.Type != "PortNotFound" || e.Message == "" || e.Detail == nil || *e.Detail != "" {
					return fmt.Errorf("GET of an unknown port: %s, want NeutronError type PortNotFound, a message, detail \"\"", a)
				}
				return nil
			}},
		{Name: "microversions-to-2.93",
			Source: "nova/api/openstack/api_version_request.py:264 (_MAX_API_VERSION = '2.93'; latest is it), nova/api/openstack/wsgi.py:571-577 (the version answered in both headers), 463-466 (406 beyond the range)",
			Check: func(ctx context.Context, t Target) error {
				for _, c := range []struct {
					header, value string
					status        int
					echo          string
				}{
					{"OpenStack-API-Version", "compute latest", http.StatusOK, MaxMicroversion},
					{"X-OpenStack-Nova-API-Version", MaxMicroversion, http.StatusOK, MaxMicroversion},
					{"OpenStack-API-Version", "compute 2.94", http.StatusNotAcceptable, ""},
				} {
					a, err := t.do(ctx, http.MethodGet, t.server(), t.Token, http.Header{c.header: {c.value}})
					if err != nil {
						return err
					}
					if a.status != c.status || c.echo != "" && (a.header.Get("OpenStack-API-Version") != "compute "+c.echo || a.header.Get("X-OpenStack-Nova-API-Version") != c.echo) {
						return fmt.Errorf("GET of the server with %s: %s: %s (versions %q, %q), want %d at %s", c.header, c.value, a,
							a.header.Get("OpenStack-API-Version"), a.header.Get("X-OpenStack-Nova-API-Version"), c.status, c.echo)
					}
				}
				return nil
			}},
		{Name: "empty-202-json",
			Source: "nova/api/openstack/wsgi.py:287-300 (every response gets Content-Type, the bodiless 202 of attach_interfaces.py:205-207 too); an unknown port: 202, nothing changes (nova/compute/api.py:5427-5440, manager.py:8194-8197)",
			Check: func(ctx context.Context, t Target) error {
				a, err := t.do(ctx, http.MethodDelete, t.nic(ids.NewUUID()), t.Token, nil)
				if err != nil {
					return err
				}
				if a.status != http.StatusAccepted || len(a.body) != 0 || a.header.Get("Content-Type") != "application/json" {
					return fmt.Errorf("DELETE of an unknown port: %s (Content-Type %q), want an empty 202 with Content-Type application/json", a, a.header.Get("Content-Type"))
				}
				return nil
			}},
		{Name: "routing-404-body", Deviation: "nova-upstream",
			Source: "nova/api/openstack/compute/routes.py:800-803 (no DELETE on …/os-interface), nova/api/wsgi.py:218-220 (webob's HTTPNotFound), webob/exc.py:318-327 (its JSON body)",
			Check: func(ctx context.Context, t Target) error {
				a, err := t.do(ctx, http.MethodDelete, t.server()+"/os-interface", t.Token, nil)
				if err != nil {
					return err
				}
				if a.status != http.StatusNotFound || !sameJSON(a.body, webobNotFound) {
					return fmt.Errorf("DELETE …/os-interface: %s, want 404 %s", a, webobNotFound)
				}
				return nil
			}},
		{Name: "malformed-port-202", Deviation: "nova-upstream",
			Source: "nova/api/openstack/compute/attach_interfaces.py:216-220 (the port id passed on unvalidated), nova/compute/api.py:5427-5440 (an RPC cast: 202)",
			Check: func(ctx context.Context, t Target) error {
				a, err := t.do(ctx, http.MethodDelete, t.nic(strings.Repeat("z", 36)), t.Token, nil)
				if err != nil {
					return err
				}
				if a.status != http.StatusAccepted {
					return fmt.Errorf("DELETE …/os-interface/zzzz…: %s, want 202", a)
				}
				return nil
			}},
	}
}

// server is the server's URL, nic a NIC's.
func (t Target) server() string {
	return strings.TrimRight(t.ComputeURL, "/") + "/v2.1/" + t.ProjectID + "/servers/" + t.ServerID
}

func (t Target) nic(portID string) string { return t.server() + "/os-interface/" + portID }

// answer is what a target answered.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// String shows the status and the body's start (a token is never in it).
func (a answer) String() string {
	body := a.body
	if len(body) > 200 {
		body = append(body[:200:200], "…"...)
	}
	return fmt.Sprintf("%d %q", a.status, body)
}

// maxBody bounds what an observation reads of an answer.
const maxBody = 64 << 10

// do sends one request with the token (none when "") and extra headers.
func (t Target) do(ctx context.Context, method, url, token string, extra http.Header) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return answer{}, fmt.Errorf("upstream: %s %s: %w", method, url, err)
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	for k, vs := range extra {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	c := t.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("upstream: %s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return answer{}, fmt.Errorf("upstream: %s %s: read the answer: %w", method, url, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// sameJSON reports whether got is JSON equal to want.
func sameJSON(got []byte, want string) bool {
	var g, w any
	return json.Unmarshal(got, &g) == nil && json.Unmarshal([]byte(want), &w) == nil && reflect.DeepEqual(g, w)
}
