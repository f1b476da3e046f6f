package detach_test

import (
	"go/ast"
	"os"
	"testing"

	"github.com/nicconform/nicconform/internal/pkgvars"
)

// TestOneRunValue: the suite package holds one variable, run (its
// fixtures.Suite and the Options Run hands it), besides what is never
// written after init: the scenarios declared on it (run.Scenario…) and
// a list of rule ids (issue 22: the spec package holds exactly one run
// value). Seen failing on the tree before (9b6ab49): it listed env and
// opts, and the scenarios, then declared on the fixtures' registry.
func TestOneRunValue(t *testing.T) {
	if _, err := os.Stat("suite.go"); err != nil {
		t.Skip("the package's sources are not in the working folder (a compiled suite run elsewhere)")
	}
	immutable := map[string]bool{"errorRules": true}
	vars, err := pkgvars.List(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vars {
		switch {
		case v.Name == "run", immutable[v.Name]:
		case v.Value != nil && declaredOnRun(v.Value):
		default:
			t.Errorf("%s: package-level variable %s: the suite's state belongs in run", v.Pos, v.Name)
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
