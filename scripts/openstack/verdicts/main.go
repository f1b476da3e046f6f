// Command verdicts checks a run's verdicts (conformance.json of its report
// folder) against the ground truth of the real cloud
// (scripts/openstack/expected.json): one line per rule, and exit status 1
// when any verdict is wrong. A wrong verdict is one that differs from the
// ground truth (a fail where it is pass or the reverse, a skip, a missing
// rule), or an error that names no precondition. An error that names its
// precondition (an attach that did not finish within its bound on a loaded
// host) is reported, and is not a wrong verdict; so are the leaks the run
// reports (conformance.sh checks the cloud itself).
//
//	go run ./scripts/openstack/verdicts -expected scripts/openstack/expected.json -report reports/openstack/token
//
// Exit status: 0 every verdict right, 1 a wrong verdict, 2 bad input.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/report"
)

// expectation is one rule's ground truth.
type expectation struct {
	Verdict string `json:"verdict"`
	Source  string `json:"source"`
	// AlsoRight is a second verdict the real cloud really earns at times
	// (a race in it), right only with a reason that contains Reason.
	AlsoRight *struct {
		Verdict string `json:"verdict"`
		Reason  string `json:"reason"`
		Source  string `json:"source"`
	} `json:"alsoRight"`
}

func main() {
	expected := flag.String("expected", "scripts/openstack/expected.json", "the ground truth: rule → verdict and its source")
	dir := flag.String("report", "", "the run's report folder (holds conformance.json)")
	flag.Parse()
	code, err := run(os.Stdout, *expected, *dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "verdicts:", err)
	}
	os.Exit(code)
}

// run prints the table and returns the exit status.
func run(w io.Writer, expectedFile, dir string) (int, error) {
	if dir == "" {
		return 2, fmt.Errorf("-report is required")
	}
	var truth struct {
		Rules map[string]expectation `json:"rules"`
	}
	if err := readJSON(expectedFile, &truth); err != nil {
		return 2, err
	}
	var conf report.Conformance
	if err := readJSON(filepath.Join(dir, "conformance.json"), &conf); err != nil {
		return 2, err
	}
	got := map[string]report.Verdict{}
	for _, v := range conf.Rules {
		got[v.ID] = v
	}
	ids := make([]string, 0, len(truth.Rules))
	for id := range truth.Rules {
		ids = append(ids, id)
	}
	for id := range got {
		if _, ok := truth.Rules[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	wrong, underLoad := 0, 0
	for _, id := range ids {
		want, v := truth.Rules[id], got[id]
		mark := "ok"
		switch {
		case want.Verdict == "":
			mark = "WRONG (no ground truth for this rule)"
		case v.ID == "":
			mark = "WRONG (the run has no verdict)"
		case v.Verdict == want.Verdict:
		case want.AlsoRight != nil && v.Verdict == want.AlsoRight.Verdict && strings.Contains(v.Reason, want.AlsoRight.Reason):
			mark = "ok: a real break of the cloud (" + want.AlsoRight.Reason + "; expected.json says why)"
		case v.Verdict == report.Error && v.Precondition != "":
			mark = "error naming its precondition " + v.Precondition + " (not a wrong verdict)"
			underLoad++
		default:
			mark = "WRONG"
		}
		if mark[0] == 'W' {
			wrong++
		}
		fmt.Fprintf(w, "%-21s %-5s want %-5s %s\n", id, v.Verdict, want.Verdict, mark)
		if v.Verdict != want.Verdict && v.Reason != "" {
			fmt.Fprintf(w, "    %s\n", report.Plain(v.ReasonWithPrecondition()))
		}
	}
	fmt.Fprintf(w, "%d rules, %d wrong verdicts, %d errors naming a precondition, %d leaks\n", len(ids), wrong, underLoad, len(conf.Leaks))
	if calls, attaches, ports, err := cost(filepath.Join(dir, "exchanges.har")); err == nil {
		peak := 0
		if conf.Cost != nil {
			peak = conf.Cost.PeakNICs
		}
		fmt.Fprintf(w, "cost: %d calls, %d attaches, %d ports created, at most %d NICs on the server at once, %s wall\n",
			calls, attaches, ports, peak, conf.Finished.Sub(conf.Started).Round(time.Second))
	}
	for _, l := range conf.Leaks {
		// The cloud itself is checked by conformance.sh (NICs, ports): a
		// leak the run reports may have gone by then (a delete that
		// outlived its client timeout on a loaded host).
		fmt.Fprintf(w, "reported leak: %s\n", report.Plain(l.What))
	}
	if wrong > 0 {
		return 1, nil
	}
	return 0, nil
}

// cost counts a run's calls, its attaches and the ports it created (by
// createPort, or by a net_id attach) from its exchanges.har.
func cost(har string) (calls, attaches, ports int, err error) {
	var h struct {
		Log struct {
			Entries []struct {
				Operation string `json:"_operation"`
				Request   struct {
					PostData *struct {
						Text string `json:"text"`
					} `json:"postData"`
				} `json:"request"`
				Response struct {
					Status int `json:"status"`
				} `json:"response"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := readJSON(har, &h); err != nil {
		return 0, 0, 0, err
	}
	for _, e := range h.Log.Entries {
		calls++
		switch {
		case e.Operation == "createPort" && e.Response.Status == 201:
			ports++
		case e.Operation == "attachInterface" && e.Response.Status == 200:
			attaches++
			if e.Request.PostData != nil && strings.Contains(e.Request.PostData.Text, `"net_id"`) {
				ports++
			}
		}
	}
	return calls, attaches, ports, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
