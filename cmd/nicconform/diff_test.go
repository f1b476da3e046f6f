package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/diff"
)

// reportDir writes a minimal report folder: one rule, one exchange.
func reportDir(t *testing.T, verdict, body string) string {
	t.Helper()
	dir := t.TempDir()
	conformance := `{"target":"t","profile":"huawei","rules":[{"id":"BODY-EMPTY-RESPONSE","verdict":"` + verdict + `","evidence":[]}]}`
	har := `{"log":{"version":"1.2","entries":[{"_operation":"detachInterface","request":{"method":"DELETE","url":"http://h/v2.1/p/servers/s/os-interface/x"},
		"response":{"status":202,"headers":[{"name":"X-Openstack-Request-Id","value":"req-1"}],"content":{"size":` +
		map[bool]string{true: "0", false: "21"}[body == ""] + `,"mimeType":"","text":` + jsonString(body) + `}}}]}}`
	for name, content := range map[string]string{"conformance.json": conformance, "exchanges.har": har} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestDiffCommand(t *testing.T) {
	same1, same2 := reportDir(t, "pass", ""), reportDir(t, "pass", "")
	other := reportDir(t, "fail", `{"status":"accepted"}`)
	ctx := context.Background()

	var out, errb bytes.Buffer
	if err := dispatch(ctx, []string{"diff", same1, same2}, &out, &errb); err != nil || !strings.Contains(out.String(), "no differences") {
		t.Errorf("identical: err=%v out=%s", err, out.String())
	}

	out.Reset()
	err := dispatch(ctx, []string{"diff", same1, other}, &out, &errb)
	if !errors.Is(err, diff.ErrDifferent) {
		t.Errorf("different: err=%v, want diff.ErrDifferent", err)
	}
	for _, want := range []string{"| BODY-EMPTY-RESPONSE | pass | **fail** |", "### detachInterface", "`status: string`"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	err = dispatch(ctx, []string{"diff", "-json", same1, other}, &out, &errb)
	var res diff.Result
	if !errors.Is(err, diff.ErrDifferent) || json.Unmarshal(out.Bytes(), &res) != nil || len(res.Rules) != 1 || len(res.Operations) != 1 {
		t.Errorf("-json: err=%v out=%s", err, out.String())
	}

	for name, args := range map[string][]string{
		"missing folder": {"diff", same1, filepath.Join(same1, "nope")},
		"one argument":   {"diff", same1},
		"invalid har":    {"diff", same1, brokenHAR(t)},
		"unknown flag":   {"diff", "-x", same1, same2},
	} {
		out.Reset()
		errb.Reset()
		err := dispatch(ctx, args, &out, &errb)
		if err == nil || errors.Is(err, diff.ErrDifferent) {
			t.Errorf("%s: err=%v, want an error other than ErrDifferent", name, err)
		}
	}
}

func brokenHAR(t *testing.T) string {
	dir := reportDir(t, "pass", "")
	if err := os.WriteFile(filepath.Join(dir, "exchanges.har"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
