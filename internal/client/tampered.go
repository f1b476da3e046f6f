package client

import (
	"context"
	"net/http"
	"regexp"
)

// Tampered wraps an authenticator so that the credentials it adds are of
// the right shape but wrong: a token with its middle characters changed (same
// length, same prefix), or an AK/SK signature with one hex digit changed. A
// target must refuse them (AUTH-INVALID) however it checks them: a gateway
// that only looks at a token's format or prefix still lets these through.
func Tampered(a Authenticator) Authenticator { return tampered{a} }

type tampered struct{ inner Authenticator }

var signatureParam = regexp.MustCompile(`(Signature=)([0-9a-fA-F])`)

func (t tampered) Authenticate(ctx context.Context, req *http.Request, body []byte) error {
	if t.inner == nil {
		req.Header.Set("X-Auth-Token", "nicconform-no-credentials-to-tamper-with")
		return nil
	}
	if err := t.inner.Authenticate(ctx, req, body); err != nil {
		return err
	}
	if tok := req.Header.Get("X-Auth-Token"); tok != "" {
		req.Header.Set("X-Auth-Token", flipMiddle(tok))
	}
	if auth := req.Header.Get("Authorization"); auth != "" {
		req.Header.Set("Authorization", signatureParam.ReplaceAllStringFunc(auth, func(m string) string {
			return m[:len(m)-1] + string(flipHex(m[len(m)-1]))
		}))
	}
	return nil
}

// Secrets are the wrapped authenticator's: the tampered values are derived
// from them and must be scrubbed just the same.
func (t tampered) Secrets() []string {
	if t.inner == nil {
		return nil
	}
	return t.inner.Secrets()
}

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

func flipHex(c byte) byte {
	const digits = "0123456789abcdef"
	for i := range digits {
		if digits[i] == c || digits[i] == c+('a'-'A') {
			return digits[(i+1)%16]
		}
	}
	return '0'
}
