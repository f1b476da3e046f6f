package overlap

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// immutable are the package-level variables of internal/overlap that are
// never written after the package is initialised. None yet: everything the
// engine learns belongs to a value of one run.
var immutable = []string{}

// TestNoProcessWideMutableState parses the package's own files and fails
// for a package-level variable not in immutable (issue 22: one run value,
// passed; two runs in one process share nothing), as internal/fixtures' test
// of the same name does for that package.
func TestNoProcessWideMutableState(t *testing.T) {
	for _, v := range packageVars(t, ".") {
		if !slices.Contains(immutable, v) {
			t.Errorf("package-level variable %s: process-wide mutable state; make it a field of the run's value (or, if it is never written after init, add it to immutable with why)", v)
		}
	}
}

// packageVars lists the package-level variables the non-test Go files of
// dir declare, as file:name (the blank identifier left out).
func packageVars(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, s := range g.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					if n.Name != "_" {
						out = append(out, n.Name)
					}
				}
			}
		}
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return out
}
