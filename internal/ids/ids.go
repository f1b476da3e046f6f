// Package ids makes and recognises the identifiers the cloud issues: UUIDs
// (servers, ports, networks, request ids) and project ids (32 hex
// characters). The reference mock issues them; the suite makes well-formed
// ids no target has issued for its "unknown" cases.
package ids

import (
	"crypto/rand"
	"encoding/hex"
)

// UUIDLen is the length of a UUID in its 8-4-4-4-12 form.
const UUIDLen = 36

// NewUUID returns a random (version 4) UUID in lowercase 8-4-4-4-12 form.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// NewProjectID returns 32 random lowercase hex characters, the shape of a
// Huawei Cloud (and Keystone) project id.
func NewProjectID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// IsUUID reports whether s is a UUID in 8-4-4-4-12 hex form, in either case
// (clouds do not all issue RFC 4122 versions, so any version is one).
func IsUUID(s string) bool {
	if len(s) != UUIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !IsHex(s[i]) {
				return false
			}
		}
	}
	return true
}

// IsHex reports whether c is a hex digit, in either case.
func IsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
