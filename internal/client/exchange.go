package client

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Violation kinds.
const (
	KindStatus      = "status"       // the status code is not documented for the operation
	KindBody        = "body"         // a body where none is documented, an unreadable or oversized body, a request body where none is documented
	KindSchema      = "schema"       // a body breaks its schema
	KindHeader      = "header"       // a documented header breaks its schema
	KindContentType = "content-type" // a Content-Type the operation does not document
	KindParameter   = "parameter"    // (request side) a path or query parameter breaks its schema
	KindSecurity    = "security"     // (request side) the security requirements are not met
	KindContract    = "contract"     // the answer breaks its operation's contract beyond the schema (a NIC show naming another port)
)

// Violation is one way an exchange breaks the contract.
type Violation struct {
	// Kind is one of the Kind constants.
	Kind string
	// Message says what broke, in a few hundred characters at most.
	Message string
}

// String renders "[kind] message".
func (v Violation) String() string { return "[" + v.Kind + "] " + v.Message }

// MaxBody is the largest response body recorded; a larger one is cut there
// and is a violation.
const MaxBody = 1 << 20

// MaxHeaderBytes caps a response's header block (status line and headers)
// on the transports this package and internal/target build
// (http.Transport.MaxResponseHeaderBytes; net/http's default is 10 MiB): a
// larger block is a refused answer, a *TransportError, never read whole.
const MaxHeaderBytes = 256 << 10

// Redacted replaces every secret in what the client records.
const Redacted = "REDACTED"

// Exchange is one attempt of a request and its response, validated against
// the contract and redacted. Treat it as read-only once recorded.
type Exchange struct {
	// Seq is the 1-based order in the recorder.
	Seq int
	// Operation is the operationId the request routed to, "" when none.
	Operation string
	// Method and URL are the request line; the URL's query is redacted.
	Method, URL string
	// RequestHeader is the headers sent, redacted.
	RequestHeader http.Header
	// RequestBody is the body sent, redacted.
	RequestBody []byte
	// Status is the response status code, 0 when no response came back.
	Status int
	// ResponseHeader is the response headers, redacted.
	ResponseHeader http.Header
	// ResponseBody is the response body, redacted: the whole of it (at
	// most MaxBody bytes) until the exchange is recorded, then at most
	// KeptBody bytes, its start, once a Recorder has spooled a longer one
	// to disk. Body gives the whole body, BodySize its length.
	ResponseBody []byte
	// spooled is where a Recorder put the whole body, nil when
	// ResponseBody is all of it.
	spooled *spooledBody
	// Started is when the attempt began.
	Started time.Time
	// Duration is how long the attempt took, body read included.
	Duration time.Duration
	// RequestID is the first of X-Openstack-Request-Id, X-Compute-Request-Id
	// and X-Request-Id the response carries.
	RequestID string
	// Microversion is the compute microversion the target says it answered
	// at (OpenStack-API-Version: compute X.Y, else
	// X-OpenStack-Nova-API-Version), "" when it says none: network calls,
	// version lists, targets without microversions (see
	// AnsweredMicroversion).
	Microversion string `json:"microversion,omitempty"`
	// Attempt is 1 for the first try of a request.
	Attempt int
	// EarlierStatuses are the statuses of the attempts of the same request
	// that were answered before this one (a 429 or 503, then retried): a
	// spec that must see no 5xx looks at them too.
	EarlierStatuses []int `json:"earlierStatuses,omitempty"`
	// Violations are the response's breaks of the contract.
	Violations []Violation
	// RequestViolations are the request's breaks of the contract: the suite
	// sends malformed requests on purpose, so these are data, not failures.
	RequestViolations []Violation
	// Err is the transport error, if any (redacted).
	Err string
	// Note is the caller's note (e.g. "probe: PATH-MALFORMED server_id not-a-uuid").
	Note string
	// Subject is true for an exchange aimed at the detach operation (see
	// Request.Subject); false for a neighbour call.
	Subject bool `json:"subject,omitempty"`
	// Owner is the owner of the request's context (see WithOwner), "" by
	// default: the HAR names it as the run step the exchange served.
	Owner string `json:"owner,omitempty"`
}

// Body returns the whole response body, redacted (at most MaxBody bytes):
// ResponseBody, or the body a Recorder spooled to disk read back. The
// error is the spool's (a read of the run's own file failed).
func (e *Exchange) Body() ([]byte, error) {
	if e.spooled == nil {
		return e.ResponseBody, nil
	}
	return e.spooled.read()
}

// BodySize is the length in bytes of the whole response body (at most
// MaxBody), spooled or not.
func (e *Exchange) BodySize() int {
	if e.spooled == nil {
		return len(e.ResponseBody)
	}
	return e.spooled.size
}

// MarshalJSON writes the exchange with its whole body, a spooled one read
// back: a parallel run's report entries travel between processes as JSON
// (ginkgo -p), where the spool is not.
func (e *Exchange) MarshalJSON() ([]byte, error) {
	type plain Exchange // without this method
	if e.spooled == nil {
		return json.Marshal((*plain)(e))
	}
	body, err := e.Body()
	if err != nil {
		return nil, err
	}
	whole := *(*plain)(e)
	whole.ResponseBody = body
	return json.Marshal(&whole)
}

// Valid reports whether the response kept the contract.
func (e *Exchange) Valid() bool { return len(e.Violations) == 0 }

// JSON decodes the (redacted) response body into v.
func (e *Exchange) JSON(v any) error {
	body, err := e.Body()
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", e.Method, e.URL, err)
	}
	if len(body) == 0 {
		return fmt.Errorf("client: %s %s: empty response body", e.Method, e.URL)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("client: %s %s: decode response body: %w", e.Method, e.URL, err)
	}
	return nil
}

// maxEvidenceBody is how much of a body String shows.
const maxEvidenceBody = 200

// String renders the exchange as one line of evidence:
//
//	DELETE http://…/os-interface/… → 202 (request id req-…) body: … violations: [body] …
func (e *Exchange) String() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.URL)
	b.WriteString(" → ")
	if e.Status == 0 {
		b.WriteString("no response")
		if e.Err != "" {
			b.WriteString(": ")
			b.WriteString(e.Err)
		}
	} else {
		fmt.Fprintf(&b, "%d", e.Status)
		if e.RequestID != "" {
			b.WriteString(" (request id ")
			b.WriteString(e.RequestID)
			b.WriteByte(')')
		} else {
			b.WriteString(" (no request id)")
		}
	}
	if e.Attempt > 1 {
		fmt.Fprintf(&b, " attempt %d", e.Attempt)
	}
	if len(e.ResponseBody) > 0 {
		b.WriteString(" body: ")
		b.WriteString(oneLine(e.ResponseBody, maxEvidenceBody))
	}
	if e.Status != 0 && e.Err != "" {
		b.WriteString(" error: ")
		b.WriteString(e.Err)
	}
	writeViolations(&b, " violations: ", e.Violations)
	writeViolations(&b, " request violations: ", e.RequestViolations)
	return b.String()
}

func writeViolations(b *strings.Builder, label string, vs []Violation) {
	if len(vs) == 0 {
		return
	}
	b.WriteString(label)
	for i, v := range vs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
}

// oneLine renders up to max bytes of a body on one line, cut on a rune
// boundary, with "…" when cut.
func oneLine(body []byte, max int) string {
	cut := len(body) > max
	if cut {
		body = body[:max]
		for len(body) > 0 && !utf8.Valid(body) {
			body = body[:len(body)-1]
		}
	}
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "?")), " ")
	if cut {
		s += "…"
	}
	return s
}

// trim shortens a message to about n bytes, on one line.
func trim(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// Recorder keeps every exchange of a run, in order. It is safe for
// concurrent use and append-only.
//
// A response body longer than KeptBody is written to the recorder's spool,
// an unlinked temporary file, when the exchange is recorded, and only its
// first KeptBody bytes stay in memory (Exchange.Body reads the rest back):
// a target that answers MaxBody on each of a run's ~450 calls costs the run
// about 30 MiB of memory instead of 450 MiB (issue 26; the figures in
// docs/design.md, "The fault proxy"). Where no spool can be made, bodies
// stay in memory.
type Recorder struct {
	mu    sync.Mutex
	ex    []*Exchange
	spool spool
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{} }

// add numbers and appends an exchange, spooling a long body first (before
// the exchange is shared, so no reader sees it change).
func (r *Recorder) add(e *Exchange) {
	if len(e.ResponseBody) > KeptBody && e.spooled == nil {
		if sb, err := r.spool.write(e.ResponseBody); err == nil {
			e.spooled = sb
			e.ResponseBody = bytes.Clone(e.ResponseBody[:KeptBody])
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	e.Seq = len(r.ex) + 1
	r.ex = append(r.ex, e)
}

// Exchanges returns a copy of the recorded exchanges, in order.
func (r *Recorder) Exchanges() []*Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Exchange(nil), r.ex...)
}

// Len returns how many exchanges were recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ex)
}

// Since returns the exchanges recorded after the first n (take n from Len
// before the calls of interest).
func (r *Recorder) Since(n int) []*Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	n = max(n, 0)
	if n >= len(r.ex) {
		return nil
	}
	return append([]*Exchange(nil), r.ex[n:]...)
}

// credentialHeaders are replaced whole in every record, whatever the
// client's authenticator: HTTP's and OpenStack's credential headers. An
// authenticator adds its own (Authenticator.Headers).
var credentialHeaders = []string{
	"X-Auth-Token", "Authorization", "X-Subject-Token",
	"Proxy-Authorization", "Cookie", "Set-Cookie",
}

// sentCredentialHeaders carry a credential in a request: every value the
// run sends in one is scrubbed, in every rendering, from what the target
// answers (a target can echo a request's headers back).
var sentCredentialHeaders = []string{"Authorization", "X-Auth-Token", "X-Security-Token", "X-Subject-Token"}

// maxSent is how many of the latest credential values sent a client keeps
// scrubbing besides its authenticator's secrets: a value that changes
// with every request (an SDK-HMAC signature) is scrubbed from the answers
// of the next few requests too, not for ever.
const maxSent = 8

// sentCredentials are the latest credential header values a client (and
// every copy of it) sent. Safe for concurrent use.
type sentCredentials struct {
	mu     sync.Mutex
	values []string  // at most maxSent, the latest last
	key    string    // the secrets red scrubs, joined
	red    *redactor // the latest built: most attempts scrub what the one before did
}

// redactor returns newRedactor(lists...), the one built last when the
// secrets are the same (building one renders every secret anew).
func (s *sentCredentials) redactor(lists ...[]string) *redactor {
	var key strings.Builder
	for _, l := range lists {
		for _, v := range l {
			key.WriteString(v)
			key.WriteByte(0)
		}
		key.WriteByte(1)
	}
	s.mu.Lock()
	if s.red != nil && s.key == key.String() {
		r := s.red
		s.mu.Unlock()
		return r
	}
	s.mu.Unlock()
	r := newRedactor(lists...)
	s.mu.Lock()
	s.key, s.red = key.String(), r
	s.mu.Unlock()
	return r
}

// add keeps the credential values of h (and, of an SDK-HMAC
// Authorization, its signature alone), and returns what it keeps.
func (s *sentCredentials) add(h http.Header, names []string) []string {
	var fresh []string
	for _, name := range append(sentCredentialHeaders[:len(sentCredentialHeaders):len(sentCredentialHeaders)], names...) {
		for _, v := range h.Values(name) {
			fresh = append(fresh, v)
			if _, sig, ok := strings.Cut(v, "Signature="); ok {
				sig, _, _ = strings.Cut(sig, ",")
				fresh = append(fresh, strings.TrimSpace(sig))
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range fresh {
		if len(v) >= minSecret && !slices.Contains(s.values, v) {
			s.values = append(s.values, v)
		}
	}
	if n := len(s.values); n > maxSent {
		s.values = append(s.values[:0:0], s.values[n-maxSent:]...)
	}
	return slices.Clone(s.values)
}

// sensitiveWords mark a JSON key or query name whose value is a secret.
var sensitiveWords = []string{"password", "secret", "token"}

func sensitiveName(name string) bool {
	lower := strings.ToLower(name)
	for _, w := range sensitiveWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// minSecret is the shortest secret string scrubbed (shorter ones would
// mangle ordinary text); minEncoded is the shortest base64 rendering of one
// scrubbed (a few base64 characters turn up in ordinary text by chance).
const (
	minSecret  = 4
	minEncoded = 8
)

// redactor removes secrets from what is recorded, logged or returned.
type redactor struct {
	secrets []string          // every rendering scrubbed, longest first
	rep     *strings.Replacer // replaces each of secrets with Redacted
	headers []string          // replaced whole besides credentialHeaders
}

// newRedactor scrubs the secrets of at least minSecret bytes in every
// rendering a target can echo them in (see renderings), longest first (so
// a secret containing another is replaced whole).
func newRedactor(lists ...[]string) *redactor {
	seen, done := map[string]bool{}, map[string]bool{}
	r := &redactor{}
	for _, list := range lists {
		for _, s := range list {
			if len(s) < minSecret || done[s] {
				continue
			}
			done[s] = true
			for _, v := range renderings(s) {
				if !seen[v] {
					seen[v] = true
					r.secrets = append(r.secrets, v)
				}
			}
		}
	}
	slices.SortStableFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(r.secrets))
	for _, s := range r.secrets {
		pairs = append(pairs, s, Redacted)
	}
	r.rep = strings.NewReplacer(pairs...) // at one position, the first (longest) match wins
	return r
}

// renderings are s as a target can echo it back: as it is; base64 and
// base64url, padded and not, and the part of either that s alone decides
// wherever it starts in a longer encoded string (at each of the three
// alignments, so a secret base64-encoded within "X-Auth-Token: …" is found
// too); each of those URL-encoded (query and path escaping) and as a JSON
// string's content (Go's escaping, minimal escaping, and either with "/"
// written "\/" as PHP and others do); and s with every character written as a JSON \u escape
// (lower- and upper-case hex). A rendering that only partly escapes s (some
// characters \u-escaped, others not) is not caught: docs/design.md,
// "Secrets".
func renderings(s string) []string {
	bases := []string{s}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for _, e := range []string{enc.EncodeToString([]byte(s)), enc.WithPadding(base64.NoPadding).EncodeToString([]byte(s))} {
			if len(e) >= minEncoded {
				bases = append(bases, e)
			}
		}
		for k := range 3 { // s after k bytes of something else
			e := enc.EncodeToString(append(make([]byte, k), s...))
			lo, hi := (8*k+5)/6, 8*(k+len(s))/6 // the characters only s's bits decide
			if hi-lo >= minEncoded {
				bases = append(bases, e[lo:hi])
			}
		}
	}
	out := make([]string, 0, 7*len(bases)+2)
	for _, b := range bases {
		out = append(out, b, url.QueryEscape(b), url.PathEscape(b))
		for _, j := range []string{jsonEscaped(b), jsonContent(b)} {
			out = append(out, j, strings.ReplaceAll(j, "/", `\/`))
		}
	}
	return append(out, unicodeEscaped(s, "\\u%04x"), unicodeEscaped(s, "\\u%04X"))
}

// jsonContent is s as the content of a JSON string, escaped as little as
// JSON allows (no HTML escaping of <, > and &).
func jsonContent(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) != nil || b.Len() < 3 {
		return s
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))[1 : b.Len()-2])
}

// jsonEscaped is s as the content of a JSON string, escaped as Go's
// encoding/json does.
func jsonEscaped(s string) string {
	b, err := json.Marshal(s)
	if err != nil || len(b) < 2 {
		return s
	}
	return string(b[1 : len(b)-1])
}

// unicodeEscaped writes every UTF-16 unit of s as a JSON \u escape, in
// format (\u%04x or \u%04X).
func unicodeEscaped(s, format string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, format, u)
	}
	return b.String()
}

// scrub replaces every rendering of every secret in s.
func (r *redactor) scrub(s string) string {
	if len(r.secrets) == 0 {
		return s
	}
	return r.rep.Replace(s)
}

// scrubBytes replaces every rendering of every secret in b, returning b
// itself when there is none.
func (r *redactor) scrubBytes(b []byte) []byte {
	if len(r.secrets) == 0 || len(b) == 0 {
		return b
	}
	in := string(b)
	if out := r.rep.Replace(in); out != in {
		return []byte(out)
	}
	return b
}

// header returns a redacted copy of h.
func (r *redactor) header(h http.Header) http.Header {
	if h == nil {
		return http.Header{}
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		cp := make([]string, len(vs))
		for i, v := range vs {
			cp[i] = r.scrub(v)
		}
		out[k] = cp
	}
	for _, names := range [][]string{credentialHeaders, r.headers} {
		for _, name := range names {
			if vs, ok := out[http.CanonicalHeaderKey(name)]; ok {
				for i := range vs {
					vs[i] = Redacted
				}
			}
		}
	}
	return out
}

// query redacts the values of sensitive query names and secret strings.
func (r *redactor) query(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		if decoded, err := url.QueryUnescape(name); err == nil {
			name = decoded
		}
		if hasValue && (sensitiveName(name) || strings.EqualFold(name, "signature")) {
			parts[i] = p[:strings.IndexByte(p, '=')+1] + Redacted
		}
	}
	return r.scrub(strings.Join(parts, "&"))
}

// body returns a redacted copy of a body: JSON string values under
// sensitive keys, then secret strings. The bytes are left as they are where
// nothing is redacted.
func (r *redactor) body(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	out := redactJSON(b)
	out = r.scrubBytes(out)
	if len(out) > 0 && &out[0] == &b[0] {
		out = bytes.Clone(b) // never alias the caller's buffer
	}
	return out
}

// error returns err with its text redacted, still unwrapping to err.
func (r *redactor) error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := r.scrub(msg); clean != msg {
		return &redactedError{msg: clean, err: err}
	}
	return err
}

// redactedError carries a redacted message for an error whose own text held
// a secret.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// mayHoldSensitiveKey is a cheap pre-check before parsing a body.
func mayHoldSensitiveKey(b []byte) bool {
	lower := bytes.ToLower(b)
	for _, w := range sensitiveWords {
		if bytes.Contains(lower, []byte(w)) {
			return true
		}
	}
	return false
}

// redactJSON replaces the string value of every object key whose name
// contains a sensitive word with "REDACTED", keeping every other byte as it
// is. A body that is not JSON is returned unchanged.
func redactJSON(b []byte) []byte {
	if !mayHoldSensitiveKey(b) {
		return b
	}
	type frame struct{ object, wantKey bool }
	type span struct{ start, end int }
	var (
		stack     []frame
		sensitive bool
		spans     []span
	)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	valueDone := func() {
		sensitive = false
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	for {
		off := int(dec.InputOffset())
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return b
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				valueDone()
				stack = append(stack, frame{object: t == '{', wantKey: t == '{'})
			default:
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				stack[n-1].wantKey = false
				sensitive = sensitiveName(t)
				continue
			}
			if sensitive {
				end := int(dec.InputOffset())
				if q := bytes.IndexByte(b[off:end], '"'); q >= 0 {
					spans = append(spans, span{off + q, end})
				}
			}
			valueDone()
		default:
			valueDone()
		}
	}
	if len(spans) == 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	last := 0
	for _, s := range spans {
		out = append(out, b[last:s.start]...)
		out = append(out, `"`+Redacted+`"`...)
		last = s.end
	}
	return append(out, b[last:]...)
}
