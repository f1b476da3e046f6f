package pkgvars

import (
	"os"
	"path/filepath"
	"testing"
)

func TestList(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\nvar a, _ = 1, 2\n\nvar (\n\tb int\n\tc = f()\n)\n\nfunc f() int { var local = 3; return local }\n"
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p_test.go"), []byte("package p\n\nvar inTest = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vars, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range vars {
		names = append(names, v.Name)
	}
	if len(vars) != 3 || names[0] != "a" || names[1] != "b" || names[2] != "c" || vars[1].Value != nil || vars[2].Value == nil || vars[0].Pos.Line != 3 {
		t.Errorf("List = %v", vars)
	}
	if _, err := List(t.TempDir()); err == nil {
		t.Error("an empty folder listed no error")
	}
}
