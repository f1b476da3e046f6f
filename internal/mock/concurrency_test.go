package mock

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestConcurrentDoubleDelete: two concurrent DELETEs of one NIC are both
// accepted and detach it once.
func TestConcurrentDoubleDelete(t *testing.T) {
	for _, delay := range []time.Duration{0, 3 * time.Millisecond} {
		t.Run(fmt.Sprint("delay=", delay), func(t *testing.T) {
			h := newHarness(t, Options{Delay: delay, ImmediateDetach: delay == 0, Profile: ProfileNova})
			const rounds = 50
			for range rounds {
				nic := h.attachNet(h.srv.ServerID)
				path := h.nicPath(h.srv.ServerID, nic.PortID)
				var wg sync.WaitGroup
				codes := make([]int, 2)
				for i := range codes {
					wg.Go(func() { codes[i] = h.do("DELETE", path, "").Code })
				}
				wg.Wait()
				for _, c := range codes {
					if c != http.StatusAccepted {
						t.Fatalf("concurrent DELETE answered %d", c)
					}
				}
			}
			h.settle()
			h.m.mu.Lock()
			detaches := h.m.w.detaches
			h.m.mu.Unlock()
			if detaches != rounds {
				t.Errorf("%d detaches for %d NICs", detaches, rounds)
			}
		})
	}
}

// TestStorm hammers one mock from many goroutines over real HTTP: attaches
// by port and by net, detaches, double detaches, port deletions, lists;
// then waits for completion and checks the invariants.
func TestStorm(t *testing.T) {
	for _, profile := range []Profile{ProfileHuawei, ProfileNova} {
		t.Run(string(profile), func(t *testing.T) {
			m, err := New(Options{Profile: profile, Servers: 4, Delay: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			srv := httptest.NewServer(m)
			defer srv.Close()
			seed := m.Seed()
			client := srv.Client()
			do := func(method, path, body string) (int, []byte) {
				var req *http.Request
				if body == "" {
					req, _ = http.NewRequest(method, srv.URL+path, nil)
				} else {
					req, _ = http.NewRequest(method, srv.URL+path, stringsReader(body))
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("X-Auth-Token", DefaultToken)
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("%s %s: %v", method, path, err)
					return 0, nil
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Errorf("%s %s: read: %v", method, path, err)
				}
				return resp.StatusCode, b
			}
			base := "/v2.1/" + seed.ProjectID + "/servers/"
			const workers, ops = 16, 60
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(w), 7))
					var mine []string // ports this worker attached
					for range ops {
						s := seed.Servers[rng.IntN(len(seed.Servers))]
						var code int
						var body []byte
						switch op := rng.IntN(7); {
						case op == 0: // attach by net
							code, body = do("POST", base+s.ServerID+"/os-interface", `{"interfaceAttachment":{"net_id":"`+seed.NetworkID+`"}}`)
						case op == 1: // create a port and attach it by id
							c, b := do("POST", "/v2.0/ports", `{"port":{"network_id":"`+seed.NetworkID+`","name":"storm"}}`)
							if c != http.StatusCreated {
								t.Errorf("create port: %d %s", c, b)
								continue
							}
							var p struct{ Port Port }
							_ = json.Unmarshal(b, &p)
							code, body = do("POST", base+s.ServerID+"/os-interface", `{"interfaceAttachment":{"port_id":"`+p.Port.ID+`"}}`)
						case op == 2 && len(mine) > 0: // double DELETE
							p := mine[rng.IntN(len(mine))]
							var inner sync.WaitGroup
							for range 2 {
								inner.Go(func() {
									if c, b := do("DELETE", base+s.ServerID+"/os-interface/"+p, ""); c >= 500 {
										t.Errorf("DELETE: %d %s", c, b)
									}
								})
							}
							inner.Wait()
							continue
						case op == 3 && len(mine) > 0: // delete a port
							code, body = do("DELETE", "/v2.0/ports/"+mine[rng.IntN(len(mine))], "")
						case op == 4: // primary (403 huawei, detached nova)
							code, body = do("DELETE", base+s.ServerID+"/os-interface/"+s.PrimaryPortID, "")
						case op == 5:
							code, body = do("GET", base+s.ServerID+"/os-interface", "")
						default: // DELETE of a random NIC of a random server
							if len(mine) == 0 {
								continue
							}
							code, body = do("DELETE", base+s.ServerID+"/os-interface/"+mine[rng.IntN(len(mine))], "")
						}
						if code >= 500 || code == 0 {
							t.Errorf("answered %d: %s", code, body)
						}
						var att struct{ InterfaceAttachment *Interface }
						if code == http.StatusOK && json.Unmarshal(body, &att) == nil && att.InterfaceAttachment != nil {
							mine = append(mine, att.InterfaceAttachment.PortID)
						}
					}
				})
			}
			wg.Wait()
			waitFor(t, "pending detaches", func() bool { return m.Pending() == 0 })
			if err := m.CheckInvariants(); err != nil {
				t.Fatal(err)
			}
			if m.Panics() != 0 {
				t.Fatal("handler panicked")
			}
		})
	}
}
