// Package config resolves the target a conformance run talks to from the
// environment, following docs/design.md's target contract and the variables
// users already have (docs/reference.md §5: HW_*, HUAWEICLOUD_SDK_*, OS_*):
// with no target the run uses the embedded reference mock; with one, the given
// endpoints, ids and credentials. A missing, partial or contradictory setting
// is an error naming the variables, found before any request.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Profiles a run can expect.
const (
	ProfileHuawei = "huawei"
	ProfileNova   = "nova"
)

// Authentication modes.
const (
	AuthNone     = ""
	AuthToken    = "token"
	AuthAKSK     = "aksk"
	AuthPassword = "password"
)

// Defaults for the detach bound and the completion poll.
const (
	DefaultDetachTimeoutLive = 300 * time.Second
	DefaultDetachTimeoutMock = 10 * time.Second
	DefaultPollIntervalLive  = time.Second
	DefaultPollIntervalMock  = 10 * time.Millisecond
	DefaultReportDir         = "reports"
	DefaultRequestTimeout    = 30 * time.Second
)

// Auth holds the credentials of one authentication mode. Token, SK,
// SecurityToken and Password are secrets.
type Auth struct {
	Mode string // AuthToken, AuthAKSK, AuthPassword, or AuthNone

	Token string

	AK, SK, SecurityToken string

	AuthURL, User, Password, Domain string
}

// Target is a resolved configuration. Print it with String or Describe,
// which mask every secret.
type Target struct {
	// Embedded is true when no target is configured (no
	// NICCONFORM_COMPUTE_URL and no region): the run starts the reference
	// mock in process.
	Embedded bool
	// DryRun rehearses the run against the embedded mock, with the target's
	// profile, and lists what the run would create and call on the target,
	// which it never contacts.
	DryRun bool

	Region        string
	ComputeURL    string
	NetworkURL    string
	ProjectID     string
	ServerID      string
	NetworkID     string
	PrimaryPortID string // empty: discovered (the only NIC the server had before the run)
	OtherServerID string // optional second server, for a port attached elsewhere

	Auth     Auth
	Insecure bool // skip TLS verification (HW_INSECURE), for private CAs

	// AllowPrimaryProbe lets the suite send the primary-NIC DELETE to a
	// configured target: a broken cloud would really detach the primary NIC.
	AllowPrimaryProbe bool

	Profile       string
	DetachTimeout time.Duration
	PollInterval  time.Duration
	// RequestTimeout bounds one HTTP attempt (a target that accepts the
	// connection and never answers).
	RequestTimeout time.Duration
	// Settle, when positive, is how long a "changes nothing" check watches
	// for a delayed effect; zero lets the run measure it (three times the
	// detach latency).
	Settle    time.Duration
	ReportDir string
	RunID     string

	// Embedded mock settings (NICCONFORM_MOCK_*), used only when Embedded.
	MockDeviations []string
	MockErrors     string
	MockDelay      time.Duration // negative: the mock's default
	MockAuth       string        // the auth mode the embedded mock and client use

	// Sources names the variable each value came from ("default" or
	// "derived from …" when none).
	Sources map[string]string
}

// Lookup reads one variable, like os.LookupEnv.
type Lookup func(name string) (string, bool)

// FromEnv resolves the configuration from the process environment.
func FromEnv() (Target, error) { return Resolve(os.LookupEnv) }

var (
	hexProject = regexp.MustCompile(`^[0-9a-f]{32}$`)
	runIDChars = regexp.MustCompile(`^[a-z0-9]{1,16}$`)
	regionName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// Resolve builds a Target from variables looked up with env. Every problem
// found is reported, each naming its variables.
func Resolve(env Lookup) (Target, error) {
	r := resolver{env: env, t: Target{Sources: map[string]string{}}}
	t := &r.t

	t.Region = r.first("Region", "HW_REGION_NAME", "OS_REGION_NAME")
	t.ComputeURL = r.first("ComputeURL", "NICCONFORM_COMPUTE_URL")
	t.NetworkURL = r.first("NetworkURL", "NICCONFORM_NETWORK_URL")
	t.ProjectID = r.first("ProjectID", "NICCONFORM_PROJECT_ID", "HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID", "OS_PROJECT_ID")
	t.ServerID = r.first("ServerID", "NICCONFORM_SERVER_ID")
	t.NetworkID = r.first("NetworkID", "NICCONFORM_NETWORK_ID")
	t.PrimaryPortID = r.first("PrimaryPortID", "NICCONFORM_PRIMARY_PORT_ID")
	t.OtherServerID = r.first("OtherServerID", "NICCONFORM_OTHER_SERVER_ID")
	t.Profile = r.first("Profile", "NICCONFORM_PROFILE")
	t.ReportDir = r.first("ReportDir", "NICCONFORM_REPORT_DIR")
	t.RunID = r.first("RunID", "NICCONFORM_RUN_ID")
	t.Insecure = r.boolean("Insecure", "HW_INSECURE", "OS_INSECURE")
	t.AllowPrimaryProbe = r.boolean("AllowPrimaryProbe", "NICCONFORM_ALLOW_PRIMARY_PROBE")
	t.DryRun = r.boolean("DryRun", "NICCONFORM_DRY_RUN")
	t.Embedded = t.ComputeURL == "" && t.Region == ""

	if t.Profile == "" {
		t.Profile = r.dflt("Profile", ProfileHuawei)
	}
	if t.Profile != ProfileHuawei && t.Profile != ProfileNova {
		r.errf("NICCONFORM_PROFILE=%q: want %q or %q", t.Profile, ProfileHuawei, ProfileNova)
	}
	if t.ReportDir == "" {
		t.ReportDir = r.dflt("ReportDir", DefaultReportDir)
	}
	if t.RunID == "" {
		t.RunID = r.dflt("RunID", NewRunID(time.Now()))
	} else if !runIDChars.MatchString(t.RunID) {
		r.errf("NICCONFORM_RUN_ID=%q: want 1 to 16 lowercase letters or digits (it goes into resource names)", t.RunID)
	}

	timeout, poll := DefaultDetachTimeoutLive, DefaultPollIntervalLive
	if t.Embedded || t.DryRun {
		timeout, poll = DefaultDetachTimeoutMock, DefaultPollIntervalMock
	}
	t.DetachTimeout = r.duration("DetachTimeout", "NICCONFORM_DETACH_TIMEOUT", timeout)
	t.PollInterval = r.duration("PollInterval", "NICCONFORM_POLL_INTERVAL", poll)
	t.RequestTimeout = r.duration("RequestTimeout", "NICCONFORM_REQUEST_TIMEOUT", DefaultRequestTimeout)
	if t.RequestTimeout == 0 {
		r.errf("NICCONFORM_REQUEST_TIMEOUT must be positive")
	}
	if v, ok := env("NICCONFORM_SETTLE"); ok && strings.TrimSpace(v) != "" {
		t.Settle = r.duration("Settle", "NICCONFORM_SETTLE", 0)
		if t.Settle < t.PollInterval || t.Settle > t.DetachTimeout {
			r.errf("NICCONFORM_SETTLE (%s) must lie between NICCONFORM_POLL_INTERVAL (%s) and NICCONFORM_DETACH_TIMEOUT (%s): a check that watches less than one poll watches nothing", t.Settle, t.PollInterval, t.DetachTimeout)
		}
	}
	if t.PollInterval > t.DetachTimeout {
		r.errf("NICCONFORM_POLL_INTERVAL (%s) is longer than NICCONFORM_DETACH_TIMEOUT (%s)", t.PollInterval, t.DetachTimeout)
	}

	r.credentials()
	mockVars := []string{"NICCONFORM_MOCK_DEVIATION", "NICCONFORM_MOCK_ERRORS", "NICCONFORM_MOCK_DELAY", "NICCONFORM_MOCK_AUTH"}
	if t.Embedded {
		r.embedded()
	} else {
		r.live(mockVars)
	}
	if len(r.errs) > 0 {
		return Target{}, fmt.Errorf("config: %w", errors.Join(r.errs...))
	}
	return *t, nil
}

// credentials resolves at most one authentication mode.
func (r *resolver) credentials() {
	a := &r.t.Auth
	a.Token = r.first("Token", "NICCONFORM_AUTH_TOKEN", "HW_AUTH_TOKEN", "OS_AUTH_TOKEN")
	a.AK = r.first("AK", "HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK", "OS_ACCESS_KEY")
	a.SK = r.first("SK", "HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK", "OS_SECRET_KEY")
	a.SecurityToken = r.first("SecurityToken", "HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "OS_SECURITY_TOKEN")
	a.User = r.first("User", "HW_USER_NAME", "OS_USERNAME", "OS_USER_NAME")
	a.Password = r.first("Password", "HW_USER_PASSWORD", "OS_PASSWORD")
	a.Domain = r.first("Domain", "HW_DOMAIN_NAME", "OS_USER_DOMAIN_NAME", "OS_DOMAIN_NAME")
	a.AuthURL = r.first("AuthURL", "HW_AUTH_URL", "HUAWEICLOUD_SDK_IAM_ENDPOINT", "OS_AUTH_URL")

	var modes []string
	if a.Token != "" {
		modes = append(modes, AuthToken+" ("+r.t.Sources["Token"]+")")
		a.Mode = AuthToken
	}
	if a.AK != "" || a.SK != "" {
		modes = append(modes, "AK/SK ("+strings.TrimSpace(r.t.Sources["AK"]+" "+r.t.Sources["SK"])+")")
		a.Mode = AuthAKSK
		switch {
		case a.AK == "":
			r.errf("%s is set without an access key: set HW_ACCESS_KEY (or HUAWEICLOUD_SDK_AK) too", r.t.Sources["SK"])
		case a.SK == "":
			r.errf("%s is set without its secret key: set HW_SECRET_KEY (or HUAWEICLOUD_SDK_SK) too", r.t.Sources["AK"])
		}
	} else if a.SecurityToken != "" {
		r.errf("%s (a temporary credential) goes with an AK/SK pair: set HW_ACCESS_KEY and HW_SECRET_KEY too", r.t.Sources["SecurityToken"])
	}
	if a.Password != "" || a.User != "" {
		modes = append(modes, "IAM password ("+strings.TrimSpace(r.t.Sources["User"]+" "+r.t.Sources["Password"])+")")
		a.Mode = AuthPassword
		if a.User == "" {
			r.errf("%s is set without a user name: set HW_USER_NAME (or OS_USERNAME)", r.t.Sources["Password"])
		}
		if a.Password == "" {
			r.errf("%s is set without a password: set HW_USER_PASSWORD (or OS_PASSWORD)", r.t.Sources["User"])
		}
		if a.Domain == "" {
			r.errf("IAM password login needs the user's domain: set HW_DOMAIN_NAME (or OS_USER_DOMAIN_NAME)")
		}
	}
	if len(modes) > 1 {
		r.errf("credentials for more than one way to authenticate are set: %s; keep exactly one", strings.Join(modes, ", "))
	}
}

func (r *resolver) embedded() {
	t := &r.t
	for _, name := range []string{"NICCONFORM_NETWORK_URL", "NICCONFORM_SERVER_ID", "NICCONFORM_NETWORK_ID", "NICCONFORM_PRIMARY_PORT_ID", "NICCONFORM_OTHER_SERVER_ID", "NICCONFORM_PROJECT_ID"} {
		if v, ok := r.env(name); ok && v != "" {
			r.errf("%s is set but NICCONFORM_COMPUTE_URL is not: set the target's URL too, or unset %s to use the embedded mock", name, name)
		}
	}
	// Credentials the user may have for a live cloud do not apply to the
	// mock, which makes its own; they are never sent anywhere.
	t.ProjectID, t.Auth = "", Auth{}
	for _, k := range []string{"ProjectID", "Token", "AK", "SK", "SecurityToken", "User", "Password", "Domain", "AuthURL"} {
		delete(t.Sources, k)
	}
	r.mockSettings()
}

func (r *resolver) mockSettings() {
	t := &r.t
	if v := r.first("MockDeviations", "NICCONFORM_MOCK_DEVIATION"); v != "" {
		for _, d := range strings.Split(v, ",") {
			if d = strings.TrimSpace(d); d != "" {
				t.MockDeviations = append(t.MockDeviations, d)
			}
		}
	}
	t.MockErrors = r.first("MockErrors", "NICCONFORM_MOCK_ERRORS")
	if t.MockErrors != "" && t.MockErrors != "nova" && t.MockErrors != "huawei" {
		r.errf("NICCONFORM_MOCK_ERRORS=%q: want \"nova\" or \"huawei\"", t.MockErrors)
	}
	t.MockDelay = r.duration("MockDelay", "NICCONFORM_MOCK_DELAY", -1)
	t.MockAuth = r.first("MockAuth", "NICCONFORM_MOCK_AUTH")
	switch t.MockAuth {
	case "":
		t.MockAuth = AuthToken
	case AuthToken, AuthAKSK, AuthPassword:
	default:
		r.errf("NICCONFORM_MOCK_AUTH=%q: want %q, %q or %q", t.MockAuth, AuthToken, AuthAKSK, AuthPassword)
	}
}

func (r *resolver) live(mockVars []string) {
	t := &r.t
	if t.DryRun {
		r.mockSettings()
	} else {
		for _, name := range mockVars {
			if v, ok := r.env(name); ok && v != "" {
				r.errf("%s configures the embedded mock, but a target is configured (NICCONFORM_COMPUTE_URL or HW_REGION_NAME)", name)
			}
		}
	}
	if t.Region != "" && !regionName.MatchString(t.Region) {
		r.errf("%s=%q is not a region name such as cn-north-4", t.Sources["Region"], t.Region)
	}
	if t.ComputeURL == "" {
		t.ComputeURL = r.derived("ComputeURL", "https://ecs."+t.Region+".myhuaweicloud.com")
	} else {
		r.checkURL("NICCONFORM_COMPUTE_URL", t.ComputeURL)
	}
	switch {
	case t.NetworkURL != "":
		r.checkURL("NICCONFORM_NETWORK_URL", t.NetworkURL)
	case t.Region != "":
		t.NetworkURL = r.derived("NetworkURL", "https://vpc."+t.Region+".myhuaweicloud.com")
	default:
		t.NetworkURL = r.derived("NetworkURL", t.ComputeURL)
	}
	if t.Auth.Mode == AuthPassword {
		switch {
		case t.Auth.AuthURL != "":
			r.checkURL(t.Sources["AuthURL"], t.Auth.AuthURL)
		case t.Region != "":
			t.Auth.AuthURL = r.derived("AuthURL", "https://iam."+t.Region+".myhuaweicloud.com")
		default:
			r.errf("IAM password login needs HW_AUTH_URL (or OS_AUTH_URL, or HW_REGION_NAME to derive it)")
		}
	}
	if t.ServerID == "" {
		r.errf("NICCONFORM_SERVER_ID is required with a target: an ACTIVE server the suite may attach NICs to and detach them from")
	}
	if t.NetworkID == "" {
		r.errf("NICCONFORM_NETWORK_ID is required with a target: the network for new ports and net_id attaches")
	}
	if t.ProjectID == "" {
		r.errf("NICCONFORM_PROJECT_ID (or HW_PROJECT_ID, HUAWEICLOUD_SDK_PROJECT_ID, OS_PROJECT_ID) is required with a target")
	} else if t.Profile == ProfileHuawei && !hexProject.MatchString(t.ProjectID) {
		r.errf("%s=%q: a Huawei Cloud project id is 32 lowercase hex characters", t.Sources["ProjectID"], t.ProjectID)
	}
	if t.Auth.Mode == AuthNone {
		r.errf("no credentials for the target: set NICCONFORM_AUTH_TOKEN (or HW_AUTH_TOKEN, OS_AUTH_TOKEN), HW_ACCESS_KEY and HW_SECRET_KEY, or HW_USER_NAME, HW_USER_PASSWORD and HW_DOMAIN_NAME")
	}
}

// NewRunID makes a run id that starts with the time in base 36 (so a sweep
// can tell a run's age by its resources' names) and ends with four letters
// or digits taken from the clock's nanoseconds: not random, so runs started
// at the same nanosecond get the same id.
func NewRunID(now time.Time) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 4)
	seed := now.UnixNano()
	for i := range b {
		b[i] = alphabet[int((seed>>(7*i))&0x7fffffff)%len(alphabet)]
	}
	return strconv.FormatInt(now.Unix(), 36) + string(b)
}

// RunTime reads the start time back from a run id NewRunID made.
func RunTime(runID string) (time.Time, bool) {
	if len(runID) < 7 {
		return time.Time{}, false
	}
	secs, err := strconv.ParseInt(runID[:len(runID)-4], 36, 64)
	if err != nil || secs < 1500000000 || secs > 1<<33 {
		return time.Time{}, false
	}
	return time.Unix(secs, 0), true
}

// String describes the target in one line with every secret masked.
func (t Target) String() string {
	where := t.ComputeURL
	switch {
	case t.DryRun:
		where = "dry run for " + t.ComputeURL
	case t.Embedded:
		where = "embedded reference mock"
	}
	return fmt.Sprintf("target=%s profile=%s server=%s network=%s project=%s auth=%s detach-timeout=%s",
		where, t.Profile, t.ServerID, t.NetworkID, t.ProjectID, t.authSummary(), t.DetachTimeout)
}

func (t Target) authSummary() string {
	switch t.Auth.Mode {
	case AuthToken:
		return "token ****"
	case AuthAKSK:
		s := "AK/SK " + t.Auth.AK + ":****"
		if t.Auth.SecurityToken != "" {
			s += " with security token ****"
		}
		return s
	case AuthPassword:
		return fmt.Sprintf("IAM password user=%s domain=%s password=**** at %s", t.Auth.User, t.Auth.Domain, t.Auth.AuthURL)
	}
	if t.Embedded {
		return "the mock's own (" + t.MockAuth + ")"
	}
	return "none"
}

// Describe lists every resolved value with the variable it came from, one
// per line, secrets masked: what `nicconform config` prints.
func (t Target) Describe() string {
	mask := func(v string) string {
		if v == "" {
			return ""
		}
		return "****"
	}
	rows := [][2]string{
		{"Mode", map[bool]string{true: "embedded reference mock", false: "configured target"}[t.Embedded]},
		{"DryRun", strconv.FormatBool(t.DryRun)},
		{"Region", t.Region}, {"ComputeURL", t.ComputeURL}, {"NetworkURL", t.NetworkURL},
		{"ProjectID", t.ProjectID}, {"ServerID", t.ServerID}, {"NetworkID", t.NetworkID},
		{"PrimaryPortID", t.PrimaryPortID}, {"OtherServerID", t.OtherServerID},
		{"Auth", t.Auth.Mode}, {"Token", mask(t.Auth.Token)}, {"AK", t.Auth.AK}, {"SK", mask(t.Auth.SK)},
		{"SecurityToken", mask(t.Auth.SecurityToken)}, {"AuthURL", t.Auth.AuthURL}, {"User", t.Auth.User},
		{"Password", mask(t.Auth.Password)}, {"Domain", t.Auth.Domain},
		{"Insecure", strconv.FormatBool(t.Insecure)}, {"AllowPrimaryProbe", strconv.FormatBool(t.AllowPrimaryProbe)},
		{"Profile", t.Profile}, {"DetachTimeout", t.DetachTimeout.String()}, {"PollInterval", t.PollInterval.String()},
		{"RequestTimeout", t.RequestTimeout.String()}, {"Settle", settle(t.Settle)},
		{"ReportDir", t.ReportDir}, {"RunID", t.RunID},
	}
	if t.Embedded || t.DryRun {
		rows = append(rows, [2]string{"MockAuth", t.MockAuth}, [2]string{"MockErrors", t.MockErrors},
			[2]string{"MockDeviations", strings.Join(t.MockDeviations, ",")})
	}
	var b strings.Builder
	for _, row := range rows {
		if row[1] == "" {
			continue
		}
		src := t.Sources[row[0]]
		if src == "" {
			src = "-"
		}
		fmt.Fprintf(&b, "%-18s %-60s %s\n", row[0], row[1], src)
	}
	return b.String()
}

func settle(d time.Duration) string {
	if d == 0 {
		return "measured (3 × the detach latency)"
	}
	return d.String()
}

type resolver struct {
	env  Lookup
	t    Target
	errs []error
}

func (r *resolver) errf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf(format, args...))
}

// first returns the first non-empty variable of names and records it as the
// source of field.
func (r *resolver) first(field string, names ...string) string {
	for _, n := range names {
		if v, ok := r.env(n); ok && strings.TrimSpace(v) != "" {
			r.t.Sources[field] = n
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func (r *resolver) dflt(field, v string) string {
	r.t.Sources[field] = "default"
	return v
}

func (r *resolver) derived(field, v string) string {
	from := "NICCONFORM_COMPUTE_URL"
	if r.t.Region != "" {
		from = r.t.Sources["Region"]
	}
	r.t.Sources[field] = "derived from " + from
	return v
}

func (r *resolver) boolean(field string, names ...string) bool {
	v := r.first(field, names...)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.errf("%s=%q: want true or false", r.t.Sources[field], v)
	}
	return b
}

func (r *resolver) duration(field, name string, def time.Duration) time.Duration {
	v := r.first(field, name)
	if v == "" {
		r.t.Sources[field] = "default"
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		if secs, err2 := strconv.Atoi(v); err2 == nil {
			d, err = time.Duration(secs)*time.Second, nil
		}
	}
	if err != nil || d < 0 {
		r.errf("%s=%q: want a duration such as 300s or 2m", name, v)
		return def
	}
	return d
}

func (r *resolver) checkURL(name, v string) {
	u, err := url.Parse(v)
	switch {
	case err == nil && u.User != nil:
		// Never echo it: the userinfo may hold a password.
		r.errf("%s holds a user name or password: put credentials in their own variables, not in the URL", name)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		r.errf("%s=%q: want an absolute http(s) URL such as https://ecs.cn-north-4.myhuaweicloud.com", name, v)
	}
}

// ReportDir is where reports go (NICCONFORM_REPORT_DIR, default reports/),
// known even when the rest of the configuration is broken, so that a run
// that cannot start still says why in its reports.
func ReportDir() string {
	if v := strings.TrimSpace(os.Getenv("NICCONFORM_REPORT_DIR")); v != "" {
		return v
	}
	return DefaultReportDir
}

// Variables lists every variable the configuration reads, sorted.
func Variables() []string {
	vars := []string{
		"NICCONFORM_COMPUTE_URL", "NICCONFORM_NETWORK_URL", "NICCONFORM_PROJECT_ID", "NICCONFORM_SERVER_ID",
		"NICCONFORM_NETWORK_ID", "NICCONFORM_PRIMARY_PORT_ID", "NICCONFORM_OTHER_SERVER_ID", "NICCONFORM_PROFILE",
		"NICCONFORM_DETACH_TIMEOUT", "NICCONFORM_POLL_INTERVAL", "NICCONFORM_REQUEST_TIMEOUT", "NICCONFORM_SETTLE", "NICCONFORM_REPORT_DIR", "NICCONFORM_RUN_ID",
		"NICCONFORM_AUTH_TOKEN", "NICCONFORM_ALLOW_PRIMARY_PROBE", "NICCONFORM_DRY_RUN",
		"NICCONFORM_MOCK_DEVIATION", "NICCONFORM_MOCK_ERRORS", "NICCONFORM_MOCK_DELAY", "NICCONFORM_MOCK_AUTH",
		"HW_REGION_NAME", "HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN", "HW_PROJECT_ID", "HW_AUTH_URL",
		"HW_USER_NAME", "HW_USER_PASSWORD", "HW_DOMAIN_NAME", "HW_AUTH_TOKEN", "HW_INSECURE",
		"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID", "HUAWEICLOUD_SDK_SECURITY_TOKEN",
		"HUAWEICLOUD_SDK_IAM_ENDPOINT",
		"OS_AUTH_URL", "OS_USERNAME", "OS_USER_NAME", "OS_PASSWORD", "OS_PROJECT_ID", "OS_USER_DOMAIN_NAME",
		"OS_DOMAIN_NAME", "OS_REGION_NAME", "OS_AUTH_TOKEN", "OS_ACCESS_KEY", "OS_SECRET_KEY", "OS_SECURITY_TOKEN",
		"OS_INSECURE",
	}
	sort.Strings(vars)
	return vars
}
