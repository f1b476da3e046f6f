package mock

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/nicconform/nicconform/internal/aksk"
)

// authState holds the tokens the mock's IAM issued, by the SHA-256 of the
// token (the mock keeps no token in the clear). The zero value is ready.
type authState struct {
	mu     sync.Mutex
	tokens map[[sha256.Size]byte]issuedToken
	now    func() time.Time // the clock; nil means time.Now (tests set it)
}

// issuedToken is what the mock remembers of a token it issued.
type issuedToken struct {
	user, domain string
	admin        bool // the user has the admin role (User.Admin)
	expires      time.Time
}

func (a *authState) clock() time.Time {
	if a.now != nil {
		return a.now()
	}
	return time.Now()
}

// issue remembers a new token and drops the expired ones.
func (a *authState) issue(token string, t issuedToken) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tokens == nil {
		a.tokens = map[[sha256.Size]byte]issuedToken{}
	}
	now := a.clock()
	for k, v := range a.tokens {
		if !now.Before(v.expires) {
			delete(a.tokens, k)
		}
	}
	a.tokens[sha256.Sum256([]byte(token))] = t
}

// valid reports whether token was issued by the mock and has not expired.
func (a *authState) valid(token string) bool {
	_, ok := a.lookup(token)
	return ok
}

// admin reports whether token is a valid token of an admin (User.Admin).
func (a *authState) admin(token string) bool {
	t, ok := a.lookup(token)
	return ok && t.admin
}

// lookup returns what the mock remembers of a token it issued that has
// not expired.
func (a *authState) lookup(token string) (issuedToken, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.tokens[sha256.Sum256([]byte(token))]
	return t, ok && a.clock().Before(t.expires)
}

// verifiers are the ways the mock accepts a request, one row per kind of
// credential (the auth modes of internal/target's table): each returns nil
// when it authenticates r, errNoCredentials when r carries none of its
// credentials, or why it refuses them, in words that never echo them. A
// mode the mock does not verify itself plugs in through Options.Auth.
var verifiers = []func(m *Mock, r *http.Request, body []byte) error{
	// token and password modes: X-Auth-Token is Options.Token, or a token
	// the mock's IAM issued to one of Options.Users (iam.go).
	(*Mock).verifyToken,
	// aksk mode: an SDK-HMAC-SHA256 signature by a key in Options.AKSK.
	(*Mock).verifySignature,
}

// errNoCredentials: the request carries none of a verifier's credentials.
var errNoCredentials = errors.New("no credentials of this kind")

// authenticate checks the request's credentials: Options.Auth, then each
// of the verifiers. A request with credentials that none accepts is
// refused with the reason of the one verifier that saw credentials, or a
// general one. It never logs or echoes a credential.
func (m *Mock) authenticate(r *http.Request, body []byte) *apiError {
	if m.opts.Auth != nil && m.opts.Auth.Verify(r, body) == nil {
		return nil
	}
	var refusals []error
	for _, verify := range verifiers {
		switch err := verify(m, r, body); {
		case err == nil:
			return nil
		case !errors.Is(err, errNoCredentials):
			refusals = append(refusals, err)
		}
	}
	switch {
	case m.dev.authFailed(len(refusals) == 0):
		return nil
	case len(refusals) == 0:
		return newError(http.StatusUnauthorized, codeAuth, "Authentication required: no credentials were sent.")
	case len(refusals) == 1:
		return newError(http.StatusUnauthorized, codeAuth, "Authentication failed: %s.", refusals[0])
	default:
		return newError(http.StatusUnauthorized, codeAuth, "Authentication failed: %s.", errInvalidCredentials)
	}
}

var errInvalidCredentials = errors.New("the credentials are invalid")

// verifyToken checks X-Auth-Token against Options.Token and the tokens the
// mock's IAM issued.
func (m *Mock) verifyToken(r *http.Request, _ []byte) error {
	token := r.Header.Get("X-Auth-Token")
	switch {
	case token == "":
		return errNoCredentials
	case subtle.ConstantTimeCompare([]byte(token), []byte(m.opts.Token)) == 1 || m.auth.valid(token):
		return nil
	}
	return errInvalidCredentials
}

// verifySignature checks an SDK-HMAC-SHA256 signature against Options.AKSK.
func (m *Mock) verifySignature(r *http.Request, body []byte) error {
	if r.Header.Get("Authorization") == "" {
		return errNoCredentials
	}
	lookup := func(ak string) (string, bool) {
		sk, ok := m.opts.AKSK[ak]
		return sk, ok
	}
	if err := aksk.Verify(r, body, lookup, m.auth.clock(), m.opts.MaxSkew); err != nil {
		return errors.New(signatureProblem(err))
	}
	return nil
}

// signatureProblem says what is wrong with a signature without echoing any
// part of the request's credentials.
func signatureProblem(err error) string {
	switch {
	case errors.Is(err, aksk.ErrUnknownKey):
		return "the access key is unknown"
	case errors.Is(err, aksk.ErrStale):
		return "the X-Sdk-Date is too far from the server's clock"
	case errors.Is(err, aksk.ErrMissing):
		return "the signature lacks a header (X-Sdk-Date, or a signed header)"
	case errors.Is(err, aksk.ErrMalformed):
		return "the Authorization header or X-Sdk-Date is malformed"
	default:
		return "the signature does not match the request"
	}
}
