package faultproxy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode/utf16"
)

// Rendering is one way a target can echo text back.
type Rendering struct {
	// Name is the rendering's name in echo headers and members: raw, b64,
	// b64url, uescape, slashescape, query, path.
	Name string
	// Render gives text's rendering; every one but raw is valid as JSON
	// string content as it is.
	Render func(text string) string
}

// Renderings are the renderings Echo uses.
var Renderings = []Rendering{
	{"raw", func(s string) string { return s }},
	{"b64", func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }},
	{"b64url", func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }},
	{"uescape", func(s string) string {
		var b strings.Builder
		for _, u := range utf16.Encode([]rune(s)) {
			fmt.Fprintf(&b, `\u%04x`, u)
		}
		return b.String()
	}},
	{"slashescape", func(s string) string { return strings.ReplaceAll(jsonContent(s), "/", `\/`) }},
	{"query", url.QueryEscape},
	{"path", url.PathEscape},
}

// jsonContent is s as the content of a JSON string.
func jsonContent(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b[1 : len(b)-1])
}

// echoed is what Echo echoes of r: name → text, in a stable order.
func echoed(r *Request) ([]string, map[string]string) {
	texts := map[string]string{}
	for k, vs := range r.Header {
		for i, v := range vs {
			texts[fmt.Sprintf("%s-%d-line", k, i)] = k + ": " + v
			texts[fmt.Sprintf("%s-%d-value", k, i)] = v
		}
	}
	if len(r.Body) > 0 {
		texts["body"] = string(r.Body)
	}
	names := make([]string, 0, len(texts))
	for n := range texts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, texts
}

// echo adds every rendering of every header and the body to the answer:
// as X-Echo-… headers (the renderings fit for a header value), and in the
// body.
func echo(_ *Proxy, r *Request, a *Answer) {
	names, texts := echoed(r)
	var members []string
	var lines bytes.Buffer
	for _, n := range names {
		for _, rd := range Renderings {
			v := rd.Render(texts[n])
			if !strings.ContainsAny(v, "\r\n\x00") {
				a.Header.Add("X-Echo-"+n+"-"+rd.Name, v)
			}
			if rd.Name == "raw" {
				v = jsonContent(v)
			}
			members = append(members, `"`+jsonContent(n+"-"+rd.Name)+`":"`+v+`"`)
			fmt.Fprintf(&lines, "%s-%s: %s\n", n, rd.Name, v)
		}
	}
	// The request id as well: a client that reads it from the answer as it
	// came puts it in every line of evidence.
	for _, name := range []string{"X-Auth-Token", "Authorization"} {
		if v := r.Header.Get(name); v != "" && !strings.ContainsAny(v, "\r\n\x00") {
			a.Header.Set("X-Openstack-Request-Id", "req-"+v)
			break
		}
	}
	switch {
	case bodiless(r, a.Status) || len(a.Body) == 0:
	case bytes.HasPrefix(bytes.TrimSpace(a.Body), []byte("{")):
		b := bytes.TrimSpace(a.Body)
		sep := ","
		if bytes.Equal(bytes.TrimSpace(b[1:]), []byte("}")) {
			sep = ""
		}
		a.Body = append([]byte(`{"echo":{`+strings.Join(members, ",")+"}"+sep), b[1:]...)
	default:
		a.Body = append(append(a.Body, '\n'), lines.Bytes()...)
	}
	a.Header.Del("Content-Length")
}
