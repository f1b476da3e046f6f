package explore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// LoadBaseline reads the rules an earlier run found broken, from an
// explore.json (the rule of each finding) or a conformance.json (each rule
// whose verdict is fail); path is either file, or a folder holding one or
// both. A break of one of them does not stop a run (Config.Baseline).
func LoadBaseline(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("explore: baseline: %w", err)
	}
	files := []string{path}
	if st.IsDir() {
		files = nil
		for _, name := range []string{FileJSON, "conformance.json"} {
			p := filepath.Join(path, name)
			if _, err := os.Stat(p); err == nil {
				files = append(files, p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("explore: baseline: %w", err)
			}
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("explore: baseline: %s holds neither %s nor conformance.json", path, FileJSON)
		}
	}
	var rules []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("explore: baseline: %w", err)
		}
		var doc struct {
			Findings []struct {
				Divergence struct {
					Rule string `json:"rule"`
				} `json:"divergence"`
			} `json:"findings"`
			Rules []struct {
				ID      string `json:"id"`
				Verdict string `json:"verdict"`
			} `json:"rules"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("explore: baseline: %s is not an explore.json or a conformance.json: %w", f, err)
		}
		if doc.Findings == nil && doc.Rules == nil {
			return nil, fmt.Errorf("explore: baseline: %s has neither findings (explore.json) nor rules (conformance.json)", f)
		}
		for _, fd := range doc.Findings {
			if fd.Divergence.Rule != "" {
				rules = append(rules, fd.Divergence.Rule)
			}
		}
		for _, r := range doc.Rules {
			if r.Verdict == "fail" {
				rules = append(rules, r.ID)
			}
		}
	}
	slices.Sort(rules)
	return slices.Compact(rules), nil
}
