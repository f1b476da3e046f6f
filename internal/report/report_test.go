package report_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/spec"
	"github.com/nicconform/nicconform/suites/detach"
)

func ex(seq, status int, reqID string, body string, hdr ...string) *client.Exchange {
	h := http.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return &client.Exchange{Seq: seq, Method: "DELETE", URL: "http://t/v2.1/p/servers/s/os-interface/x", Status: status,
		RequestID: reqID, ResponseHeader: h, ResponseBody: []byte(body), Started: time.Now()}
}

func verdicts(c report.Conformance) map[string]report.Verdict {
	out := map[string]report.Verdict{}
	for _, v := range c.Rules {
		out[v.ID] = v
	}
	return out
}

func subject(e *client.Exchange) *client.Exchange { e.Subject = true; return e }

func TestVerdicts(t *testing.T) {
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	results := []report.Result{
		{Text: "a", Labels: []string{"DETACH-ACCEPTED"}, Outcome: report.Passed, Exchanges: []*client.Exchange{ex(1, 202, "req-1", "")}},
		{Text: "b", Labels: []string{"PRIMARY-FORBIDDEN"}, Outcome: report.Failed, Message: "PRIMARY-FORBIDDEN: want 403, got 202", Exchanges: []*client.Exchange{ex(2, 202, "req-2", "")}},
		{Text: "c", Labels: []string{"PATH-UNKNOWN-PORT"}, Outcome: report.Passed},
		{Text: "d", Labels: []string{"PATH-UNKNOWN-PORT"}, Outcome: report.Skipped, Message: "needs a second server"},
		{Text: "e", Labels: []string{"STATE-LOCKED"}, Outcome: report.Skipped, Message: "the target cannot lock"},
		{Text: "p", Labels: []string{"PORT-ID-RETAINED"}, Outcome: report.Errored, Precondition: "detach-completes", Message: "precondition detach-completes: the detach of port x did not complete"},
		{Text: "q", Labels: []string{"NET-ID-DELETED"}, Outcome: report.Errored, Message: "precondition attach-net: …"},
		{Text: "r", Labels: []string{"NET-ID-DELETED"}, Outcome: report.Failed, Message: "NET-ID-DELETED: kept"},
		{Text: "s", Labels: []string{"AUTH-MISSING"}, Outcome: report.NotSelected},
		// Their own specs pass; the run's other exchanges break them.
		{Text: "f", Labels: []string{"SPEC-CONFORMANT"}, Outcome: report.Passed},
		{Text: "g", Labels: []string{"REQUEST-ID"}, Outcome: report.Passed},
		{Text: "h", Labels: []string{"ERROR-SHAPE"}, Outcome: report.Passed},
	}
	all := []*client.Exchange{
		subject(ex(1, 202, "req-1", "")),
		subject(ex(2, 404, "req-2", "not json", "Content-Type", "text/plain")),
		subject(ex(3, 404, "req-2", `{"itemNotFound":{"code":400,"message":"x"}}`, "Content-Type", "application/json")),
		subject(ex(4, 202, "", "")),
		// A neighbour call's departures are advisories, never verdicts.
		ex(5, 500, "", "boom", "Content-Type", "text/plain"),
	}
	all[0].Operation, all[4].Operation = "detachInterface", "listPorts"
	all[0].Violations = []client.Violation{{Kind: "body", Message: "202 documents no body"}}
	all[4].Violations = []client.Violation{{Kind: "status", Message: "500 is not documented"}}
	// The suite's judgements of its cross-cutting rules, which Build
	// applies to every exchange.
	judgements := detach.Judgements()
	c := report.Build(s, report.Run{Target: "t", Profile: "huawei", Started: time.Now(), Judgements: judgements}, results, all)
	v := verdicts(c)
	if len(c.Rules) != len(s.Rules()) {
		t.Fatalf("%d verdicts for %d rules", len(c.Rules), len(s.Rules()))
	}
	want := map[string]string{
		"DETACH-ACCEPTED": report.Pass, "PRIMARY-FORBIDDEN": report.Fail, "PATH-UNKNOWN-PORT": report.Pass,
		"STATE-LOCKED": report.Skip, "BODY-EMPTY-RESPONSE": report.Error, // no spec ran it
		"PORT-ID-RETAINED": report.Error, "NET-ID-DELETED": report.Fail, "AUTH-MISSING": report.Skip,
		"SPEC-CONFORMANT": report.Fail, "REQUEST-ID": report.Fail, "ERROR-SHAPE": report.Fail,
	}
	for id, w := range want {
		if v[id].Verdict != w {
			t.Errorf("%s: %s (%s), want %s", id, v[id].Verdict, v[id].Reason, w)
		}
	}
	for id, frag := range map[string]string{
		"PRIMARY-FORBIDDEN": "want 403", "STATE-LOCKED": "cannot lock", "BODY-EMPTY-RESPONSE": "no spec",
		"PORT-ID-RETAINED": "did not complete", "AUTH-MISSING": "not selected",
		"SPEC-CONFORMANT": "202 documents no body", "REQUEST-ID": "already given to exchange #2", "ERROR-SHAPE": "text/plain",
	} {
		if !strings.Contains(v[id].Reason, frag) {
			t.Errorf("%s: reason %q lacks %q", id, v[id].Reason, frag)
		}
	}
	if p := v["PORT-ID-RETAINED"].Precondition; p != "detach-completes" {
		t.Errorf("PORT-ID-RETAINED precondition %q", p)
	}
	if ev := v["PRIMARY-FORBIDDEN"].Evidence; len(ev) != 1 || ev[0] != "req-2" {
		t.Errorf("evidence %v", ev)
	}
	if c.Summary.Pass+c.Summary.Fail+c.Summary.Skip+c.Summary.Error != len(s.Rules()) {
		t.Errorf("summary %+v", c.Summary)
	}
	kinds := map[string]bool{}
	for _, a := range c.Advisories {
		kinds[a.Kind] = true
	}
	if !kinds["neighbour-contract"] || !kinds["neighbour-request-id"] || !kinds["neighbour-error-shape"] {
		t.Errorf("neighbour departures are not advisories: %+v", c.Advisories)
	}
	if report.ExitCode(c) != 1 {
		t.Errorf("exit %d, want 1", report.ExitCode(c))
	}

	failed := report.Build(s, report.Run{SetupError: "target unreachable", Judgements: judgements}, results, all)
	if failed.Summary.Error != len(s.Rules())-3 || !strings.Contains(failed.Rules[0].Reason, "could not start") {
		t.Errorf("setup failure: %+v (the three cross-cutting rules fail on the exchanges' evidence)", failed.Summary)
	}
	if report.ExitCode(report.Build(s, report.Run{SetupError: "target unreachable"}, nil, nil)) != 2 {
		t.Errorf("a run that could not start exits 2")
	}
}

func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		c    report.Conformance
		want int
	}{
		{report.Conformance{Summary: report.Summary{Pass: 3, Skip: 1}}, 0},
		{report.Conformance{Summary: report.Summary{Pass: 3, Fail: 1, Error: 1}}, 1},
		{report.Conformance{Summary: report.Summary{Pass: 3, Error: 1}}, 2},
		{report.Conformance{Summary: report.Summary{Pass: 3}, Leaks: []report.Leak{{What: "port p"}}}, 2},
		{report.Conformance{Summary: report.Summary{Fail: 1}, Leaks: []report.Leak{{What: "port p"}}}, 1},
	} {
		if got := report.ExitCode(c.c); got != c.want {
			t.Errorf("%+v: exit %d, want %d", c.c.Summary, got, c.want)
		}
	}
}

func TestContentTypeOnEmptyBodyIsAnAdvisory(t *testing.T) {
	s, _ := spec.Load()
	results := []report.Result{{Text: "b", Labels: []string{"BODY-EMPTY-RESPONSE"}, Outcome: report.Passed}}
	all := []*client.Exchange{subject(ex(1, 202, "req-1", "", "Content-Type", "application/json"))}
	c := report.Build(s, report.Run{}, results, all)
	if v := verdicts(c)["BODY-EMPTY-RESPONSE"]; v.Verdict != report.Pass {
		t.Errorf("%+v", v)
	}
	if len(c.Advisories) != 1 || c.Advisories[0].Kind != "content-type-on-empty-body" || !strings.Contains(c.Advisories[0].Message, "application/json") {
		t.Errorf("advisories %+v", c.Advisories)
	}
}

func TestPlainLeavesNoValueDumps(t *testing.T) {
	in := "fixture: attach\nUnexpected error:\n    <*fmt.wrapError | 0xc000123456>: \n    attachInterface: want 200, got 405\n    {\n        msg: \"x\",\n        err: <*client.StatusError | 0xc000aa0000>{Op: \"attachInterface\"},\n    }"
	got := report.Plain(in)
	for _, bad := range []string{"0xc0", "<*", "wrapError", "msg:"} {
		if strings.Contains(got, bad) {
			t.Errorf("%q keeps %q", got, bad)
		}
	}
	if !strings.Contains(got, "want 200, got 405") || strings.Contains(got, "\n") {
		t.Errorf("%q", got)
	}
	if got := report.Plain("names nicconform-<run>-<purpose>: <int>: 5"); got != "names nicconform-<run>-<purpose>: 5" {
		t.Errorf("%q", got)
	}
}

func TestErrorShapeProblem(t *testing.T) {
	s, _ := spec.Load()
	cases := map[string]struct {
		e    *client.Exchange
		want string
	}{
		"nova":          {ex(1, 404, "r", `{"itemNotFound":{"code":404,"message":"x"}}`, "Content-Type", "application/json"), ""},
		"huawei":        {ex(1, 403, "r", `{"error":{"code":"Ecs.0003","message":"x"}}`, "Content-Type", "application/json; charset=utf-8"), ""},
		"api gateway":   {ex(1, 401, "r", `{"error_msg":"Incorrect IAM authentication information: verify aksk signature fail","error_code":"APIGW.0301","request_id":"1a2b"}`, "Content-Type", "application/json"), ""},
		"code mismatch": {ex(1, 404, "r", `{"itemNotFound":{"code":400,"message":"x"}}`, "Content-Type", "application/json"), "code 400"},
		"flat":          {ex(1, 404, "r", `{"code":404,"message":"x"}`, "Content-Type", "application/json"), "no documented error shape"},
		"text":          {ex(1, 404, "r", `nope`, "Content-Type", "text/plain"), "text/plain"},
		"not json":      {ex(1, 404, "r", `{`, "Content-Type", "application/json"), "not JSON"},
	}
	for name, c := range cases {
		got := client.ErrorShapeProblem(s, c.e)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
}

func TestWriteProducesValidFiles(t *testing.T) {
	s, _ := spec.Load()
	all := []*client.Exchange{ex(1, 202, "req-1", ""), ex(2, 404, "req-2", "\xff\xfe binary", "Content-Type", "application/octet-stream")}
	c := report.Build(s, report.Run{Target: "t | with a pipe", Profile: "nova"}, nil, all)
	dir := t.TempDir()
	if err := report.Write(dir, c, all); err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Version string
			Entries []struct {
				Response struct {
					Content struct{ Text, Encoding string }
				}
			}
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "exchanges.har"))
	if err := json.Unmarshal(raw, &har); err != nil || har.Log.Version != "1.2" || len(har.Log.Entries) != 2 {
		t.Fatalf("HAR: %v %+v", err, har.Log)
	}
	if har.Log.Entries[1].Response.Content.Encoding != "base64" {
		t.Errorf("a binary body is not base64 in the HAR")
	}
	md, _ := os.ReadFile(filepath.Join(dir, "conformance.md"))
	if !strings.Contains(string(md), `t \| with a pipe`) && !strings.Contains(string(md), "t | with a pipe") {
		t.Errorf("md: %s", md)
	}
	var back report.Conformance
	raw, _ = os.ReadFile(filepath.Join(dir, "conformance.json"))
	if err := json.Unmarshal(raw, &back); err != nil || len(back.Rules) != len(s.Rules()) {
		t.Errorf("conformance.json: %v", err)
	}
}

func TestFindingFailsItsRule(t *testing.T) {
	s, _ := spec.Load()
	results := []report.Result{
		{Text: "i", Labels: []string{"DETACH-ISOLATION"}, Outcome: report.Passed},
		{Text: "c", Labels: []string{"DETACH-COMPLETES"}, Outcome: report.NotSelected},
	}
	c := report.Build(s, report.Run{Findings: []report.Finding{
		{Rule: "DETACH-ISOLATION", Message: "the witness NIC (port p) changed between specs"},
		{Rule: "DETACH-COMPLETES", Message: "port q is back"},
	}}, results, nil)
	v := verdicts(c)["DETACH-ISOLATION"]
	if v.Verdict != report.Fail || !strings.Contains(v.Reason, "witness NIC (port p)") {
		t.Errorf("%+v", v)
	}
	if v := verdicts(c)["DETACH-COMPLETES"]; v.Verdict != report.Skip || len(c.Advisories) != 1 || c.Advisories[0].Kind != "finding" {
		t.Errorf("a finding against a rule the run did not select is an advisory: %+v %+v", v, c.Advisories)
	}
}

func TestJUnitHasOneCasePerRule(t *testing.T) {
	s, _ := spec.Load()
	results := []report.Result{
		{Text: "a", Labels: []string{"DETACH-ACCEPTED"}, Outcome: report.Failed, Message: "DETACH-ACCEPTED: want 202, got 204"},
		{Text: "p", Labels: []string{"PORT-ID-RETAINED"}, Outcome: report.Errored, Precondition: "detach-completes", Message: "precondition detach-completes: …"},
	}
	out, err := report.JUnit(report.Build(s, report.Run{Profile: "huawei"}, results, nil))
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suites []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
				Error   *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(out, &suites); err != nil || len(suites.Suites) != 1 {
		t.Fatalf("%v: %s", err, out)
	}
	cases := suites.Suites[0].Cases
	if len(cases) != len(s.Rules()) {
		t.Fatalf("%d cases for %d rules", len(cases), len(s.Rules()))
	}
	for _, c := range cases {
		switch {
		case strings.HasPrefix(c.Name, "DETACH-ACCEPTED:") && c.Failure == nil:
			t.Errorf("a fail is a <failure>: %+v", c)
		case strings.HasPrefix(c.Name, "PORT-ID-RETAINED:") && (c.Error == nil || c.Failure != nil):
			t.Errorf("an error is an <error>: %+v", c)
		}
	}
}

func TestCleanRemovesAnEarlierRunsReports(t *testing.T) {
	dir := t.TempDir()
	for _, f := range append(report.Outputs, "journal.jsonl", "notes.txt") {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := report.Clean(dir); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(dir)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "journal.jsonl,notes.txt" {
		t.Errorf("left %v", names)
	}
	if err := report.Clean(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("a folder that does not exist is clean: %v", err)
	}
}
