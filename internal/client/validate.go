package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/nicconform/nicconform/spec"
)

// maxMessage is how long a violation message may get.
const maxMessage = 300

// maxViolations caps the violations of one kind of check (a 200-NIC list
// with the same break on every item says it once per item otherwise).
const maxViolations = 20

// multiErrorBody is the largest response body whose schema errors are all
// collected (then capped at maxViolations); a larger one is validated to
// its first error: kin-openapi collects and formats every error before any
// cap applies, and a 1 MiB list of junk items ({} each) has millions
// (issue 26: BenchmarkValidateJunkList).
const multiErrorBody = 64 << 10

// validator checks exchanges against one contract. It holds no per-exchange
// state: every call builds its own inputs.
type validator struct {
	spec *spec.Spec
	opts openapi3filter.Options // read-only once built; each call takes a copy
}

func newValidator(s *spec.Spec) *validator {
	v := &validator{spec: s}
	v.opts = openapi3filter.Options{
		AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus:             true,
		MultiError:                        true,
		RejectWhenRequestBodyNotSpecified: true,
		SkipSettingDefaults:               true,
		SchemaValidationOptions:           s.SchemaOptions(),
	}
	return v
}

// sent is what validation needs of a request: the escaped path below the
// base URL (as the contract's paths are written), the query, headers and
// body as sent.
type sent struct {
	method string
	rel    string
	query  url.Values
	header http.Header
	body   []byte
}

// received is what validation needs of a response.
type received struct {
	status    int
	header    http.Header
	body      []byte
	truncated bool // body was cut at MaxBody
}

// checked is the outcome of validating one exchange.
type checked struct {
	operation string
	request   []Violation
	response  []Violation
}

// route finds the operation of a request. It returns a nil route when the
// request routes to none (an off-contract probe), and the path parameters
// as the wire carries them (escaped).
func (v *validator) route(s *sent) (*routers.Route, map[string]string) {
	// Route sees escape(rel): every byte of rel, "%" included, survives one
	// unescape, and "/" is never escaped, so segments stay segments. Each
	// parameter then comes back as escape(wire segment).
	req := &http.Request{Method: s.method, URL: &url.URL{Path: s.rel}, Header: http.Header{}}
	route, params, err := v.spec.Route(req)
	if err != nil || route == nil || route.Operation == nil {
		return nil, nil
	}
	wire := make(map[string]string, len(params))
	for k, p := range params {
		raw, err := url.PathUnescape(p)
		if err != nil {
			raw = p
		}
		wire[k] = raw
	}
	return route, wire
}

// check validates a request and, when one came back, its response.
func (v *validator) check(ctx context.Context, s *sent, r *received) checked {
	route, wire := v.route(s)
	if route == nil {
		return checked{}
	}
	out := checked{operation: route.Operation.OperationID}
	opts := v.opts

	// Path parameters, unescaped; an escape that does not decode is itself
	// a violation (the value is then validated as sent).
	params := make(map[string]string, len(wire))
	for name, raw := range wire {
		val, err := url.PathUnescape(raw)
		if err != nil {
			out.request = append(out.request, Violation{KindParameter,
				trim(fmt.Sprintf("path parameter %q: %q is not a valid escape: %v", name, raw, err), maxMessage)})
			val = raw
		}
		params[name] = val
	}

	req := &http.Request{
		Method:        s.method,
		URL:           &url.URL{Path: s.rel, RawQuery: s.query.Encode()},
		Header:        s.header,
		ContentLength: int64(len(s.body)),
		Body:          http.NoBody,
	}
	if len(s.body) > 0 {
		body := s.body
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.Body, _ = req.GetBody()
	}
	in := &openapi3filter.RequestValidationInput{
		Request:     req,
		PathParams:  params,
		QueryParams: s.query,
		Route:       route,
		Options:     &opts,
	}
	if in.QueryParams == nil {
		in.QueryParams = url.Values{}
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		out.request = append(out.request, requestViolations(err)...)
	}
	if route.Operation.RequestBody == nil && len(s.body) == 0 && s.header.Get("Content-Type") != "" {
		out.request = append(out.request, Violation{KindContentType,
			trim(fmt.Sprintf("%s documents no request body but the request sends Content-Type %s", out.operation, s.header.Get("Content-Type")), maxMessage)})
	}

	if r == nil {
		return out
	}
	respOpts := opts
	respOpts.ExcludeResponseBody = r.truncated
	respOpts.MultiError = len(r.body) <= multiErrorBody
	rin := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 r.status,
		Header:                 r.header,
		Body:                   io.NopCloser(bytes.NewReader(r.body)),
		Options:                &respOpts,
	}
	if err := openapi3filter.ValidateResponse(ctx, rin); err != nil {
		out.response = append(out.response, responseViolations(err)...)
	}
	out.response = append(out.response, undocumentedBody(route.Operation, r)...)
	if r.truncated {
		out.response = append(out.response, Violation{KindBody, "body larger than 1 MiB"})
	}
	return out
}

// undocumentedBody closes kin-openapi's gap: a documented response without
// content must carry no body. A Content-Type on an empty body is no body:
// upstream Nova sends application/json with Content-Length 0 on its empty
// 202 (docs/reference.md §7), so the reports carry it as an advisory.
func undocumentedBody(op *openapi3.Operation, r *received) []Violation {
	ref := op.Responses.Status(r.status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil || ref.Value == nil || len(ref.Value.Content) > 0 {
		return nil
	}
	var out []Violation
	if len(r.body) > 0 {
		n := fmt.Sprintf("%d", len(r.body))
		if r.truncated {
			n = "more than " + n
		}
		out = append(out, Violation{KindBody, fmt.Sprintf("%d documents no body but the response has %s bytes", r.status, n)})
	}
	return out
}

// isJSON reports whether a media type is JSON (application/json, */*+json).
func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// requestViolations turns ValidateRequest's error into violations.
func requestViolations(err error) []Violation {
	var out []Violation
	for _, e := range flatten(err) {
		kind := KindBody
		var re *openapi3filter.RequestError
		var se *openapi3filter.SecurityRequirementsError
		switch {
		case errors.As(e, &re) && re.Parameter != nil:
			kind = KindParameter
		case errors.As(e, &re) && strings.Contains(re.Reason, "Content-Type"):
			kind = KindContentType
		case errors.As(e, &re) && re.RequestBody != nil && hasSchemaError(re.Err):
			kind = KindSchema
		case errors.As(e, &se):
			kind = KindSecurity
		}
		msg := e.Error()
		if re != nil && re.Parameter != nil && re.Err != nil {
			msg = fmt.Sprintf("%s parameter %q: %s", re.Parameter.In, re.Parameter.Name, reasons(re.Err))
		} else if re != nil && re.RequestBody != nil && kind == KindSchema {
			msg = "request body: " + reasons(re.Err)
		}
		out = appendCapped(out, Violation{kind, trim(msg, maxMessage)})
	}
	return out
}

// reasons renders a (multi) schema error as its reasons joined by "; ",
// without kin-openapi's dump of the schema and the value.
func reasons(err error) string {
	var parts []string
	for _, e := range flatten(err) {
		parts = append(parts, schemaMessage(e))
	}
	return strings.Join(parts, "; ")
}

// responseViolations turns ValidateResponse's error into violations.
func responseViolations(err error) []Violation {
	var re *openapi3filter.ResponseError
	if !errors.As(err, &re) {
		return []Violation{{KindSchema, trim(err.Error(), maxMessage)}}
	}
	switch {
	case re.Reason == "status is not supported":
		return []Violation{{KindStatus, fmt.Sprintf("status %d is not documented for this operation", re.Input.Status)}}
	case strings.Contains(re.Reason, "Content-Type"):
		ct := re.Input.Header.Get("Content-Type")
		if ct == "" {
			return []Violation{{KindContentType, "the response has a body schema but no Content-Type"}}
		}
		return []Violation{{KindContentType, trim("unexpected response Content-Type "+ct, maxMessage)}}
	case strings.HasPrefix(re.Reason, "response header"), strings.HasPrefix(re.Reason, "unable to decode header"),
		strings.HasPrefix(re.Reason, "unable to get header"):
		return []Violation{{KindHeader, trim(re.Error(), maxMessage)}}
	case strings.HasPrefix(re.Reason, "response body doesn't match schema"):
		var out []Violation
		for _, e := range flatten(re.Err) {
			out = appendCapped(out, Violation{KindSchema, trim(schemaMessage(e), maxMessage)})
		}
		if len(out) == 0 {
			out = append(out, Violation{KindSchema, trim(re.Error(), maxMessage)})
		}
		return out
	default: // unreadable or undecodable body
		return []Violation{{KindBody, trim(re.Error(), maxMessage)}}
	}
}

// schemaMessage renders a schema error as "at /path: reason" rather than
// kin-openapi's multi-line dump of the schema and value.
func schemaMessage(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		reason := se.Reason
		if reason == "" {
			reason = se.Error()
		}
		if ptr := se.JSONPointer(); len(ptr) > 0 {
			return fmt.Sprintf("at /%s: %s", strings.Join(ptr, "/"), reason)
		}
		return reason
	}
	return err.Error()
}

func hasSchemaError(err error) bool {
	var se *openapi3.SchemaError
	var me openapi3.MultiError
	return errors.As(err, &se) || errors.As(err, &me)
}

// flatten expands kin-openapi's MultiError (nested ones included).
func flatten(err error) []error {
	me, ok := err.(openapi3.MultiError)
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range me {
		out = append(out, flatten(e)...)
	}
	return out
}

// appendCapped appends v unless maxViolations are already there, in which
// case the last one says how many more were left out.
func appendCapped(vs []Violation, v Violation) []Violation {
	switch {
	case len(vs) < maxViolations:
		return append(vs, v)
	case len(vs) == maxViolations:
		return append(vs, Violation{v.Kind, "… and more (cut at 20)"})
	default:
		return vs
	}
}

// ErrorShapeProblem says what is wrong with an error response's body, or ""
// when it is JSON in one of the error shapes the document defines (Nova
// fault, {"error":{code,message}}, NeutronError) and, for a Nova fault, its
// code repeats the status (docs/reference.md §2).
func ErrorShapeProblem(s *spec.Spec, e *Exchange) string {
	ct := e.ResponseHeader.Get("Content-Type")
	if !isJSON(ct) {
		return fmt.Sprintf("Content-Type %q, want application/json", ct)
	}
	raw, err := e.Body()
	if err != nil {
		// The run's own spool failed, not the target: no problem of its
		// answer is claimed (the HAR says what could not be read back).
		return ""
	}
	var body any
	if err := json.Unmarshal(raw, &body); err != nil {
		return fmt.Sprintf("body is not JSON: %v", err)
	}
	if err := s.ValidateErrorBody(body); err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return "body is in no documented error shape (Nova fault, {\"error\":{code,message}}, NeutronError, API gateway {\"error_code\",\"error_msg\"}): " + msg
	}
	// A Nova fault repeats the status in its code: one that says otherwise
	// misleads every client that reads it.
	if obj, ok := body.(map[string]any); ok && len(obj) == 1 {
		for name, v := range obj {
			if fault, ok := v.(map[string]any); ok {
				if code, ok := fault["code"].(float64); ok && int(code) != e.Status {
					return fmt.Sprintf("the %s fault says code %d, but the status is %d", name, int(code), e.Status)
				}
			}
		}
	}
	return ""
}
