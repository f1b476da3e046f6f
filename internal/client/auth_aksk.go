package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/nicconform/nicconform/internal/aksk"
)

// AKSK returns an Authenticator signing each attempt with Huawei Cloud's
// SDK-HMAC-SHA256 (see package aksk): it sets X-Sdk-Date, X-Project-Id
// (when projectID is set), X-Security-Token (when securityToken is set, for
// a temporary AK/SK) and Authorization. The signature covers the path
// exactly as sent on the wire (WirePath), the query and the body.
// An empty ak or sk fails at the first Authenticate. Tampered, it signs
// the same way and then changes one hex digit of the signature.
func AKSK(ak, sk, securityToken, projectID string) Authenticator {
	return akskAuth{s: aksk.Signer{AK: ak, SK: sk, SecurityToken: securityToken, ProjectID: projectID}}
}

type akskAuth struct{ s aksk.Signer }

func (a akskAuth) Authenticate(_ context.Context, req *http.Request, body []byte) error {
	if req.URL == nil {
		return errors.New("aksk: the request has no URL")
	}
	// The signer reads the path the way WirePath does; make sure, since a
	// signature over anything but the bytes sent is refused by the target.
	if got, want := aksk.RequestPath(req), WirePath(req.URL); got != want {
		return errors.New("aksk: the path to sign differs from the path sent on the wire")
	}
	return a.s.Sign(req, body)
}

// Secrets returns the secret key and the security token (the access key is
// an id, not a secret; the Authorization header is redacted whole anyway).
func (a akskAuth) Secrets() []string {
	out := []string{a.s.SK}
	if a.s.SecurityToken != "" {
		out = append(out, a.s.SecurityToken)
	}
	return out
}

// Headers are Authorization (the signature) and X-Security-Token.
func (a akskAuth) Headers() []string { return []string{"Authorization", aksk.SecurityTokenHeader} }

func (a akskAuth) Tampered() Authenticator { return wrongSignature{a} }

// String never shows the secret key or the security token.
func (a akskAuth) String() string { return "AKSK(" + a.s.AK + ", " + Redacted + ")" }

// GoString never shows the secret key or the security token (%#v).
func (a akskAuth) GoString() string { return a.String() }

// wrongSignature signs like its akskAuth, then changes the first hex digit
// of the signature: a well-formed, current, wrong signature by a known key.
type wrongSignature struct{ akskAuth }

func (w wrongSignature) Authenticate(ctx context.Context, req *http.Request, body []byte) error {
	if err := w.akskAuth.Authenticate(ctx, req, body); err != nil {
		return err
	}
	h, err := aksk.ParseAuthorization(req.Header.Get("Authorization"))
	if err == nil && h.Signature == "" {
		err = errors.New("no signature")
	}
	if err != nil {
		return fmt.Errorf("aksk: tamper with the signature: %w", err)
	}
	sig := []byte(h.Signature)
	sig[0] = flipHex(sig[0])
	req.Header.Set("Authorization", aksk.AuthorizationHeader(h.AK, h.SignedHeaders, string(sig)))
	return nil
}

// flipHex returns the hex digit after c (lower case; 'f' wraps to '0').
func flipHex(c byte) byte {
	const digits = "0123456789abcdef"
	for i := range digits {
		if digits[i] == c || digits[i] == c+('a'-'A') {
			return digits[(i+1)%16]
		}
	}
	return '0'
}
