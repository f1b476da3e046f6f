package detach_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"

	"github.com/nicconform/nicconform/internal/fixtures"
	"github.com/nicconform/nicconform/spec"
	"github.com/nicconform/nicconform/suites/detach"
)

// TestTraceability reads the spec tree (Ginkgo's preview: nothing runs) and
// holds it to the catalog: every x-rules id has a spec labelled with it, and
// every spec's rule label names a catalog rule.
func TestTraceability(t *testing.T) {
	if inAProcessOfItsOwn(t) {
		return
	}
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range fixtures.Untraced(s, PreviewSpecs(detach.Description)) {
		t.Error(p)
	}
}
