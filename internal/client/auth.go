package client

import (
	"context"
	"fmt"
	"net/http"
)

// Authenticator adds credentials to each attempt of a request: one
// implementation per way to authenticate (Token, AKSK, IAMPassword), each
// knowing its own credentials' layout. Implementations must be safe for
// concurrent use.
type Authenticator interface {
	// Authenticate adds credentials to req (body is the exact request body,
	// for signing). It is called once per attempt, just before sending.
	Authenticate(ctx context.Context, req *http.Request, body []byte) error
	// Secrets returns the secret strings this authenticator holds, so
	// recordings can scrub them. It is asked after every Authenticate, so a
	// token fetched lazily is scrubbed too.
	Secrets() []string
	// Headers names the request headers Authenticate puts a credential in:
	// recordings show them as Redacted whole, whatever they hold (besides
	// the credential headers every recording redacts; see Exchange).
	Headers() []string
	// Tampered returns an Authenticator of the same kind whose credentials
	// keep their shape but are wrong, for AUTH-INVALID: a target must refuse
	// them however it checks them (a gateway that only looks at a token's
	// format or prefix still lets them through). Its Secrets include the
	// right credentials it was made from.
	Tampered() Authenticator
}

// Token returns an Authenticator sending a static X-Auth-Token. Tampered,
// it sends the token with its middle characters changed (same length, same
// prefix and character classes).
func Token(token string) Authenticator { return tokenAuth(token) }

type tokenAuth string

func (t tokenAuth) Authenticate(_ context.Context, req *http.Request, _ []byte) error {
	req.Header.Set("X-Auth-Token", string(t))
	return nil
}

func (t tokenAuth) Secrets() []string { return []string{string(t)} }

func (t tokenAuth) Headers() []string { return []string{"X-Auth-Token"} }

func (t tokenAuth) Tampered() Authenticator {
	return tampered{Authenticator: tokenAuth(flipMiddle(string(t))), from: t}
}

// String never shows the token.
func (t tokenAuth) String() string { return "Token(" + Redacted + ")" }

// GoString never shows the token (%#v).
func (t tokenAuth) GoString() string { return t.String() }

// tampered sends wrong credentials made from right ones, and scrubs both.
type tampered struct {
	Authenticator               // sends the wrong credentials
	from          Authenticator // the right ones they were made from
}

func (t tampered) Secrets() []string { return append(t.Authenticator.Secrets(), t.from.Secrets()...) }

// Tampered is t itself: its credentials are wrong already.
func (t tampered) Tampered() Authenticator { return t }

// String never shows a credential.
func (t tampered) String() string { return "Tampered(" + Redacted + ")" }

// GoString never shows a credential (%#v).
func (t tampered) GoString() string { return t.String() }

// flipMiddle changes up to four characters in the middle of s, keeping its
// length and its character classes.
func flipMiddle(s string) string {
	b := []byte(s)
	for i := len(b)/2 - 2; i < len(b)/2+2; i++ {
		if i < 0 || i >= len(b) {
			continue
		}
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			b[i] = '0' + (c-'0'+5)%10
		case c >= 'a' && c <= 'z':
			b[i] = 'a' + (c-'a'+13)%26
		case c >= 'A' && c <= 'Z':
			b[i] = 'A' + (c-'A'+13)%26
		}
	}
	return string(b)
}

// RedirectError is the error of a request carrying a credential that was
// answered with a redirect: it is never followed, so the credential goes
// to the configured endpoint only (a login's password would otherwise go
// wherever Location says, body and all, on a 307 or 308).
type RedirectError struct {
	// Status is the redirect's status code (301, 302, 303, 307, 308, …).
	Status int
	// Host is the host Location names; "" when the answer has no usable
	// Location.
	Host string
}

func (e *RedirectError) Error() string {
	if e.Host == "" {
		return fmt.Sprintf("a %d redirect without a usable Location, not followed", e.Status)
	}
	return fmt.Sprintf("a %d redirect to host %q, not followed (credentials go to the configured endpoint only)", e.Status, e.Host)
}

// RefuseRedirect is an http.Client CheckRedirect that follows no redirect:
// the client's Do returns a *url.Error wrapping a *RedirectError naming
// the host Location names. The client of internal/target uses it, so a
// call of its own that carries a credential (an IAM login) never follows
// one.
func RefuseRedirect(req *http.Request, _ []*http.Request) error {
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	return &RedirectError{Status: status, Host: req.URL.Host}
}

// noRedirect makes http.Client.Do return the redirect itself.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// redirectError is the *RedirectError of a redirect answer.
func redirectError(resp *http.Response) *RedirectError {
	e := &RedirectError{Status: resp.StatusCode}
	if u, err := resp.Location(); err == nil {
		e.Host = u.Host
	}
	return e
}
