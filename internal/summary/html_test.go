package summary_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/internal/summary"
)

// summary.html is a heatmap, a row per rule and a cell per run, each
// column headed by a link to the run's conformance.html and each judged
// cell linked to the rule's row there (which exists); a killed run's
// column says so, without a link; nothing outside is referenced.
func TestSummaryHTML(t *testing.T) {
	root := t.TempDir()
	pass, fail, dead := filepath.Join(root, "cn-north-4"), filepath.Join(root, "cn-east-3"), filepath.Join(root, "ap-southeast-1")
	writeRun(t, pass, "cn-north-4", nil)
	writeRun(t, fail, "cn-east-3", map[string]report.Outcome{"PRIMARY-FORBIDDEN": report.Failed})
	if err := os.MkdirAll(dead, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "summary")
	if err := summary.Load(catalog(t), []string{pass, fail, dead}).Write(out); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(out, "summary.html"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "http") || strings.Contains(string(raw), "<script") || strings.Contains(string(raw), "<link") {
		t.Errorf("summary.html references something outside it")
	}
	doc, err := html.Parse(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]*html.Node
	var heads []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" && attrOf(n, "class") == "rule" {
			var cells []*html.Node
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.Data == "td" {
					cells = append(cells, c)
				}
			}
			rows = append(rows, cells)
		}
		if n.Type == html.ElementNode && n.Data == "th" && attrOf(n, "class") == "run" {
			href := ""
			if a := n.FirstChild; a != nil && a.Data == "a" {
				href = attrOf(a, "href")
			}
			heads = append(heads, href)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if len(rows) != len(catalog(t)) {
		t.Fatalf("%d rows, want %d", len(rows), len(catalog(t)))
	}
	if want := []string{"../cn-north-4/conformance.html", "../cn-east-3/conformance.html", ""}; strings.Join(heads, " ") != strings.Join(want, " ") {
		t.Errorf("column links %q, want %q", heads, want)
	}
	for i, id := range catalog(t) {
		if len(rows[i]) != 3 {
			t.Fatalf("%s: %d cells", id, len(rows[i]))
		}
		if id == "PRIMARY-FORBIDDEN" && attrOf(rows[i][1], "class") != report.Fail {
			t.Errorf("PRIMARY-FORBIDDEN × cn-east-3: class %q", attrOf(rows[i][1], "class"))
		}
		if attrOf(rows[i][2], "class") != "missing" || rows[i][2].FirstChild.Type != html.TextNode {
			t.Errorf("%s × the killed run: %q", id, attrOf(rows[i][2], "class"))
		}
		a := rows[i][0].FirstChild
		if a == nil || a.Data != "a" || attrOf(a, "href") != "../cn-north-4/conformance.html#rule-"+id {
			t.Fatalf("%s × cn-north-4: no link to its row", id)
		}
		page, err := os.ReadFile(filepath.Join(pass, "conformance.html"))
		if err != nil || !strings.Contains(string(page), `id="rule-`+id+`"`) {
			t.Errorf("%s: the run's conformance.html has no row to link to (%v)", id, err)
		}
	}
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
