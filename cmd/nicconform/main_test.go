package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRulesPrintsTheCatalog(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"rules"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PRIMARY-FORBIDDEN", "403", "skipped", "SPEC-CONFORMANT"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("rules output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"rules", "-json"}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "[") {
		t.Errorf("rules -json: %v %q", err, out.String()[:min(40, out.Len())])
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, &out, &errb); err == nil || !strings.Contains(errb.String(), "usage") {
		t.Errorf("err=%v stderr=%q", err, errb.String())
	}
	if err := run(context.Background(), nil, &out, &errb); err == nil {
		t.Error("no command accepted")
	}
}

func TestConfigMasksSecrets(t *testing.T) {
	t.Setenv("NICCONFORM_COMPUTE_URL", "https://ecs.example.com")
	t.Setenv("NICCONFORM_SERVER_ID", "s")
	t.Setenv("NICCONFORM_NETWORK_ID", "n")
	t.Setenv("NICCONFORM_PROJECT_ID", "0123456789abcdef0123456789abcdef")
	t.Setenv("NICCONFORM_AUTH_TOKEN", "canary-token-7c1e")
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"config"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String()+errb.String(), "canary-token-7c1e") || !strings.Contains(out.String(), "****") {
		t.Errorf("config output: %s", out.String())
	}
}
