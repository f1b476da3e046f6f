package mock

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/aksk"
	"github.com/nicconform/nicconform/spec"
)

// Profile selects the behaviour family the mock emulates where clouds
// differ (spec.Bases; the values are spec's).
type Profile string

const (
	// ProfileHuawei emulates Huawei Cloud ECS: the primary NIC cannot be
	// detached (403) and a port not attached to the server answers 404.
	ProfileHuawei Profile = spec.ProfileHuawei
	// ProfileNova emulates upstream OpenStack Nova: no primary NIC concept
	// (every NIC is detachable) and a port not attached to the server
	// answers 202 with no effect.
	ProfileNova Profile = spec.ProfileNova
)

// ErrorShape selects the JSON shape of error bodies: spec.ErrorShape,
// named here for the mock's callers.
type ErrorShape = spec.ErrorShape

const (
	// ErrorsNova answers Nova faults: {"itemNotFound":{"code":404,"message":"…"}}.
	ErrorsNova = spec.ErrorsNova
	// ErrorsHuawei answers Huawei errors: {"error":{"code":"Ecs.0085","message":"…"}}.
	ErrorsHuawei = spec.ErrorsHuawei
)

// Defaults applied by New to zero-valued Options fields.
const (
	DefaultDelay   = 50 * time.Millisecond
	DefaultServers = 1
	DefaultToken   = "nicconform-dev-token"
	// DefaultDomain is the IAM domain of a User that names none.
	DefaultDomain = "nicconform"
	// DefaultMaxSkew is the X-Sdk-Date clock skew a signature may have.
	DefaultMaxSkew = aksk.DefaultMaxSkew
	// TokenLifetime is how long a token the mock's IAM issues is valid.
	TokenLifetime = 24 * time.Hour
)

// User is an IAM user who can log in to the mock (POST /v3/auth/tokens)
// with a password, for a token scoped to the mock's project.
type User struct {
	Name, Password string
	// Domain is the user's domain name; default DefaultDomain.
	Domain string
	// Admin gives the user the admin role: the login answer's token names
	// the roles admin and member (else member), and under ProfileNova a
	// detach with the user's token passes a server's lock, as upstream
	// Nova lets an admin do (check_instance_lock, nova/compute/api.py:236-241).
	Admin bool
}

// String never shows the password.
func (u User) String() string { return fmt.Sprintf("User{%s@%s, password REDACTED}", u.Name, u.Domain) }

// GoString never shows the password (%#v).
func (u User) GoString() string { return u.String() }

// Verifier authenticates a request. It receives the request and its body
// (already read; at most the body limit). A nil error means authenticated.
// It is a seam for credentials the mock does not know itself.
type Verifier interface {
	Verify(r *http.Request, body []byte) error
}

// Options configures a Mock. The zero value is a faithful huawei-profile
// mock with Nova-shaped errors, one server, a 50ms detach delay and the
// token DefaultToken.
//
// A request is authenticated when any of these holds: its X-Auth-Token is
// Token or a token the mock's IAM issued (and not expired); it carries a
// valid SDK-HMAC-SHA256 signature by a key in AKSK; Auth accepts it.
type Options struct {
	// Profile is the emulated cloud; default ProfileHuawei.
	Profile Profile
	// Errors is the error body shape; default ErrorsNova.
	Errors ErrorShape
	// Delay is how long an accepted detach takes to complete. Zero means
	// DefaultDelay; to complete detaches before the 202 is written set
	// ImmediateDetach instead. Negative values are rejected.
	Delay time.Duration
	// ImmediateDetach makes a detach complete before its 202 is written
	// (a delay of zero). It overrides Delay.
	ImmediateDetach bool
	// Servers is the number of seeded servers; default DefaultServers.
	Servers int
	// Token is the accepted static X-Auth-Token; default DefaultToken.
	Token string
	// AKSK are the access keys whose SDK-HMAC-SHA256 signatures are
	// accepted: access key id → secret key.
	AKSK map[string]string
	// Users may log in to the mock's IAM (POST /v3/auth/tokens, password
	// method, scoped to the mock's project id) for a token valid
	// TokenLifetime.
	Users []User
	// MaxSkew is how far X-Sdk-Date may be from the mock's clock; default
	// DefaultMaxSkew. Negative values are rejected.
	MaxSkew time.Duration
	// Deviations are the behaviours to break on purpose (see Deviations).
	Deviations []Deviation
	// ReservePort emulates the reserve_port regional variant: a detach
	// deletes the NIC's port unless it carries reserve_port=true, which
	// keeps (unbinds) it (docs/reference.md §1, §7).
	ReservePort bool
	// Throttle, when positive, answers every Throttle-th request with 429
	// and Retry-After: 0 before doing anything with it, as a rate-limited
	// cloud does: a client must wait and retry.
	Throttle int
	// Auth, when non-nil, is one more way to authenticate: a request it
	// accepts is authenticated (whatever its token or signature).
	Auth Verifier
	// BindDown and BindBuild, under ProfileNova, are how long a port an
	// attach bound shows status DOWN (also the attach answer's port_state),
	// then BUILD, before ACTIVE: upstream ML2 with an L2 agent, one agent
	// poll (nova/api/openstack/compute/attach_interfaces.py:47 answers the
	// port's status of the moment; docs/openstack.md). Zero: ACTIVE at once.
	BindDown, BindBuild time.Duration
	// Logger, when non-nil, receives one line per request. It never sees
	// a token, a password or the Authorization header.
	Logger *slog.Logger
}

// withDefaults validates o and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	if o.Profile == "" {
		o.Profile = ProfileHuawei
	} else if err := spec.CheckBase(string(o.Profile)); err != nil {
		return o, fmt.Errorf("mock: profile: %w", err)
	}
	var err error
	if o.Errors, err = spec.ParseErrorShape(string(o.Errors)); err != nil {
		return o, fmt.Errorf("mock: %w", err)
	}
	switch {
	case o.Delay < 0:
		return o, fmt.Errorf("mock: negative detach delay %s", o.Delay)
	case o.ImmediateDetach:
		o.Delay = 0
	case o.Delay == 0:
		o.Delay = DefaultDelay
	}
	switch {
	case o.Servers < 0:
		return o, fmt.Errorf("mock: negative server count %d", o.Servers)
	case o.Servers == 0:
		o.Servers = DefaultServers
	}
	switch {
	case o.BindDown < 0 || o.BindBuild < 0:
		return o, fmt.Errorf("mock: negative bind delay %s, %s", o.BindDown, o.BindBuild)
	case (o.BindDown > 0 || o.BindBuild > 0) && o.Profile != ProfileNova:
		return o, fmt.Errorf("mock: bind delays are upstream Nova's (ML2 with an agent): profile %s shows a bound port ACTIVE at once", o.Profile)
	}
	if o.Throttle < 0 {
		return o, fmt.Errorf("mock: negative throttle %d", o.Throttle)
	}
	if o.Token == "" {
		o.Token = DefaultToken
	}
	switch {
	case o.MaxSkew < 0:
		return o, fmt.Errorf("mock: negative signature clock skew %s", o.MaxSkew)
	case o.MaxSkew == 0:
		o.MaxSkew = DefaultMaxSkew
	}
	for ak, sk := range o.AKSK {
		if ak == "" || sk == "" || strings.ContainsAny(ak, " ,=;") {
			return o, fmt.Errorf("mock: access key %q: want a non-empty id without spaces, ',', '=' or ';', and a non-empty secret key", ak)
		}
	}
	o.AKSK = maps.Clone(o.AKSK)
	o.Users = slices.Clone(o.Users)
	for i, u := range o.Users {
		if u.Domain == "" {
			o.Users[i].Domain = DefaultDomain
		}
		if u.Name == "" || u.Password == "" {
			return o, fmt.Errorf("mock: IAM user %d (%q): the name and the password must not be empty", i, u.Name)
		}
	}
	devs := make([]Deviation, 0, len(o.Deviations))
	for _, d := range o.Deviations {
		parsed, err := ParseDeviation(string(d))
		if err != nil {
			return o, err
		}
		devs = append(devs, parsed)
	}
	o.Deviations = devs
	return o, nil
}
