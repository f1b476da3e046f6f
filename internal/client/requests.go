package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/nicconform/nicconform/internal/ids"
	"github.com/nicconform/nicconform/internal/paths"
)

// Errors a *StatusError matches with errors.Is, by status code.
var (
	ErrBadRequest   = errors.New("bad request (400)")
	ErrUnauthorized = errors.New("unauthorized (401)")
	ErrForbidden    = errors.New("forbidden (403)")
	ErrNotFound     = errors.New("not found (404)")
	ErrConflict     = errors.New("conflict (409)")
)

var statusErrors = map[int]error{
	http.StatusBadRequest:   ErrBadRequest,
	http.StatusUnauthorized: ErrUnauthorized,
	http.StatusForbidden:    ErrForbidden,
	http.StatusNotFound:     ErrNotFound,
	http.StatusConflict:     ErrConflict,
}

// StatusError is a typed call's error when the status is not the success
// one.
type StatusError struct {
	// Op is the operationId of the call.
	Op string
	// Want is the success status; Got the status received.
	Want, Got int
	// Exchange is the last attempt.
	Exchange *Exchange
}

// Error reads "showPort: want 200, got 404: <exchange>".
func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: want %d, got %d: %s", e.Op, e.Want, e.Got, e.Exchange)
}

// Is matches ErrNotFound for a 404 (and the other status errors likewise).
func (e *StatusError) Is(target error) bool {
	want, ok := statusErrors[e.Got]
	return ok && target == want
}

// call runs a typed call: Do, the status check, and the decoding of the
// body into out (when out is non-nil).
func (c *Client) call(ctx context.Context, op string, want int, r Request, out any) (*Exchange, error) {
	ex, err := c.Do(ctx, r)
	if err != nil {
		return ex, fmt.Errorf("%s: %w", op, err)
	}
	if ex.Status != want {
		return ex, &StatusError{Op: op, Want: want, Got: ex.Status, Exchange: ex}
	}
	if out != nil {
		body, err := ex.Body()
		if err != nil {
			return ex, fmt.Errorf("%s: %w", op, err)
		}
		if err := json.Unmarshal(body, out); err != nil {
			return ex, fmt.Errorf("%s: decode response body: %w: %s", op, err, ex)
		}
	}
	return ex, nil
}

// IDError is a typed call's error when its answer gives an id that is not
// a well-formed one: the contract (spec/openapi.yaml) makes every port id
// a UUID (format uuid), in each profile (huawei: docs/reference.md; nova:
// Neutron's ports are UUIDs). The id is not returned, so it goes in no
// path: it is the answering call's contract breach, and a failed
// precondition of whatever needed it.
type IDError struct {
	// Op is the operationId of the call; Field the member ("port_id", "id").
	Op, Field string
	// ID is the malformed id (from the redacted answer).
	ID string
	// Exchange is the answer's.
	Exchange *Exchange
}

func (e *IDError) Error() string {
	return fmt.Sprintf("%s: the answer's %s %q is not a well-formed id (a UUID): a contract breach, not used", e.Op, e.Field, trim(e.ID, 80))
}

// checkID is an *IDError unless id is a UUID.
func checkID(op, field, id string, ex *Exchange) error {
	if ids.IsUUID(id) {
		return nil
	}
	return &IDError{Op: op, Field: field, ID: id, Exchange: ex}
}

// Detach is the subject: DELETE …/servers/{server}/os-interface/{port},
// with no body and no Content-Type. It checks no status (the specs judge);
// the error is non-nil only when no response came back.
func (c *Client) Detach(ctx context.Context, serverID, portID string) (*Exchange, error) {
	return c.DetachWithQuery(ctx, serverID, portID, nil)
}

// DetachWithQuery is Detach with a query, for a cloud whose detach takes
// one (a regional variant's reserve_port=true, docs/reference.md §1).
func (c *Client) DetachWithQuery(ctx context.Context, serverID, portID string, query url.Values) (*Exchange, error) {
	ex, err := c.Do(ctx, Request{
		Method:   http.MethodDelete,
		Service:  Compute,
		Segments: paths.Interface.Segments(c.project, serverID, portID),
		Query:    query,
	})
	if err != nil {
		return ex, fmt.Errorf("detachInterface: %w", err)
	}
	return ex, nil
}

// ListInterfaces lists a server's NICs (200).
func (c *Client) ListInterfaces(ctx context.Context, serverID string) ([]Interface, *Exchange, error) {
	var out struct {
		InterfaceAttachments []Interface `json:"interfaceAttachments"`
	}
	ex, err := c.call(ctx, "listInterfaces", http.StatusOK, Request{
		Method: http.MethodGet, Service: Compute,
		Segments: paths.Interfaces.Segments(c.project, serverID),
	}, &out)
	if err != nil {
		return nil, ex, err
	}
	for _, nic := range out.InterfaceAttachments {
		if err := checkID("listInterfaces", "port_id", nic.PortID, ex); err != nil {
			return nil, ex, err
		}
	}
	return out.InterfaceAttachments, ex, nil
}

// GetInterface shows one NIC of a server (200; ErrNotFound when not
// attached). A 200 that shows another port_id than portID is a violation
// of its exchange (KindContract: a neighbour call's departure, an
// advisory); the NIC is returned as shown.
func (c *Client) GetInterface(ctx context.Context, serverID, portID string) (Interface, *Exchange, error) {
	return c.interfaceCall(ctx, "showInterface", http.StatusOK, Request{
		Method: http.MethodGet, Service: Compute,
		Segments: paths.Interface.Segments(c.project, serverID, portID),
		check: func(status int, body []byte) []Violation {
			var out struct {
				InterfaceAttachment struct {
					PortID *string `json:"port_id"`
				} `json:"interfaceAttachment"`
			}
			if status != http.StatusOK || json.Unmarshal(body, &out) != nil || out.InterfaceAttachment.PortID == nil || *out.InterfaceAttachment.PortID == portID {
				return nil // a missing or unreadable port_id is the schema's to say
			}
			return []Violation{{KindContract, fmt.Sprintf("the NIC shown has port_id %q, not the port asked for (%s)", trim(*out.InterfaceAttachment.PortID, 80), portID)}}
		},
	})
}

// AttachPort attaches an existing port to a server (200).
func (c *Client) AttachPort(ctx context.Context, serverID, portID string) (Interface, *Exchange, error) {
	return c.interfaceCall(ctx, "attachInterface", http.StatusOK, Request{
		Method: http.MethodPost, Service: Compute,
		Segments: paths.Interfaces.Segments(c.project, serverID),
		JSON:     map[string]any{"interfaceAttachment": map[string]string{"port_id": portID}},
	})
}

// AttachNetwork attaches a new NIC on a network to a server (200); the
// cloud creates its port.
func (c *Client) AttachNetwork(ctx context.Context, serverID, networkID string) (Interface, *Exchange, error) {
	return c.interfaceCall(ctx, "attachInterface", http.StatusOK, Request{
		Method: http.MethodPost, Service: Compute,
		Segments: paths.Interfaces.Segments(c.project, serverID),
		JSON:     map[string]any{"interfaceAttachment": map[string]string{"net_id": networkID}},
	})
}

func (c *Client) interfaceCall(ctx context.Context, op string, want int, r Request) (Interface, *Exchange, error) {
	var out struct {
		InterfaceAttachment Interface `json:"interfaceAttachment"`
	}
	ex, err := c.call(ctx, op, want, r, &out)
	if err != nil {
		return Interface{}, ex, err
	}
	if err := checkID(op, "port_id", out.InterfaceAttachment.PortID, ex); err != nil {
		return Interface{}, ex, err
	}
	return out.InterfaceAttachment, ex, nil
}

// GetServer shows a server (200). It asks for microversion 2.9 at least
// (the client's when later), the first at which a server shows "locked";
// LockedReason is shown from 2.73.
func (c *Client) GetServer(ctx context.Context, serverID string) (Server, *Exchange, error) {
	var out struct {
		Server Server `json:"server"`
	}
	ex, err := c.call(ctx, "showServer", http.StatusOK, Request{
		Method: http.MethodGet, Service: Compute,
		Segments:     paths.Server.Segments(c.project, serverID),
		Microversion: c.atLeast(MicroversionLocked),
	}, &out)
	if err != nil {
		return Server{}, ex, err
	}
	return out.Server, ex, nil
}

// Lock locks a server (202, body {"lock":null}).
func (c *Client) Lock(ctx context.Context, serverID string) (*Exchange, error) {
	return c.action(ctx, serverID, "lock")
}

// Unlock unlocks a server (202, body {"unlock":null}).
func (c *Client) Unlock(ctx context.Context, serverID string) (*Exchange, error) {
	return c.action(ctx, serverID, "unlock")
}

// LockWithReason locks a server giving a reason (202, body
// {"lock":{"locked_reason":reason}}), at microversion 2.73 at least (the
// client's when later): the first that takes a reason; a server shows it
// as LockedReason. Nova takes 1 to 255 characters.
func (c *Client) LockWithReason(ctx context.Context, serverID, reason string) (*Exchange, error) {
	return c.call(ctx, "serverAction", http.StatusAccepted, Request{
		Method: http.MethodPost, Service: Compute,
		Segments:     paths.ServerAction.Segments(c.project, serverID),
		JSON:         map[string]any{"lock": map[string]string{"locked_reason": reason}},
		Microversion: c.atLeast(MicroversionLockReason),
	}, nil)
}

func (c *Client) action(ctx context.Context, serverID, action string) (*Exchange, error) {
	return c.call(ctx, "serverAction", http.StatusAccepted, Request{
		Method: http.MethodPost, Service: Compute,
		Segments: paths.ServerAction.Segments(c.project, serverID),
		JSON:     map[string]any{action: nil},
	}, nil)
}

// CreatePort creates a port on a network (201).
func (c *Client) CreatePort(ctx context.Context, networkID, name string) (Port, *Exchange, error) {
	return c.portCall(ctx, "createPort", http.StatusCreated, Request{
		Method: http.MethodPost, Service: Network,
		Segments: paths.Ports.Segments(),
		JSON:     map[string]any{"port": map[string]string{"network_id": networkID, "name": name}},
	})
}

// GetPort shows a port (200; ErrNotFound when gone).
func (c *Client) GetPort(ctx context.Context, portID string) (Port, *Exchange, error) {
	return c.portCall(ctx, "showPort", http.StatusOK, Request{
		Method: http.MethodGet, Service: Network,
		Segments: paths.Port.Segments(portID),
	})
}

// RenamePort renames a port (PUT, 200).
func (c *Client) RenamePort(ctx context.Context, portID, name string) (Port, *Exchange, error) {
	return c.portCall(ctx, "updatePort", http.StatusOK, Request{
		Method: http.MethodPut, Service: Network,
		Segments: paths.Port.Segments(portID),
		JSON:     map[string]any{"port": map[string]string{"name": name}},
	})
}

func (c *Client) portCall(ctx context.Context, op string, want int, r Request) (Port, *Exchange, error) {
	var out struct {
		Port Port `json:"port"`
	}
	ex, err := c.call(ctx, op, want, r, &out)
	if err != nil {
		return Port{}, ex, err
	}
	if err := checkID(op, "id", out.Port.ID, ex); err != nil {
		return Port{}, ex, err
	}
	return out.Port, ex, nil
}

// DeletePort deletes a port (204; ErrNotFound when already gone).
func (c *Client) DeletePort(ctx context.Context, portID string) (*Exchange, error) {
	return c.call(ctx, "deletePort", http.StatusNoContent, Request{
		Method: http.MethodDelete, Service: Network,
		Segments: paths.Port.Segments(portID),
	}, nil)
}

// ListPorts finds ports (200); the non-empty fields of opts filter.
func (c *Client) ListPorts(ctx context.Context, opts ListPortsOpts) ([]Port, *Exchange, error) {
	q := url.Values{}
	for k, v := range map[string]string{"name": opts.Name, "device_id": opts.DeviceID, "network_id": opts.NetworkID} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var out struct {
		Ports []Port `json:"ports"`
	}
	ex, err := c.call(ctx, "listPorts", http.StatusOK, Request{
		Method: http.MethodGet, Service: Network,
		Segments: paths.Ports.Segments(), Query: q,
	}, &out)
	if err != nil {
		return nil, ex, err
	}
	for _, p := range out.Ports {
		if err := checkID("listPorts", "id", p.ID, ex); err != nil {
			return nil, ex, err
		}
	}
	return out.Ports, ex, nil
}
