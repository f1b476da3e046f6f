package detach_test

import (
	"testing"

	"github.com/nicconform/nicconform/suites/detach"
)

// TestDetach runs the suite under go test (and the Ginkgo CLI, which runs
// go test's binary): its configuration from the -ginkgo.* flags, its
// target from the NICCONFORM_* variables, as `nicconform run` does in its
// own process.
func TestDetach(t *testing.T) {
	detach.Run(t, detach.Options{})
}
