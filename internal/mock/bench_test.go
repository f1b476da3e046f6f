package mock

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nicconform/nicconform/internal/ids"
)

// BenchmarkDetach measures the detach handler on the no-op path (nova
// profile, a port that is not attached: 202 with no effect), so every
// iteration does the same work: auth, routing, checks, locking.
func BenchmarkDetach(b *testing.B) {
	m, err := New(Options{Profile: ProfileNova, ImmediateDetach: true})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	seed := m.Seed()
	path := "/v2.1/" + seed.ProjectID + "/servers/" + seed.Servers[0].ServerID + "/os-interface/" + ids.NewUUID()
	r := httptest.NewRequest(http.MethodDelete, path, http.NoBody)
	r.Header.Set("X-Auth-Token", DefaultToken)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, r)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkDetachAttached measures a real detach (attach by net, then
// detach with immediate completion) per iteration pair.
func BenchmarkDetachAttached(b *testing.B) {
	h := newHarness(b, Options{ImmediateDetach: true})
	b.ReportAllocs()
	for b.Loop() {
		nic := h.attachNet(h.srv.ServerID)
		if rec := h.do(http.MethodDelete, h.nicPath(h.srv.ServerID, nic.PortID), ""); rec.Code != http.StatusAccepted {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkList measures listing a server's NICs (primary plus three).
func BenchmarkList(b *testing.B) {
	h := newHarness(b, Options{ImmediateDetach: true})
	for range 3 {
		h.attachNet(h.srv.ServerID)
	}
	r := h.req(http.MethodGet, h.nics(h.srv.ServerID), "")
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.m.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
