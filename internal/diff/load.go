// Package diff compares two conformance runs: the verdicts of their rules,
// and what their targets answered, operation by operation and status by
// status (status codes, response header names, Content-Type, and the shape
// of the JSON bodies: key paths and their JSON types, never values).
//
// The use: run the suite against a team's mock and against a live region (or
// the reference mock), compare the two report folders, and hand the team the
// list of infidelities.
package diff

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/nicconform/nicconform/internal/report"
)

// The files of a report folder that diff reads.
const (
	ConformanceFile = "conformance.json"
	HARFile         = "exchanges.har"
)

// Run is one conformance run, loaded from its report folder.
type Run struct {
	// Dir is the report folder.
	Dir string
	// Conformance is the content of conformance.json.
	Conformance report.Conformance
	// Groups are what the target answered, by operation and status code.
	Groups map[Key]*Group
}

// Key names one (operation, status) group of exchanges.
type Key struct {
	// Operation is the HAR entry's _operation, or, for an exchange that
	// routed to no operation, "(off-contract) METHOD path-template".
	Operation string
	// Status is the response status code; 0 when no response came back.
	Status int
}

// Body kinds.
const (
	BodyEmpty   = "empty"
	BodyJSON    = "json"
	BodyNonJSON = "non-json"
)

// Group is the union of what the exchanges of one (operation, status)
// answered: values are dropped, only names, media types and shapes remain.
type Group struct {
	// Exchanges counts the exchanges of the group.
	Exchanges int
	// Headers are the response header names (canonical form), without the
	// ignored ones (Date, Content-Length).
	Headers map[string]bool
	// MediaTypes are the Content-Type media types, lower case without
	// parameters; "" stands for no Content-Type.
	MediaTypes map[string]bool
	// Bodies are the body kinds seen: BodyEmpty, BodyJSON, BodyNonJSON.
	Bodies map[string]bool
	// Keys maps each key path of the JSON bodies to the JSON types seen at
	// it ("object", "array", "string", "number", "boolean", "null").
	Keys map[string]map[string]bool
}

// ignoredHeaders never count as differences: their presence depends on the
// transport, not on the target's contract.
var ignoredHeaders = map[string]bool{"Date": true, "Content-Length": true}

// har is the part of a HAR 1.2 document diff reads, with nicconform's
// custom _operation field.
type har struct {
	Log *struct {
		Entries *[]harEntry `json:"entries"`
	} `json:"log"`
}

type harEntry struct {
	Operation string `json:"_operation"`
	Request   struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"request"`
	Response struct {
		Status  int `json:"status"`
		Headers []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"headers"`
		Content struct {
			Size     int    `json:"size"`
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
	} `json:"response"`
}

// Load reads a report folder: its conformance.json and exchanges.har. An
// error names the folder or the file at fault.
func Load(dir string) (Run, error) {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Run{}, fmt.Errorf("diff: %s: no such report folder", dir)
		}
		return Run{}, fmt.Errorf("diff: %w", err)
	}
	if !st.IsDir() {
		return Run{}, fmt.Errorf("diff: %s: not a folder (want a report folder holding %s and %s)", dir, ConformanceFile, HARFile)
	}
	run := Run{Dir: dir, Groups: map[Key]*Group{}}

	name := filepath.Join(dir, ConformanceFile)
	raw, err := os.ReadFile(name)
	if err != nil {
		return Run{}, fmt.Errorf("diff: %w", err)
	}
	if err := json.Unmarshal(raw, &run.Conformance); err != nil {
		return Run{}, fmt.Errorf("diff: %s: invalid JSON: %w", name, err)
	}
	if len(run.Conformance.Rules) == 0 {
		return Run{}, fmt.Errorf("diff: %s: not a conformance report: no rules", name)
	}
	for i, v := range run.Conformance.Rules {
		if v.ID == "" {
			return Run{}, fmt.Errorf("diff: %s: rule #%d has no id", name, i+1)
		}
	}

	name = filepath.Join(dir, HARFile)
	if raw, err = os.ReadFile(name); err != nil {
		return Run{}, fmt.Errorf("diff: %w", err)
	}
	var h har
	if err := json.Unmarshal(raw, &h); err != nil {
		return Run{}, fmt.Errorf("diff: %s: invalid JSON: %w", name, err)
	}
	if h.Log == nil || h.Log.Entries == nil {
		return Run{}, fmt.Errorf("diff: %s: not a HAR document: no log.entries", name)
	}
	for i, e := range *h.Log.Entries {
		if err := run.add(e); err != nil {
			return Run{}, fmt.Errorf("diff: %s: entry #%d: %w", name, i+1, err)
		}
	}
	return run, nil
}

func (r *Run) add(e harEntry) error {
	k := Key{Operation: e.Operation, Status: e.Response.Status}
	if k.Operation == "" {
		tmpl, err := PathTemplate(e.Request.URL)
		if err != nil {
			return err
		}
		k.Operation = "(off-contract) " + strings.ToUpper(e.Request.Method) + " " + tmpl
	}
	g := r.Groups[k]
	if g == nil {
		g = newGroup()
		r.Groups[k] = g
	}
	g.Exchanges++
	contentType := ""
	for _, h := range e.Response.Headers {
		name := textproto.CanonicalMIMEHeaderKey(h.Name)
		if name == "Content-Type" && contentType == "" {
			contentType = h.Value
		}
		if !ignoredHeaders[name] {
			g.Headers[name] = true
		}
	}
	if contentType == "" {
		contentType = e.Response.Content.MimeType
	}
	media := MediaType(contentType)
	g.MediaTypes[media] = true

	body := []byte(e.Response.Content.Text)
	if e.Response.Content.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(e.Response.Content.Text)
		if err != nil {
			return fmt.Errorf("response content: invalid base64: %w", err)
		}
		body = b
	}
	if len(body) == 0 && e.Response.Content.Size <= 0 {
		g.Bodies[BodyEmpty] = true
		return nil
	}
	var v any
	if (media == "" || strings.Contains(media, "json")) && json.Unmarshal(body, &v) == nil {
		g.Bodies[BodyJSON] = true
		shape(v, "", g.Keys)
		return nil
	}
	g.Bodies[BodyNonJSON] = true
	return nil
}

func newGroup() *Group {
	return &Group{Headers: map[string]bool{}, MediaTypes: map[string]bool{}, Bodies: map[string]bool{}, Keys: map[string]map[string]bool{}}
}

// RootPath is the key path of a JSON body that is not an object (the
// properties of a root object have plain names).
const RootPath = "(root)"

// shape records the key paths under path with their JSON types: object
// properties as "a.b", array elements as "a[]".
func shape(v any, path string, keys map[string]map[string]bool) {
	if path != "" || jsonType(v) != "object" {
		p := path
		if p == "" {
			p = RootPath
		}
		if keys[p] == nil {
			keys[p] = map[string]bool{}
		}
		keys[p][jsonType(v)] = true
	}
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if path == "" {
				shape(child, k, keys)
			} else {
				shape(child, path+"."+k, keys)
			}
		}
	case []any:
		for _, child := range t {
			shape(child, path+"[]", keys)
		}
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

// MediaType is a Content-Type's media type, lower case, without parameters;
// "" for none.
func MediaType(contentType string) string {
	contentType = strings.TrimSpace(contentType)
	if contentType == "" {
		return ""
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt
	}
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

var (
	uuidRE  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	hex32RE = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
	// idAfter are the collections whose next segment is an id, whatever
	// its form (the suite sends malformed ones on purpose).
	idAfter = map[string]bool{"servers": true, "os-interface": true, "ports": true}
)

// PathTemplate is the path of a request URL with its ids replaced by {id}:
// UUIDs, 32-hex strings, and any non-empty segment after servers,
// os-interface or ports. Percent-encoding is kept (an encoded slash stays
// inside its segment); the query is dropped.
func PathTemplate(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("request url: %w", err)
	}
	orig := strings.Split(u.EscapedPath(), "/")
	segs := make([]string, len(orig))
	for i, s := range orig {
		segs[i] = s
		if s != "" && (uuidRE.MatchString(s) || hex32RE.MatchString(s) || (i > 0 && idAfter[orig[i-1]])) {
			segs[i] = "{id}"
		}
	}
	p := strings.Join(segs, "/")
	if p == "" {
		p = "/"
	}
	return p, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
