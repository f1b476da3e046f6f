// Package target turns settings into the target a run talks to: the
// embedded reference mock when no target is configured (or for a dry run),
// else the configured endpoints, with TLS verified unless HW_INSECURE says
// not to, the configured credentials signed by their auth mode (one row
// each in auth.go), and a client that validates every exchange against
// spec/openapi.yaml. It is the one place that does this, for the suite's
// fixtures and for every command that talks to a target (sweep, explore,
// config, run), and Environment is the one place a process reads its
// configuration.
//
// Like net/http/httptest, its surface is small: Open takes Options and
// gives a ready *Target, which Close releases; its errors are typed
// (ErrNoTarget, *SetupError, *ConfigError). Open sends no request.
package target

import (
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/spec"
)

// Options are what Open needs.
type Options struct {
	// Settings are the resolved configuration: Environment's, or
	// config.Resolve's.
	Settings config.Settings
	// Spec is the contract the client validates every exchange against,
	// and the catalog the profile is checked against; nil loads
	// spec/openapi.yaml.
	Spec *spec.Spec
	// Logger gets one record per HTTP attempt, secrets redacted; nil
	// discards.
	Logger *slog.Logger
	// ConfiguredOnly refuses the embedded mock with ErrNoTarget: for a
	// command that acts on what is really there (sweep). A dry run counts as
	// no target: it rehearses against the mock.
	ConfiguredOnly bool
}

// Target is a target ready to be talked to. Its fields are set by Open;
// treat them as read-only.
type Target struct {
	// Settings are the settings it was opened with, as configured: a dry
	// run's name the target it rehearses for, not the mock.
	Settings config.Settings
	// Profile is what the run expects of each rule: the shipped profile or
	// the profile file NICCONFORM_PROFILE names (spec.Spec.LoadProfile).
	Profile *spec.Profile
	// Client talks to the target with the run's credentials and validates
	// every exchange.
	Client *client.Client
	// WrongCredentials are credentials of the run's kind that the target
	// must refuse (AUTH-INVALID): the client's, tampered by their own
	// authenticator (client.Authenticator.Tampered). Nil when the run has
	// no credentials.
	WrongCredentials client.Authenticator
	// Mock is the embedded reference mock; nil against a configured target.
	Mock *mock.Server
	// Credentials and HTTP are what Client signs with and sends through,
	// for a caller that builds clients of its own (explore's, which
	// records each world apart).
	Credentials client.Authenticator
	HTTP        *http.Client

	// ComputeURL and NetworkURL are the endpoints the client talks to: the
	// configured ones, or the embedded mock's.
	ComputeURL, NetworkURL string
	// ProjectID, ServerID, NetworkID and PrimaryPortID name the world: the
	// configured ids (PrimaryPortID empty when it is to be discovered), or
	// the ones the embedded mock seeded.
	ProjectID, ServerID, NetworkID, PrimaryPortID string
}

// ErrNoTarget is Open's error when Options.ConfiguredOnly is set and the
// settings name no target (neither NICCONFORM_COMPUTE_URL nor a region), or
// a dry run.
var ErrNoTarget = errors.New("no target is configured (set NICCONFORM_COMPUTE_URL or HW_REGION_NAME)")

// SetupError is Open's error when a step of building the target fails.
type SetupError struct {
	// Step is what failed: "contract", "profile", "embedded mock",
	// "credentials" or "client".
	Step string
	Err  error
}

func (e *SetupError) Error() string { return "target: " + e.Step + ": " + e.Err.Error() }

func (e *SetupError) Unwrap() error { return e.Err }

// Open builds the target the settings describe, and loads the profile
// they name (huawei when they name none). With no target configured, or
// for a dry run, it starts the reference mock in process (the profile's
// behaviour family and detach variant; error shape, delay and deviations
// from NICCONFORM_MOCK_*), gives it fresh credentials of the
// NICCONFORM_MOCK_AUTH mode (fresh per run, so they double as canaries for
// the redaction checks) and takes the ids it seeded. Against a configured
// target it takes the configured endpoints and ids, verifies TLS unless
// Settings.Insecure (HW_INSECURE), and signs with the configured
// credentials. Either way the client validates against Options.Spec. It
// sends nothing; a password login happens at the first request. Errors:
// ErrNoTarget, or a *SetupError naming the step.
func Open(o Options) (*Target, error) {
	s := o.Settings
	rehearse := s.Embedded || s.DryRun
	if rehearse && o.ConfiguredOnly {
		return nil, ErrNoTarget
	}
	sp := o.Spec
	if sp == nil {
		var err error
		if sp, err = spec.Load(); err != nil {
			return nil, &SetupError{Step: "contract", Err: err}
		}
	}
	name := s.Profile
	if name == "" {
		name = spec.ProfileHuawei
	}
	profile, err := sp.LoadProfile(name)
	if err != nil {
		return nil, &SetupError{Step: "profile", Err: err}
	}
	t := &Target{
		Settings: s, Profile: profile,
		ComputeURL: s.ComputeURL, NetworkURL: s.NetworkURL,
		ProjectID: s.ProjectID, ServerID: s.ServerID, NetworkID: s.NetworkID, PrimaryPortID: s.PrimaryPortID,
	}
	hc := httpClient(s.Insecure && !rehearse)
	var auth client.Authenticator
	if rehearse {
		if auth, err = t.startMock(hc); err != nil {
			return nil, &SetupError{Step: "embedded mock", Err: err}
		}
	} else if s.Auth.Mode != config.AuthNone {
		m, err := modeOf(s.Auth.Mode)
		if err != nil {
			return nil, &SetupError{Step: "credentials", Err: err}
		}
		auth = m.signer(s.Auth, s.ProjectID, hc)
	}
	c, err := client.New(client.Config{
		ComputeURL:         t.ComputeURL,
		NetworkURL:         t.NetworkURL,
		ProjectID:          t.ProjectID,
		ComputeProjectless: s.ComputeProjectless,
		Auth:               auth,
		Spec:               sp,
		HTTPClient:         hc,
		Timeout:            s.RequestTimeout,
		Logger:             o.Logger,
	})
	if err != nil {
		t.Close()
		return nil, &SetupError{Step: "client", Err: err}
	}
	t.Client, t.Credentials, t.HTTP = c, auth, hc
	if auth != nil {
		t.WrongCredentials = auth.Tampered()
	}
	return t, nil
}

// Close stops the embedded mock, if any. It is safe on a nil Target.
func (t *Target) Close() {
	if t != nil && t.Mock != nil {
		t.Mock.Close()
	}
}

// startMock starts the embedded mock with credentials of the mode
// NICCONFORM_MOCK_AUTH names, and returns the authenticator that uses them.
func (t *Target) startMock(hc *http.Client) (client.Authenticator, error) {
	s := t.Settings
	name := s.MockAuth
	if name == config.AuthNone {
		name = config.AuthToken
	}
	m, err := modeOf(name)
	if err != nil {
		return nil, err
	}
	// The well-known DefaultToken is not accepted: only this run's fresh
	// credentials are.
	opts := mock.Options{Token: "nicconform-mock-" + fresh(16), Profile: mock.Profile(t.Profile.Base), Errors: s.MockErrors,
		// The embedded reference for a variant's profile is the variant.
		ReservePort: t.Profile.Detach.KeepPort["reserve_port"] == "true"}
	switch {
	case s.MockDelay == 0:
		opts.ImmediateDetach = true
	case s.MockDelay > 0:
		opts.Delay = s.MockDelay
	}
	for _, d := range s.MockDeviations {
		opts.Deviations = append(opts.Deviations, mock.Deviation(d))
	}
	creds := m.mock(&opts)
	srv, err := mock.NewServer(opts)
	if err != nil {
		return nil, err
	}
	seed := srv.Mock.Seed()
	t.Mock = srv
	t.ComputeURL, t.NetworkURL = srv.URL, srv.URL
	t.ProjectID, t.NetworkID = seed.ProjectID, seed.NetworkID
	t.ServerID, t.PrimaryPortID = seed.Servers[0].ServerID, seed.Servers[0].PrimaryPortID
	creds.Mode, creds.AuthURL = name, srv.URL // a mode that logs in, logs in to the mock
	return m.signer(creds, seed.ProjectID, hc), nil
}

// httpClient is the HTTP client for a target: TLS verified, unless
// insecure (HW_INSECURE: the user's private CA), following no redirect
// (client.RefuseRedirect: every call through it carries a credential), and
// reading at most client.MaxHeaderBytes of an answer's headers.
func httpClient(insecure bool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxResponseHeaderBytes = client.MaxHeaderBytes
	if insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // HW_INSECURE: the user's private CA
	}
	return &http.Client{Transport: tr, CheckRedirect: client.RefuseRedirect}
}

// fresh returns n random lowercase letters and digits.
func fresh(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// modeOf returns the row of an auth mode.
func modeOf(name string) (mode, error) {
	m, ok := modes[name]
	if !ok {
		return mode{}, fmt.Errorf("unknown authentication mode %q", name)
	}
	return m, nil
}
