package diff_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/diff"
	"github.com/nicconform/nicconform/internal/report"
)

const base = "http://127.0.0.1:1/v2.1/0123456789abcdef0123456789abcdef/servers/6f1b1b62-8f3c-4bd4-9b1e-6d1c5e0d8a11/os-interface"

// ex is a hand-made exchange: operation, method, status, headers as
// "Name: value" lines, body.
func ex(op, method string, status int, body string, headers ...string) *client.Exchange {
	h := http.Header{}
	for _, line := range headers {
		k, v, _ := strings.Cut(line, ":")
		h.Add(k, strings.TrimSpace(v))
	}
	h.Set("Date", "Thu, 01 Jan 2026 00:00:00 GMT")
	return &client.Exchange{Operation: op, Method: method, URL: base + "/9a1c5e7e-1f0b-4a9c-8b4b-2a8e3b2f4c11",
		Status: status, ResponseHeader: h, ResponseBody: []byte(body), RequestID: h.Get("X-Openstack-Request-Id")}
}

// writeRun writes a report folder with the report package itself, so the
// tests hold diff to the format the suite writes.
func writeRun(t *testing.T, verdicts map[string]string, exchanges ...*client.Exchange) string {
	t.Helper()
	dir := t.TempDir()
	c := report.Conformance{Target: "t", Profile: "huawei"}
	for _, id := range []string{"DETACH-ACCEPTED", "BODY-EMPTY-RESPONSE", "REQUEST-ID"} {
		v := report.Pass
		if verdicts[id] != "" {
			v = verdicts[id]
		}
		c.Rules = append(c.Rules, report.Verdict{ID: id, Verdict: v, Reason: "because " + id})
	}
	if err := report.Write(dir, c, exchanges); err != nil {
		t.Fatal(err)
	}
	return dir
}

func load(t *testing.T, dir string) diff.Run {
	t.Helper()
	r, err := diff.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func compare(t *testing.T, a, b string) diff.Result {
	t.Helper()
	res := diff.Compare(load(t, a), load(t, b))
	if _, err := json.Marshal(res); err != nil {
		t.Fatal(err)
	}
	return res
}

var faithful = []*client.Exchange{
	ex("detachInterface", "DELETE", 202, "", "X-Openstack-Request-Id: req-1"),
	ex("detachInterface", "DELETE", 404, `{"itemNotFound":{"code":404,"message":"no"}}`, "Content-Type: application/json", "X-Openstack-Request-Id: req-2"),
	ex("listInterfaces", "GET", 200, `{"interfaceAttachments":[{"mac_addr":"fa:16:3e:00:00:01","fixed_ips":[{"ip_address":"192.168.0.2"}]}]}`,
		"Content-Type: application/json; charset=UTF-8", "X-Openstack-Request-Id: req-3"),
	ex("", "PUT", 405, `{"badMethod":{"code":405,"message":"no"}}`, "Content-Type: application/json", "Allow: DELETE, GET", "X-Openstack-Request-Id: req-4"),
}

func TestIdenticalRunsAreEmpty(t *testing.T) {
	// Values (ids, MACs, request ids, dates) never count.
	other := []*client.Exchange{
		ex("detachInterface", "DELETE", 202, "", "X-Openstack-Request-Id: req-9"),
		ex("detachInterface", "DELETE", 404, `{"itemNotFound":{"message":"other","code":7}}`, "content-type: application/json", "x-openstack-request-id: req-8"),
		ex("listInterfaces", "GET", 200, `{"interfaceAttachments":[]}`, "Content-Type: application/json", "X-Openstack-Request-Id: req-7"),
		ex("listInterfaces", "GET", 200, `{"interfaceAttachments":[{"mac_addr":"x","fixed_ips":[{"ip_address":"y"}]}]}`, "Content-Type: application/json", "X-Openstack-Request-Id: req-6"),
		ex("", "PUT", 405, `{"badMethod":{"code":1,"message":""}}`, "Content-Type: application/json", "Allow: GET", "X-Openstack-Request-Id: req-5"),
	}
	res := compare(t, writeRun(t, nil, faithful...), writeRun(t, nil, other...))
	if !res.Empty() {
		t.Fatalf("identical runs differ:\n%s", res.Markdown())
	}
	if md := res.Markdown(); !strings.Contains(md, "no differences") {
		t.Errorf("markdown: %s", md)
	}
}

func TestStatusOnlyInOne(t *testing.T) {
	b := append(append([]*client.Exchange{}, faithful[0], faithful[2], faithful[3]),
		ex("detachInterface", "DELETE", 500, `{"computeFault":{"code":500,"message":"x"}}`, "Content-Type: application/json", "X-Openstack-Request-Id: r"))
	res := compare(t, writeRun(t, nil, faithful...), writeRun(t, nil, b...))
	if len(res.Operations) != 1 {
		t.Fatalf("want one operation, got:\n%s", res.Markdown())
	}
	op := res.Operations[0]
	if op.Operation != "detachInterface" || !reflect.DeepEqual(op.StatusesOnlyInA, []int{404}) ||
		!reflect.DeepEqual(op.StatusesOnlyInB, []int{500}) || len(op.Statuses) != 0 {
		t.Errorf("got %+v", op)
	}
	if len(res.Rules) != 0 {
		t.Errorf("rules: %+v", res.Rules)
	}
}

func TestHeaderNameDiff(t *testing.T) {
	b := []*client.Exchange{
		ex("detachInterface", "DELETE", 202, "", "X-Compute-Request-Id: req-1", "Content-Length: 0"),
		faithful[1], faithful[2],
		ex("", "PUT", 405, `{"badMethod":{"code":405,"message":"no"}}`, "Content-Type: application/json", "X-Openstack-Request-Id: req-4"),
	}
	res := compare(t, writeRun(t, nil, faithful...), writeRun(t, nil, b...))
	if len(res.Operations) != 2 {
		t.Fatalf("want two operations, got:\n%s", res.Markdown())
	}
	d := res.Operations[0].Statuses[0]
	if res.Operations[0].Operation != "detachInterface" || d.Status != 202 ||
		!reflect.DeepEqual(d.HeadersOnlyInA, []string{"X-Openstack-Request-Id"}) ||
		!reflect.DeepEqual(d.HeadersOnlyInB, []string{"X-Compute-Request-Id"}) {
		t.Errorf("detach: %+v", d)
	}
	// Off-contract exchanges are grouped by method and path template.
	off := res.Operations[1]
	if off.Operation != "(off-contract) PUT /v2.1/{id}/servers/{id}/os-interface/{id}" ||
		!reflect.DeepEqual(off.Statuses[0].HeadersOnlyInA, []string{"Allow"}) || len(off.Statuses[0].HeadersOnlyInB) != 0 {
		t.Errorf("off-contract: %+v", off)
	}
}

func TestKeyPathAndTypeDiff(t *testing.T) {
	b := []*client.Exchange{
		faithful[0],
		ex("detachInterface", "DELETE", 404, `{"itemNotFound":{"code":"404","message":"no","details":null}}`, "Content-Type: application/json", "X-Openstack-Request-Id: req-2"),
		ex("listInterfaces", "GET", 200, `{"interfaceAttachments":[{"mac_address":"fa:16:3e:00:00:01","fixed_ips":[{"ip_address":"192.168.0.2"}]}]}`,
			"Content-Type: application/json", "X-Openstack-Request-Id: req-3"),
		faithful[3],
	}
	res := compare(t, writeRun(t, nil, faithful...), writeRun(t, nil, b...))
	if len(res.Operations) != 2 {
		t.Fatalf("want two operations, got:\n%s", res.Markdown())
	}
	nf := res.Operations[0].Statuses[0]
	if nf.Status != 404 || !reflect.DeepEqual(nf.KeysOnlyInB, []string{"itemNotFound.details: null"}) || len(nf.KeysOnlyInA) != 0 ||
		!reflect.DeepEqual(nf.TypeMismatches, []diff.TypeMismatch{{Path: "itemNotFound.code", A: "number", B: "string"}}) {
		t.Errorf("404: %+v", nf)
	}
	list := res.Operations[1].Statuses[0]
	if !reflect.DeepEqual(list.KeysOnlyInA, []string{"interfaceAttachments[].mac_addr: string"}) ||
		!reflect.DeepEqual(list.KeysOnlyInB, []string{"interfaceAttachments[].mac_address: string"}) ||
		len(list.MediaTypesOnlyInA)+len(list.MediaTypesOnlyInB)+len(list.TypeMismatches) != 0 {
		t.Errorf("list (charset must not count): %+v", list)
	}
	md := res.Markdown()
	for _, want := range []string{"`itemNotFound.code`: number in A, string in B", "`interfaceAttachments[].mac_address: string`"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestBodyKindAndContentTypeDiff(t *testing.T) {
	b := []*client.Exchange{
		ex("detachInterface", "DELETE", 202, `{"status":"accepted"}`, "Content-Type: application/json", "X-Openstack-Request-Id: req-1"),
		ex("detachInterface", "DELETE", 404, "not found", "Content-Type: text/plain", "X-Openstack-Request-Id: req-2"),
		faithful[2], faithful[3],
	}
	res := compare(t, writeRun(t, nil, faithful...), writeRun(t, nil, b...))
	if len(res.Operations) != 1 || len(res.Operations[0].Statuses) != 2 {
		t.Fatalf("got:\n%s", res.Markdown())
	}
	acc, nf := res.Operations[0].Statuses[0], res.Operations[0].Statuses[1]
	if !reflect.DeepEqual(acc.BodiesOnlyInA, []string{"empty"}) || !reflect.DeepEqual(acc.BodiesOnlyInB, []string{"json"}) ||
		!reflect.DeepEqual(acc.MediaTypesOnlyInA, []string{""}) || !reflect.DeepEqual(acc.MediaTypesOnlyInB, []string{"application/json"}) ||
		!reflect.DeepEqual(acc.KeysOnlyInB, []string{"status: string"}) {
		t.Errorf("202: %+v", acc)
	}
	// A non-JSON body: its media type and kind count, and the JSON keys
	// the other side had.
	if !reflect.DeepEqual(nf.BodiesOnlyInB, []string{"non-json"}) || !reflect.DeepEqual(nf.MediaTypesOnlyInB, []string{"text/plain"}) ||
		len(nf.KeysOnlyInA) != 3 {
		t.Errorf("404: %+v", nf)
	}
}

func TestVerdictDiff(t *testing.T) {
	res := compare(t, writeRun(t, nil, faithful...), writeRun(t, map[string]string{"BODY-EMPTY-RESPONSE": report.Fail, "DETACH-ACCEPTED": report.Skip}, faithful...))
	want := []diff.RuleDiff{
		{ID: "DETACH-ACCEPTED", A: diff.RuleVerdict{Verdict: "pass", Reason: "because DETACH-ACCEPTED"}, B: diff.RuleVerdict{Verdict: "skip", Reason: "because DETACH-ACCEPTED"}},
		{ID: "BODY-EMPTY-RESPONSE", A: diff.RuleVerdict{Verdict: "pass", Reason: "because BODY-EMPTY-RESPONSE"}, B: diff.RuleVerdict{Verdict: "fail", Reason: "because BODY-EMPTY-RESPONSE"}},
	}
	if !reflect.DeepEqual(res.Rules, want) || len(res.Operations) != 0 || res.Empty() {
		t.Errorf("got %+v", res)
	}
	if md := res.Markdown(); !strings.Contains(md, "| BODY-EMPTY-RESPONSE | pass: because BODY-EMPTY-RESPONSE | **fail**: because BODY-EMPTY-RESPONSE |") {
		t.Errorf("markdown:\n%s", md)
	}
}

func TestOutputIsDeterministic(t *testing.T) {
	a := writeRun(t, map[string]string{"REQUEST-ID": report.Fail}, faithful...)
	b := writeRun(t, nil, ex("listInterfaces", "GET", 200, `{"a":1,"b":[{"c":true,"d":null}],"e":{"f":[1]}}`), ex("showPort", "GET", 200, `[]`),
		ex("", "DELETE", 400, "x", "Content-Type: text/plain"))
	first := compare(t, a, b)
	firstJSON, _ := json.Marshal(first)
	for range 20 {
		again := compare(t, a, b)
		againJSON, _ := json.Marshal(again)
		if again.Markdown() != first.Markdown() || string(againJSON) != string(firstJSON) {
			t.Fatal("two comparisons of the same runs render differently")
		}
	}
	// Named operations first, off-contract ones last.
	var names []string
	for _, op := range first.Operations {
		names = append(names, op.Operation)
	}
	want := []string{"detachInterface", "listInterfaces", "showPort", "(off-contract) DELETE /v2.1/{id}/servers/{id}/os-interface/{id}", "(off-contract) PUT /v2.1/{id}/servers/{id}/os-interface/{id}"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("order %q, want %q", names, want)
	}
}

func TestPathTemplate(t *testing.T) {
	for in, want := range map[string]string{
		base + "/9a1c5e7e-1f0b-4a9c-8b4b-2a8e3b2f4c11": "/v2.1/{id}/servers/{id}/os-interface/{id}",
		base + "/not-a-uuid?reserve_port=true":         "/v2.1/{id}/servers/{id}/os-interface/{id}",
		base + "/a%2Fb":                                "/v2.1/{id}/servers/{id}/os-interface/{id}",
		base:                                           "/v2.1/{id}/servers/{id}/os-interface",
		base + "/":                                     "/v2.1/{id}/servers/{id}/os-interface/",
		"http://h/v2.1/p/servers/s/action":             "/v2.1/p/servers/{id}/action",
		"http://h/v2.0/ports/x":                        "/v2.0/ports/{id}",
		"http://h/v2.0/ports":                          "/v2.0/ports",
		"http://h/v2.1/0123456789ABCDEF0123456789abcdef/x": "/v2.1/{id}/x",
		"http://h": "/",
	} {
		if got, err := diff.PathTemplate(in); err != nil || got != want {
			t.Errorf("PathTemplate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	good := writeRun(t, nil, faithful...)
	copyRun := func(t *testing.T, conformance, har string) string {
		dir := t.TempDir()
		for name, content := range map[string]string{diff.ConformanceFile: conformance, diff.HARFile: har} {
			if content == "-" {
				b, err := os.ReadFile(filepath.Join(good, name))
				if err != nil {
					t.Fatal(err)
				}
				content = string(b)
			}
			if content != "<absent>" {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		return dir
	}
	cases := map[string]struct {
		conformance, har string
		want             string
	}{
		"no conformance.json":       {"<absent>", "-", "conformance.json"},
		"no exchanges.har":          {"-", "<absent>", "exchanges.har"},
		"invalid conformance.json":  {"{", "-", "conformance.json: invalid JSON"},
		"conformance without rules": {`{"target":"x"}`, "-", "conformance.json: not a conformance report"},
		"invalid HAR":               {"-", "[1,", "exchanges.har: invalid JSON"},
		"not a HAR":                 {"-", `{"entries":[]}`, "exchanges.har: not a HAR document"},
		"bad base64":                {"-", `{"log":{"entries":[{"response":{"status":200,"content":{"text":"!!","encoding":"base64"}}}]}}`, "exchanges.har: entry #1"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := diff.Load(copyRun(t, c.conformance, c.har))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one naming %q", err, c.want)
			}
		})
	}
	if _, err := diff.Load(filepath.Join(good, "missing")); err == nil || !strings.Contains(err.Error(), "no such report folder") {
		t.Errorf("missing folder: %v", err)
	}
	if _, err := diff.Load(filepath.Join(good, diff.HARFile)); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("file as folder: %v", err)
	}
}
