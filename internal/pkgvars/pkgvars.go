// Package pkgvars lists the package-level variables a Go package declares,
// read from its source: what the tests that keep a package free of
// process-wide mutable state read (issue 22: one run value, passed; two
// runs in one process share nothing).
package pkgvars

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
)

// A Var is one package-level variable.
type Var struct {
	Name string
	// Pos is where it is declared (file:line:column).
	Pos token.Position
	// Value is the expression it is initialised with; nil when it has none.
	Value ast.Expr
}

// List returns the package-level variables the non-test Go files in dir
// declare, in file and declaration order, the blank identifier left out.
// It fails when dir holds no such file or one does not parse.
func List(dir string) ([]Var, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, fmt.Errorf("pkgvars: %w", err)
	}
	fset := token.NewFileSet()
	var out []Var
	read := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("pkgvars: %w", err)
		}
		read++
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if n.Name == "_" {
						continue
					}
					v := Var{Name: n.Name, Pos: fset.Position(n.Pos())}
					if i < len(vs.Values) {
						v.Value = vs.Values[i]
					}
					out = append(out, v)
				}
			}
		}
	}
	if read == 0 {
		return nil, fmt.Errorf("pkgvars: no Go files in %s", dir)
	}
	return out, nil
}
