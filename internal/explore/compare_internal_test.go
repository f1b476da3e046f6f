package explore

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/spec"
)

// TestComparisonSaysWhatEachSideAnswered: a PUT on a NIC that the target
// answers with upstream Nova's routing 404 (webob's body, in no documented
// error shape) where the model answers 405 is an ERROR-SHAPE divergence
// (METHOD-NOT-ALLOWED allows both statuses) that names both statuses; it
// once said "both answered 404". With the same status on both sides it
// says "both answered".
func TestComparisonSaysWhatEachSideAnswered(t *testing.T) {
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	x := &explorer{spec: s, rules: newRules(s, spec.ProfileHuawei)}
	answer := func(status int, body string) *client.Exchange {
		return &client.Exchange{Status: status, ResponseHeader: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(body)}
	}
	webob := answer(http.StatusNotFound, `{"message": "The resource could not be found.<br /><br />\n\n\n", "code": "404 Not Found", "title": "Not Found"}`)
	for _, c := range []struct {
		model *client.Exchange
		want  string
	}{
		{answer(http.StatusMethodNotAllowed, `{"badMethod":{"code":405,"message":"The method PUT is not allowed for this resource."}}`), "the target answered 404, the model 405; "},
		{answer(http.StatusNotFound, `{"itemNotFound":{"code":404,"message":"The resource could not be found."}}`), "both answered 404; "},
	} {
		rec := &StepRecord{N: 1, Step: Step{Op: OpDetachMethod, Method: http.MethodPut}, Rule: "METHOD-NOT-ALLOWED"}
		d := x.compareStep(rec, webob, c.model, facts{}, map[string]int{})
		if d == nil || d.Rule != "ERROR-SHAPE" || !strings.HasPrefix(d.What, c.want) {
			t.Errorf("model %d: %+v, want an ERROR-SHAPE divergence saying %q", c.model.Status, d, c.want)
		}
	}
}
