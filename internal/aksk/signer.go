package aksk

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Signer signs requests with an access key (AK) and secret key (SK). The
// zero Now is time.Now. A Signer is a value: safe for concurrent use.
type Signer struct {
	// AK is the access key id, sent in the Authorization header.
	AK string
	// SK is the secret key: the HMAC key. It is never sent.
	SK string
	// SecurityToken, when set, is sent (and signed) as X-Security-Token:
	// the token that goes with a temporary AK/SK.
	SecurityToken string
	// ProjectID, when set, is sent (and signed) as X-Project-Id.
	ProjectID string
	// SignContentType also signs the Content-Type header when the request
	// has one. Off by default, as in the official Go SDK.
	SignContentType bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// String never shows the secret key or the security token.
func (s Signer) String() string {
	return fmt.Sprintf("aksk.Signer{AK:%q, SK:REDACTED, ProjectID:%q}", s.AK, s.ProjectID)
}

// GoString never shows the secret key or the security token (%#v).
func (s Signer) GoString() string { return s.String() }

// Sign sets X-Sdk-Date (now, UTC), X-Project-Id and X-Security-Token (when
// the Signer has them), X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD (when the
// Content-Type is not JSON, see UnsignedPayloadFor) and then Authorization
// on r, as the official Go SDK signs: every header r holds at that point
// (see SignedHeaders; host only as a Host header), and content-type when
// SignContentType asks. body must be the exact bytes sent. The path signed
// is the one sent on the wire (see RequestPath). Headers set on r after
// Sign are not signed.
func (s Signer) Sign(r *http.Request, body []byte) error {
	switch {
	case s.AK == "" || s.SK == "":
		return errors.New("aksk: sign: the access key (AK) and the secret key (SK) are both required")
	case strings.ContainsAny(s.AK, " ,=;\t\r\n"):
		return fmt.Errorf("aksk: sign: the access key %q holds a space, comma, '=' or ';'", trunc(s.AK))
	case r.URL == nil:
		return errors.New("aksk: sign: the request has no URL")
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	date := now().UTC().Format(DateFormat)
	r.Header.Set(DateHeader, date)
	if s.ProjectID != "" {
		r.Header.Set(ProjectIDHeader, s.ProjectID)
	}
	if s.SecurityToken != "" {
		r.Header.Set(SecurityTokenHeader, s.SecurityToken)
	}
	if UnsignedPayloadFor(r.Header.Get("Content-Type")) {
		r.Header.Set(ContentSHA256Header, UnsignedPayload)
	}
	signed := SignedHeaders(r.Header)
	if s.SignContentType && r.Header.Get("Content-Type") != "" {
		signed = append(signed, "content-type")
		slices.Sort(signed)
	}
	sig := Signature(s.SK, StringToSign(CanonicalRequest(r, body, signed), date))
	r.Header.Set("Authorization", AuthorizationHeader(s.AK, signed, sig))
	return nil
}

// trunc bounds text from a request before it goes into an error.
func trunc(s string) string {
	const limit = 64
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}
