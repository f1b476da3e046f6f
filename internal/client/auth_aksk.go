package client

import (
	"context"
	"errors"
	"net/http"

	"github.com/nicconform/nicconform/internal/aksk"
)

// AKSK returns an Authenticator signing each attempt with Huawei Cloud's
// SDK-HMAC-SHA256 (see package aksk): it sets X-Sdk-Date, X-Project-Id
// (when projectID is set), X-Security-Token (when securityToken is set, for
// a temporary AK/SK) and Authorization. The signature covers the path
// exactly as sent on the wire (WirePath), the query and the body.
// An empty ak or sk fails at the first Authenticate.
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

// String never shows the secret key or the security token.
func (a akskAuth) String() string { return "AKSK(" + a.s.AK + ", " + Redacted + ")" }

// GoString never shows the secret key or the security token (%#v).
func (a akskAuth) GoString() string { return a.String() }
