package mock

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Profile selects the cloud whose behaviour the mock emulates where clouds
// differ.
type Profile string

const (
	// ProfileHuawei emulates Huawei Cloud ECS: the primary NIC cannot be
	// detached (403) and a port not attached to the server answers 404.
	ProfileHuawei Profile = "huawei"
	// ProfileNova emulates upstream OpenStack Nova: no primary NIC concept
	// (every NIC is detachable) and a port not attached to the server
	// answers 202 with no effect.
	ProfileNova Profile = "nova"
)

// ErrorShape selects the JSON shape of error bodies.
type ErrorShape string

const (
	// ErrorsNova answers Nova faults: {"itemNotFound":{"code":404,"message":"…"}}.
	ErrorsNova ErrorShape = "nova"
	// ErrorsHuawei answers Huawei errors: {"error":{"code":"Ecs.0085","message":"…"}}.
	ErrorsHuawei ErrorShape = "huawei"
)

// Defaults applied by New to zero-valued Options fields.
const (
	DefaultDelay   = 50 * time.Millisecond
	DefaultServers = 1
	DefaultToken   = "nicconform-dev-token"
)

// Verifier authenticates a request. It receives the request and its body
// (already read; at most the body limit). A nil error means authenticated.
// It is the seam for AK/SK signature verification.
type Verifier interface {
	Verify(r *http.Request, body []byte) error
}

// Options configures a Mock. The zero value is a faithful huawei-profile
// mock with Nova-shaped errors, one server, a 50ms detach delay and the
// token DefaultToken.
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
	// Token is the accepted X-Auth-Token; default DefaultToken.
	Token string
	// Deviations are the behaviours to break on purpose (see Deviations).
	Deviations []Deviation
	// Auth, when non-nil, authenticates requests instead of the token check.
	Auth Verifier
	// Logger, when non-nil, receives one line per request. It never sees
	// the token or the Authorization header.
	Logger *slog.Logger
}

// withDefaults validates o and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	switch o.Profile {
	case "":
		o.Profile = ProfileHuawei
	case ProfileHuawei, ProfileNova:
	default:
		return o, fmt.Errorf("mock: unknown profile %q (want %q or %q)", o.Profile, ProfileHuawei, ProfileNova)
	}
	switch o.Errors {
	case "":
		o.Errors = ErrorsNova
	case ErrorsNova, ErrorsHuawei:
	default:
		return o, fmt.Errorf("mock: unknown error shape %q (want %q or %q)", o.Errors, ErrorsNova, ErrorsHuawei)
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
	if o.Token == "" {
		o.Token = DefaultToken
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
