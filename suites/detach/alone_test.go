package detach_test

import (
	"os"
	"os/exec"
	"testing"
)

// previewEnv names, in a process inAProcessOfItsOwn started, the test it
// was started for.
const previewEnv = "NICCONFORM_TEST_PREVIEW"

// inAProcessOfItsOwn runs the calling test again in a process of its own
// (this test binary, -test.run naming it) and reports true, unless this is
// that process. A test that calls Ginkgo's PreviewSpecs needs one: the
// preview puts back a clone of the suite, and Ginkgo's Suite.Clone (v2.34)
// keeps the top-level containers but not the top-level BeforeEach and
// ReportAfterEach, so a TestDetach after it in the same process (go test
// -shuffle=on) would run without RecordExchanges and the rule progress.
func inAProcessOfItsOwn(t *testing.T) bool {
	t.Helper()
	if os.Getenv(previewEnv) == t.Name() {
		return false
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), previewEnv+"="+t.Name())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s in a process of its own: %v\n%s", t.Name(), err, out)
	}
	return true
}
