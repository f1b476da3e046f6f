package report_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/spec"
)

// What ran is in every report: the tool's version, the SHA-256 of the
// contract and of the profile (conformance.json and .md, the JUnit
// properties, the HAR creator).
func TestReportsNameWhatRan(t *testing.T) {
	s, _ := spec.Load()
	tool := report.Tool{Version: "v9.9.9-test", SpecSHA256: spec.SHA256(), ProfileSHA256: strings.Repeat("ab", 32)}
	if len(tool.SpecSHA256) != 64 {
		t.Fatalf("spec.SHA256() = %q", tool.SpecSHA256)
	}
	dir := t.TempDir()
	c := report.Build(s, report.Run{Profile: "huawei", Tool: tool}, nil, nil)
	if err := report.Write(dir, c, nil); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var back report.Conformance
	if err := json.Unmarshal([]byte(read("conformance.json")), &back); err != nil || back.Tool != tool {
		t.Errorf("conformance.json tool: %+v, %v", back.Tool, err)
	}
	for file, wants := range map[string][]string{
		"conformance.md": {"v9.9.9-test", tool.SpecSHA256, tool.ProfileSHA256},
		"junit.xml":      {`name="version" value="v9.9.9-test"`, `name="spec-sha256" value="` + tool.SpecSHA256, `name="profile-sha256" value="` + tool.ProfileSHA256},
		"exchanges.har":  {`"version": "v9.9.9-test"`, tool.SpecSHA256, tool.ProfileSHA256},
	} {
		got := read(file)
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("%s lacks %q", file, w)
			}
		}
	}
}

// A profile's SHA-256 is its file's.
func TestProfileSHA256(t *testing.T) {
	s, _ := spec.Load()
	p, err := s.LoadProfile("huawei")
	if err != nil || len(p.SHA256) != 64 {
		t.Fatalf("%v %q", err, p.SHA256)
	}
	q, _ := s.LoadProfile("nova")
	if q.SHA256 == p.SHA256 {
		t.Error("two profiles, one hash")
	}
}
