package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func portJSON(id, name string) string {
	return fmt.Sprintf(`{"id":%q,"name":%q,"network_id":%q,"mac_address":"fa:16:3e:00:00:01","fixed_ips":[{"subnet_id":%q,"ip_address":"10.0.0.5"}],"device_id":"","device_owner":"","status":"DOWN","tenant_id":%q}`,
		id, name, network, subnet, project)
}

// TestTypedCalls checks each call's wire request and decoded result against
// a tiny fake that answers with the documented shapes.
func TestTypedCalls(t *testing.T) {
	type seen struct{ method, path, body, contentType string }
	var got seen
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = seen{r.Method, r.URL.EscapedPath(), string(b), r.Header.Get("Content-Type")}
		compute := "/v2.1/" + project + "/servers/" + server
		switch r.Method + " " + r.URL.EscapedPath() {
		case "GET " + compute:
			reply(w, 200, "application/json", `{"server":{"id":"`+server+`","name":"vm","status":"ACTIVE","tenant_id":"`+project+`","locked":false}}`)
		case "POST " + compute + "/action":
			reply(w, 202, "", "")
		case "GET " + compute + "/os-interface":
			reply(w, 200, "application/json", listBody(2))
		case "GET " + compute + "/os-interface/" + port, "POST " + compute + "/os-interface":
			reply(w, 200, "application/json", `{"interfaceAttachment":`+nic(port, `"fa:16:3e:00:00:01"`)+`}`)
		case "POST /v2.0/ports":
			reply(w, 201, "application/json", `{"port":`+portJSON(port, "nicconform-x")+`}`)
		case "GET /v2.0/ports/" + port, "PUT /v2.0/ports/" + port:
			reply(w, 200, "application/json", `{"port":`+portJSON(port, "renamed")+`}`)
		case "DELETE /v2.0/ports/" + port:
			w.WriteHeader(204)
		default:
			reply(w, 404, "application/json", `{"itemNotFound":{"code":404,"message":"no"}}`)
		}
	})
	c := newClient(t, tg.URL)
	ctx := context.Background()
	compute := "/v2.1/" + project + "/servers/" + server
	check := func(name string, ex *Exchange, err error, want seen) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		if got != want {
			t.Errorf("%s sent %+v, want %+v", name, got, want)
		}
		if !ex.Valid() || len(ex.RequestViolations) > 0 {
			t.Errorf("%s: %s", name, ex)
		}
	}

	s, ex, err := c.GetServer(ctx, server)
	check("GetServer", ex, err, seen{"GET", compute, "", ""})
	if s.ID != server || s.Status != "ACTIVE" || s.TenantID != project {
		t.Errorf("server %+v", s)
	}
	ex, err = c.Lock(ctx, server)
	check("Lock", ex, err, seen{"POST", compute + "/action", `{"lock":null}`, "application/json"})
	ex, err = c.Unlock(ctx, server)
	check("Unlock", ex, err, seen{"POST", compute + "/action", `{"unlock":null}`, "application/json"})
	nics, ex, err := c.ListInterfaces(ctx, server)
	check("ListInterfaces", ex, err, seen{"GET", compute + "/os-interface", "", ""})
	if len(nics) != 2 || nics[1].MACAddr != "fa:16:3e:00:00:01" || nics[0].FixedIPs[0].SubnetID != subnet {
		t.Errorf("nics %+v", nics)
	}
	nic, ex, err := c.GetInterface(ctx, server, port)
	check("GetInterface", ex, err, seen{"GET", compute + "/os-interface/" + port, "", ""})
	if nic.PortID != port || nic.NetID != network || nic.PortState != "ACTIVE" {
		t.Errorf("nic %+v", nic)
	}
	_, ex, err = c.AttachPort(ctx, server, port)
	check("AttachPort", ex, err, seen{"POST", compute + "/os-interface", `{"interfaceAttachment":{"port_id":"` + port + `"}}`, "application/json"})
	_, ex, err = c.AttachNetwork(ctx, server, network)
	check("AttachNetwork", ex, err, seen{"POST", compute + "/os-interface", `{"interfaceAttachment":{"net_id":"` + network + `"}}`, "application/json"})
	p, ex, err := c.CreatePort(ctx, network, "nicconform-x")
	check("CreatePort", ex, err, seen{"POST", "/v2.0/ports", `{"port":{"name":"nicconform-x","network_id":"` + network + `"}}`, "application/json"})
	if p.ID != port || p.Name != "nicconform-x" || p.NetworkID != network || p.Status != "DOWN" || p.MACAddress == "" || len(p.FixedIPs) != 1 {
		t.Errorf("port %+v", p)
	}
	p, ex, err = c.GetPort(ctx, port)
	check("GetPort", ex, err, seen{"GET", "/v2.0/ports/" + port, "", ""})
	p, ex, err = c.RenamePort(ctx, port, "renamed")
	check("RenamePort", ex, err, seen{"PUT", "/v2.0/ports/" + port, `{"port":{"name":"renamed"}}`, "application/json"})
	if p.Name != "renamed" {
		t.Errorf("port %+v", p)
	}
	ex, err = c.DeletePort(ctx, port)
	check("DeletePort", ex, err, seen{"DELETE", "/v2.0/ports/" + port, "", ""})
	ex, err = c.Detach(ctx, server, port2)
	if err != nil || ex.Status != 404 {
		t.Errorf("Detach checks no status: %v %v", err, ex)
	}

	_, ex, err = c.GetPort(ctx, port2)
	var se *StatusError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &se) || se.Exchange != ex || errors.Is(err, ErrConflict) {
		t.Fatalf("GetPort of an unknown port: %v", err)
	}
	if want := "showPort: want 200, got 404: GET "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
}
