package emulator

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// maxBody bounds a request body; a larger one answers 413 (overLimit).
const maxBody = 1 << 20

// faultNames are Nova's fault names by status (docs/reference.md §2).
var faultNames = map[int]string{
	400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
	405: "badMethod", 409: "conflictingRequest", 413: "overLimit", 415: "badMediaType",
	501: "notImplemented", 503: "serviceUnavailable",
}

// fault is Nova's error body {"<faultName>": {"code": <int>, "message": "<str>"}}
// (docs/reference.md §2); a status without a name is a "computeFault".
func fault(status int, msg string) map[string]any {
	name, ok := faultNames[status]
	if !ok {
		name = "computeFault"
	}
	return map[string]any{name: map[string]any{"code": status, "message": msg}}
}

// neutronError is Neutron's error body {"NeutronError": {type, message, detail}}
// (spec/openapi.yaml NeutronError).
func neutronError(typ, msg string) map[string]any {
	return map[string]any{"NeutronError": map[string]any{"type": typ, "message": msg, "detail": ""}}
}

func (e *Emulator) computeError(w http.ResponseWriter, status int, msg string) {
	e.writeJSON(w, status, fault(status, msg))
}

func (e *Emulator) networkError(w http.ResponseWriter, status int, typ, msg string) {
	e.writeJSON(w, status, neutronError(typ, msg))
}

func (e *Emulator) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only maps, strings, numbers and slices are written
		b = []byte(`{"computeFault":{"code":400,"message":"unencodable answer"}}`)
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b) // the client went away: nothing to do
}

// writeEmpty answers status with no body and no Content-Type (the detach's
// 202, docs/reference.md §1.1 响应消息 "无"; a lock's 202; a port's 204).
func writeEmpty(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}

// errTooLarge is a body over maxBody.
var errTooLarge = errors.New("request body too large")

// readObject reads the body as one JSON object. It fails with errTooLarge
// for a body over maxBody and with a message fit for a 400 otherwise.
func readObject(r *http.Request) (map[string]json.RawMessage, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, errors.New("the request body could not be read")
	}
	if len(b) > maxBody {
		return nil, errTooLarge
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
		return nil, errors.New("the request body is not a JSON object")
	}
	return obj, nil
}

// isNull reports whether a raw JSON value is absent or null.
func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }
