package mock

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// TestChurnLeavesNoTrace: after thousands of create–attach–detach–delete
// cycles, the world is back to its seed (every map back to its size) and the
// heap to its baseline: a mock serving other teams' CI for weeks must not
// grow with every request.
func TestChurnLeavesNoTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("thousands of cycles")
	}
	m, err := New(Options{ImmediateDetach: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	seed := m.Seed()
	base := "/v2.1/" + seed.ProjectID + "/servers/" + seed.Servers[0].ServerID + "/os-interface"
	do := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("X-Auth-Token", DefaultToken)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		return rec
	}
	cycle := func() {
		rec := do("POST", "/v2.0/ports", `{"port":{"network_id":"`+seed.NetworkID+`","name":"churn"}}`)
		var p struct{ Port Port }
		if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &p) != nil {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		if rec := do("POST", base, `{"interfaceAttachment":{"port_id":"`+p.Port.ID+`"}}`); rec.Code != http.StatusOK {
			t.Fatalf("attach: %d %s", rec.Code, rec.Body)
		}
		if rec := do("DELETE", base+"/"+p.Port.ID, ""); rec.Code != http.StatusAccepted {
			t.Fatalf("detach: %d %s", rec.Code, rec.Body)
		}
		if rec := do("DELETE", "/v2.0/ports/"+p.Port.ID, ""); rec.Code != http.StatusNoContent {
			t.Fatalf("delete: %d %s", rec.Code, rec.Body)
		}
		rec = do("POST", base, `{"interfaceAttachment":{"net_id":"`+seed.NetworkID+`"}}`)
		var a struct{ InterfaceAttachment Interface }
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &a) != nil {
			t.Fatalf("attach by net: %d %s", rec.Code, rec.Body)
		}
		if rec := do("DELETE", base+"/"+a.InterfaceAttachment.PortID, ""); rec.Code != http.StatusAccepted {
			t.Fatalf("detach: %d %s", rec.Code, rec.Body)
		}
	}
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for range 500 { // warm up: maps grow to their working size once
		cycle()
	}
	before := heap()
	const cycles = 20000
	for range cycles {
		cycle()
	}
	after := heap()

	m.mu.Lock()
	w := m.w
	sizes := map[string]int{"ports": len(w.ports), "attached": len(w.attached), "macs": len(w.macs), "ips": len(w.ips)}
	for _, s := range w.servers {
		sizes["nics"] += len(s.nics)
	}
	sizes["detached"], sizes["lingering"] = len(m.memo.detaches), len(m.memo.shown)
	m.mu.Unlock()
	want := map[string]int{"ports": 1, "attached": 1, "macs": 1, "ips": 1, "nics": 1, "detached": 0, "lingering": 0}
	for k, v := range want {
		if sizes[k] != v {
			t.Errorf("after %d cycles the world holds %d %s, want %d (the seed)", cycles, sizes[k], k, v)
		}
	}
	// 20000 cycles leaking even 50 bytes each would add 1 MB.
	if after > before+1<<20 {
		t.Errorf("the heap grew from %d to %d bytes over %d cycles", before, after, cycles)
	}
	t.Logf("heap %d → %d bytes over %d cycles", before, after, cycles)
	if err := m.CheckInvariants(); err != nil {
		t.Error(err)
	}
}
