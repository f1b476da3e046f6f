package fidelity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/summary"
	"github.com/nicconform/nicconform/spec"
)

// screenshotDirEnv names a folder for the screenshots (docs/ keeps them);
// without it they go to a temporary folder.
const screenshotDirEnv = "NICCONFORM_SCREENSHOT_DIR"

// pageCheck is appended to a copy of a page: after load it writes into
// <body data-check> what the browser rendered (rows, lanes and cells with
// a size on screen) and how many resources the page loaded.
const pageCheck = `<script>
addEventListener("load", () => {
  const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  document.body.setAttribute("data-check", JSON.stringify({
    rows: [...document.querySelectorAll("tr.rule")].filter(shown).length,
    lanes: [...document.querySelectorAll("g.lane")].filter(shown).length,
    portLanes: [...document.querySelectorAll("g.lane[data-kind=port]")].filter(shown).length,
    marks: [...document.querySelectorAll("svg rect")].filter(shown).length,
    resources: performance.getEntriesByType("resource").map(e => e.name),
    height: document.documentElement.scrollHeight,
  }));
});
</script>`

type rendered struct {
	Rows, Lanes, PortLanes, Marks int
	Resources                     []string
	Height                        int
}

// browser is headless Chromium behind a proxy that records every request
// it is asked to send.
type browser struct {
	path  string
	proxy *httptest.Server
	mu    sync.Mutex
	asked []string
}

func newBrowser(t *testing.T) *browser {
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no headless Chromium on this machine (Debian's chromium; .ci/run installs it): the pages were not looked at in a browser")
	}
	b := &browser{path: path}
	b.proxy = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.asked = append(b.asked, r.Method+" "+r.Host+r.URL.Path)
		b.mu.Unlock()
		http.Error(w, "nicconform's test proxy: nothing leaves", http.StatusBadGateway)
	}))
	t.Cleanup(b.proxy.Close)
	return b
}

// browserHosts are the hosts Chromium itself calls (time, updates,
// accounts) whatever the page: not the page's requests.
var browserHosts = regexp.MustCompile(`(^|\.)(google\.com|googleapis\.com|gstatic\.com|googleusercontent\.com)(:\d+)?$`)

// pageRequests are the requests the proxy was asked for that are not
// Chromium's own.
func (b *browser) pageRequests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, a := range b.asked {
		host := strings.Fields(a)[1]
		host, _, _ = strings.Cut(host, "/")
		if !browserHosts.MatchString(host) {
			out = append(out, a)
		}
	}
	return out
}

func (b *browser) run(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.path, append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
		"--user-data-dir=" + t.TempDir(), "--proxy-server=" + b.proxy.URL, "--proxy-bypass-list=<-loopback>",
		"--virtual-time-budget=5000"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 10 * time.Second // a child of Chromium's holding its output ends no later
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// look loads a copy of page with pageCheck, returns what rendered, and
// takes a screenshot of the whole page into shot.
func (b *browser) look(t *testing.T, page, shot string) rendered {
	t.Helper()
	raw, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(filepath.Dir(page), "checked-"+filepath.Base(page))
	if err := os.WriteFile(copyPath, bytes.Replace(raw, []byte("</body>"), []byte(pageCheck+"</body>"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(copyPath)
	dom := b.run(t, "--dump-dom", "file://"+copyPath)
	m := regexp.MustCompile(`data-check="([^"]*)"`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("%s: the page's check did not run (no data-check in the DOM)", page)
	}
	var r rendered
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(m[1]), "&quot;", `"`)), &r); err != nil {
		t.Fatalf("%s: %v: %s", page, err, m[1])
	}
	b.run(t, fmt.Sprintf("--window-size=1300,%d", min(max(r.Height, 600), 6000)), "--screenshot="+shot, "file://"+page)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", shot, err)
	}
	// A screenshot for docs/ must fit the tree's 1 MB a file; elsewhere its
	// size says only how long the run was (a loaded machine's re-runs
	// draw more lanes), no property of the page.
	if info, _ := f.Stat(); info.Size() > 1<<20 && os.Getenv(screenshotDirEnv) != "" {
		t.Errorf("%s: %d bytes, over 1 MB", shot, info.Size())
	}
	if img.Bounds().Dx() != 1300 {
		t.Errorf("%s: %v", shot, img.Bounds())
	}
	return r
}

// The pages as a person sees them: headless Chromium loads the HTML of a
// failing run, of a passing one and the summary of three runs; each has
// rendered its table rows and timeline lanes (sizes on screen, after
// load), and no request left the file (the page's own resource list is
// empty, and the proxy every request must go through saw none but
// Chromium's own). A page that does load something is caught, so the check
// can fail. The screenshots go to $NICCONFORM_SCREENSHOT_DIR (docs/).
func TestPagesInABrowser(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	shots := os.Getenv(screenshotDirEnv)
	if shots == "" {
		shots = t.TempDir()
	}
	failing, fc, _ := mockRun(t, mock.Options{Deviations: []mock.Deviation{mock.DevPrimaryDetachable}})
	passing, pc, _ := mockRun(t, mock.Options{})
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	var catalog []string
	for _, r := range s.Rules() {
		catalog = append(catalog, r.ID)
	}
	root := t.TempDir()
	runs := []string{filepath.Join(root, "cn-north-4"), filepath.Join(root, "cn-east-3"), filepath.Join(root, "ap-southeast-1")}
	for i, dir := range []string{failing, passing} {
		if err := os.CopyFS(runs[i], os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(runs[2], 0o755); err != nil { // a killed job
		t.Fatal(err)
	}
	out := filepath.Join(root, "summary")
	if err := summary.Load(catalog, runs).Write(out); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		page, shot string
		rows       int
		portLanes  bool
	}{
		{filepath.Join(failing, "conformance.html"), "conformance-failing.png", len(fc.Rules), true},
		{filepath.Join(passing, "conformance.html"), "conformance-passing.png", len(pc.Rules), true},
		{filepath.Join(out, "summary.html"), "summary.png", len(catalog), false},
	} {
		r := b.look(t, tc.page, filepath.Join(shots, tc.shot))
		t.Logf("%s: %+v", tc.shot, r)
		if r.Rows != tc.rows {
			t.Errorf("%s: %d rows on screen, want %d", tc.shot, r.Rows, tc.rows)
		}
		if tc.portLanes && (r.PortLanes < 5 || r.Lanes < r.PortLanes+5 || r.Marks < r.Lanes) {
			t.Errorf("%s: %d lanes (%d of NICs), %d marks on screen", tc.shot, r.Lanes, r.PortLanes, r.Marks)
		}
		if len(r.Resources) > 0 {
			t.Errorf("%s loaded %v", tc.shot, r.Resources)
		}
	}
	if asked := b.pageRequests(); len(asked) > 0 {
		t.Errorf("requests left the pages: %v", asked)
	}
	// The check catches a page that loads something.
	leaky := filepath.Join(t.TempDir(), "leaky.html")
	if err := os.WriteFile(leaky, []byte(`<!DOCTYPE html><html><body><img src="http://nicconform-leak.invalid/x.png"></body></html>`), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := b.look(t, leaky, filepath.Join(t.TempDir(), "leaky.png")); len(r.Resources) == 0 && len(b.pageRequests()) == 0 {
		t.Error("a page that loads an image from elsewhere went unnoticed")
	}
}
