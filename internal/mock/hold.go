package mock

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/nicconform/nicconform/internal/paths"
)

// Operation names a request that changes the mock's world, as a hold
// matches it.
type Operation struct {
	// Name is one of: createPort, updatePort (a rename), deletePort,
	// attachPort (by port_id), attachNetwork (by net_id), detach (the
	// DELETE of a NIC), lock, unlock.
	Name string
	// ServerID and PortID are the ids the request names, where it names
	// them (lowercase).
	ServerID, PortID string
	// PortName is the port's name: the one asked for (createPort,
	// updatePort), else the named port's, if it exists.
	PortName string
}

// Holds holds requests until a test releases them, so that a test reaches
// a point of a run deterministically (the lifecycle kill matrix in
// internal/fidelity): a held request has reached the mock and is not
// applied yet; released, it is applied as if it had just arrived, whether
// or not its client still waits for the answer. Serve a mock with holds
// with NewServerWithHolds. Safe for concurrent use.
type Holds struct {
	mu    sync.Mutex
	holds []*Hold
}

// Hold is one hold: the first request whose operation it matches is held
// until Release; later ones pass.
type Hold struct {
	match   func(Operation) bool
	reached chan struct{}
	release chan struct{}
	once    sync.Once
	mu      sync.Mutex
	op      Operation
	taken   bool
}

// Add arms a hold for the first request whose operation match accepts.
func (hs *Holds) Add(match func(Operation) bool) *Hold {
	h := &Hold{match: match, reached: make(chan struct{}), release: make(chan struct{})}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.holds = append(hs.holds, h)
	return h
}

// Reached is closed when the hold holds a request.
func (h *Hold) Reached() <-chan struct{} { return h.reached }

// Held returns the operation held (zero until Reached).
func (h *Hold) Held() Operation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.op
}

// Release lets the held request (and any that would come) go on.
func (h *Hold) Release() { h.once.Do(func() { close(h.release) }) }

// take claims the hold for op if it matches and is still free.
func (h *Hold) take(op Operation) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.taken || !h.match(op) {
		return false
	}
	h.taken, h.op = true, op
	close(h.reached)
	return true
}

// NewServerWithHolds is NewServer with the holds in front of the mock.
func NewServerWithHolds(opts Options, hs *Holds) (*Server, error) {
	m, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return serve(m, hs.handler(m), ln, serverTimeouts()), nil
}

// handler holds what a hold matches, then serves it with m.
func (hs *Holds) handler(m *Mock) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if op, ok := m.operation(r, body); ok {
			hs.mu.Lock()
			holds := append([]*Hold(nil), hs.holds...)
			hs.mu.Unlock()
			for _, h := range holds {
				if h.take(op) {
					<-h.release
					break
				}
			}
		}
		m.ServeHTTP(w, r)
	})
}

// operation names what a request would change, by the mock's own routes.
func (m *Mock) operation(r *http.Request, body []byte) (Operation, bool) {
	path, network := splitRoot(r.URL.EscapedPath())
	kind, params := match(path, network)
	id := func(name string) string {
		for i, n := range kind.Params() {
			if n == name && params[i].ok {
				return strings.ToLower(params[i].val)
			}
		}
		return ""
	}
	var op Operation
	var req map[string]json.RawMessage
	_ = json.Unmarshal(body, &req)
	switch {
	case kind == paths.Ports && r.Method == http.MethodPost, kind == paths.Port && r.Method == http.MethodPut:
		op.Name = "createPort"
		if kind == paths.Port {
			op.Name, op.PortID = "updatePort", id("port_id")
		}
		var p struct {
			Port struct {
				Name string `json:"name"`
			} `json:"port"`
		}
		_ = json.Unmarshal(body, &p)
		op.PortName = p.Port.Name
		return op, true
	case kind == paths.Port && r.Method == http.MethodDelete:
		op = Operation{Name: "deletePort", PortID: id("port_id")}
	case kind == paths.Interfaces && r.Method == http.MethodPost:
		var a struct {
			Attachment struct {
				PortID string `json:"port_id"`
			} `json:"interfaceAttachment"`
		}
		_ = json.Unmarshal(body, &a)
		op = Operation{Name: "attachNetwork", ServerID: id("server_id"), PortID: strings.ToLower(a.Attachment.PortID)}
		if op.PortID != "" {
			op.Name = "attachPort"
		}
	case kind == paths.Interface && r.Method == http.MethodDelete:
		op = Operation{Name: "detach", ServerID: id("server_id"), PortID: id("port_id")}
	case kind == paths.ServerAction && r.Method == http.MethodPost && req["lock"] != nil:
		op = Operation{Name: "lock", ServerID: id("server_id")}
	case kind == paths.ServerAction && r.Method == http.MethodPost && req["unlock"] != nil:
		op = Operation{Name: "unlock", ServerID: id("server_id")}
	default:
		return Operation{}, false
	}
	if op.PortID != "" {
		m.mu.Lock()
		if p := m.w.ports[op.PortID]; p != nil {
			op.PortName = p.Name
		}
		m.mu.Unlock()
	}
	return op, true
}

// Locked reports whether a server is locked, and its locked_reason (nil
// when none was given).
func (m *Mock) Locked(serverID string) (bool, *string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.w.servers[serverID]
	if s == nil {
		return false, nil
	}
	return s.locked, s.lockedReason
}
