package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRulesPrintsTheCatalog(t *testing.T) {
	var out, errb bytes.Buffer
	if err := dispatch(context.Background(), []string{"rules"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PRIMARY-FORBIDDEN", "403", "skipped", "SPEC-CONFORMANT"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("rules output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := dispatch(context.Background(), []string{"rules", "-json"}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "[") {
		t.Errorf("rules -json: %v %q", err, out.String()[:min(40, out.Len())])
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if err := dispatch(context.Background(), []string{"frobnicate"}, &out, &errb); err == nil || !strings.Contains(errb.String(), "usage") {
		t.Errorf("err=%v stderr=%q", err, errb.String())
	}
	if err := dispatch(context.Background(), nil, &out, &errb); err == nil {
		t.Error("no command accepted")
	}
}

// `nicconform config` masks the token (in its own process: the
// configuration is read once per process, target.Environment).
func TestConfigMasksSecrets(t *testing.T) {
	stdout, stderr, _, code := runMain(t, []string{"NICCONFORM_COMPUTE_URL=https://ecs.example.com", "NICCONFORM_SERVER_ID=s",
		"NICCONFORM_NETWORK_ID=n", "NICCONFORM_PROJECT_ID=0123456789abcdef0123456789abcdef", "NICCONFORM_AUTH_TOKEN=canary-token-7c1e"}, "config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout+stderr, "canary-token-7c1e") || !strings.Contains(stdout, "****") {
		t.Errorf("config output: %s", stdout)
	}
}
