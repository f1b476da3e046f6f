package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Huawei error codes. The Ecs.* and APIGW.* codes are the cloud's own (see
// docs/reference.md §2); where the reference names no code, the mock answers a code
// of its own, "Mock.<Name>", so that nobody mistakes it for a real one.
const (
	codeAuth           = "APIGW.0301" // missing or invalid credentials
	codeLocked         = "Ecs.0001"   // the server is locked
	codePermission     = "Ecs.0003"   // no permission (foreign project)
	codeInvalid        = "Ecs.0005"   // invalid parameter
	codeNoInterface    = "Ecs.0085"   // the server does not have the interface
	codePrimary        = "Ecs.0086"   // the primary interface cannot be detached
	codeServerNotFound = "Ecs.0114"   // the server does not exist
	codePortInUse      = "Ecs.0919"   // the port is attached to an instance
)

// codeMock names an error the reference gives no Huawei code for.
func codeMock(name string) string { return "Mock." + name }

// apiError is an error answer: its status, the Huawei code (used in the
// huawei error shape) and a message. The Nova fault name follows from the
// status.
type apiError struct {
	status  int
	code    string
	message string
}

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func errBadRequest(code, format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, code, format, args...)
}

func errNotFound(code, format string, args ...any) *apiError {
	return newError(http.StatusNotFound, code, format, args...)
}

func errConflict(code, format string, args ...any) *apiError {
	return newError(http.StatusConflict, code, format, args...)
}

// faultName is Nova's fault name for a status.
func faultName(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "badRequest"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "itemNotFound"
	case http.StatusMethodNotAllowed:
		return "badMethod"
	case http.StatusConflict:
		return "conflictingRequest"
	case http.StatusRequestEntityTooLarge, http.StatusTooManyRequests:
		return "overLimit"
	case http.StatusUnsupportedMediaType:
		return "badMediaType"
	case http.StatusNotImplemented:
		return "notImplemented"
	case http.StatusServiceUnavailable:
		return "serviceUnavailable"
	default:
		return "computeFault"
	}
}

// writeError answers e in the configured error shape.
func (m *Mock) writeError(w http.ResponseWriter, e *apiError) {
	if m.dev.errorWritten(m, w, e) {
		return
	}
	writeJSON(w, e.status, m.errorBody(e.status, e.status, e.code, e.message))
}

// novaFault is the inside of a Nova fault.
type novaFault struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// errorBody is the body of an error answer with status in the configured
// shape: a Nova fault, {"<fault name>":{"code":novaCode,"message":…}}, or a
// Huawei error, {"error":{"code":huaweiCode,"message":…}}.
func (m *Mock) errorBody(status, novaCode int, huaweiCode, message string) any {
	if m.opts.Errors == ErrorsHuawei {
		type huaweiError struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		return map[string]huaweiError{"error": {Code: huaweiCode, Message: message}}
	}
	return map[string]novaFault{faultName(status): {Code: novaCode, Message: message}}
}

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// The mock only marshals its own plain types; this cannot happen.
		panic(fmt.Errorf("mock: marshal response: %w", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
