package overlap

import (
	"testing"

	"github.com/nicconform/nicconform/internal/pkgvars"
)

// TestNoProcessWideMutableState parses the package's own files and fails
// for a package-level variable not in immutable (issue 22: one run value,
// passed; two runs in one process share nothing), as internal/fixtures' test
// of the same name does for that package.
func TestNoProcessWideMutableState(t *testing.T) {
	vars, err := pkgvars.List(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vars {
		t.Errorf("%s: package-level variable %s: process-wide mutable state; make it a field of the run's value", v.Pos, v.Name)
	}
}
