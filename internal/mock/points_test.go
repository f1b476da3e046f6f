package mock

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestReferenceNamesNoDeviation: outside deviations.go the mock's code
// names no deviation: the reference reads on its own, and what a deviation
// does sits in its row.
func TestReferenceNamesNoDeviation(t *testing.T) {
	fset := token.NewFileSet()
	parse := func(name string) *ast.File {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	dev := map[string]bool{} // the names of the Deviation constants
	ast.Inspect(parse("deviations.go"), func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			if typ, ok := vs.Type.(*ast.Ident); ok && typ.Name == "Deviation" {
				for _, id := range vs.Names {
					dev[id.Name] = true
				}
			}
		}
		return true
	})
	if len(dev) != len(deviationTable) {
		t.Fatalf("%d Deviation constants, %d rows", len(dev), len(deviationTable))
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f == "deviations.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast.Inspect(parse(f), func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && dev[id.Name] {
				t.Errorf("%s names deviation %s", fset.Position(id.Pos()), id.Name)
			}
			return true
		})
	}
}

// TestEveryDeviationHooks: every row of the table does something at a
// named point.
func TestEveryDeviationHooks(t *testing.T) {
	for _, d := range deviationTable {
		v := reflect.ValueOf(d.hooks)
		hooked := false
		for i := range v.NumField() {
			if !v.Field(i).IsZero() {
				hooked = true
			}
		}
		if !hooked {
			t.Errorf("deviation %s has no hook", d.Name)
		}
	}
}

// TestDeviationsHideHooks: the catalog handed out carries no behaviour.
func TestDeviationsHideHooks(t *testing.T) {
	for _, d := range Deviations() {
		if !reflect.ValueOf(d.hooks).IsZero() {
			t.Errorf("Deviations() hands out %s's hooks", d.Name)
		}
	}
}
