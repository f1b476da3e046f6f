package client

import (
	"context"
	"net/http"
)

// Authenticator adds credentials to each attempt of a request.
// Implementations must be safe for concurrent use.
type Authenticator interface {
	// Authenticate adds credentials to req (body is the exact request body,
	// for signing). It is called once per attempt, just before sending.
	Authenticate(ctx context.Context, req *http.Request, body []byte) error
	// Secrets returns the secret strings this authenticator holds, so
	// recordings can scrub them. It is asked after every Authenticate, so a
	// token fetched lazily is scrubbed too.
	Secrets() []string
}

// Token returns an Authenticator sending a static X-Auth-Token.
func Token(token string) Authenticator { return tokenAuth(token) }

type tokenAuth string

func (t tokenAuth) Authenticate(_ context.Context, req *http.Request, _ []byte) error {
	req.Header.Set("X-Auth-Token", string(t))
	return nil
}

func (t tokenAuth) Secrets() []string { return []string{string(t)} }

// String never shows the token.
func (t tokenAuth) String() string { return "Token(" + Redacted + ")" }

// GoString never shows the token (%#v).
func (t tokenAuth) GoString() string { return t.String() }
