// Package aksk is Huawei Cloud's SDK-HMAC-SHA256 request signing (AK/SK
// authentication), shared by the client that signs and the mock that
// verifies.
//
// It follows the official SDKs (see docs/reference.md §4): a canonical request
// (method, canonical URI, canonical query, canonical headers, signed header
// names and the hex SHA-256 of the body, joined by newlines) is hashed into
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
)

// CanonicalRequest returns the canonical request of r with body, signing
// the headers named in signedHeaders (lowercase, in the order given; the
// official signers sort them):
//
//	METHOD \n canonicalURI \n canonicalQuery \n canonicalHeaders \n signedHeaders \n hex(sha256(body))
//
// The path is the one sent on the wire (see RequestPath); "host" is read
// from r.Host, else r.URL.Host.
func CanonicalRequest(r *http.Request, body []byte, signedHeaders []string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(CanonicalURI(RequestPath(r)))
	b.WriteByte('\n')
	rawQuery := ""
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}
	b.WriteString(CanonicalQuery(rawQuery))
	b.WriteByte('\n')
	b.WriteString(CanonicalHeaders(r, signedHeaders))
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(HashHex(body))
	return b.String()
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
				vals = append(vals, strings.TrimSpace(v))
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

// signable are the header names the Signer signs when present, besides
// "host" (and content-type when asked).
var signable = []string{"x-project-id", "x-sdk-date", "x-security-token"}

// SignedHeaders returns the header names the Signer signs for h, lowercase
// and sorted: "host" when host is true, and each of x-project-id,
// x-sdk-date and x-security-token that h holds. The set is explicit rather
// than "every header" (the official Go SDK signs every header but
// content-type and names holding "_") so that headers a transport or proxy
// adds or rewrites never break a signature; content-type is signed only
// when Signer.SignContentType asks.
func SignedHeaders(h http.Header, host bool) []string {
	var out []string
	if host {
		out = append(out, "host")
	}
	for _, name := range signable {
		if len(h.Values(name)) > 0 {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
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
