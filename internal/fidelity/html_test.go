package fidelity_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/nicconform/nicconform/internal/mock"
)

// The conformance.html of a failing run parses, holds a row per rule
// (failures first), a timeline lane per NIC the run made and for the
// primary it probed, the lock, the refusals, the watch, the scenarios, the
// verdicts and the NICs at once, a title on every mark; and it loads
// nothing: no script or style from elsewhere, no URL but the target's.
func TestHTMLReportOfAFailingRun(t *testing.T) {
	t.Parallel()
	dir, c, target := mockRun(t, mock.Options{Deviations: []mock.Deviation{mock.DevPrimaryDetachable}})
	raw, err := os.ReadFile(filepath.Join(dir, "conformance.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(raw)
	for _, bad := range []string{"<script src", "<link", "@import", "url("} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("conformance.html holds %q", bad)
		}
	}
	for _, u := range regexp.MustCompile(`(?i)https?://[^\s"'<>]*`).FindAllString(page, -1) {
		if !strings.HasPrefix(u, target) {
			t.Errorf("conformance.html names %s, not the target's (%s)", u, target)
		}
	}
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	lanes := map[string][]string{}
	untitled := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "tr" && attr(n, "class") == "rule":
				rows = append(rows, strings.TrimPrefix(attr(n, "id"), "rule-"))
			case n.Data == "g" && attr(n, "class") == "lane":
				lanes[attr(n, "data-kind")] = append(lanes[attr(n, "data-kind")], attr(n, "data-key"))
			case n.Data == "rect" && (n.FirstChild == nil || n.FirstChild.Data != "title"):
				untitled++
			}
			if (n.Data == "a" || n.Data == "img" || n.Data == "iframe") && (attr(n, "href") != "" || attr(n, "src") != "") {
				t.Errorf("a reference: <%s %s%s>", n.Data, attr(n, "href"), attr(n, "src"))
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(doc)
	if len(rows) != len(c.Rules) || rows[0] != "PRIMARY-FORBIDDEN" {
		t.Errorf("rows %v: want %d, PRIMARY-FORBIDDEN (the fail) first", rows, len(c.Rules))
	}
	for _, v := range c.Rules {
		if !slices.Contains(rows, v.ID) {
			t.Errorf("no row for %s", v.ID)
		}
	}
	made := madePorts(t, dir)
	if len(made) < 5 {
		t.Fatalf("the HAR shows %d ports made: %v", len(made), made)
	}
	for _, p := range made {
		if !slices.Contains(lanes["port"], "port:"+p) {
			t.Errorf("no lane for port %s, which the run made (lanes %v)", p, lanes["port"])
		}
	}
	if len(lanes["port"]) != len(made)+1 {
		t.Errorf("%d port lanes, want %d made and the primary: %v", len(lanes["port"]), len(made), lanes["port"])
	}
	for _, kind := range []string{"lock", "refusals", "watch", "scenario", "verdicts", "count"} {
		if len(lanes[kind]) == 0 {
			t.Errorf("no %s lane (lanes %v)", kind, lanes)
		}
	}
	if untitled > 0 {
		t.Errorf("%d marks without a title", untitled)
	}
	for _, id := range []string{"<svg id=\"timeline\"", "class=\"repro\"", "nicconform run -label-filter=PRIMARY-FORBIDDEN"} {
		if !strings.Contains(page, id) {
			t.Errorf("conformance.html lacks %s", id)
		}
	}
	noCanary(t, dir)
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// madePorts are the ports the run's HAR shows it made: created (POST
// …/ports) or attached by net_id.
func madePorts(t *testing.T, dir string) []string {
	entries := harEntries[struct {
		Request struct {
			Method, URL string
			PostData    *struct{ Text string }
		}
		Response struct {
			Status  int
			Content struct{ Text string }
		}
	}](t, dir)
	var out []string
	for _, e := range entries {
		if e.Request.Method != "POST" || e.Response.Status/100 != 2 {
			continue
		}
		var body struct {
			Port struct{ ID string }
			IA   struct {
				PortID string `json:"port_id"`
			} `json:"interfaceAttachment"`
		}
		_ = json.Unmarshal([]byte(e.Response.Content.Text), &body)
		switch {
		case strings.HasSuffix(e.Request.URL, "/ports") && body.Port.ID != "":
			out = append(out, body.Port.ID)
		case strings.HasSuffix(e.Request.URL, "/os-interface") && e.Request.PostData != nil && strings.Contains(e.Request.PostData.Text, "net_id") && body.IA.PortID != "":
			out = append(out, body.IA.PortID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
