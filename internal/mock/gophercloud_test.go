package mock_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/attachinterfaces"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/utils"

	"github.com/nicconform/nicconform/internal/mock"
)

// The mock's auth modes, as the suite configures its embedded mock
// (NICCONFORM_MOCK_AUTH): a token, an IAM password login, AK/SK signing.
const (
	authToken    = "token"
	authPassword = "password"
	authAKSK     = "aksk"
)

// TestGophercloudScenario runs, with gophercloud v2.16.0 (the Go SDK, and
// through it Terraform's OpenStack provider), the scenario a team runs
// against a cloud: create a port, attach it by port_id, list, show,
// detach, wait for the 404, find the kept port DOWN and unbound, rename it,
// attach by net_id, detach, find that port deleted, be refused the primary
// NIC (403, huawei profile), show the server, lock it with a reason
// (microversion 2.73, found by gophercloud's discovery), unlock, delete the
// port. It runs in both profiles and both error shapes, against the mock
// configured with each auth mode gophercloud can use: a token, and an IAM
// password login (Keystone v3, POST /v3/auth/tokens). Each step logs one
// line (go test -v shows them); a failing step names the call and the
// answer.
//
// AK/SK: gophercloud cannot sign requests with Huawei Cloud's
// SDK-HMAC-SHA256 scheme (it speaks Keystone tokens only), so against a
// mock that takes only signatures it is refused with 401, which
// TestGophercloudAKSKRefused shows; the suite's own client signs
// (auth_client_test.go).
func TestGophercloudScenario(t *testing.T) {
	for _, auth := range []string{authToken, authPassword} {
		for _, profile := range []mock.Profile{mock.ProfileHuawei, mock.ProfileNova} {
			for _, shape := range []mock.ErrorShape{mock.ErrorsNova, mock.ErrorsHuawei} {
				t.Run(fmt.Sprintf("%s/%s-errors/%s", profile, shape, auth), func(t *testing.T) {
					srv, pc := gophercloudTarget(t, mock.Options{Profile: profile, Errors: shape, Delay: 5 * time.Millisecond}, auth)
					runGophercloudScenario(t, srv, pc)
				})
			}
		}
	}
}

// TestGophercloudAKSKRefused: against the mock in AK/SK mode, gophercloud
// (which cannot sign SDK-HMAC-SHA256) gets 401 in the configured shape,
// and its call says so.
func TestGophercloudAKSKRefused(t *testing.T) {
	srv, pc := gophercloudTarget(t, mock.Options{Errors: mock.ErrorsHuawei}, authAKSK)
	compute, err := openstack.NewComputeV2(pc, gophercloud.EndpointOpts{})
	if err != nil {
		t.Fatal(err)
	}
	seed := srv.Mock.Seed()
	_, err = servers.Get(context.Background(), compute, seed.Servers[0].ServerID).Extract()
	var code gophercloud.ErrUnexpectedResponseCode
	if !errors.As(err, &code) || code.Actual != http.StatusUnauthorized || !strings.Contains(string(code.Body), "APIGW.0301") {
		t.Fatalf("unsigned gophercloud against an AK/SK-only mock: %v", err)
	}
	t.Logf("gophercloud, unsigned, AK/SK mode: %v", err)
}

// gophercloudTarget starts a mock configured for an auth mode as the
// suite's embedded mock is (fresh secrets, no well-known token) and returns
// a gophercloud provider pointed at it: its endpoints overridden (compute
// http://…/v2.1/{project_id}/, network http://…/networking/), authenticated
// as the mode says.
func gophercloudTarget(t *testing.T, opts mock.Options, auth string) (*mock.Server, *gophercloud.ProviderClient) {
	t.Helper()
	opts.Token = "gc-token-" + randomHex(8)
	user, password, domain := "gc-user", "gc-pw-"+randomHex(8), "gc-domain"
	switch auth {
	case authPassword:
		opts.Users = []mock.User{{Name: user, Password: password, Domain: domain}}
	case authAKSK:
		opts.AKSK = map[string]string{"GCAK" + randomHex(4): randomHex(16)}
	}
	srv, err := mock.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	seed := srv.Mock.Seed()
	ctx := context.Background()
	var pc *gophercloud.ProviderClient
	switch auth {
	case authPassword: // Keystone v3 password login against the mock's IAM
		pc, err = openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
			IdentityEndpoint: srv.URL + "/v3",
			Username:         user,
			Password:         password,
			DomainName:       domain,
			TenantID:         seed.ProjectID,
		})
		if err != nil {
			t.Fatalf("gophercloud password login at %s/v3/auth/tokens: %v", srv.URL, err)
		}
	default:
		if pc, err = openstack.NewClient(srv.URL + "/v3"); err != nil {
			t.Fatal(err)
		}
		if auth == authToken {
			pc.SetToken(opts.Token)
		}
	}
	// Endpoint overrides, as Terraform's endpoint_overrides or a catalog
	// would give them.
	pc.EndpointLocator = func(eo gophercloud.EndpointOpts) (string, error) {
		switch eo.Type {
		case "compute":
			return srv.URL + "/v2.1/" + seed.ProjectID + "/", nil
		case "network":
			return srv.URL + mock.NetworkRoot + "/", nil
		}
		return "", fmt.Errorf("no %s endpoint in the mock", eo.Type)
	}
	return srv, pc
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// gcScenario runs the steps, one log line each.
type gcScenario struct {
	t                *testing.T
	ctx              context.Context
	compute, network *gophercloud.ServiceClient
	n                int
}

// step runs one step: f returns what to log, or an error naming the call
// and the answer, which fails the test.
func (s *gcScenario) step(name string, f func() (string, error)) {
	s.t.Helper()
	s.n++
	detail, err := f()
	if err != nil {
		s.t.Fatalf("step %2d %s: FAILED: %v", s.n, name, err)
	}
	s.t.Logf("step %2d %-28s ok: %s", s.n, name, detail)
}

// waitFor polls check (every 5ms, at most 5s) until it reports done.
func waitFor(ctx context.Context, check func() (done bool, err error)) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		done, err := check()
		if done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not within 5s: %w", ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func runGophercloudScenario(t *testing.T, srv *mock.Server, pc *gophercloud.ProviderClient) {
	ctx := context.Background()
	compute, err := openstack.NewComputeV2(pc, gophercloud.EndpointOpts{})
	if err != nil {
		t.Fatal(err)
	}
	network, err := openstack.NewNetworkV2(pc, gophercloud.EndpointOpts{})
	if err != nil {
		t.Fatal(err)
	}
	seed := srv.Mock.Seed()
	opts := srv.Mock.Options()
	serverID, primary := seed.Servers[0].ServerID, seed.Servers[0].PrimaryPortID
	s := &gcScenario{t: t, ctx: ctx, compute: compute, network: network}
	portURL := func(id string) string { return network.ServiceURL("ports", id) }

	var port *ports.Port
	s.step("create port", func() (string, error) {
		var err error
		port, err = ports.Create(ctx, network, ports.CreateOpts{NetworkID: seed.NetworkID, Name: "nicconform-gophercloud"}).Extract()
		if err != nil {
			return "", err
		}
		if port.Status != "DOWN" || port.DeviceID != "" {
			return "", fmt.Errorf("POST %s answered a port with status=%s device_id=%q", network.ServiceURL("ports"), port.Status, port.DeviceID)
		}
		return fmt.Sprintf("port %s, MAC %s", port.ID, port.MACAddress), nil
	})
	s.step("attach by port_id", func() (string, error) {
		nic, err := attachinterfaces.Create(ctx, compute, serverID, attachinterfaces.CreateOpts{PortID: port.ID}).Extract()
		if err != nil {
			return "", err
		}
		if nic.PortID != port.ID || nic.MACAddr != port.MACAddress || nic.PortState != "ACTIVE" {
			return "", fmt.Errorf("POST %s answered %+v", compute.ServiceURL("servers", serverID, "os-interface"), *nic)
		}
		return "NIC " + nic.PortID + " ACTIVE", nil
	})
	s.step("list", func() (string, error) {
		pages, err := attachinterfaces.List(compute, serverID).AllPages(ctx)
		if err != nil {
			return "", err
		}
		nics, err := attachinterfaces.ExtractInterfaces(pages)
		if err != nil {
			return "", err
		}
		var ids []string
		for _, n := range nics {
			ids = append(ids, n.PortID)
		}
		if len(nics) != 2 || ids[0] != primary || ids[1] != port.ID {
			return "", fmt.Errorf("GET %s answered ports %v, want the primary %s and %s", compute.ServiceURL("servers", serverID, "os-interface"), ids, primary, port.ID)
		}
		return fmt.Sprintf("%d NICs: %s", len(nics), strings.Join(ids, ", ")), nil
	})
	s.step("show", func() (string, error) {
		nic, err := attachinterfaces.Get(ctx, compute, serverID, port.ID).Extract()
		if err != nil {
			return "", err
		}
		if nic.NetID != seed.NetworkID || len(nic.FixedIPs) != 1 {
			return "", fmt.Errorf("GET %s answered %+v", compute.ServiceURL("servers", serverID, "os-interface", port.ID), *nic)
		}
		return "on network " + nic.NetID + " at " + nic.FixedIPs[0].IPAddress, nil
	})
	s.step("detach", func() (string, error) {
		return "202 accepted", attachinterfaces.Delete(ctx, compute, serverID, port.ID).ExtractErr()
	})
	s.step("wait for 404", func() (string, error) {
		start, polls := time.Now(), 0
		err := waitFor(ctx, func() (bool, error) {
			polls++
			_, err := attachinterfaces.Get(ctx, compute, serverID, port.ID).Extract()
			switch {
			case gophercloud.ResponseCodeIs(err, http.StatusNotFound):
				return true, nil
			case err != nil:
				return false, err
			}
			return false, nil
		})
		return fmt.Sprintf("404 after %d polls, %s", polls, time.Since(start).Round(time.Millisecond)), err
	})
	s.step("kept port DOWN and unbound", func() (string, error) {
		kept, err := ports.Get(ctx, network, port.ID).Extract()
		if err != nil {
			return "", err
		}
		if kept.Status != "DOWN" || kept.DeviceID != "" || kept.DeviceOwner != "" || kept.MACAddress != port.MACAddress {
			return "", fmt.Errorf("GET %s answered status=%s device_id=%q device_owner=%q mac=%s", portURL(port.ID), kept.Status, kept.DeviceID, kept.DeviceOwner, kept.MACAddress)
		}
		return "status DOWN, no device, same MAC", nil
	})
	s.step("rename", func() (string, error) {
		name := "nicconform-gophercloud-renamed"
		renamed, err := ports.Update(ctx, network, port.ID, ports.UpdateOpts{Name: &name}).Extract()
		if err != nil {
			return "", err
		}
		if renamed.Name != name {
			return "", fmt.Errorf("PUT %s answered name %q", portURL(port.ID), renamed.Name)
		}
		return "named " + name, nil
	})
	var byNet *attachinterfaces.Interface
	s.step("attach by net_id", func() (string, error) {
		var err error
		byNet, err = attachinterfaces.Create(ctx, compute, serverID, attachinterfaces.CreateOpts{NetworkID: seed.NetworkID}).Extract()
		if err != nil {
			return "", err
		}
		return "NIC on a new port " + byNet.PortID, nil
	})
	s.step("detach", func() (string, error) {
		return "202 accepted", attachinterfaces.Delete(ctx, compute, serverID, byNet.PortID).ExtractErr()
	})
	s.step("port deleted", func() (string, error) {
		err := waitFor(ctx, func() (bool, error) {
			_, err := ports.Get(ctx, network, byNet.PortID).Extract()
			switch {
			case gophercloud.ResponseCodeIs(err, http.StatusNotFound):
				return true, nil
			case err != nil:
				return false, err
			}
			return false, nil
		})
		return "GET " + portURL(byNet.PortID) + " answers 404", err
	})
	s.step("primary refused with 403", func() (string, error) {
		if opts.Profile == mock.ProfileNova {
			return "skipped: the nova profile has no primary NIC", nil
		}
		err := attachinterfaces.Delete(ctx, compute, serverID, primary).ExtractErr()
		var code gophercloud.ErrUnexpectedResponseCode
		if !errors.As(err, &code) || code.Actual != http.StatusForbidden {
			return "", fmt.Errorf("DELETE %s: want 403, got %v", compute.ServiceURL("servers", serverID, "os-interface", primary), err)
		}
		want := `"forbidden"` // a Nova fault
		if opts.Errors == mock.ErrorsHuawei {
			want = `"Ecs.0086"`
		}
		if !strings.Contains(string(code.Body), want) {
			return "", fmt.Errorf("DELETE %s: 403 without %s in its body: %s", code.URL, want, code.Body)
		}
		return "403 " + strings.TrimSpace(string(code.Body)), nil
	})
	s.step("show server", func() (string, error) {
		server, err := servers.Get(ctx, compute, serverID).Extract()
		if err != nil {
			return "", err
		}
		if server.ID != serverID || server.Status != "ACTIVE" || server.TenantID != seed.ProjectID {
			return "", fmt.Errorf("GET %s answered id=%s status=%s tenant_id=%s", compute.ServiceURL("servers", serverID), server.ID, server.Status, server.TenantID)
		}
		return server.Name + " ACTIVE", nil
	})
	const reason = "nicconform: gophercloud scenario"
	s.step("lock", func() (string, error) {
		// gophercloud's discovery: GET of the compute endpoint answers the
		// v2.1 document, whose microversion range must hold 2.73.
		at273, err := utils.RequireMicroversion(ctx, *compute, "2.73")
		if err != nil {
			return "", fmt.Errorf("discovery at %s: %w", compute.Endpoint, err)
		}
		// servers.Lock sends {"lock":null}; a reason goes in the same action.
		body := map[string]any{"lock": map[string]string{"locked_reason": reason}}
		resp, err := at273.Post(ctx, at273.ServiceURL("servers", serverID, "action"), body, nil, &gophercloud.RequestOpts{OkCodes: []int{http.StatusAccepted}})
		if err != nil {
			return "", err
		}
		if got := resp.Header.Get("OpenStack-API-Version"); got != "compute 2.73" {
			return "", fmt.Errorf("POST %s at 2.73 answered OpenStack-API-Version %q", at273.ServiceURL("servers", serverID, "action"), got)
		}
		locked, lockedReason, err := lockState(ctx, &at273, serverID)
		if err != nil {
			return "", err
		}
		if !locked || lockedReason == nil || *lockedReason != reason {
			return "", fmt.Errorf("GET %s at 2.73 answered locked=%v locked_reason=%v", at273.ServiceURL("servers", serverID), locked, lockedReason)
		}
		return fmt.Sprintf("locked at 2.73 (the mock serves up to %s), reason %q shown", mock.MaxMicroversion, reason), nil
	})
	s.step("unlock", func() (string, error) {
		if err := servers.Unlock(ctx, compute, serverID).ExtractErr(); err != nil {
			return "", err
		}
		at273 := *compute
		at273.Microversion = "2.73"
		locked, lockedReason, err := lockState(ctx, &at273, serverID)
		if err != nil {
			return "", err
		}
		if locked || lockedReason != nil {
			return "", fmt.Errorf("GET %s at 2.73 answered locked=%v locked_reason=%v", at273.ServiceURL("servers", serverID), locked, lockedReason)
		}
		return "unlocked, no reason left", nil
	})
	s.step("delete port", func() (string, error) {
		if err := ports.Delete(ctx, network, port.ID).ExtractErr(); err != nil {
			return "", err
		}
		_, err := ports.Get(ctx, network, port.ID).Extract()
		if !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			return "", fmt.Errorf("GET %s after DELETE: want 404, got %v", portURL(port.ID), err)
		}
		return "204, then 404", nil
	})
	if s.n != 16 {
		t.Errorf("%d steps, want 16", s.n)
	}
	if n := srv.Mock.Panics(); n != 0 {
		t.Errorf("the mock panicked %d times", n)
	}
	if err := srv.Mock.CheckInvariants(); err != nil {
		t.Errorf("invariants: %v", err)
	}
}

// lockState shows a server (at the client's microversion) and reads
// "locked" and "locked_reason", which gophercloud's Server lacks.
func lockState(ctx context.Context, compute *gophercloud.ServiceClient, serverID string) (bool, *string, error) {
	var server struct { // servers' ExtractInto reads the "server" object
		Locked       *bool   `json:"locked"`
		LockedReason *string `json:"locked_reason"`
	}
	if err := servers.Get(ctx, compute, serverID).ExtractInto(&server); err != nil {
		return false, nil, err
	}
	if server.Locked == nil {
		return false, nil, fmt.Errorf("GET %s at %s answered no locked", compute.ServiceURL("servers", serverID), compute.Microversion)
	}
	return *server.Locked, server.LockedReason, nil
}

// TestGophercloudCatalog: gophercloud given only the mock's identity URL
// (http://…/identity, as devstack serves Keystone) discovers v3, logs in
// with each of Keystone's reference forms, and builds its compute and
// network clients from the token's catalog (openstack.NewComputeV2,
// NewNetworkV2, no endpoint override); then the scenario runs.
func TestGophercloudCatalog(t *testing.T) {
	for name, login := range map[string]func(seed mock.Seed, user, domain string) gophercloud.AuthOptions{
		"user domain by name, project by id": func(seed mock.Seed, user, domain string) gophercloud.AuthOptions {
			return gophercloud.AuthOptions{Username: user, DomainName: domain, TenantID: seed.ProjectID}
		},
		"user domain by id, project by name and domain id": func(_ mock.Seed, user, domain string) gophercloud.AuthOptions {
			return gophercloud.AuthOptions{Username: user, DomainID: mock.DomainID(domain),
				Scope: &gophercloud.AuthScope{ProjectName: "nicconform", DomainID: mock.DomainID(domain)}}
		},
		"user by id, project by name and domain name": func(_ mock.Seed, user, domain string) gophercloud.AuthOptions {
			return gophercloud.AuthOptions{UserID: mock.UserID(domain, user),
				Scope: &gophercloud.AuthScope{ProjectName: "nicconform", DomainName: domain}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			user, password, domain := "gc-user", "gc-pw-"+randomHex(8), "gc-domain"
			srv, err := mock.NewServer(mock.Options{Token: "gc-token-" + randomHex(8), Users: []mock.User{{Name: user, Password: password, Domain: domain}}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			ao := login(srv.Mock.Seed(), user, domain)
			ao.IdentityEndpoint = srv.URL + mock.IdentityRoot
			ao.Password = password
			pc, err := openstack.AuthenticatedClient(context.Background(), ao)
			if err != nil {
				t.Fatalf("gophercloud login at %s: %v", ao.IdentityEndpoint, err)
			}
			runGophercloudScenario(t, srv, pc)
		})
	}
}
