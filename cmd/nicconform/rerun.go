package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/spec"
)

// rerunFilter reads the report in dir and returns the label filter that
// selects its failed and errored rules, once the current configuration (t,
// cfgErr) is shown to be the report's: the same target, profile (name and
// SHA-256) and contract (SHA-256). Any difference, or a report it cannot
// read, is an error naming it; no rule to re-run is ("", nil).
func rerunFilter(dir string, t config.Settings, cfgErr error) (string, error) {
	path := filepath.Join(dir, "conformance.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("-rerun-failed: no report to re-run: %w", err)
	}
	var c report.Conformance
	if err := json.Unmarshal(raw, &c); err != nil || len(c.Rules) == 0 {
		return "", fmt.Errorf("-rerun-failed: %s is not a conformance report (%v)", path, err)
	}
	if cfgErr != nil {
		return "", fmt.Errorf("-rerun-failed: the configuration has problems (nicconform config lists them): %w", cfgErr)
	}
	s, err := spec.Load()
	if err != nil {
		return "", err
	}
	if c.Tool.SpecSHA256 != spec.SHA256() {
		return "", fmt.Errorf("-rerun-failed: %s was judged by another contract (spec sha256 %s; this binary's is %s): run the whole suite", path, c.Tool.SpecSHA256, spec.SHA256())
	}
	p, err := s.LoadProfile(t.Profile)
	if err != nil {
		return "", fmt.Errorf("-rerun-failed: profile: %w", err)
	}
	name := p.Name
	if p.Source != "shipped" {
		name += " (" + p.Source + ")"
	}
	if c.Profile != name || c.Tool.ProfileSHA256 != p.SHA256 {
		return "", fmt.Errorf("-rerun-failed: %s was judged by profile %s (sha256 %s); the configuration's is %s (sha256 %s)", path, c.Profile, c.Tool.ProfileSHA256, name, p.SHA256)
	}
	if why := otherTarget(c.Target, t); why != "" {
		return "", fmt.Errorf("-rerun-failed: %s is of another target: %s", path, why)
	}
	var ids []string
	for _, v := range c.Rules {
		if v.Verdict != report.Fail && v.Verdict != report.Error {
			continue
		}
		// A rule judged on other rules' exchanges re-runs with the rules
		// that make them (its reproduction's Rules).
		need := []string{v.ID}
		if v.Reproduction != nil {
			need = append(need, v.Reproduction.Rules...)
		}
		for _, id := range need {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return strings.Join(ids, " || "), nil
}

var (
	deviationsOf = regexp.MustCompile(` with deviations \[([^\]]*)\]`)
	fieldOf      = regexp.MustCompile(`\b(project|server)=(\S*)`)
)

// otherTarget says how the report's target (its description, as the suite
// writes it: fixtures.Env.Description) differs from the configuration's,
// "" when it is the same: the embedded mock with the same deviations (its
// ids are new each run), or the same compute host, project and server.
func otherTarget(described string, t config.Settings) string {
	embedded := strings.HasPrefix(described, "embedded reference mock")
	switch {
	case embedded != t.Embedded:
		return fmt.Sprintf("the report's is %q, the configuration's %s", described, t.String())
	case embedded:
		var was []string
		if m := deviationsOf.FindStringSubmatch(described); m != nil {
			was = strings.Fields(m[1])
		}
		var now []string
		for _, d := range t.MockDeviations {
			now = append(now, d)
		}
		slices.Sort(was)
		slices.Sort(now)
		if !slices.Equal(was, now) {
			return fmt.Sprintf("the embedded mock had deviations %v, the configuration gives %v", was, now)
		}
		return ""
	}
	fields := map[string]string{}
	for _, m := range fieldOf.FindAllStringSubmatch(described, -1) {
		fields[m[1]] = m[2]
	}
	where, _, _ := strings.Cut(described, " ")
	a, errA := url.Parse(where)
	b, errB := url.Parse(t.ComputeURL)
	switch {
	case errA != nil || errB != nil || a.Host != b.Host:
		return fmt.Sprintf("the report's compute endpoint is %s, the configuration's %s", where, t.ComputeURL)
	case t.ProjectID != "" && fields["project"] != t.ProjectID:
		return fmt.Sprintf("the report's project is %s, the configuration's %s", fields["project"], t.ProjectID)
	case fields["server"] != t.ServerID:
		return fmt.Sprintf("the report's server is %s, the configuration's %s", fields["server"], t.ServerID)
	}
	return ""
}
