package mock_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/aksk"
	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/mock"
)

const (
	clientAK = "AKCLIENTMOCK0001"
	clientSK = "client-mock-secret-41c7"
	password = "client-mock-pw-0042"
)

func authServer(t *testing.T) (*mock.Server, mock.Seed) {
	t.Helper()
	srv, err := mock.NewServer(mock.Options{
		ImmediateDetach: true,
		Errors:          mock.ErrorsHuawei,
		AKSK:            map[string]string{clientAK: clientSK},
		Users:           []mock.User{{Name: "ops", Password: password, Domain: "acme"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv, srv.Mock.Seed()
}

func newAuthClient(t *testing.T, srv *mock.Server, seed mock.Seed, auth client.Authenticator) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, Auth: auth, Retry: client.RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientAKSKAgainstMock(t *testing.T) {
	srv, seed := authServer(t)
	ctx := context.Background()
	server := seed.Servers[0].ServerID

	c := newAuthClient(t, srv, seed, client.AKSK(clientAK, clientSK, "", seed.ProjectID))
	nic, _, err := c.AttachNetwork(ctx, server, seed.NetworkID)
	if err != nil {
		t.Fatalf("signed attach: %v", err)
	}
	if _, err := c.Detach(ctx, server, nic.PortID); err != nil {
		t.Fatalf("signed detach: %v", err)
	}
	// A malformed id travels escaped: the signature still covers it.
	ex, err := c.Do(ctx, client.Request{Method: "DELETE", Segments: []string{"v2.1", seed.ProjectID, "servers", server, "os-interface", "a/b é"}})
	if err != nil || ex.Status == 401 {
		t.Errorf("signed malformed id: %v %s", err, ex)
	}
	for _, ex := range c.Recorder().Exchanges() {
		if !ex.Valid() {
			t.Errorf("violations: %s", ex)
		}
	}

	wrong := newAuthClient(t, srv, seed, client.AKSK(clientAK, "not-the-secret", "", ""))
	if _, _, err := wrong.ListInterfaces(ctx, server); !errors.Is(err, client.ErrUnauthorized) {
		t.Errorf("wrong SK: %v", err)
	}
	for _, ex := range wrong.Recorder().Exchanges() {
		if !strings.Contains(string(ex.ResponseBody), "APIGW.0301") || !ex.Valid() {
			t.Errorf("wrong SK answer: %s", ex)
		}
	}
}

// send signs a request with the client's authenticator, lets edit change
// it after signing, and sends it.
func send(t *testing.T, auth client.Authenticator, method, url string, edit func(*http.Request)) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Authenticate(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSignatureTamperingAgainstMock(t *testing.T) {
	srv, seed := authServer(t)
	s := seed.Servers[0]
	list := srv.URL + "/v2.1/" + seed.ProjectID + "/servers/" + s.ServerID + "/os-interface"
	auth := client.AKSK(clientAK, clientSK, "", "")
	if code, body := send(t, auth, "GET", list, nil); code != 200 {
		t.Fatalf("signed: %d %s", code, body)
	}
	// Signed for the list, sent to the primary NIC's detach.
	code, body := send(t, auth, "DELETE", list, func(r *http.Request) { r.URL.Path += "/" + s.PrimaryPortID })
	if code != 401 || !strings.Contains(body, "APIGW.0301") {
		t.Errorf("tampered path: %d %s", code, body)
	}
	code, _ = send(t, auth, "GET", list, func(r *http.Request) { r.URL.RawQuery = "port_id=x" })
	if code != 401 {
		t.Errorf("tampered query: %d", code)
	}
	code, _ = send(t, auth, "GET", list, func(r *http.Request) { r.Method = "DELETE" })
	if code != 401 {
		t.Errorf("tampered method: %d", code)
	}
	// A date 20 minutes old, signed correctly.
	req, _ := http.NewRequest("GET", list, nil)
	if err := (aksk.Signer{AK: clientAK, SK: clientSK, Now: func() time.Time { return time.Now().Add(-20 * time.Minute) }}).Sign(req, nil); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(b), "X-Sdk-Date") {
		t.Errorf("stale date: %d %s", resp.StatusCode, b)
	}
	if srv.Mock.Panics() != 0 || len(srv.Mock.Interfaces(s.ServerID)) != 1 {
		t.Error("the world changed or the mock panicked")
	}
}

func TestClientIAMAgainstMock(t *testing.T) {
	srv, seed := authServer(t)
	ctx := context.Background()
	server := seed.Servers[0].ServerID
	for _, authURL := range []string{srv.URL, srv.URL + "/v3"} {
		c := newAuthClient(t, srv, seed, client.IAMPassword(client.IAMConfig{AuthURL: authURL, User: "ops", Password: password, Domain: "acme", ProjectID: seed.ProjectID}))
		for range 3 {
			if _, _, err := c.ListInterfaces(ctx, server); err != nil {
				t.Fatalf("with an IAM token: %v", err)
			}
		}
	}
	bad := newAuthClient(t, srv, seed, client.IAMPassword(client.IAMConfig{AuthURL: srv.URL, User: "ops", Password: "wrong-" + password, Domain: "acme", ProjectID: seed.ProjectID}))
	_, _, err := bad.ListInterfaces(ctx, server)
	if err == nil || !strings.Contains(err.Error(), `iam: login as user "ops" in domain "acme"`) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong password: %v", err)
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("the error holds the password: %v", err)
	}
}
