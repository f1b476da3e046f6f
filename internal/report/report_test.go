package report_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/spec"
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

func TestVerdicts(t *testing.T) {
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	results := []report.SpecResult{
		{Text: "a", Labels: []string{"DETACH-ACCEPTED"}, State: "passed", Exchanges: []*client.Exchange{ex(1, 202, "req-1", "")}},
		{Text: "b", Labels: []string{"PRIMARY-FORBIDDEN"}, State: "failed", Message: "PRIMARY-FORBIDDEN: want 403, got 202", Exchanges: []*client.Exchange{ex(2, 202, "req-2", "")}},
		{Text: "c", Labels: []string{"PATH-UNKNOWN-PORT"}, State: "passed"},
		{Text: "d", Labels: []string{"PATH-UNKNOWN-PORT"}, State: "skipped", Message: "needs a second server"},
		{Text: "e", Labels: []string{"STATE-LOCKED"}, State: "skipped", Message: "the target cannot lock"},
		// Their own specs pass; the run's other exchanges break them.
		{Text: "f", Labels: []string{"SPEC-CONFORMANT"}, State: "passed"},
		{Text: "g", Labels: []string{"REQUEST-ID"}, State: "passed"},
		{Text: "h", Labels: []string{"ERROR-SHAPE"}, State: "passed"},
	}
	all := []*client.Exchange{
		ex(1, 202, "req-1", ""),
		ex(2, 404, "req-2", "not json", "Content-Type", "text/plain"),
		ex(3, 404, "req-2", `{"itemNotFound":{"code":400,"message":"x"}}`, "Content-Type", "application/json"),
		ex(4, 202, "", ""),
	}
	all[0].Violations = []client.Violation{{Kind: "body", Message: "202 documents no body"}}
	c := report.Build(s, report.Run{Target: "t", Profile: "huawei", Started: time.Now()}, results, all)
	v := verdicts(c)
	if len(c.Rules) != len(s.Rules()) {
		t.Fatalf("%d verdicts for %d rules", len(c.Rules), len(s.Rules()))
	}
	want := map[string]string{
		"DETACH-ACCEPTED": report.Pass, "PRIMARY-FORBIDDEN": report.Fail, "PATH-UNKNOWN-PORT": report.Pass,
		"STATE-LOCKED": report.Skip, "BODY-EMPTY-RESPONSE": report.Fail, // no spec ran it
		"SPEC-CONFORMANT": report.Fail, "REQUEST-ID": report.Fail, "ERROR-SHAPE": report.Fail,
	}
	for id, w := range want {
		if v[id].Verdict != w {
			t.Errorf("%s: %s (%s), want %s", id, v[id].Verdict, v[id].Reason, w)
		}
	}
	for id, frag := range map[string]string{
		"PRIMARY-FORBIDDEN": "want 403", "STATE-LOCKED": "cannot lock", "BODY-EMPTY-RESPONSE": "no spec",
		"SPEC-CONFORMANT": "202 documents no body", "REQUEST-ID": "already given to exchange #2", "ERROR-SHAPE": "text/plain",
	} {
		if !strings.Contains(v[id].Reason, frag) {
			t.Errorf("%s: reason %q lacks %q", id, v[id].Reason, frag)
		}
	}
	if ev := v["PRIMARY-FORBIDDEN"].Evidence; len(ev) != 1 || ev[0] != "req-2" {
		t.Errorf("evidence %v", ev)
	}
	if c.Summary.Pass+c.Summary.Fail+c.Summary.Skip != len(s.Rules()) {
		t.Errorf("summary %+v", c.Summary)
	}

	failed := report.Build(s, report.Run{SetupFailure: "target unreachable"}, results, all)
	if failed.Summary.Fail != len(s.Rules()) || !strings.Contains(failed.Rules[0].Reason, "could not start") {
		t.Errorf("setup failure: %+v", failed.Summary)
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
		"code mismatch": {ex(1, 404, "r", `{"itemNotFound":{"code":400,"message":"x"}}`, "Content-Type", "application/json"), "code 400"},
		"flat":          {ex(1, 404, "r", `{"code":404,"message":"x"}`, "Content-Type", "application/json"), "no documented error shape"},
		"text":          {ex(1, 404, "r", `nope`, "Content-Type", "text/plain"), "text/plain"},
		"not json":      {ex(1, 404, "r", `{`, "Content-Type", "application/json"), "not JSON"},
	}
	for name, c := range cases {
		got := report.ErrorShapeProblem(s, c.e)
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

func TestIsolationBreachFailsIsolation(t *testing.T) {
	s, _ := spec.Load()
	results := []report.SpecResult{{Text: "i", Labels: []string{"DETACH-ISOLATION"}, State: "passed"}}
	c := report.Build(s, report.Run{IsolationBreaches: []string{"the witness NIC (port p) changed between specs"}}, results, nil)
	v := verdicts(c)["DETACH-ISOLATION"]
	if v.Verdict != report.Fail || !strings.Contains(v.Reason, "witness NIC (port p)") {
		t.Errorf("%+v", v)
	}
}
