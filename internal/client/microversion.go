package client

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// The compute microversion headers (nova/api/openstack/wsgi.py
// API_VERSION_REQUEST_HEADER and LEGACY_API_VERSION_REQUEST_HEADER).
const (
	HeaderAPIVersion     = "OpenStack-API-Version"
	HeaderNovaAPIVersion = "X-OpenStack-Nova-API-Version"
)

// Microversions calls need.
const (
	// MicroversionLocked is the first at which a server shows "locked"
	// (nova/api/openstack/compute/views/servers.py).
	MicroversionLocked = "2.9"
	// MicroversionLockReason is the first at which the lock action takes
	// "locked_reason" and a server shows it
	// (nova/api/openstack/compute/lock_server.py).
	MicroversionLockReason = "2.73"
)

// Microversion is a parsed compute microversion X.Y.
type Microversion struct{ Major, Minor int }

// String renders "X.Y".
func (v Microversion) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// Less orders microversions.
func (v Microversion) Less(o Microversion) bool {
	return v.Major < o.Major || (v.Major == o.Major && v.Minor < o.Minor)
}

// microversionPattern is Nova's APIVersionRequest format
// (nova/api/openstack/api_version_request.py): no leading zeros.
var microversionPattern = regexp.MustCompile(`^([1-9][0-9]*)\.([1-9][0-9]*|0)$`)

// ParseMicroversion parses "X.Y" as Nova does ("latest" names no number:
// it is an error here, see checkMicroversion).
func ParseMicroversion(v string) (Microversion, error) {
	m := microversionPattern.FindStringSubmatch(v)
	if m == nil {
		return Microversion{}, fmt.Errorf("microversion %q: want X.Y (no leading zeros) or latest", v)
	}
	major, err1 := strconv.Atoi(m[1])
	minor, err2 := strconv.Atoi(m[2])
	if err := errors.Join(err1, err2); err != nil {
		return Microversion{}, fmt.Errorf("microversion %q: %w", v, err)
	}
	return Microversion{major, minor}, nil
}

// checkMicroversion accepts what the client sends: "X.Y" or "latest".
func checkMicroversion(v string) error {
	if v == "latest" {
		return nil
	}
	_, err := ParseMicroversion(v)
	return err
}

// atLeast returns the client's microversion when it is need or later
// ("latest" included), else need: what a call that needs microversion
// need sends.
func (c *Client) atLeast(need string) string {
	if c.microversion == "latest" {
		return c.microversion
	}
	have, err1 := ParseMicroversion(c.microversion)
	want, err2 := ParseMicroversion(need)
	if c.microversion == "" || err1 != nil || err2 != nil || have.Less(want) {
		return need
	}
	return c.microversion
}

// AnsweredMicroversion reads the compute microversion a response was made
// at: the last "compute X.Y" item of OpenStack-API-Version, else the last
// value of X-OpenStack-Nova-API-Version (as microversion_parse reads them
// on requests), "" when neither says. The value is returned as sent.
func AnsweredMicroversion(h http.Header) string {
	if vs := h.Values(HeaderAPIVersion); len(vs) > 0 {
		items := strings.Split(strings.Join(vs, ","), ",")
		for i := len(items) - 1; i >= 0; i-- {
			item := strings.TrimSpace(items[i])
			j := strings.IndexFunc(item, unicode.IsSpace)
			if j > 0 && strings.EqualFold(item[:j], "compute") {
				return strings.TrimSpace(item[j:])
			}
		}
	}
	if vs := h.Values(HeaderNovaAPIVersion); len(vs) > 0 {
		items := strings.Split(strings.Join(vs, ","), ",")
		return strings.TrimSpace(items[len(items)-1])
	}
	return ""
}

// hasHeader reports whether h holds name, in any case (a caller's
// http.Header literal may hold a key as written, not canonicalized).
func hasHeader(h http.Header, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}
