package client

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Service names the endpoint a request goes to.
type Service int

const (
	// Compute is the endpoint serving /v2.1/… (ECS, Nova).
	Compute Service = iota
	// Network is the endpoint serving /v2.0/… (VPC, Neutron).
	Network
)

// String returns "compute" or "network".
func (s Service) String() string {
	switch s {
	case Compute:
		return "compute"
	case Network:
		return "network"
	default:
		return fmt.Sprintf("Service(%d)", int(s))
	}
}

// parseBase checks a configured base URL: absolute, http or https, a host,
// no query or fragment. The returned URL has no trailing slash in its path.
func parseBase(field, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("client: Config.%s is required", field)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("client: Config.%s %q does not parse: %w", field, raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("client: Config.%s %q must be an absolute http or https URL", field, raw)
	case u.Host == "":
		return nil, fmt.Errorf("client: Config.%s %q has no host", field, raw)
	case u.User != nil:
		return nil, fmt.Errorf("client: Config.%s must not carry credentials (use Config.Auth)", field)
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("client: Config.%s %q must not have a query", field, raw)
	case u.Fragment != "":
		return nil, fmt.Errorf("client: Config.%s %q must not have a fragment", field, raw)
	}
	prefix := strings.TrimRight(u.EscapedPath(), "/")
	out := &url.URL{Scheme: u.Scheme, Host: u.Host}
	if err := setWirePath(out, prefix); err != nil {
		return nil, fmt.Errorf("client: Config.%s %q: %w", field, raw, err)
	}
	return out, nil
}

// ErrDotSegment is the error of a request whose Segments hold "." or "..":
// url.PathEscape leaves them as they are, and a server or a gateway
// resolves them (RFC 3986 §5.2.4), so DELETE …/os-interface/.. would be a
// request on the server itself. Such a request is never sent.
var ErrDotSegment = errors.New("a dot segment (\".\" or \"..\") in the path")

// escapeSegments escapes each segment as exactly one path segment and joins
// them, with a leading "/". An empty segment stays empty: {"a", ""} is "/a/".
// The caller refuses dot segments first (relativePath).
func escapeSegments(segments []string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// relativePath returns the escaped path of a request below its base URL.
func relativePath(r *Request) (string, error) {
	switch {
	case r.RawPath != "" && len(r.Segments) > 0:
		return "", errors.New("set Segments or RawPath, not both")
	case r.RawPath != "":
		if !strings.HasPrefix(r.RawPath, "/") {
			return "", fmt.Errorf("RawPath %q must start with /", r.RawPath)
		}
		if strings.ContainsAny(r.RawPath, "?#") {
			return "", fmt.Errorf("RawPath %q must not hold a query or fragment (use Query)", r.RawPath)
		}
		return r.RawPath, nil
	case len(r.Segments) > 0:
		for i, seg := range r.Segments {
			if seg == "." || seg == ".." {
				return "", fmt.Errorf("segment %d of %q: %w, not sent", i+1, r.Segments, ErrDotSegment)
			}
		}
		return escapeSegments(r.Segments), nil
	default:
		return "", errors.New("the request has neither Segments nor RawPath")
	}
}

// buildURL joins a base URL and an escaped relative path, with a query.
func buildURL(base *url.URL, rel string, query url.Values) (*url.URL, error) {
	u := &url.URL{Scheme: base.Scheme, Host: base.Host}
	if err := setWirePath(u, WirePath(base)+rel); err != nil {
		return nil, err
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	return u, nil
}

// setWirePath makes u send escaped as its path, byte for byte. Path and
// RawPath are set when Go would send RawPath unchanged (so authenticators
// can read u.Path and u.EscapedPath()); otherwise (an invalid escape, a byte
// Go would re-escape) the path goes in Opaque, which Go sends verbatim.
func setWirePath(u *url.URL, escaped string) error {
	if escaped != "" && !strings.HasPrefix(escaped, "/") {
		return fmt.Errorf("path %q must start with /", escaped)
	}
	for i := 0; i < len(escaped); i++ {
		if c := escaped[i]; c <= ' ' || c == 0x7f {
			return fmt.Errorf("path %q holds a control or space byte; escape it", escaped)
		}
	}
	u.Opaque, u.Path, u.RawPath = "", "", ""
	if p, err := url.PathUnescape(escaped); err == nil {
		u.Path, u.RawPath = p, escaped
		if u.EscapedPath() == escaped {
			if p == escaped {
				u.RawPath = ""
			}
			return nil
		}
		u.Path, u.RawPath = "", ""
	}
	u.Opaque = escaped
	return nil
}

// WirePath returns the escaped path a request URL built by this package
// sends on the wire (Opaque when the path did not fit Path and RawPath).
// Authenticators that sign the path use it.
func WirePath(u *url.URL) string {
	if u.Opaque != "" {
		return u.Opaque
	}
	return u.EscapedPath()
}

// redactedURL renders a request URL for the record.
func redactedURL(u *url.URL, red *redactor) string {
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteString("://")
	b.WriteString(u.Host)
	b.WriteString(WirePath(u))
	if u.RawQuery != "" {
		b.WriteByte('?')
		b.WriteString(red.query(u.RawQuery))
	}
	return red.scrub(b.String())
}
