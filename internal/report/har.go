package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nicconform/nicconform/internal/client"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), with the
// underscore-prefixed custom fields the format allows for what nicconform
// adds: the operation, the request id and the contract violations.
type harLog struct {
	Log struct {
		Version string     `json:"version"`
		Creator harCreator `json:"creator"`
		Entries []harEntry `json:"entries"`
	} `json:"log"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Comment string `json:"comment,omitempty"`
}

type harEntry struct {
	StartedDateTime string             `json:"startedDateTime"`
	Time            float64            `json:"time"`
	Request         harRequest         `json:"request"`
	Response        harResponse        `json:"response"`
	Cache           struct{}           `json:"cache"`
	Timings         harTimings         `json:"timings"`
	Comment         string             `json:"comment,omitempty"`
	Operation       string             `json:"_operation,omitempty"`
	RequestID       string             `json:"_requestId,omitempty"`
	Attempt         int                `json:"_attempt,omitempty"`
	Violations      []client.Violation `json:"_violations,omitempty"`
	RequestIssues   []client.Violation `json:"_requestViolations,omitempty"`
	Error           string             `json:"_error,omitempty"`
	Served          *Served            `json:"_nicconform,omitempty"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []harNV      `json:"cookies"`
	Headers     []harNV      `json:"headers"`
	QueryString []harNV      `json:"queryString"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize int          `json:"headersSize"`
	BodySize    int          `json:"bodySize"`
}

type harPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Encoding string `json:"_encoding,omitempty"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []harNV    `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// HAR renders exchanges as a HAR 1.2 document, in the order given; its
// creator is the tool that ran, with the contract's and the profile's
// SHA-256 in its comment.
func HAR(tool Tool, exchanges []*client.Exchange) ([]byte, error) {
	return har(tool, exchanges, nil)
}

// Served is what one exchange served in the run, the HAR entry's
// _nicconform: the rules whose specs recorded it or cite it as evidence,
// or that judge it as an exchange of the detach (SPEC-CONFORMANT,
// REQUEST-ID, ERROR-SHAPE), in catalog order; and the run step that made
// it: the overlapped run's piece of work (client.Exchange.Owner: "task:…"
// a scenario or the calibration, "probe:…" a refusal, "watch", "plan",
// "rerun:…", "task:detach-alone") or the suite's node ("set-up", "spec",
// "cleanup").
type Served struct {
	Rules []string `json:"rules,omitempty"`
	Step  string   `json:"step,omitempty"`
}

// har renders exchanges with what each served (by Seq; nil: none known).
func har(tool Tool, exchanges []*client.Exchange, served map[int][]string) ([]byte, error) {
	var b bytes.Buffer
	if err := writeHAR(&b, tool, exchanges, served); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeHAR writes the HAR of exchanges to w as har renders it (the bytes
// of json.MarshalIndent(harLog, "", " ")), one entry at a time: an entry
// holds a copy of its exchange's bodies, so the document is never held
// whole (issue 26: up to client.MaxBody per exchange).
func writeHAR(w io.Writer, tool Tool, exchanges []*client.Exchange, served map[int][]string) error {
	creator, err := json.MarshalIndent(harCreator{Name: "nicconform", Version: tool.Version, Comment: tool.comment()}, "  ", " ")
	if err != nil {
		return fmt.Errorf("report: har: %w", err)
	}
	if _, err := fmt.Fprintf(w, "{\n \"log\": {\n  \"version\": \"1.2\",\n  \"creator\": %s,\n  \"entries\": [", creator); err != nil {
		return fmt.Errorf("report: har: %w", err)
	}
	for i, e := range exchanges {
		ms := float64(e.Duration) / float64(time.Millisecond)
		entry := harEntry{
			StartedDateTime: e.Started.UTC().Format(time.RFC3339Nano),
			Time:            ms,
			Timings:         harTimings{Wait: ms},
			Comment:         e.Note,
			Operation:       e.Operation,
			RequestID:       e.RequestID,
			Attempt:         e.Attempt,
			Violations:      e.Violations,
			RequestIssues:   e.RequestViolations,
			Error:           e.Err,
			Served:          &Served{Rules: served[e.Seq], Step: e.Owner},
			Request: harRequest{
				Method: e.Method, URL: e.URL, HTTPVersion: "HTTP/1.1",
				Cookies: []harNV{}, Headers: pairs(e.RequestHeader), QueryString: query(e.URL),
				HeadersSize: -1, BodySize: len(e.RequestBody),
			},
			Response: harResponse{
				Status: e.Status, StatusText: http.StatusText(e.Status), HTTPVersion: "HTTP/1.1",
				Cookies: []harNV{}, Headers: pairs(e.ResponseHeader),
				HeadersSize: -1, BodySize: e.BodySize(),
				Content: harContent{Size: e.BodySize(), MimeType: e.ResponseHeader.Get("Content-Type")},
			},
		}
		if entry.Served.Rules == nil && entry.Served.Step == "" {
			entry.Served = nil
		}
		if e.Status == 0 {
			entry.Response.BodySize = -1
		}
		if len(e.RequestBody) > 0 {
			text, enc := bodyText(e.RequestBody)
			entry.Request.PostData = &harPostData{MimeType: e.RequestHeader.Get("Content-Type"), Text: text, Encoding: enc}
		}
		body, err := e.Body()
		if err != nil { // the run's own spool failed: the entry says so, the rest is written
			body = []byte(fmt.Sprintf("(nicconform could not read this body back: %v)", err))
		}
		entry.Response.Content.Text, entry.Response.Content.Encoding = bodyText(body)
		out, err := json.MarshalIndent(entry, "   ", " ")
		if err != nil {
			return fmt.Errorf("report: har: %w", err)
		}
		sep := ",\n   "
		if i == 0 {
			sep = "\n   "
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return fmt.Errorf("report: har: %w", err)
		}
		if _, err := w.Write(out); err != nil {
			return fmt.Errorf("report: har: %w", err)
		}
	}
	end := "]\n }\n}"
	if len(exchanges) > 0 {
		end = "\n  ]\n }\n}"
	}
	if _, err := io.WriteString(w, end); err != nil {
		return fmt.Errorf("report: har: %w", err)
	}
	return nil
}

func bodyText(b []byte) (text, encoding string) {
	if len(b) == 0 {
		return "", ""
	}
	if utf8.Valid(b) {
		return string(b), ""
	}
	return base64.StdEncoding.EncodeToString(b), "base64"
}

func pairs(h http.Header) []harNV {
	out := []harNV{}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			out = append(out, harNV{Name: k, Value: v})
		}
	}
	return out
}

func query(raw string) []harNV {
	u, err := url.Parse(raw)
	if err != nil {
		return []harNV{}
	}
	return pairs(http.Header(u.Query()))
}

// comment names the contract's and the profile's SHA-256.
func (t Tool) comment() string {
	var parts []string
	if t.SpecSHA256 != "" {
		parts = append(parts, "spec sha256 "+t.SpecSHA256)
	}
	if t.ProfileSHA256 != "" {
		parts = append(parts, "profile sha256 "+t.ProfileSHA256)
	}
	return strings.Join(parts, "; ")
}
