package target_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/target"
)

func env(kv ...string) config.Lookup {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func resolve(t *testing.T, kv ...string) config.Settings {
	t.Helper()
	s, err := config.Resolve(env(kv...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func open(t *testing.T, o target.Options) *target.Target {
	t.Helper()
	tg, err := target.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tg.Close)
	return tg
}

// refusesWrongCredentials checks that the target's client is let in, and
// that its wrong credentials and no credentials are not.
func refusesWrongCredentials(t *testing.T, tg *target.Target) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := tg.Client.ListInterfaces(ctx, tg.ServerID); err != nil {
		t.Fatalf("the run's credentials: %v", err)
	}
	for what, c := range map[string]*client.Client{"wrong": tg.Client.WithAuth(tg.WrongCredentials), "no": tg.Client.WithAuth(nil)} {
		if _, ex, err := c.ListInterfaces(ctx, tg.ServerID); !errors.Is(err, client.ErrUnauthorized) {
			t.Errorf("%s credentials: %v %s", what, err, ex)
		}
	}
}

// Every auth mode config knows has a row here, and works against the
// embedded mock: its fresh credentials are accepted, their tampered
// version is refused.
func TestEveryModeAgainstTheEmbeddedMock(t *testing.T) {
	for _, mode := range config.AuthModes() {
		t.Run(mode, func(t *testing.T) {
			tg := open(t, target.Options{Settings: resolve(t, "NICCONFORM_MOCK_AUTH", mode, "NICCONFORM_MOCK_DELAY", "0")})
			if tg.Mock == nil || tg.ComputeURL != tg.Mock.URL || tg.ServerID == "" || tg.PrimaryPortID == "" {
				t.Fatalf("embedded: %+v", tg)
			}
			refusesWrongCredentials(t, tg)
			// The well-known token is not among the fresh credentials.
			if _, _, err := tg.Client.WithAuth(client.Token(mock.DefaultToken)).ListInterfaces(context.Background(), tg.ServerID); err == nil {
				t.Error("the embedded mock accepts its default token")
			}
		})
	}
}

// Every auth mode, configured as a user configures it, against a mock
// served as a target: the configured endpoints and ids are used.
func TestEveryModeAgainstAConfiguredTarget(t *testing.T) {
	srv, err := mock.NewServer(mock.Options{Token: "configured-token-1234", AKSK: map[string]string{"CONFAK": "configured-sk-5678"},
		Users: []mock.User{{Name: "alice", Password: "configured-password-9abc", Domain: "acme"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	seed := srv.Mock.Seed()
	ids := []string{"NICCONFORM_COMPUTE_URL", srv.URL, "NICCONFORM_PROJECT_ID", seed.ProjectID,
		"NICCONFORM_SERVER_ID", seed.Servers[0].ServerID, "NICCONFORM_NETWORK_ID", seed.NetworkID}
	creds := map[string][]string{
		config.AuthToken:    {"NICCONFORM_AUTH_TOKEN", "configured-token-1234"},
		config.AuthAKSK:     {"HW_ACCESS_KEY", "CONFAK", "HW_SECRET_KEY", "configured-sk-5678"},
		config.AuthPassword: {"HW_USER_NAME", "alice", "HW_USER_PASSWORD", "configured-password-9abc", "HW_DOMAIN_NAME", "acme", "HW_AUTH_URL", srv.URL},
	}
	if len(creds) != len(config.AuthModes()) {
		t.Fatalf("a mode has no case here: %v", config.AuthModes())
	}
	for mode, kv := range creds {
		t.Run(mode, func(t *testing.T) {
			tg := open(t, target.Options{Settings: resolve(t, append(slices.Clone(ids), kv...)...), ConfiguredOnly: true})
			if tg.Mock != nil || tg.ComputeURL != srv.URL || tg.ServerID != seed.Servers[0].ServerID || tg.PrimaryPortID != "" {
				t.Fatalf("configured: %+v", tg)
			}
			refusesWrongCredentials(t, tg)
		})
	}
}

// A command that acts on what is really there refuses the embedded mock
// and a dry run.
func TestConfiguredOnly(t *testing.T) {
	for _, s := range []config.Settings{
		resolve(t),
		resolve(t, "NICCONFORM_DRY_RUN", "true", "NICCONFORM_COMPUTE_URL", "https://ecs.example.com", "NICCONFORM_SERVER_ID", "s",
			"NICCONFORM_NETWORK_ID", "n", "NICCONFORM_PROJECT_ID", "0123456789abcdef0123456789abcdef", "NICCONFORM_AUTH_TOKEN", "t"),
	} {
		if tg, err := target.Open(target.Options{Settings: s, ConfiguredOnly: true}); !errors.Is(err, target.ErrNoTarget) {
			tg.Close()
			t.Errorf("embedded %v, dry run %v: %v", s.Embedded, s.DryRun, err)
		}
	}
}

// A failed step is named.
func TestSetupErrors(t *testing.T) {
	var setup *target.SetupError
	_, err := target.Open(target.Options{Settings: config.Settings{ComputeURL: "http://h", Auth: config.Auth{Mode: "kerberos"}}})
	if !errors.As(err, &setup) || setup.Step != "credentials" || !strings.Contains(err.Error(), "kerberos") {
		t.Errorf("unknown mode: %v", err)
	}
	_, err = target.Open(target.Options{Settings: config.Settings{Embedded: true, MockErrors: "xml"}})
	if !errors.As(err, &setup) || setup.Step != "embedded mock" {
		t.Errorf("bad mock settings: %v", err)
	}
	_, err = target.Open(target.Options{Settings: config.Settings{ComputeURL: "ecs.example.com"}})
	if !errors.As(err, &setup) || setup.Step != "client" {
		t.Errorf("bad URL: %v", err)
	}
}

// TLS is verified unless HW_INSECURE says not to.
func TestInsecure(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ports":[]}`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	defer srv.Close()
	kv := []string{"NICCONFORM_COMPUTE_URL", srv.URL, "NICCONFORM_PROJECT_ID", "0123456789abcdef0123456789abcdef", "NICCONFORM_SERVER_ID", "s",
		"NICCONFORM_NETWORK_ID", "n", "NICCONFORM_AUTH_TOKEN", "tls-token-1234", "NICCONFORM_REQUEST_TIMEOUT", "5s"}
	list := func(tg *target.Target) error {
		_, _, err := tg.Client.ListPorts(context.Background(), client.ListPortsOpts{})
		return err
	}
	if err := list(open(t, target.Options{Settings: resolve(t, kv...)})); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an unknown CA was accepted: %v", err)
	}
	if err := list(open(t, target.Options{Settings: resolve(t, append(kv, "HW_INSECURE", "true")...)})); err != nil {
		t.Errorf("HW_INSECURE=true: %v", err)
	}
}

// The process's configuration is read once: a later change of the
// environment is not seen, and a copy is handed out each time.
func TestEnvironmentIsReadOnce(t *testing.T) {
	t.Setenv("NICCONFORM_PROFILE", "aws")
	t.Setenv("NICCONFORM_REPORT_DIR", "somewhere")
	first, err := target.Environment()
	var cfgErr *target.ConfigError
	if !errors.As(err, &cfgErr) || len(cfgErr.Problems) != 1 || !strings.Contains(err.Error(), "NICCONFORM_PROFILE") {
		t.Fatalf("problems: %v", err)
	}
	if first.ReportDir != "somewhere" {
		t.Errorf("what resolved is not kept: %+v", first)
	}
	first.Sources["ReportDir"] = "changed by a caller"
	t.Setenv("NICCONFORM_PROFILE", "nova")
	t.Setenv("NICCONFORM_REPORT_DIR", "elsewhere")
	again, err := target.Environment()
	if err == nil || again.ReportDir != "somewhere" || again.RunID != first.RunID || again.Sources["ReportDir"] != "NICCONFORM_REPORT_DIR" {
		t.Errorf("read again: %+v %v", again, err)
	}
}

// The target's HTTP client, which the IAM login and every client of the
// run share, follows no redirect and caps an answer's header block.
func TestTargetHTTPClientIsGuarded(t *testing.T) {
	var caught atomic.Int64
	catcher := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { caught.Add(1) }))
	defer catcher.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, catcher.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	for _, insecure := range []bool{false, true} {
		s := config.Settings{ComputeURL: redirect.URL, ProjectID: "0123456789abcdef0123456789abcdef", Insecure: insecure}
		tg, err := target.Open(target.Options{Settings: s})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := tg.HTTP.Post(redirect.URL+"/v3/auth/tokens", "application/json", strings.NewReader(`{"password":"x"}`))
		if err == nil {
			resp.Body.Close()
		}
		var re *client.RedirectError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), strings.TrimPrefix(catcher.URL, "http://")) {
			t.Errorf("insecure %v: %v, want a RedirectError naming the catcher", insecure, err)
		}
		if tr, ok := tg.HTTP.Transport.(*http.Transport); !ok || tr.MaxResponseHeaderBytes != client.MaxHeaderBytes {
			t.Errorf("insecure %v: transport %T without the header cap", insecure, tg.HTTP.Transport)
		}
		tg.Close()
	}
	if n := caught.Load(); n != 0 {
		t.Errorf("the catcher got %d requests", n)
	}
}
