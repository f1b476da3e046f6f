package aksk

import (
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// DefaultMaxSkew is the clock skew Verify allows when given none.
const DefaultMaxSkew = 15 * time.Minute

// The kinds of verification failure; Verify's errors wrap one of them.
// No error ever holds a secret key or the expected signature.
var (
	// ErrMissing: no Authorization header, no X-Sdk-Date, or a signed
	// header the request lacks.
	ErrMissing = errors.New("aksk: missing")
	// ErrMalformed: an Authorization header or date that does not parse.
	ErrMalformed = errors.New("aksk: malformed")
	// ErrUnknownKey: an access key the verifier does not know.
	ErrUnknownKey = errors.New("aksk: unknown access key")
	// ErrStale: X-Sdk-Date is further from now than the allowed skew.
	ErrStale = errors.New("aksk: stale date")
	// ErrBadSignature: the signature does not match the request.
	ErrBadSignature = errors.New("aksk: bad signature")
)

// Authorization is a parsed SDK-HMAC-SHA256 Authorization header.
type Authorization struct {
	AK            string
	SignedHeaders []string
	Signature     string
}

// ParseAuthorization parses
// "SDK-HMAC-SHA256 Access=<ak>, SignedHeaders=<h1;h2>, Signature=<hex>"
// (white space around the parts is ignored; each part exactly once).
func ParseAuthorization(v string) (Authorization, error) {
	var a Authorization
	rest, ok := strings.CutPrefix(strings.TrimSpace(v), Algorithm+" ")
	if !ok {
		return a, fmt.Errorf("%w Authorization header: the scheme is not %s", ErrMalformed, Algorithm)
	}
	seen := map[string]bool{}
	for part := range strings.SplitSeq(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, fmt.Errorf("%w Authorization header: a part is not name=value", ErrMalformed)
		}
		if seen[k] {
			return a, fmt.Errorf("%w Authorization header: %s given twice", ErrMalformed, trunc(k))
		}
		seen[k] = true
		switch k {
		case "Access":
			a.AK = val
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(val, ";")
		case "Signature":
			a.Signature = val
		default:
			return a, fmt.Errorf("%w Authorization header: unknown part %q", ErrMalformed, trunc(k))
		}
	}
	switch {
	case a.AK == "":
		return a, fmt.Errorf("%w Authorization header: no Access", ErrMalformed)
	case len(a.SignedHeaders) == 0:
		return a, fmt.Errorf("%w Authorization header: no SignedHeaders", ErrMalformed)
	case a.Signature == "":
		return a, fmt.Errorf("%w Authorization header: no Signature", ErrMalformed)
	}
	for _, h := range a.SignedHeaders {
		if h == "" {
			return a, fmt.Errorf("%w Authorization header: an empty name in SignedHeaders", ErrMalformed)
		}
	}
	return a, nil
}

// Verify checks r's SDK-HMAC-SHA256 signature over body. lookup returns the
// secret key of an access key. X-Sdk-Date must be signed, and within
// maxSkew of now (maxSkew <= 0 means DefaultMaxSkew). The signature is
// recomputed over the headers the request says it signed and compared in
// constant time, over the canonical request of each official SDK
// (CanonicalRequest, as the Go SDK builds it, and NodeCanonicalRequest);
// the payload is UNSIGNED-PAYLOAD only when the request signed that (see
// PayloadHash). A nil error means the request is authentic.
func Verify(r *http.Request, body []byte, lookup func(ak string) (sk string, ok bool), now time.Time, maxSkew time.Duration) error {
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return fmt.Errorf("%w Authorization header", ErrMissing)
	}
	a, err := ParseAuthorization(authz)
	if err != nil {
		return err
	}
	given, err := hex.DecodeString(a.Signature)
	if err != nil || len(given) == 0 {
		return fmt.Errorf("%w Authorization header: the Signature is not hex", ErrMalformed)
	}
	dateSigned := false
	for _, h := range a.SignedHeaders {
		if strings.EqualFold(h, DateHeader) {
			dateSigned = true
		}
	}
	if !dateSigned {
		return fmt.Errorf("%w Authorization header: SignedHeaders does not include x-sdk-date", ErrMalformed)
	}
	date := r.Header.Get(DateHeader)
	if date == "" {
		return fmt.Errorf("%w %s header", ErrMissing, DateHeader)
	}
	t, err := time.Parse(DateFormat, date)
	if err != nil {
		return fmt.Errorf("%w %s %q: want the layout %s", ErrMalformed, DateHeader, trunc(date), DateFormat)
	}
	if d := now.Sub(t); d > maxSkew || d < -maxSkew {
		return fmt.Errorf("%w: %s %s is %s from the verifier's clock (allowed ±%s)", ErrStale, DateHeader, date, d.Round(time.Second), maxSkew)
	}
	sk, ok := lookup(a.AK)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownKey, trunc(a.AK))
	}
	for _, h := range a.SignedHeaders {
		if strings.EqualFold(h, "host") {
			if Host(r) == "" {
				return fmt.Errorf("%w signed header host", ErrMissing)
			}
		} else if len(r.Header.Values(h)) == 0 {
			return fmt.Errorf("%w signed header %s", ErrMissing, trunc(h))
		}
	}
	// The Go SDK's canonical request, then the Node SDK's where it differs.
	for _, canonical := range []string{CanonicalRequest(r, body, a.SignedHeaders), NodeCanonicalRequest(r, body, a.SignedHeaders)} {
		wantBytes, _ := hex.DecodeString(Signature(sk, StringToSign(canonical, date)))
		if hmac.Equal(given, wantBytes) {
			return nil
		}
	}
	return fmt.Errorf("%w for access key %q (signed headers %s)", ErrBadSignature, trunc(a.AK), trunc(strings.Join(a.SignedHeaders, ";")))
}
