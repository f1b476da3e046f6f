package client

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/paths"
)

func detach(t *testing.T, h http.HandlerFunc) *Exchange {
	t.Helper()
	tg := newTarget(t, h)
	ex, err := newClient(t, tg.URL).Detach(context.Background(), server, port)
	if err != nil {
		t.Fatalf("Detach: %v", err)
	}
	return ex
}

func TestCleanDetachHasNoViolations(t *testing.T) {
	ex := detach(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "" || r.ContentLength > 0 {
			t.Errorf("detach sent Content-Type %q, %d body bytes", r.Header.Get("Content-Type"), r.ContentLength)
		}
		reply(w, http.StatusAccepted, "", "")
	})
	if ex.Operation != "detachInterface" || ex.Status != 202 {
		t.Fatalf("operation %q status %d", ex.Operation, ex.Status)
	}
	if !ex.Valid() || len(ex.RequestViolations) > 0 {
		t.Fatalf("clean exchange has violations: %s", ex)
	}
	if ex.RequestBody != nil {
		t.Errorf("request body recorded: %q", ex.RequestBody)
	}
}

// Nova answers 202 with "Content-Type: text/html" and no body: that is fine.
func TestDetach202WithEmptyHTMLContentTypeIsClean(t *testing.T) {
	ex := detach(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusAccepted, "text/html; charset=UTF-8", "")
	})
	if !ex.Valid() {
		t.Fatalf("violations: %s", ex)
	}
}

func TestDetach202WithBodyIsAViolation(t *testing.T) {
	ex := detach(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusAccepted, "", "accepted")
	})
	if !hasKind(ex.Violations, KindBody) {
		t.Fatalf("no body violation: %s", ex)
	}
	if !strings.Contains(ex.String(), "202 documents no body but the response has 8 bytes") {
		t.Errorf("message: %s", ex)
	}
}

// An empty 202 with a JSON Content-Type has no body: upstream Nova answers
// so (docs/reference.md §7), and the reports carry it as an advisory.
func TestDetach202WithJSONContentTypeButNoBodyIsNoViolation(t *testing.T) {
	ex := detach(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusAccepted, "application/json", "")
	})
	if len(ex.Violations) > 0 {
		t.Fatalf("want no violation: %s", ex)
	}
	if !ex.Subject {
		t.Errorf("a detach is a subject exchange: %+v", ex)
	}
}

func TestUndocumentedStatusIsAViolation(t *testing.T) {
	for _, status := range []int{418, 500} {
		ex := detach(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, status, "application/json", `{"computeFault":{"code":500,"message":"boom"}}`)
		})
		if !hasKind(ex.Violations, KindStatus) {
			t.Errorf("%d: no status violation: %s", status, ex)
		}
	}
}

func TestDocumentedErrorIsClean(t *testing.T) {
	for _, body := range []string{
		`{"itemNotFound":{"code":404,"message":"Port not found"}}`,
		`{"error":{"code":"Ecs.0085","message":"The server does not have the interface."}}`,
	} {
		ex := detach(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusNotFound, "application/json; charset=UTF-8", body)
		})
		if !ex.Valid() {
			t.Errorf("violations for %s: %s", body, ex)
		}
	}
}

func TestErrorBodyOutOfShapeIsAViolation(t *testing.T) {
	ex := detach(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusNotFound, "application/json", `{"message":"not found"}`)
	})
	if !hasKind(ex.Violations, KindSchema) {
		t.Fatalf("no schema violation: %s", ex)
	}
}

func TestErrorBodyTextPlainIsAViolation(t *testing.T) {
	ex := detach(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusNotFound, "text/plain", "404 page not found")
	})
	if !hasKind(ex.Violations, KindContentType) {
		t.Fatalf("no content-type violation: %s", ex)
	}
}

func TestListBodyBreakingSchemaIsAViolation(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, "application/json", `{"interfaceAttachments":[`+nic(port, "5")+`]}`)
	})
	_, ex, err := newClient(t, tg.URL).ListInterfaces(context.Background(), server)
	if err == nil || !strings.Contains(err.Error(), "listInterfaces: decode response body") {
		t.Errorf("ListInterfaces: want a decode error naming the operation, got %v", err)
	}
	if !hasKind(ex.Violations, KindSchema) {
		t.Fatalf("no schema violation: %s", ex)
	}
	if !strings.Contains(ex.String(), "mac_addr") {
		t.Errorf("the violation does not name the field: %s", ex)
	}
}

func TestMalformedBodyIsAViolation(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, "application/json", `{"interfaceAttachments":[`)
	})
	_, ex, err := newClient(t, tg.URL).ListInterfaces(context.Background(), server)
	if err == nil || !strings.Contains(err.Error(), "listInterfaces") {
		t.Errorf("decode error should name the operation: %v", err)
	}
	if !hasKind(ex.Violations, KindBody) {
		t.Fatalf("no body violation: %s", ex)
	}
}

func TestMalformedPathParametersAreRequestViolations(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusBadRequest, "application/json", `{"badRequest":{"code":400,"message":"bad id"}}`)
	})
	c := newClient(t, tg.URL)
	for _, tc := range []struct{ name, server, port string }{
		{"not a uuid", "not-a-uuid", port},
		{"uuid-length garbage", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", port},
		{"too long", server + "0", port},
		{"encoded slash", server, "aaaaaaaa/bbbb-4ccc-8ddd-eeeeeeeeeeee"},
		{"non-ASCII", server, "ааааaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"},
	} {
		ex, err := c.Detach(context.Background(), tc.server, tc.port)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if ex.Operation != "detachInterface" {
			t.Errorf("%s: routed to %q", tc.name, ex.Operation)
			continue
		}
		if !hasKind(ex.RequestViolations, KindParameter) {
			t.Errorf("%s: no request violation: %s", tc.name, ex)
		}
		if !ex.Valid() {
			t.Errorf("%s: a documented 400 is a valid response: %s", tc.name, ex)
		}
	}
	// A foreign but well-formed project is no violation.
	ex, err := c.WithProject("fedcba9876543210fedcba9876543210").Detach(context.Background(), server, port)
	if err != nil || len(ex.RequestViolations) > 0 {
		t.Errorf("well-formed foreign project: %v %s", err, ex)
	}
}

func TestInvalidEscapeIsARequestViolation(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusBadRequest, "application/json", `{"badRequest":{"code":400,"message":"x"}}`)
	})
	ex, err := newClient(t, tg.URL).Do(context.Background(), Request{
		Method:  http.MethodDelete,
		RawPath: "/v2.1/" + project + "/servers/" + server + "/os-interface/%zz",
	})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Operation != "detachInterface" || !hasKind(ex.RequestViolations, KindParameter) {
		t.Fatalf("want a parameter violation on detachInterface: %s", ex)
	}
}

func TestOffContractProbeIsNotValidated(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusTeapot, "text/plain", "no") })
	c := newClient(t, tg.URL)
	for _, r := range []Request{
		{Method: http.MethodPatch, Segments: paths.Interface.Segments(c.project, server, port)},
		{Method: http.MethodGet, Segments: []string{"nowhere"}},
	} {
		ex, err := c.Do(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Operation != "" || !ex.Valid() || len(ex.RequestViolations) > 0 {
			t.Errorf("off-contract probe validated: %s (operation %q)", ex, ex.Operation)
		}
	}
}

func TestBodyOnDetachIsARequestViolation(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusAccepted, "", "") })
	c := newClient(t, tg.URL)
	ex, err := c.Do(context.Background(), Request{
		Method: http.MethodDelete, Segments: paths.Interface.Segments(c.project, server, port),
		JSON: map[string]string{"x": "y"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !hasKind(ex.RequestViolations, KindBody) || !ex.Valid() {
		t.Fatalf("want a request body violation only: %s", ex)
	}
}

func TestLargeBodyIsCutAndAViolation(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, "application/json", `{"interfaceAttachments":[],"pad":"`+strings.Repeat("x", MaxBody)+`"}`)
	})
	_, ex, _ := newClient(t, tg.URL).ListInterfaces(context.Background(), server)
	if ex.BodySize() != MaxBody || !hasKind(ex.Violations, KindBody) {
		t.Fatalf("body %d bytes, violations %v", ex.BodySize(), ex.Violations)
	}
}

func TestMissingRequestIDHeaderIsNotASchemaBreak(t *testing.T) {
	ex := detach(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	if !ex.Valid() || ex.RequestID != "" {
		t.Fatalf("%s", ex)
	}
	if !strings.Contains(ex.String(), "no request id") {
		t.Errorf("String: %s", ex)
	}
}

func BenchmarkValidateDetach(b *testing.B) {
	c := newClient(b, "http://127.0.0.1:1")
	s := &sent{method: http.MethodDelete, rel: "/v2.1/" + project + "/servers/" + server + "/os-interface/" + port,
		header: http.Header{"X-Auth-Token": {"t"}}}
	r := &received{status: 202, header: http.Header{"X-Openstack-Request-Id": {"req-1"}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if out := c.validator.check(ctx, s, r); len(out.response)+len(out.request) > 0 {
			b.Fatal(out)
		}
	}
}

func BenchmarkValidateList(b *testing.B) {
	for _, n := range []int{2, 200} {
		b.Run(map[int]string{2: "small", 200: "large"}[n], func(b *testing.B) {
			c := newClient(b, "http://127.0.0.1:1")
			s := &sent{method: http.MethodGet, rel: "/v2.1/" + project + "/servers/" + server + "/os-interface", header: http.Header{}}
			r := &received{status: 200, body: []byte(listBody(n)),
				header: http.Header{"Content-Type": {"application/json"}, "X-Openstack-Request-Id": {"req-1"}}}
			ctx := context.Background()
			b.SetBytes(int64(len(r.body)))
			b.ReportAllocs()
			for b.Loop() {
				if out := c.validator.check(ctx, s, r); len(out.response)+len(out.request) > 0 {
					b.Fatal(out)
				}
			}
		})
	}
}
