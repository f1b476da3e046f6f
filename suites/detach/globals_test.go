package detach_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneRunValue: the suite package holds one variable, run (its
// fixtures.Suite and the Options Run hands it), besides what is never
// written after init: the scenarios declared on it (run.Scenario…) and
// a list of rule ids (issue 22: the spec package holds exactly one run
// value). Seen failing on the tree before (9b6ab49): it listed env and
// opts, and the scenarios, then declared on the fixtures' registry.
func TestOneRunValue(t *testing.T) {
	immutable := map[string]bool{"errorRules": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
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
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					switch {
					case n.Name == "_", n.Name == "run", immutable[n.Name]:
					case i < len(vs.Values) && declaredOnRun(vs.Values[i]):
					default:
						t.Errorf("%s: package-level variable %s: the suite's state belongs in run", fset.Position(n.Pos()), n.Name)
					}
				}
			}
		}
	}
}

// declaredOnRun reports whether x is a scenario declared on run: a chain
// of calls (…Case(…).Elsewhere()) that starts with run.Scenario(…).
func declaredOnRun(x ast.Expr) bool {
	for {
		call, ok := x.(*ast.CallExpr)
		if !ok {
			return false
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		if id, ok := sel.X.(*ast.Ident); ok {
			return id.Name == "run" && sel.Sel.Name == "Scenario"
		}
		x = sel.X
	}
}
