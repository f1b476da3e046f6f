package report_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/spec"
)

// A run signed with AK/SK reproduces with the signature and its date as
// variables and says what to sign; a wrong token stays wrong; a redacted
// value is never written as a value; the ids and the target are variables.
func TestReproductionCredentialsAreVariables(t *testing.T) {
	s, _ := spec.Load()
	signed := subject(ex(1, 202, "req-1", ""))
	signed.URL = "https://ecs.example/v2.1/0123456789abcdef0123456789abcdef/servers/6f1b1b62-8f3c-4bd4-9b1e-6d1c5e0d8a11/os-interface/9a1c5e7e-1f0b-4a9c-8b4b-2a8e3b2f4c11"
	signed.RequestHeader = http.Header{"Authorization": {client.Redacted}, "X-Sdk-Date": {"20261207T100000Z"}, "X-Security-Token": {client.Redacted}}
	wrong := subject(ex(2, 202, "req-2", ""))
	wrong.Owner, wrong.RequestHeader = "probe:AUTH-INVALID", http.Header{"X-Auth-Token": {client.Redacted}}
	results := []report.Result{
		{Text: "p", Labels: []string{"PRIMARY-FORBIDDEN"}, Outcome: report.Failed, Message: "want 403, got 202 (request id req-1)", Exchanges: []*client.Exchange{signed}},
		{Text: "a", Labels: []string{"AUTH-INVALID"}, Outcome: report.Failed, Message: "want 401, got 202 (request id req-2)", Exchanges: []*client.Exchange{wrong}},
	}
	c := report.Build(s, report.Run{Profile: "huawei"}, results, []*client.Exchange{signed, wrong})
	p := verdicts(c)["PRIMARY-FORBIDDEN"].Reproduction
	if p == nil || len(p.Steps) != 1 || p.Signing == "" {
		t.Fatalf("PRIMARY-FORBIDDEN: %+v", p)
	}
	script := p.Script()
	for _, want := range []string{`"Authorization: ${SDK_AUTHORIZATION}"`, `"X-Sdk-Date: ${SDK_DATE}"`, `"X-Security-Token: ${X_SECURITY_TOKEN}"`,
		`"${TARGET}/v2.1/${PROJECT}/servers/${SERVER}/os-interface/${PORT}"`, `TARGET="https://ecs.example"`, "nicconform run -label-filter=PRIMARY-FORBIDDEN"} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %s:\n%s", want, script)
		}
	}
	sign := p.Steps[0].Sign
	if !strings.HasPrefix(sign, `eval "$(nicconform sign -X DELETE `) || strings.Contains(sign, "Authorization") || strings.Contains(sign, "X-Sdk-Date") ||
		!strings.Contains(script, sign+"\ncurl ") {
		t.Errorf("sign line %q in:\n%s", sign, script)
	}
	t.Log(script)
	if strings.Contains(script, client.Redacted) {
		t.Errorf("script writes a redacted value:\n%s", script)
	}
	a := verdicts(c)["AUTH-INVALID"].Reproduction
	if a == nil || !strings.Contains(a.Steps[0].Curl, `"X-Auth-Token: not-${OS_TOKEN}"`) {
		t.Errorf("AUTH-INVALID: %+v", a)
	}
	if verdicts(c)["DETACH-ACCEPTED"].Reproduction != nil {
		t.Error("a rule with no evidence has a reproduction")
	}
}
