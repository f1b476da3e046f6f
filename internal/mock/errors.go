package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
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
	// routing marks the router's own 404 on a compute path (errNoRoute):
	// no route serves the path, or (nova profile) its method.
	routing bool
}

// errNoRoute is the compute router's 404: no route serves the path, or,
// under the nova profile, the request's method. The reference answers it
// in the configured error shape; upstream Nova's router answers webob's
// bare HTTPNotFound (nova/api/wsgi.py:218-220), whose body is in no
// documented error shape (docs/openstack.md, "The mock learns real Nova").
func errNoRoute() *apiError {
	e := errNotFound(codeMock("ResourceNotFound"), "The resource could not be found.")
	e.routing = true
	return e
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

// writeError answers e in the configured error shape; under the nova
// profile a 401 is keystonemiddleware's and a network endpoint's error is
// Neutron's (upstreamErrorBody).
func (m *Mock) writeError(w http.ResponseWriter, e *apiError) {
	if m.dev.errorWritten(m, w, e) {
		return
	}
	if body, ok := m.upstreamErrorBody(w, e); ok {
		writeJSON(w, e.status, body)
		return
	}
	writeJSON(w, e.status, m.errorBody(e.status, e.status, e.code, e.message))
}

// keystoneUnauthorized is keystonemiddleware's 401 message
// (keystonemiddleware/auth_token/__init__.py:680-686).
const keystoneUnauthorized = "The request you have made requires authentication."

// upstreamErrorBody is the body upstream OpenStack gives e outside Nova's
// own faults, under the nova profile (in either error shape: neither is
// Nova's code): keystonemiddleware refuses a request without valid
// credentials before Nova or Neutron sees it, with
// {"error":{"code":401,"title":"Unauthorized","message":…}}
// (keystonemiddleware/auth_token/__init__.py:680-690; its WWW-Authenticate
// is set by serve); Neutron answers its errors as
// {"NeutronError":{"type":<exception class>,"message":…,"detail":""}}
// (neutron/api/api_common.py:512-524, 476). ok is false where the
// configured shape applies.
func (m *Mock) upstreamErrorBody(w http.ResponseWriter, e *apiError) (body any, ok bool) {
	if m.opts.Profile != ProfileNova {
		return nil, false
	}
	if e.status == http.StatusUnauthorized {
		type keystoneError struct {
			Code    int    `json:"code"`
			Title   string `json:"title"`
			Message string `json:"message"`
		}
		return map[string]keystoneError{"error": {Code: http.StatusUnauthorized, Title: "Unauthorized", Message: keystoneUnauthorized}}, true
	}
	if sw, isSW := w.(*statusWriter); !isSW || !sw.neutron {
		return nil, false
	}
	type neutronError struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		Detail  string `json:"detail"`
	}
	return map[string]neutronError{"NeutronError": {Type: neutronType(e), Message: e.message}}, true
}

// neutronType is the "type" of e as Neutron names it: the exception's
// class (neutron_lib/exceptions: PortNotFound, NetworkNotFound, PortInUse,
// IpAddressGenerationFailure, IpAddressInUse, the mock's codes of the same
// name), else webob's class for the status, as a refusal raised as a
// webob exception is named (neutron/api/api_common.py:476, 522).
func neutronType(e *apiError) string {
	if name, ok := strings.CutPrefix(e.code, "Mock."); ok && neutronExceptions[name] {
		return name
	}
	switch e.status {
	case http.StatusBadRequest:
		return "HTTPBadRequest"
	case http.StatusNotFound:
		return "HTTPNotFound"
	case http.StatusMethodNotAllowed:
		return "HTTPMethodNotAllowed"
	case http.StatusConflict:
		return "HTTPConflict"
	case http.StatusRequestEntityTooLarge:
		return "HTTPRequestEntityTooLarge"
	case http.StatusUnsupportedMediaType:
		return "HTTPUnsupportedMediaType"
	case http.StatusTooManyRequests:
		return "HTTPTooManyRequests"
	}
	return "HTTPInternalServerError"
}

// neutronExceptions are the neutron_lib exceptions whose names the mock's
// network errors carry as their codes (Mock.<Name>).
var neutronExceptions = map[string]bool{
	"PortNotFound": true, "NetworkNotFound": true, "PortInUse": true,
	"IpAddressGenerationFailure": true, "IpAddressInUse": true,
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
