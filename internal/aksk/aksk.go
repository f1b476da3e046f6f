// Package aksk is Huawei Cloud's SDK-HMAC-SHA256 request signing (AK/SK
// authentication), shared by the client that signs and the mock that
// verifies.
//
// It follows the official SDKs (see docs/reference.md §4): a canonical request
// (method, canonical URI, canonical query, canonical headers, signed header
// names and the hex SHA-256 of the body, or UNSIGNED-PAYLOAD for a body
// that is not JSON, joined by newlines) is hashed into
// a string to sign, which is signed with HMAC-SHA256 keyed by the secret
// key. The Authorization header carries the access key, the signed header
// names and the hex signature.
//
// Every function here is total: no input, however malformed, panics.
package aksk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// The scheme's constants.
const (
	// Algorithm is the scheme name: the first line of the string to sign
	// and the first word of the Authorization header.
	Algorithm = "SDK-HMAC-SHA256"
	// DateHeader carries the signing time, in DateFormat, UTC.
	DateHeader = "X-Sdk-Date"
	// DateFormat is the layout of DateHeader.
	DateFormat = "20060102T150405Z"
)

// Headers the Signer sets (and signs) besides DateHeader.
const (
	ProjectIDHeader     = "X-Project-Id"
	SecurityTokenHeader = "X-Security-Token"
	// ContentSHA256Header, when signed and UnsignedPayload, stands for the
	// body's hash in the canonical request (see PayloadHash).
	ContentSHA256Header = "X-Sdk-Content-Sha256"
	// UnsignedPayload is the value of ContentSHA256Header both official
	// SDKs send for a body that is not JSON.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
)

// CanonicalRequest returns the canonical request of r with body, signing
// the headers named in signedHeaders (lowercase, in the order given; the
// official signers sort them), as the official Go SDK builds it
// (core/auth/signer/signer.go, canonicalRequest):
//
//	METHOD \n canonicalURI \n canonicalQuery \n canonicalHeaders \n signedHeaders \n payload
//
// The path is the one sent on the wire (see RequestPath); "host" is read
// from r.Host, else r.URL.Host. payload is PayloadHash's.
func CanonicalRequest(r *http.Request, body []byte, signedHeaders []string) string {
	return canonicalRequest(r, body, signedHeaders, CanonicalURI(RequestPath(r)), true)
}

// NodeCanonicalRequest is CanonicalRequest as the official Node SDK
// (@huaweicloud/huaweicloud-sdk-core, auth/AKSKSigner.js) builds it where
// it differs from the Go SDK: the path by NodeCanonicalURI (an escape
// already in the path is escaped again) and header values signed as they
// are, not trimmed.
func NodeCanonicalRequest(r *http.Request, body []byte, signedHeaders []string) string {
	return canonicalRequest(r, body, signedHeaders, NodeCanonicalURI(RequestPath(r)), false)
}

func canonicalRequest(r *http.Request, body []byte, signedHeaders []string, uri string, trim bool) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	rawQuery := ""
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}
	b.WriteString(CanonicalQuery(rawQuery))
	b.WriteByte('\n')
	b.WriteString(canonicalHeaders(r, signedHeaders, trim))
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(PayloadHash(r, body, signedHeaders))
	return b.String()
}

// PayloadHash is the last line of the canonical request: UnsignedPayload
// when r's ContentSHA256Header is exactly UnsignedPayload and that header
// is among signedHeaders (both official SDKs send it so for a body that is
// not JSON, see UnsignedPayloadFor), else the hex SHA-256 of body. A
// ContentSHA256Header that is not signed, or holds anything else, changes
// nothing: the body is hashed.
func PayloadHash(r *http.Request, body []byte, signedHeaders []string) string {
	if r.Header.Get(ContentSHA256Header) == UnsignedPayload {
		for _, h := range signedHeaders {
			if strings.EqualFold(h, ContentSHA256Header) {
				return UnsignedPayload
			}
		}
	}
	return HashHex(body)
}

// UnsignedPayloadFor reports whether the official Go SDK signs a request
// with this Content-Type with X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD
// instead of the body's hash: a Content-Type is present and contains
// neither "application/json" nor "application/bson"
// (core/auth/signer/signer.go, processContentHeader). The Node SDK does so
// for any Content-Type but exactly "application/json"
// (auth/BaseCredentials.js, processAuthRequest; auth/ICredential.js).
func UnsignedPayloadFor(contentType string) bool {
	return contentType != "" && !strings.Contains(contentType, "application/json") && !strings.Contains(contentType, "application/bson")
}

// RequestPath returns the escaped path of r as sent on the wire: the URL's
// Opaque when it holds a path (a client sending bytes Go would otherwise
// re-escape), else the path of r.RequestURI (a request a server received),
// else r.URL.EscapedPath().
func RequestPath(r *http.Request) string {
	if r.URL != nil && strings.HasPrefix(r.URL.Opaque, "/") {
		return r.URL.Opaque
	}
	if strings.HasPrefix(r.RequestURI, "/") {
		p, _, _ := strings.Cut(r.RequestURI, "?")
		return p
	}
	if r.URL != nil {
		return r.URL.EscapedPath()
	}
	return ""
}

// CanonicalURI canonicalizes an escaped path: it is split on "/", each
// segment is unescaped (an invalid escape keeps the segment as it is) and
// escaped again keeping only A-Za-z0-9-_.~ (uppercase hex), and the result
// always ends in "/" (one is appended unless the path already ends in one,
// as the official Go SDK does).
func CanonicalURI(escapedPath string) string {
	segs := strings.Split(escapedPath, "/")
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
		segs[i] = Escape(s)
	}
	p := strings.Join(segs, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// NodeCanonicalURI canonicalizes an escaped path as the official Node SDK
// does (auth/AKSKSigner.js, CanonicalURI over url.parse's pathname): each
// segment is escaped as it is, so an escape already in the path ("%41") is
// escaped again ("%2541"). Two things the wire path does not show are
// undone first: an escaped byte >= 0x80 was a raw non-ASCII character
// (WHATWG URL escapes it on the way out, url.parse does not) and a raw
// character url.parse escapes ("'", "^", "|", "\\") is escaped twice. The
// result always ends in "/".
func NodeCanonicalURI(escapedPath string) string {
	segs := strings.Split(escapedPath, "/")
	for i, s := range segs {
		var raw strings.Builder
		for j := 0; j < len(s); j++ {
			c := s[j]
			if c == '%' && j+2 < len(s) && isHex(s[j+1]) && isHex(s[j+2]) && unhex(s[j+1]) >= 8 {
				raw.WriteByte(unhex(s[j+1])<<4 | unhex(s[j+2]))
				j += 2
				continue
			}
			if strings.IndexByte(nodeAutoEscape, c) >= 0 {
				raw.WriteString(Escape(string(c)))
				continue
			}
			raw.WriteByte(c)
		}
		segs[i] = Escape(raw.String())
	}
	p := strings.Join(segs, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// nodeAutoEscape are the characters Node's url.parse escapes in a path and
// WHATWG URL leaves raw on the wire.
const nodeAutoEscape = "'^|\\"

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// CanonicalQuery canonicalizes a raw query: each "&"-separated pair is
// split at the first "=" and both sides query-unescaped ("+" is a space; an
// invalid escape keeps the text as it is); keys are sorted, the values of
// each key sorted, both escaped like path segments, and "k=v" pairs joined
// by "&". Empty pairs are skipped; a key without "=" has an empty value.
func CanonicalQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	values := map[string][]string{}
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		values[queryUnescape(k)] = append(values[queryUnescape(k)], queryUnescape(v))
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vs := values[k]
		sort.Strings(vs)
		ek := Escape(k)
		for _, v := range vs {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(ek)
			b.WriteByte('=')
			b.WriteString(Escape(v))
		}
	}
	return b.String()
}

func queryUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// CanonicalHeaders returns one "name:value\n" line per value of each
// signed header, in the order of signedHeaders, names lowercased, values
// trimmed of surrounding white space (the values of one header sorted).
// "host" is r.Host, else r.URL.Host. A signed header r lacks adds no line.
func CanonicalHeaders(r *http.Request, signedHeaders []string) string {
	return canonicalHeaders(r, signedHeaders, true)
}

func canonicalHeaders(r *http.Request, signedHeaders []string, trim bool) string {
	var b strings.Builder
	for _, name := range signedHeaders {
		lname := strings.ToLower(name)
		var vals []string
		if lname == "host" {
			if h := Host(r); h != "" {
				vals = []string{h}
			}
		} else {
			for _, v := range r.Header.Values(name) {
				if trim {
					v = strings.TrimSpace(v)
				}
				vals = append(vals, v)
			}
			sort.Strings(vals)
		}
		for _, v := range vals {
			b.WriteString(lname)
			b.WriteByte(':')
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Host returns the host a request is sent to (or was received for):
// r.Host, else r.URL.Host.
func Host(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	if r.URL != nil {
		return r.URL.Host
	}
	return ""
}

// SignedHeaders returns the header names the Signer signs for h, lowercase
// and sorted, as the official Go SDK selects them
// (core/auth/signer/signer.go, extractSignedHeaders): every header h holds
// but those whose name starts with "content-type" or holds "_", and but
// Authorization (the signature itself). "host" is signed only when h holds
// a Host header: the Go SDK signs the headers of its request and sets no
// Host among them.
func SignedHeaders(h http.Header) []string {
	var out []string
	for name := range h {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "content-type") || strings.Contains(l, "_") || l == "authorization" {
			continue
		}
		out = append(out, l)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// StringToSign returns "SDK-HMAC-SHA256\n<sdkDate>\n<hex(sha256(canonical))>".
func StringToSign(canonical, sdkDate string) string {
	return Algorithm + "\n" + sdkDate + "\n" + HashHex([]byte(canonical))
}

// Signature returns hex(HMAC-SHA256(key=sk, stringToSign)).
func Signature(sk, stringToSign string) string {
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(stringToSign))
	return hex.EncodeToString(mac.Sum(nil))
}

// AuthorizationHeader returns
// "SDK-HMAC-SHA256 Access=<ak>, SignedHeaders=<h1;h2>, Signature=<sig>".
func AuthorizationHeader(ak string, signed []string, sig string) string {
	return Algorithm + " Access=" + ak + ", SignedHeaders=" + strings.Join(signed, ";") + ", Signature=" + sig
}

// HashHex returns the lowercase hex SHA-256 of b.
func HashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Escape percent-escapes every byte of s but A-Za-z0-9-_.~, with
// uppercase hex, as the official SDKs do.
func Escape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if shouldEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexUpper = "0123456789ABCDEF"
	t := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if shouldEscape(c) {
			t = append(t, '%', hexUpper[c>>4], hexUpper[c&15])
		} else {
			t = append(t, c)
		}
	}
	return string(t)
}

func shouldEscape(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return false
	case c == '-', c == '_', c == '.', c == '~':
		return false
	}
	return true
}
