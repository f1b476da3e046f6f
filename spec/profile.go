package spec

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Profiles are the expectation sets a rule can differ by; the shipped ones
// are YAML files in spec/profiles, and a user's own is a file of the same
// shape (NICCONFORM_PROFILE=./my-cloud.yaml).
const (
	ProfileHuawei = "huawei"
	ProfileNova   = "nova"
)

// Bases lists the behaviour families a profile can belong to
// (Profile.Base; the reference mock's -profile), the default first.
func Bases() []string { return []string{ProfileHuawei, ProfileNova} }

// CheckBase returns nil when s names a behaviour family, else an error
// that lists them.
func CheckBase(s string) error {
	_, err := parseName(s, Bases(), "behaviour family")
	return err
}

//go:embed profiles/*.yaml
var shipped embed.FS

// Profile is one cloud's expectations of the catalog: for each rule, the
// statuses it expects (within what the rule's statement allows) or why the
// rule does not apply; and what its detach takes.
type Profile struct {
	// Name names the profile in the reports.
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
	// Base is the behaviour family the profile belongs to: "huawei" (a
	// primary NIC; 32-hex project ids) or "nova".
	Base string `yaml:"base" json:"base"`
	// Detach says what the detach takes in this cloud.
	Detach DetachVariant `yaml:"detach" json:"detach"`
	// Rules are the expectations the profile sets, by rule id.
	Rules map[string]Expectation `yaml:"rules" json:"rules"`
	// Source is where the profile came from: "shipped" or the file's path.
	Source string `yaml:"-" json:"source"`
	// SHA256 is the hex SHA-256 of the profile's file (the shipped one's
	// embedded bytes), which the reports carry.
	SHA256 string `yaml:"-" json:"sha256"`
}

// DetachVariant is what a cloud's detach takes.
type DetachVariant struct {
	// KeepPort is the query a detach must carry for a port attached by
	// port_id to be kept (e.g. reserve_port=true); empty where the port is
	// kept by default, as the seed documents.
	KeepPort map[string]string `yaml:"keep_port" json:"keep_port,omitempty"`
}

// KeepQuery is KeepPort as a URL query (nil when empty).
func (d DetachVariant) KeepQuery() url.Values {
	if len(d.KeepPort) == 0 {
		return nil
	}
	q := url.Values{}
	for k, v := range d.KeepPort {
		q.Set(k, v)
	}
	return q
}

// Expect returns what the profile expects of a rule: its own expectation,
// else the bounds of the rule's statement.
func (p *Profile) Expect(r Rule) Expectation {
	if e, ok := p.Rules[r.ID]; ok {
		return e
	}
	return Expectation{Status: append([]string(nil), r.Allow...)}
}

// ShippedProfiles returns the names of the profiles in spec/profiles.
func ShippedProfiles() []string {
	entries, _ := fs.ReadDir(shipped, "profiles")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// LoadProfile returns a shipped profile by name, or reads a profile file
// (a value with a path separator or a .yaml/.yml suffix), and validates it
// against the catalog: a known base, known rule ids, well-formed statuses,
// each within what the rule's statement allows, a reason for each skip.
func (s *Spec) LoadProfile(nameOrPath string) (*Profile, error) {
	var data []byte
	source := "shipped"
	if strings.ContainsRune(nameOrPath, os.PathSeparator) || strings.HasSuffix(nameOrPath, ".yaml") || strings.HasSuffix(nameOrPath, ".yml") {
		b, err := os.ReadFile(nameOrPath)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", nameOrPath, err)
		}
		data, source = b, nameOrPath
	} else {
		b, err := shipped.ReadFile(path.Join("profiles", nameOrPath+".yaml"))
		if err != nil {
			return nil, fmt.Errorf("profile %q: not a shipped profile (%s) nor a file path", nameOrPath, strings.Join(ShippedProfiles(), ", "))
		}
		data = b
	}
	p, err := s.parseProfile(data)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", nameOrPath, err)
	}
	sum := sha256.Sum256(data)
	p.Source, p.SHA256 = source, hex.EncodeToString(sum[:])
	return p, nil
}

func (s *Spec) parseProfile(data []byte) (*Profile, error) {
	var p Profile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("not a profile: %w", err)
	}
	var problems []string
	if p.Name == "" {
		problems = append(problems, "name is missing")
	}
	if err := CheckBase(p.Base); err != nil {
		problems = append(problems, "base: "+err.Error())
	}
	ids := make([]string, 0, len(p.Rules))
	for id := range p.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		e := p.Rules[id]
		r, ok := s.Rule(id)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("rules.%s: no such rule in the catalog", id))
		case e.Skip == "" && len(e.Status) == 0:
			problems = append(problems, fmt.Sprintf("rules.%s: expects nothing (give status, or skip with a reason)", id))
		case e.Skip != "" && len(e.Status) > 0:
			problems = append(problems, fmt.Sprintf("rules.%s: both status and skip", id))
		case len(e.Status) > 0 && len(r.Allow) == 0:
			problems = append(problems, fmt.Sprintf("rules.%s: the rule judges no status, so a profile cannot set one", id))
		default:
			for _, st := range e.Status {
				if !statusSpec.MatchString(strings.ToUpper(st)) {
					problems = append(problems, fmt.Sprintf("rules.%s: bad status %q (want a code like 404 or a class like 4XX)", id, st))
				}
			}
			if !r.Within(e) {
				problems = append(problems, fmt.Sprintf("rules.%s: status %v loosens the rule past its statement, which allows %v: %q", id, e.Status, r.Allow, r.Statement))
			}
		}
	}
	for k := range p.Detach.KeepPort {
		if k == "" {
			problems = append(problems, "detach.keep_port: an empty query name")
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return &p, nil
}
