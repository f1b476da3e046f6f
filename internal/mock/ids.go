package mock

import (
	"crypto/rand"
	"fmt"

	"github.com/nicconform/nicconform/internal/ids"
)

// newMAC returns a random MAC address with the OpenStack prefix fa:16:3e.
func newMAC() string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", b[0], b[1], b[2])
}

// wellFormedProject reports whether s has the shape of a project id in the
// given profile: 32 hex characters on Huawei Cloud; 1 to 64 characters of
// [0-9a-zA-Z-] upstream.
func wellFormedProject(p Profile, s string) bool {
	if p == ProfileHuawei {
		if len(s) != 32 {
			return false
		}
		for i := 0; i < len(s); i++ {
			if !ids.IsHex(s[i]) {
				return false
			}
		}
		return true
	}
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
