package explore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/mock"
	"github.com/nicconform/nicconform/internal/target"
	"github.com/nicconform/nicconform/spec"
)

// Target is where explore sends its sequences: the embedded reference mock
// (a fresh world for every sequence) or a configured endpoint.
//
// A configured target comes from internal/target (endpoints, TLS,
// credentials); the embedded one is explore's own, a fresh mock world per
// sequence behind one listener.
type Target struct {
	// Description names the target for the reports, secrets left out.
	Description string
	// Profile is the run's profile (spec.ProfileHuawei or ProfileNova).
	Profile string
	// Embedded is true for the embedded mock.
	Embedded bool

	ComputeURL, NetworkURL string
	ProjectID, ServerID    string
	NetworkID              string
	// PrimaryPortID is the server's primary NIC ("" lets Open find it: the
	// only NIC the server has).
	PrimaryPortID string
	// OtherServerID is a second server ("" for none).
	OtherServerID string
	// Auth sends the run's credentials; Wrong is them tampered.
	Auth, Wrong client.Authenticator
	HTTPClient  *http.Client
	// RequestTimeout bounds one HTTP attempt.
	RequestTimeout time.Duration
	// DetachBound bounds the wait for both worlds to be quiescent after a
	// step; Poll is how often the target is looked at meanwhile.
	DetachBound, Poll time.Duration
	// Settle, when positive, is how long a configured target is watched,
	// once it matches the model, for a delayed change.
	Settle time.Duration
	// AllowPrimaryProbe lets a configured target get the primary-NIC DELETE.
	AllowPrimaryProbe bool

	embedded *embedded
}

// embedded serves a fresh mock per sequence behind one loopback listener.
type embedded struct {
	opts   mock.Options
	cur    atomic.Pointer[mock.Mock]
	srv    *http.Server
	ln     net.Listener
	closed chan struct{}
}

func (e *embedded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m := e.cur.Load(); m != nil {
		m.ServeHTTP(w, r)
		return
	}
	http.Error(w, "no world", http.StatusServiceUnavailable)
}

// EmbeddedOptions configures an embedded target.
type EmbeddedOptions struct {
	Profile    string
	Errors     string        // "" (nova) or "huawei"
	Delay      time.Duration // zero: detaches complete before the 202
	Deviations []string
	// DetachBound and Poll: zero takes 10s and 1ms.
	DetachBound, Poll time.Duration
}

// NewEmbedded starts an embedded target: the reference mock (with the
// deviations asked for) on a loopback port, with two servers and fresh
// credentials. Close it when done.
func NewEmbedded(o EmbeddedOptions) (*Target, error) {
	if o.Profile == "" {
		o.Profile = spec.ProfileHuawei
	}
	opts := mock.Options{
		Profile: mock.Profile(o.Profile), Errors: mock.ErrorShape(o.Errors),
		Servers: 2, Token: "nicconform-explore-" + rand.Text(),
		Delay: o.Delay, ImmediateDetach: o.Delay == 0,
	}
	for _, d := range o.Deviations {
		opts.Deviations = append(opts.Deviations, mock.Deviation(d))
	}
	if _, err := mock.New(opts); err != nil { // check the options once, here
		return nil, fmt.Errorf("explore: embedded mock: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("explore: embedded mock: listen: %w", err)
	}
	e := &embedded{opts: opts, ln: ln, closed: make(chan struct{})}
	e.srv = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(e.closed)
		_ = e.srv.Serve(ln)
	}()
	url := "http://" + ln.Addr().String()
	t := &Target{
		Description: "embedded reference mock (" + url + ")",
		Profile:     o.Profile,
		Embedded:    true,
		ComputeURL:  url, NetworkURL: url,
		Auth:           client.Token(opts.Token),
		HTTPClient:     &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}},
		RequestTimeout: 10 * time.Second,
		DetachBound:    o.DetachBound, Poll: o.Poll,
		embedded: e,
	}
	t.Wrong = t.Auth.Tampered()
	if len(o.Deviations) > 0 {
		t.Description += fmt.Sprintf(" with deviations %v", o.Deviations)
	}
	if o.Delay > 0 {
		t.Description += fmt.Sprintf(", detach delay %s", o.Delay)
	}
	if t.DetachBound <= 0 {
		t.DetachBound = config.DefaultDetachTimeoutMock
	}
	if t.Poll <= 0 {
		t.Poll = time.Millisecond
	}
	return t, nil
}

// reset gives the embedded target a fresh world and takes its ids.
func (t *Target) reset() error {
	m, err := mock.New(t.embedded.opts)
	if err != nil {
		return fmt.Errorf("explore: embedded mock: %w", err)
	}
	if old := t.embedded.cur.Swap(m); old != nil {
		old.Close()
	}
	seed := m.Seed()
	t.ProjectID, t.NetworkID = seed.ProjectID, seed.NetworkID
	t.ServerID, t.PrimaryPortID = seed.Servers[0].ServerID, seed.Servers[0].PrimaryPortID
	t.OtherServerID = seed.Servers[1].ServerID
	return nil
}

// mock returns the embedded target's current world (nil for a configured
// target).
func (t *Target) mock() *mock.Mock {
	if t.embedded == nil {
		return nil
	}
	return t.embedded.cur.Load()
}

// Close stops an embedded target.
func (t *Target) Close() {
	if t.embedded == nil {
		return
	}
	_ = t.embedded.srv.Close()
	<-t.embedded.closed
	if m := t.embedded.cur.Load(); m != nil {
		m.Close()
	}
}

// FromConfig builds the target the configuration names: the embedded mock
// (with NICCONFORM_MOCK_DEVIATION, _ERRORS and _DELAY) when none is
// configured, else the configured endpoints with their credentials.
func FromConfig(t config.Settings) (*Target, error) {
	if t.DryRun {
		return nil, errors.New("explore: NICCONFORM_DRY_RUN is set: explore has no dry run (the estimate it prints before a live run says what it would cost)")
	}
	if t.Embedded {
		delay := t.MockDelay
		if delay < 0 {
			delay = mock.DefaultDelay
		}
		return NewEmbedded(EmbeddedOptions{
			Profile: t.ProfileBase, Errors: string(t.MockErrors), Delay: delay, Deviations: t.MockDeviations,
			DetachBound: t.DetachTimeout, Poll: min(t.PollInterval, 2*time.Millisecond),
		})
	}
	tg, err := target.Open(target.Options{Settings: t, ConfiguredOnly: true})
	if err != nil {
		return nil, fmt.Errorf("explore: %w", err)
	}
	auth, hc := tg.Credentials, tg.HTTP
	return &Target{
		Description:       t.String(),
		Profile:           t.Profile,
		ComputeURL:        t.ComputeURL,
		NetworkURL:        t.NetworkURL,
		ProjectID:         t.ProjectID,
		ServerID:          t.ServerID,
		NetworkID:         t.NetworkID,
		PrimaryPortID:     t.PrimaryPortID,
		OtherServerID:     t.OtherServerID,
		Auth:              auth,
		Wrong:             tg.WrongCredentials,
		HTTPClient:        hc,
		RequestTimeout:    t.RequestTimeout,
		DetachBound:       t.DetachTimeout,
		Poll:              t.PollInterval,
		Settle:            t.Settle,
		AllowPrimaryProbe: t.AllowPrimaryProbe,
	}, nil
}

// quiescent waits, within the detach bound, until an embedded target has
// no detach in flight; it reports whether it has none. A configured
// target's quiescence is known only by what it shows (see settle).
func (t *Target) quiescent(ctx context.Context, deadline time.Time) bool {
	m := t.mock()
	if m == nil {
		return false
	}
	for m.Pending() > 0 {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(t.Poll)
	}
	return true
}
