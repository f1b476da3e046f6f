package explore

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/nicconform/nicconform/internal/cases"
	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/paths"
	"github.com/nicconform/nicconform/spec"
)

// Worlds.
const (
	worldTarget = "target"
	worldModel  = "model"
)

// side is one world a sequence runs in: the target, or the reference model.
// It resolves a step's references to its own ids.
type side struct {
	world string
	c     *client.Client // the run's credentials
	none  *client.Client // no credentials
	wrong *client.Client // tampered credentials
	rec   *client.Recorder

	project, network string
	servers          map[string]string // role → server id
	primaries        map[string]string // role → primary port id ("" unknown)
	ports            []string          // handle index → port id
	// ignored are NICs the target had before the run that are not the
	// primary: never touched, left out of every comparison.
	ignored map[string]bool
}

// newSide builds a side's clients, sharing the contract and the HTTP client.
func newSide(world string, s *spec.Spec, computeURL, networkURL, project string, auth, wrong client.Authenticator, hc *http.Client, timeout time.Duration) (*side, error) {
	rec := client.NewRecorder()
	c, err := client.New(client.Config{
		ComputeURL: computeURL, NetworkURL: networkURL, ProjectID: project,
		Auth: auth, Spec: s, HTTPClient: hc, Timeout: timeout, Recorder: rec,
		// One attempt: a retry would hide a 503 from the comparison, and
		// the two worlds must see the same requests.
		Retry: client.RetryPolicy{MaxAttempts: 1},
	})
	if err != nil {
		return nil, fmt.Errorf("explore: %s client: %w", world, err)
	}
	return &side{
		world: world, c: c, none: c.WithAuth(nil), wrong: c.WithAuth(wrong), rec: rec,
		project: project, servers: map[string]string{}, primaries: map[string]string{}, ignored: map[string]bool{},
	}, nil
}

// handlerTransport serves requests with an in-process handler: the model
// answers without a socket.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// modelURL is the model's base URL: never dialled.
const modelURL = "http://reference-model.invalid"

// newModel seeds the reference model for one sequence: the faithful mock
// in the run's profile, detaches complete before their 202 (the model is
// quiescent after every step), with as many servers as the target has.
func newModel(s *spec.Spec, profile string, servers int) (*side, *mock.Mock, error) {
	const token = "nicconform-explore-model"
	m, err := mock.New(mock.Options{Profile: mock.Profile(profile), ImmediateDetach: true, Servers: servers, Token: token})
	if err != nil {
		return nil, nil, fmt.Errorf("explore: reference model: %w", err)
	}
	seed := m.Seed()
	auth := client.Token(token)
	sd, err := newSide(worldModel, s, modelURL, modelURL, seed.ProjectID, auth, auth.Tampered(),
		&http.Client{Transport: handlerTransport{m}}, time.Minute)
	if err != nil {
		return nil, nil, err
	}
	sd.network = seed.NetworkID
	sd.servers[Main], sd.primaries[Main] = seed.Servers[0].ServerID, seed.Servers[0].PrimaryPortID
	if servers > 1 {
		sd.servers[Other], sd.primaries[Other] = seed.Servers[1].ServerID, seed.Servers[1].PrimaryPortID
	}
	return sd, m, nil
}

// port resolves a port reference ("" when the world has no such port).
func (sd *side) port(ref string) string {
	switch ref {
	case RefPrimary:
		return sd.primaries[Main]
	case RefOtherPrimary:
		return sd.primaries[Other]
	}
	if i := handleIndex(ref); i >= 0 && i < len(sd.ports) {
		return sd.ports[i]
	}
	return ""
}

// ref names a port id of this world by its reference ("" for a port the
// sequence does not know).
func (sd *side) ref(portID string) string {
	for role, id := range sd.primaries {
		if id != "" && id == portID {
			if role == Main {
				return RefPrimary
			}
			return RefOtherPrimary
		}
	}
	for i, id := range sd.ports {
		if id == portID {
			return handleRef(i)
		}
	}
	return ""
}

// role names a server id of this world by its role ("" for none).
func (sd *side) role(serverID string) string {
	for role, id := range sd.servers {
		if id == serverID {
			return role
		}
	}
	return ""
}

func (sd *side) server(role string) string {
	if role == "" {
		role = Main
	}
	return sd.servers[role]
}

// request builds a step's request in this world, and the client to send
// it with.
func (sd *side) request(st Step, s *spec.Spec, malformed map[string]cases.Case, portName string) (client.Request, *client.Client, error) {
	c := sd.c
	srv := sd.server(st.Server)
	port := sd.port(st.Port)
	r := client.Request{Service: client.Compute, NoRetry: true, Subject: st.Op.subject()}
	switch st.Op {
	case OpCreatePort:
		r.Method, r.Service, r.Segments = http.MethodPost, client.Network, paths.Ports.Segments()
		r.JSON = map[string]any{"port": map[string]string{"network_id": sd.network, "name": portName}}
	case OpDeletePort, OpShowPort:
		r.Method, r.Service, r.Segments = http.MethodDelete, client.Network, paths.Port.Segments(port)
		if st.Op == OpShowPort {
			r.Method = http.MethodGet
		}
	case OpAttachPort, OpAttachNet:
		r.Method, r.Segments = http.MethodPost, paths.Interfaces.Segments(sd.project, srv)
		if st.Op == OpAttachPort {
			r.JSON = map[string]any{"interfaceAttachment": map[string]string{"port_id": port}}
		} else {
			r.JSON = map[string]any{"interfaceAttachment": map[string]string{"net_id": sd.network}}
		}
	case OpShowNIC:
		r.Method, r.Segments = http.MethodGet, paths.Interface.Segments(sd.project, srv, port)
	case OpListNICs:
		r.Method, r.Segments = http.MethodGet, paths.Interfaces.Segments(sd.project, srv)
	case OpLock, OpUnlock:
		r.Method, r.Segments = http.MethodPost, paths.ServerAction.Segments(sd.project, srv)
		r.JSON = map[string]any{string(st.Op): nil}
	case OpDetach, OpDetachRepeat, OpDetachElsewhere, OpDetachPrimary:
		if st.Op == OpDetachPrimary {
			port = sd.primaries[Main]
			if st.Server == Other {
				port = sd.primaries[Other]
			}
		}
		r.Method, r.Segments = http.MethodDelete, paths.Interface.Segments(sd.project, srv, port)
	case OpDetachUnknownPort:
		r.Method, r.Segments = http.MethodDelete, paths.Interface.Segments(sd.project, srv, st.Literal)
	case OpDetachUnknownServer:
		r.Method, r.Segments = http.MethodDelete, paths.Interface.Segments(sd.project, st.Literal, port)
	case OpDetachForeign:
		r.Method, r.Segments = http.MethodDelete, paths.Interface.Segments(st.Literal, srv, port)
	case OpDetachNoAuth:
		r.Method, r.Segments, c = http.MethodDelete, paths.Interface.Segments(sd.project, srv, port), sd.none
	case OpDetachBadAuth:
		r.Method, r.Segments, c = http.MethodDelete, paths.Interface.Segments(sd.project, srv, port), sd.wrong
	case OpDetachMethod:
		r.Method, r.Segments = st.Method, paths.Interface.Segments(sd.project, srv, port)
	case OpDetachCollection:
		r.Method, r.Segments = http.MethodDelete, paths.Interfaces.Segments(sd.project, srv)
		if st.Slash {
			r.Segments = append(r.Segments, "")
		}
	case OpDetachMalformed:
		cs, ok := malformed[st.Param+"/"+st.Case]
		if !ok {
			return r, nil, fmt.Errorf("explore: no malformed case %s %s", st.Param, st.Case)
		}
		ids := map[string]string{"project_id": sd.project, "server_id": srv, "port_id": port}
		bad, err := cs.Value(s, ids[st.Param])
		if err != nil {
			return r, nil, fmt.Errorf("explore: %s: %w", sd.world, err)
		}
		ids[st.Param] = bad
		r.Method, r.Segments = http.MethodDelete, paths.Interface.Segments(ids["project_id"], ids["server_id"], ids["port_id"])
	default:
		return r, nil, fmt.Errorf("explore: unknown op %q", st.Op)
	}
	return r, c, nil
}

// send sends a request, noting its place in the sequence on the exchange.
func (sd *side) send(ctx context.Context, c *client.Client, r client.Request, note string) (*client.Exchange, error) {
	r.Note = sd.world + ": " + note
	ex, err := c.Do(ctx, r)
	if err != nil {
		return ex, fmt.Errorf("explore: %s: %w", sd.world, err)
	}
	return ex, nil
}

// get sends a neighbour GET used to observe the world.
func (sd *side) get(ctx context.Context, service client.Service, segments []string, query url.Values, note string) (*client.Exchange, error) {
	return sd.send(ctx, sd.c, client.Request{Method: http.MethodGet, Service: service, Segments: segments, Query: query, NoRetry: true}, note)
}

// createdPort reads the port id a create-port (201) or attach-net (200)
// answered, "" when the answer carries none.
func createdPort(op Op, ex *client.Exchange) string {
	var out struct {
		Port *struct {
			ID string `json:"id"`
		} `json:"port"`
		InterfaceAttachment *struct {
			PortID string `json:"port_id"`
		} `json:"interfaceAttachment"`
	}
	if ex == nil || ex.JSON(&out) != nil {
		return ""
	}
	if op == OpCreatePort && out.Port != nil {
		return out.Port.ID
	}
	if op == OpAttachNet && out.InterfaceAttachment != nil {
		return out.InterfaceAttachment.PortID
	}
	return ""
}
