package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `nicconform version` and `nicconform -version` print the version make
// build stamps with -ldflags -X; unstamped, the build's own.
func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	for _, arg := range []string{"version", "-version", "--version"} {
		out.Reset()
		if err := dispatch(context.Background(), []string{arg}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "nicconform ") {
			t.Errorf("%s: %v %q", arg, err, out.String())
		}
	}
	if testing.Short() {
		return
	}
	bin := filepath.Join(t.TempDir(), "nicconform")
	build := exec.Command("go", "build", "-ldflags", "-X github.com/nicconform/nicconform/internal/version.stamp=v9.9.9-test", "-o", bin, ".")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	for _, arg := range []string{"version", "-version"} {
		got, err := exec.Command(bin, arg).Output()
		if err != nil || strings.TrimSpace(string(got)) != "nicconform v9.9.9-test" {
			t.Errorf("%s: %v %q", arg, err, got)
		}
	}
}
