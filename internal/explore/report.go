package explore

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/internal/version"
	"github.com/nicconform/nicconform/spec"
)

// Report files, in the report folder.
const (
	FileMarkdown = "explore.md"
	FileJSON     = "explore.json"
	FileHAR      = "explore.har"
)

func sortByStart(ex []*client.Exchange) {
	sort.SliceStable(ex, func(i, j int) bool { return ex[i].Started.Before(ex[j].Started) })
}

// WriteReports writes explore.md, explore.json and explore.har into dir:
// the run, and each finding's shortest sequence step by step with both
// answers; the HAR holds every exchange of those sequences, the target's
// and the model's (each entry's comment says which).
func WriteReports(dir string, res *Result) error { return WriteReportsAs(dir, "explore", res) }

// WriteReportsAs writes the reports as name.md, name.json and name.har (a
// replay writes explore-replay.*, leaving the explore.json it replays).
func WriteReportsAs(dir, name string, res *Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("explore: report folder: %w", err)
	}
	js, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("explore: %s: %w", FileJSON, err)
	}
	var exchanges []*client.Exchange
	for _, f := range res.Findings {
		exchanges = append(exchanges, f.exchanges...)
	}
	har, err := report.HAR(report.Tool{Version: version.String(), SpecSHA256: spec.SHA256()}, exchanges)
	if err != nil {
		return fmt.Errorf("explore: %s: %w", FileHAR, err)
	}
	jsonPath := filepath.Join(dir, name+".json")
	for file, data := range map[string][]byte{
		name + ".json": append(js, '\n'),
		name + ".md":   []byte(Markdown(res, jsonPath)),
		name + ".har":  har,
	} {
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			return fmt.Errorf("explore: %w", err)
		}
	}
	return nil
}

// LoadReplay reads the sequence to replay from an explore.json: the
// first finding's steps.
func LoadReplay(path string) ([]Step, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("explore: replay: %w", err)
	}
	var doc struct {
		Findings []struct {
			Steps []struct {
				Step *Step `json:"step"`
			} `json:"steps"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("explore: replay: %s is not an explore.json: %w", path, err)
	}
	if len(doc.Findings) == 0 {
		return nil, fmt.Errorf("explore: replay: %s records no divergence, so no sequence to replay", path)
	}
	var steps []Step
	for i, s := range doc.Findings[0].Steps {
		if s.Step == nil {
			return nil, fmt.Errorf("explore: replay: %s: step %d has no \"step\"", path, i+1)
		}
		if err := s.Step.validate(); err != nil {
			return nil, fmt.Errorf("explore: replay: %s: step %d: %w", path, i+1, err)
		}
		steps = append(steps, *s.Step)
	}
	if len(steps) == 0 {
		return nil, errors.New("explore: replay: the recorded sequence has no steps")
	}
	return steps, nil
}

// Markdown renders the report a person reads first; jsonPath is where its
// explore.json is, for the replay command it shows.
func Markdown(res *Result, jsonPath string) string {
	var b strings.Builder
	b.WriteString("# nicconform explore\n\n")
	fmt.Fprintf(&b, "- target: %s\n- profile: %s\n", res.Target, res.Profile)
	if res.Replay {
		fmt.Fprintf(&b, "- replay of a recorded sequence: %d steps in %s\n", res.Steps, res.Elapsed.Round(time.Millisecond))
	} else {
		fmt.Fprintf(&b, "- seed: %d (`-seed %d` draws the same sequences)\n", res.Seed, res.Seed)
		fmt.Fprintf(&b, "- explored: %d sequences, %d steps in %s (caps: %d sequences of at most %d steps, %s, NIC ceiling %d); stopped: %s\n",
			res.Sequences, res.Steps, res.Elapsed.Round(time.Millisecond), res.Caps.Seqs, res.Caps.Steps, res.Caps.Duration, res.Caps.NICCeiling, res.Stopped)
	}
	if len(res.Findings) == 0 {
		b.WriteString("\n**No divergence**: the target answered every step as a rule's statement allows, and showed the model's state once both were quiescent.\n")
	}
	for _, f := range res.Findings {
		b.WriteString("\n## Divergence\n\n")
		writeFinding(&b, f, res.Replay, jsonPath)
	}
	if len(res.Advisories) > 0 {
		b.WriteString("\n## Advisories\n\nWhat the target did that no rule's statement covers (a neighbour call's answer, a header, the state after a neighbour call), the rule a refusal satisfied where more than one applied, and the known breaks met (-exclude, -baseline). None is a divergence; where the model could be brought to the target's state the sequence went on.\n\n")
		for _, a := range res.Advisories {
			fmt.Fprintf(&b, "- **%s** (%d×): %s\n", a.Kind, a.Count, report.Short(a.Message))
			for _, e := range a.Evidence {
				fmt.Fprintf(&b, "  - %s\n", report.Short(e))
			}
		}
	}
	if len(res.Leaks) > 0 {
		b.WriteString("\n## Leaks\n\n")
		for _, l := range res.Leaks {
			b.WriteString("- " + l + "\n")
		}
	}
	return b.String()
}

func writeFinding(b *strings.Builder, f *Finding, replay bool, jsonPath string) {
	d := f.Divergence
	where := fmt.Sprintf("step %d (%s)", d.Step, d.Op)
	if d.Step == 0 {
		where = "before any step"
	}
	fmt.Fprintf(b, "**First point of divergence**, %s, kind %s: %s\n\n", where, d.Kind, report.Short(d.What))
	if d.Covered == NoRule {
		b.WriteString("**Rule**: " + NoRule + ".\n\n")
	} else {
		fmt.Fprintf(b, "**Rule**: %s\n\n", d.Covered)
	}
	if !replay {
		fmt.Fprintf(b, "Found %s into the run, in sequence %d (rapid seed %d) of %d steps; shrunk to %d steps in %d replays.\n\n",
			f.FoundAfter.Round(time.Millisecond), f.Sequence, f.Seed, f.FoundLength, len(f.Steps), f.ShrinkRuns)
	}
	fmt.Fprintf(b, "Replay exactly this sequence: `nicconform explore -replay %s`\n\n", jsonPath)
	b.WriteString("The sequence (ids are the sequence's own: p1 is the first port it made):\n\n")
	for _, s := range f.Steps {
		mark := ""
		if s.N == d.Step {
			mark = " ← **diverges here**"
		}
		fmt.Fprintf(b, "%d. **%s**%s\n", s.N, s.Step, mark)
		if s.Rule != "" {
			fmt.Fprintf(b, "   - case of %s\n", s.Rule)
		}
		if s.Advisory != "" {
			fmt.Fprintf(b, "   - advisory: %s\n", report.Short(s.Advisory))
		}
		fmt.Fprintf(b, "   - target: `%s` → %s\n", s.Target.Request, answerWords(s.Target))
		fmt.Fprintf(b, "   - model: `%s` → %s\n", s.Model.Request, answerWords(s.Model))
		if s.State != "" && s.State != "same" {
			fmt.Fprintf(b, "   - state afterwards: %s\n", report.Short(s.State))
		}
	}
	if d.Step == 0 {
		fmt.Fprintf(b, "\nBefore any step: %s\n", report.Short(d.What))
	}
}

func answerWords(a Answer) string {
	s := fmt.Sprintf("%d", a.Status)
	if a.RequestID != "" {
		s += " (" + a.RequestID + ")"
	} else {
		s += " (no request id)"
	}
	if a.Body != "" {
		s += " `" + strings.ReplaceAll(a.Body, "`", "'") + "`"
	}
	if len(a.Violations) > 0 {
		s += "; violations: " + strings.Join(a.Violations, "; ")
	}
	if a.ErrorShape != "" {
		s += "; error shape: " + a.ErrorShape
	}
	return s
}
