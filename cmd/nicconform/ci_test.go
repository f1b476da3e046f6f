package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The CI recipes in docs/ci parse, and every nicconform command they call
// exists with the flags they pass (and every make target they call is in
// the Makefile), so a user who copies them gets a job that runs.
func TestCIRecipesCallWhatExists(t *testing.T) {
	files, err := filepath.Glob("../../docs/ci/*.yml")
	if err != nil || len(files) < 2 {
		t.Fatalf("docs/ci: %v %v", files, err)
	}
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`bin/nicconform\s+(\S+)((?:\s+-[\w-]+(?:[= ](?:'[^']*'|"[^"]*"|[^\s-]\S*))?)*)`)
	flagName := regexp.MustCompile(`\s-([\w-]+)`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			t.Errorf("%s does not parse: %v", f, err)
			continue
		}
		var lines []string
		collect(doc, &lines)
		calls := 0
		for _, line := range lines {
			if m := regexp.MustCompile(`\bmake\s+([\w-]+)`).FindStringSubmatch(line); m != nil &&
				!bytes.Contains(makefile, []byte("\n"+m[1]+":")) {
				t.Errorf("%s: make %s: no such target in the Makefile", filepath.Base(f), m[1])
			}
			for _, m := range call.FindAllStringSubmatch(line, -1) {
				calls++
				var help bytes.Buffer
				if err := dispatch(t.Context(), []string{m[1], "-h"}, &help, &help); err != nil && !strings.Contains(err.Error(), "help") {
					t.Errorf("%s: nicconform %s: %v", filepath.Base(f), m[1], err)
					continue
				}
				for _, fl := range flagName.FindAllStringSubmatch(m[2], -1) {
					if !strings.Contains(help.String(), "-"+fl[1]) {
						t.Errorf("%s: nicconform %s has no flag -%s", filepath.Base(f), m[1], fl[1])
					}
				}
			}
		}
		if calls < 3 {
			t.Errorf("%s: only %d nicconform calls found", filepath.Base(f), calls)
		}
	}
}

// collect gathers every string of a parsed YAML document.
func collect(v any, out *[]string) {
	switch v := v.(type) {
	case string:
		*out = append(*out, v)
	case []any:
		for _, e := range v {
			collect(e, out)
		}
	case map[string]any:
		for _, e := range v {
			collect(e, out)
		}
	}
}
