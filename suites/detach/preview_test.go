package detach_test

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"

	"github.com/nicconform/nicconform/suites/detach"
)

// TestPreviewPrintsNoVerdict: Ginkgo's preview of the spec tree (a dry
// run: nothing is sent, nothing judged; TestTraceability's) prints no
// rule's progress line and leaves the run's progress as it was. Seen
// failing before Progress left dry runs alone: the preview printed
// "PRIMARY-FORBIDDEN pass" and 15 more lines, verdicts of specs that never
// ran, and counted them as the run's.
func TestPreviewPrintsNoVerdict(t *testing.T) {
	if inAProcessOfItsOwn(t) {
		return
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	read := make(chan string)
	go func() {
		var b bytes.Buffer
		_, _ = io.Copy(&b, r)
		read <- b.String()
	}()
	PreviewSpecs(detach.Description)
	os.Stdout = stdout
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(<-read, "\n") {
		if strings.HasPrefix(line, "nicconform: [") {
			t.Errorf("the preview printed a rule's progress: %s", line)
		}
	}
}
