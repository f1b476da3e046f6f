package client

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzSegments: any id, put in a path by the client, reaches a server as
// exactly one segment that unescapes back to it (the malformed-id rules
// depend on it), and building never panics.
func FuzzSegments(f *testing.F) {
	for _, seed := range []string{"", "a/b", "%", "%2F", "a b", "?x=1", "#frag", "é", "\xff\xfe", "..", ".", "a;b", "a+b", strings.Repeat("z", 300), "6f1b1b62-8f3c-4bd4-9b1e-6d1c5e0d8a11"} {
		f.Add(seed)
	}
	base, err := url.Parse("http://127.0.0.1:8774/prefix%2Fdir")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id string) {
		segments := []string{"v2.1", "p", "servers", id, "os-interface", "port"}
		u, err := buildURL(base, escapeSegments(segments), nil)
		if err != nil {
			return // a refusal is fine; a panic is not
		}
		// What the server parses from the request line.
		wire, err := url.ParseRequestURI(u.RequestURI())
		if err != nil {
			t.Fatalf("the request URI %q does not parse: %v", u.RequestURI(), err)
		}
		parts := strings.Split(strings.TrimPrefix(wire.EscapedPath(), "/prefix%2Fdir/"), "/")
		if len(parts) != len(segments) {
			t.Fatalf("id %q: %d segments on the wire (%s), want %d", id, len(parts), wire.EscapedPath(), len(segments))
		}
		got, err := url.PathUnescape(parts[3])
		if err != nil || got != id {
			t.Fatalf("id %q arrived as %q (%v)", id, got, err)
		}
	})
}
