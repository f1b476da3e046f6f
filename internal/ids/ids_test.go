package ids

import (
	"regexp"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	project := regexp.MustCompile(`^[0-9a-f]{32}$`)
	seen := map[string]bool{}
	for range 100 {
		u, p := NewUUID(), NewProjectID()
		if !v4.MatchString(u) || !IsUUID(u) || !project.MatchString(p) || seen[u] {
			t.Fatalf("NewUUID %q, NewProjectID %q", u, p)
		}
		seen[u] = true
	}
}

func TestIsUUID(t *testing.T) {
	u := NewUUID()
	for s, want := range map[string]bool{
		u:                               true,
		strings.ToUpper(u):              true,
		u[:35]:                          false,
		u + "0":                         false,
		"x" + u[1:]:                     false,
		strings.ReplaceAll(u, "-", "_"): false,
		"":                              false,
	} {
		if IsUUID(s) != want {
			t.Errorf("IsUUID(%q) = %v", s, !want)
		}
	}
}
