package client

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nicconform/nicconform/internal/paths"
	"github.com/nicconform/nicconform/spec"
)

// Defaults of Config and RetryPolicy.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultMaxAttempts = 4
	DefaultBaseDelay   = 200 * time.Millisecond
	DefaultMaxDelay    = 5 * time.Second
)

// RetryPolicy says how 429 and 503 answers (and transport errors of GET and
// PUT) are retried. Zero fields take the defaults.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts in all (default 4; 1 = no retry).
	MaxAttempts int
	// BaseDelay is the first backoff (default 200ms), doubled each retry.
	BaseDelay time.Duration
	// MaxDelay caps a backoff (default 5s); a Retry-After is capped at
	// four times it.
	MaxDelay time.Duration
}

// Config configures a Client.
type Config struct {
	// ComputeURL is the base URL serving /v2.1/… (it may have a path
	// prefix; a trailing slash is ignored). Required.
	ComputeURL string
	// NetworkURL is the base URL serving /v2.0/…; default ComputeURL.
	NetworkURL string
	// ProjectID goes in compute paths.
	ProjectID string
	// ComputeProjectless sends compute paths without the project
	// (/v2.1/servers/…, paths.WithoutProject), for a compute endpoint that
	// names none (Nova ≥ 2.18 catalogs); exchanges are still validated
	// against the contract's /v2.1/{project_id}/… paths. RawPath requests
	// go as they are.
	ComputeProjectless bool
	// Microversion is the compute microversion ("X.Y" or "latest") sent
	// with every compute request, in X-OpenStack-Nova-API-Version and
	// OpenStack-API-Version (nova/api/openstack/wsgi.py); "" sends none,
	// and the target serves its default (2.1 on Nova). A call that needs a
	// later one asks for it (GetServer, LockWithReason).
	Microversion string
	// Auth adds credentials; nil sends none.
	Auth Authenticator
	// Spec is the contract every exchange is validated against; nil loads
	// the embedded one.
	Spec *spec.Spec
	// HTTPClient sends the requests; nil uses a new client with its own
	// transport (response headers capped at MaxHeaderBytes). The client is copied, never modified; the copy does not
	// follow redirects (a 3xx is recorded as it came).
	HTTPClient *http.Client
	// Timeout bounds each attempt, body read included (default 30s).
	Timeout time.Duration
	// Retry is the retry policy.
	Retry RetryPolicy
	// Recorder records every attempt; nil uses a new one.
	Recorder *Recorder
	// Logger gets one Debug record per attempt (redacted); nil discards.
	Logger *slog.Logger
}

// Client talks to one target. It is safe for concurrent use; WithAuth,
// WithProject and WithMicroversion return copies sharing the contract,
// recorder and HTTP client.
type Client struct {
	compute, network *url.URL
	project          string
	projectless      bool // Config.ComputeProjectless
	microversion     string
	auth             Authenticator
	inherited        []string // secrets of the clients this one was derived from
	inheritedHeaders []string // and their authenticators' credential headers
	spec             *spec.Spec
	validator        *validator
	http             *http.Client
	timeout          time.Duration
	retry            RetryPolicy
	rec              *Recorder
	log              *slog.Logger
	sent             *sentCredentials // shared by every copy
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	compute, err := parseBase("ComputeURL", cfg.ComputeURL)
	if err != nil {
		return nil, err
	}
	network := compute
	if cfg.NetworkURL != "" {
		if network, err = parseBase("NetworkURL", cfg.NetworkURL); err != nil {
			return nil, err
		}
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("client: Config.Timeout %v is negative", cfg.Timeout)
	}
	if cfg.Microversion != "" {
		if err := checkMicroversion(cfg.Microversion); err != nil {
			return nil, fmt.Errorf("client: Config.Microversion: %w", err)
		}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	r := cfg.Retry
	switch {
	case r.MaxAttempts < 0:
		return nil, fmt.Errorf("client: Config.Retry.MaxAttempts %d is negative", r.MaxAttempts)
	case r.BaseDelay < 0:
		return nil, fmt.Errorf("client: Config.Retry.BaseDelay %v is negative", r.BaseDelay)
	case r.MaxDelay < 0:
		return nil, fmt.Errorf("client: Config.Retry.MaxDelay %v is negative", r.MaxDelay)
	}
	if r.MaxAttempts == 0 {
		r.MaxAttempts = DefaultMaxAttempts
	}
	if r.BaseDelay == 0 {
		r.BaseDelay = DefaultBaseDelay
	}
	if r.MaxDelay == 0 {
		r.MaxDelay = DefaultMaxDelay
	}
	if cfg.Spec == nil {
		if cfg.Spec, err = spec.Load(); err != nil {
			return nil, fmt.Errorf("client: load the contract: %w", err)
		}
	}
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	} else if t, ok := http.DefaultTransport.(*http.Transport); ok {
		hc.Transport = t.Clone()
		hc.Transport.(*http.Transport).MaxResponseHeaderBytes = MaxHeaderBytes
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if cfg.Recorder == nil {
		cfg.Recorder = NewRecorder()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		compute:      compute,
		network:      network,
		project:      cfg.ProjectID,
		projectless:  cfg.ComputeProjectless,
		microversion: cfg.Microversion,
		auth:         cfg.Auth,
		spec:         cfg.Spec,
		validator:    newValidator(cfg.Spec),
		http:         &hc,
		timeout:      cfg.Timeout,
		retry:        r,
		rec:          cfg.Recorder,
		log:          cfg.Logger,
		sent:         &sentCredentials{},
	}, nil
}

// Recorder returns the recorder of every exchange.
func (c *Client) Recorder() *Recorder { return c.rec }

// Spec returns the contract exchanges are validated against.
func (c *Client) Spec() *spec.Spec { return c.spec }

// BaseURL returns the base URL of a service (a copy).
func (c *Client) BaseURL(s Service) *url.URL {
	u := *c.base(s)
	return &u
}

// WithAuth returns a copy sending a's credentials (nil: none), sharing the
// contract, recorder and HTTP client. The copy still scrubs the secrets of
// the client it came from.
func (c *Client) WithAuth(a Authenticator) *Client {
	cp := *c
	cp.inherited = append(append([]string(nil), c.inherited...), c.secrets()...)
	if c.auth != nil {
		cp.inheritedHeaders = append(append([]string(nil), c.inheritedHeaders...), c.auth.Headers()...)
	}
	cp.auth = a
	return &cp
}

// WithProject returns a copy putting projectID in compute paths.
func (c *Client) WithProject(projectID string) *Client {
	cp := *c
	cp.project = projectID
	return &cp
}

// WithMicroversion returns a copy sending compute microversion v ("X.Y" or
// "latest"; "" sends none) with every compute request, sharing the
// contract, recorder and HTTP client. A malformed v makes the copy's
// compute requests fail before they are sent (Do's error says why).
func (c *Client) WithMicroversion(v string) *Client {
	cp := *c
	cp.microversion = v
	return &cp
}

func (c *Client) base(s Service) *url.URL {
	if s == Network {
		return c.network
	}
	return c.compute
}

// Roles are the names of the roles the client's credentials carry on the
// project, as an IAM password login's answer named them (token.roles);
// known is false where the credentials do not say (a bare token, a
// signature) or before the first login.
func (c *Client) Roles() (roles []string, known bool) {
	if r, ok := c.auth.(interface{ Roles() ([]string, bool) }); ok {
		return r.Roles()
	}
	return nil, false
}

func (c *Client) secrets() []string {
	if c.auth == nil {
		return nil
	}
	return c.auth.Secrets()
}

// redactor scrubs the secrets of this client and of those it was derived
// from, and the credential values sent (sent: this attempt's, which it
// adds to the latest ones kept; nil: the latest kept).
func (c *Client) redactor(sent http.Header) *redactor {
	var names []string
	if c.auth != nil {
		names = c.auth.Headers()
	}
	r := *c.sent.redactor(c.inherited, c.secrets(), c.sent.add(sent, names)) // a copy: its headers are this client's
	r.headers = c.inheritedHeaders
	if c.auth != nil {
		r.headers = append(append([]string(nil), r.headers...), c.auth.Headers()...)
	}
	return &r
}

// Request is one logical request.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Service picks the base URL.
	Service Service
	// Segments is the path after the base URL, unescaped; each is escaped
	// as exactly one segment (build them with internal/paths, e.g.
	// paths.Interface.Segments(project, serverID, portID)). An empty
	// segment stays empty.
	Segments []string
	// RawPath, instead of Segments, is sent verbatim (already escaped); it
	// must start with "/".
	RawPath string
	// Query is the query string.
	Query url.Values
	// Header holds extra request headers.
	Header http.Header
	// Body is the raw body; nil sends none (and no Content-Type unless
	// Header sets one).
	Body []byte
	// JSON, if non-nil, is marshalled as the body, with Content-Type
	// application/json (unless Header sets one).
	JSON any
	// NoRetry sends one attempt whatever the answer.
	NoRetry bool
	// Microversion, for a compute request, overrides the client's
	// microversion ("X.Y" or "latest"). Header overrides both.
	Microversion string
	// Note is recorded on each exchange.
	Note string
	// check, when set, judges the answer beyond its schema (a typed call's
	// own contract, e.g. a NIC show naming the port asked for): what it
	// returns is added to the exchange's violations before it is recorded.
	check func(status int, body []byte) []Violation
	// Subject marks a request aimed at the operation under test (the
	// detach) although it may route to no documented operation: another
	// method on a NIC, a malformed id, a path without the port. The
	// catalog's cross-cutting rules judge subject exchanges only; the rest
	// are neighbour calls (docs/design.md, "Verdicts").
	Subject bool
}

// Transport failure causes, for errors.Is on the error of Do.
var (
	// ErrUnreachable: the connection could not be made.
	ErrUnreachable = errors.New("target unreachable")
	// ErrTimeout: no complete response within the attempt's timeout or the
	// context's deadline.
	ErrTimeout = errors.New("timeout")
	// ErrNotHTTP: the target answered with something that is not HTTP.
	ErrNotHTTP = errors.New("not an HTTP response")
	// ErrNoResponse: the connection closed (or failed) without a response.
	ErrNoResponse = errors.New("no response")
)

// TransportError is Do's error when no HTTP response came back.
type TransportError struct {
	Method string
	URL    string // redacted
	// Kind is ErrUnreachable, ErrTimeout, ErrNotHTTP or ErrNoResponse.
	Kind error
	// Detail is the underlying error's text, redacted.
	Detail string
	// Attempts is how many attempts were made.
	Attempts int
	err      error
}

// Error reads "client: DELETE http://…: target unreachable: dial tcp …".
func (e *TransportError) Error() string {
	s := fmt.Sprintf("client: %s %s: %v", e.Method, e.URL, e.Kind)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

// Unwrap returns the kind and the underlying error (both match errors.Is).
func (e *TransportError) Unwrap() []error { return []error{e.Kind, e.err} }

// prepared is a request ready to be sent, attempt after attempt.
type prepared struct {
	check   func(status int, body []byte) []Violation
	method  string
	url     *url.URL
	rel     string
	query   url.Values
	header  http.Header
	body    []byte
	note    string
	subject bool
}

func (c *Client) prepare(r Request) (*prepared, error) {
	if r.Method == "" {
		return nil, errors.New("client: request without a method")
	}
	rel, err := relativePath(&r)
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", r.Method, err)
	}
	wire := rel
	if c.projectless && r.Service == Compute && len(r.Segments) > 0 {
		// The endpoint names no project: /v2.1/servers/… on the wire, the
		// contract's /v2.1/{project_id}/… path for validation.
		wire = escapeSegments(paths.WithoutProject(r.Segments))
	}
	u, err := buildURL(c.base(r.Service), wire, r.Query)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", r.Method, rel, err)
	}
	p := &prepared{method: r.Method, url: u, rel: rel, query: r.Query, header: r.Header.Clone(), body: r.Body, note: r.Note, subject: r.Subject, check: r.check}
	if p.header == nil {
		p.header = http.Header{}
	}
	if p.query == nil {
		p.query = url.Values{}
	}
	if r.JSON != nil {
		if r.Body != nil {
			return nil, fmt.Errorf("client: %s %s: set Body or JSON, not both", r.Method, rel)
		}
		if p.body, err = json.Marshal(r.JSON); err != nil {
			return nil, fmt.Errorf("client: %s %s: marshal the body: %w", r.Method, rel, err)
		}
		if p.header.Get("Content-Type") == "" {
			p.header.Set("Content-Type", "application/json")
		}
	}
	if p.header.Get("Accept") == "" {
		p.header.Set("Accept", "application/json")
	}
	if v := cmp.Or(r.Microversion, c.microversion); r.Service == Compute && v != "" {
		if err := checkMicroversion(v); err != nil {
			return nil, fmt.Errorf("client: %s %s: %w", r.Method, rel, err)
		}
		if !hasHeader(p.header, HeaderNovaAPIVersion) && !hasHeader(p.header, HeaderAPIVersion) {
			p.header.Set(HeaderNovaAPIVersion, v)
			p.header.Set(HeaderAPIVersion, "compute "+v)
		}
	}
	if p.header.Get("User-Agent") == "" {
		p.header.Set("User-Agent", "nicconform")
	}
	return p, nil
}

// Do sends one logical request, retries included (each attempt is
// recorded as its own Exchange), and returns the last attempt's exchange.
// The error is non-nil only when no HTTP response came back (a
// *TransportError), or when the request cannot be built; any HTTP status is
// a result, not an error.
func (c *Client) Do(ctx context.Context, r Request) (*Exchange, error) {
	p, err := c.prepare(r)
	if err != nil {
		return nil, c.redactor(nil).error(err)
	}
	attempts := c.retry.MaxAttempts
	if r.NoRetry {
		attempts = 1
	}
	var earlier []int // the statuses of the attempts before this one
	for attempt := 1; ; attempt++ {
		ex, err := c.attempt(ctx, p, attempt, earlier)
		if ex == nil || attempt >= attempts || ctx.Err() != nil {
			return ex, err
		}
		earlier = append(earlier[:len(earlier):len(earlier)], ex.Status)
		wait, retry := c.retryAfter(p.method, ex, err, attempt)
		if !retry {
			return ex, err
		}
		if deadline, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(deadline) {
			c.log.DebugContext(ctx, "client: no retry, the wait would pass the deadline",
				"method", p.method, "url", ex.URL, "wait", wait)
			return ex, err
		}
		c.log.DebugContext(ctx, "client: retry", "method", p.method, "url", ex.URL, "status", ex.Status, "wait", wait, "next_attempt", attempt+1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ex, err
		case <-t.C:
		}
	}
}

// retryAfter decides whether an attempt is retried, and after how long.
func (c *Client) retryAfter(method string, ex *Exchange, err error, attempt int) (time.Duration, bool) {
	switch {
	case err != nil:
		// Without a response a DELETE or POST may have taken effect.
		if method != http.MethodGet && method != http.MethodPut && method != http.MethodHead && method != http.MethodOptions {
			return 0, false
		}
	case ex.Status != http.StatusTooManyRequests && ex.Status != http.StatusServiceUnavailable:
		return 0, false
	}
	if ex != nil && ex.Status != 0 {
		if d, ok := parseRetryAfter(ex.ResponseHeader.Get("Retry-After"), time.Now()); ok {
			// At least what the target asked, and up to 10% more: clients
			// that all wait exactly as long come back in step.
			d += time.Duration(rand.Int64N(int64(d)/10 + 1))
			return min(d, 4*c.retry.MaxDelay), true
		}
	}
	return c.backoff(attempt), true
}

// backoff is BaseDelay·2^(attempt-1), with up to 10% jitter, capped at MaxDelay.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.retry.BaseDelay
	for i := 1; i < attempt && d < c.retry.MaxDelay; i++ {
		d *= 2
	}
	d += time.Duration(rand.Int64N(int64(d)/10 + 1))
	return min(d, c.retry.MaxDelay)
}

// parseRetryAfter reads a Retry-After of seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// attempt sends one attempt, validates it and records it.
func (c *Client) attempt(ctx context.Context, p *prepared, attempt int, earlier []int) (*Exchange, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(actx, p.method, "http://placeholder/", nil)
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", p.method, err)
	}
	u := *p.url
	req.URL = &u
	req.Host = u.Host
	req.Header = p.header.Clone()
	if p.body != nil {
		body := p.body
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.Body, _ = req.GetBody()
		if len(body) == 0 {
			req.Body = http.NoBody
		}
	}

	ex := &Exchange{Method: p.method, Attempt: attempt, EarlierStatuses: earlier, Note: p.note, Started: time.Now()}
	var authErr error
	if c.auth != nil {
		authErr = c.auth.Authenticate(actx, req, p.body)
	}
	red := c.redactor(req.Header)
	ex.URL = redactedURL(req.URL, red)
	ex.RequestHeader = red.header(req.Header)
	ex.RequestBody = red.body(p.body)
	ex.Note = red.scrub(p.note)
	if authErr != nil {
		err := fmt.Errorf("client: %s %s: authenticate: %w", p.method, ex.URL, red.error(authErr))
		ex.Err = red.scrub(err.Error())
		c.record(ctx, ex)
		return ex, err
	}

	resp, err := c.http.Do(req)
	var rcv *received
	if err == nil {
		rcv = &received{status: resp.StatusCode, header: resp.Header}
		rcv.body, err = io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
		if closeErr := resp.Body.Close(); err == nil && closeErr != nil && !errors.Is(closeErr, context.Canceled) {
			err = closeErr
		}
		if len(rcv.body) > MaxBody {
			rcv.body, rcv.truncated = rcv.body[:MaxBody], true
		}
		ex.Status = resp.StatusCode
		ex.ResponseHeader = red.header(resp.Header)
		ex.ResponseBody = red.body(rcv.body)
		ex.RequestID = requestID(ex.ResponseHeader) // redacted: a target may echo a credential in it
		ex.Microversion = AnsweredMicroversion(ex.ResponseHeader)
		if err != nil { // a status came back, the body did not
			ex.Err = red.scrub(fmt.Sprintf("reading the response body: %v", err))
		}
	}
	ex.Duration = time.Since(ex.Started)

	out := c.validator.check(ctx, &sent{method: p.method, rel: p.rel, query: p.query, header: req.Header, body: p.body}, rcv)
	ex.Operation = out.operation
	ex.Subject = p.subject || out.operation == spec.DetachOperationID
	ex.Violations = scrubViolations(red, out.response)
	ex.RequestViolations = scrubViolations(red, out.request)
	if rcv != nil && err != nil {
		ex.Violations = append(ex.Violations, Violation{KindBody, trim(ex.Err, maxMessage)})
	}
	if rcv != nil && p.check != nil {
		ex.Violations = append(ex.Violations, scrubViolations(red, p.check(rcv.status, rcv.body))...)
	}

	if rcv == nil {
		terr := c.transportError(ctx, actx, p.method, ex.URL, err, attempt, red)
		ex.Err = terr.Kind.Error() + ": " + terr.Detail
		c.record(ctx, ex)
		return ex, terr
	}
	c.record(ctx, ex)
	return ex, nil
}

func scrubViolations(red *redactor, vs []Violation) []Violation {
	for i := range vs {
		vs[i].Message = red.scrub(vs[i].Message)
	}
	return vs
}

func (c *Client) record(ctx context.Context, ex *Exchange) {
	ex.Owner = OwnerOf(ctx)
	c.rec.add(ex)
	attrs := []any{
		"seq", ex.Seq, "method", ex.Method, "url", ex.URL, "status", ex.Status,
		"request_id", ex.RequestID, "duration", ex.Duration, "attempt", ex.Attempt,
		"operation", ex.Operation, "violations", len(ex.Violations),
	}
	if ex.Err != "" {
		attrs = append(attrs, "error", ex.Err)
	}
	c.log.DebugContext(ctx, "client: exchange", attrs...)
}

// requestID returns the first request id header present.
func requestID(h http.Header) string {
	for _, k := range []string{"X-Openstack-Request-Id", "X-Compute-Request-Id", "X-Request-Id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// transportError classifies a failure to get a response.
func (c *Client) transportError(ctx, actx context.Context, method, u string, err error, attempt int, red *redactor) *TransportError {
	te := &TransportError{Method: method, URL: u, Attempts: attempt, err: err}
	var netErr net.Error
	var opErr *net.OpError
	msg := err.Error()
	if ue, ok := err.(*url.Error); ok { // drop url.Error's "Get \"…\": " prefix: the URL is ours
		msg = ue.Err.Error()
	}
	switch {
	case ctx.Err() != nil:
		te.Kind = ErrTimeout
		msg = "context: " + context.Cause(ctx).Error()
	case actx.Err() != nil || (errors.As(err, &netErr) && netErr.Timeout()):
		te.Kind = ErrTimeout
		msg = fmt.Sprintf("no response within %v", c.timeout)
	case errors.As(err, &opErr) && opErr.Op == "dial",
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		te.Kind = ErrUnreachable
	case strings.Contains(msg, "malformed HTTP"), strings.Contains(msg, "HTTP/1.x transport connection broken"),
		strings.Contains(msg, "server gave HTTP response to HTTPS client"), strings.Contains(msg, "first record does not look like a TLS handshake"):
		te.Kind = ErrNotHTTP
	case strings.Contains(msg, "readLoopPeekFailLocked"):
		// net/http's transport read bytes on the connection before any
		// request of ours was answered (and formats a nil error into the
		// message): a server that speaks first, like an SSH or SMTP banner.
		te.Kind = ErrNotHTTP
		msg = "the server sent bytes before any request was answered (not an HTTP server?)"
	default:
		te.Kind = ErrNoResponse
	}
	te.Detail = red.scrub(msg)
	return te
}
