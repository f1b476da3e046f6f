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
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.tokens[sha256.Sum256([]byte(token))]
	return ok && a.clock().Before(t.expires)
}

// authenticate checks the request's credentials: any of the static token,
// a token the mock's IAM issued, a valid AK/SK signature, or the Verifier.
// It never logs or echoes a credential.
func (m *Mock) authenticate(r *http.Request, body []byte) *apiError {
	token := r.Header.Get("X-Auth-Token")
	authz := r.Header.Get("Authorization")
	none := token == "" && authz == ""
	if m.opts.Auth != nil && m.opts.Auth.Verify(r, body) == nil {
		return nil
	}
	if token != "" && (subtle.ConstantTimeCompare([]byte(token), []byte(m.opts.Token)) == 1 || m.auth.valid(token)) {
		return nil
	}
	var sigErr error
	if authz != "" {
		if sigErr = m.verifySignature(r, body); sigErr == nil {
			return nil
		}
	}
	switch {
	case m.dev.authFailed(none):
		return nil
	case none:
		return newError(http.StatusUnauthorized, codeAuth, "Authentication required: no credentials were sent.")
	case sigErr != nil && token == "":
		return newError(http.StatusUnauthorized, codeAuth, "Authentication failed: %s.", signatureProblem(sigErr))
	default:
		return newError(http.StatusUnauthorized, codeAuth, "Authentication failed: the credentials are invalid.")
	}
}

// verifySignature checks an SDK-HMAC-SHA256 signature against Options.AKSK.
func (m *Mock) verifySignature(r *http.Request, body []byte) error {
	lookup := func(ak string) (string, bool) {
		sk, ok := m.opts.AKSK[ak]
		return sk, ok
	}
	return aksk.Verify(r, body, lookup, m.auth.clock(), m.opts.MaxSkew)
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
