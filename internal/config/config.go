// Package config resolves the target a conformance run talks to from the
// environment, following DESIGN.md's target contract: with no
// NICCONFORM_COMPUTE_URL the run uses the embedded reference mock; with one,
// the given target and the ids that go with it. A missing or inconsistent
// setting is an error naming the variable, found before any request.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Profiles a run can expect.
const (
	ProfileHuawei = "huawei"
	ProfileNova   = "nova"
)

// Defaults for the detach bound and the completion poll.
const (
	DefaultDetachTimeoutLive = 300 * time.Second
	DefaultDetachTimeoutMock = 10 * time.Second
	DefaultPollIntervalLive  = time.Second
	DefaultPollIntervalMock  = 10 * time.Millisecond
	DefaultReportDir         = "reports"
)

// Target is a resolved configuration. Token is a secret: print a Target
// with String, which masks it.
type Target struct {
	// Embedded is true when no NICCONFORM_COMPUTE_URL is set: the run
	// starts the reference mock in process.
	Embedded bool

	ComputeURL    string
	NetworkURL    string
	ProjectID     string
	ServerID      string
	NetworkID     string
	PrimaryPortID string // empty: discovered (the only NIC the server had before the run)
	OtherServerID string // optional second server, for a port attached elsewhere

	Profile       string
	DetachTimeout time.Duration
	PollInterval  time.Duration
	ReportDir     string
	RunID         string

	Token string // X-Auth-Token; secret

	// Embedded mock settings (NICCONFORM_MOCK_*), used only when Embedded.
	MockDeviations []string
	MockErrors     string
	MockDelay      time.Duration

	// Sources names the variable each value came from ("default" when none).
	Sources map[string]string
}

// Lookup reads one variable, like os.LookupEnv.
type Lookup func(name string) (string, bool)

// FromEnv resolves the configuration from the process environment.
func FromEnv() (Target, error) { return Resolve(os.LookupEnv) }

var (
	hexProject = regexp.MustCompile(`^[0-9a-f]{32}$`)
	runIDChars = regexp.MustCompile(`^[a-z0-9]{1,16}$`)
)

// Resolve builds a Target from variables looked up with env. Every problem
// found is reported, each naming its variable.
func Resolve(env Lookup) (Target, error) {
	r := resolver{env: env, t: Target{Sources: map[string]string{}}}
	t := &r.t

	t.ComputeURL = r.first("ComputeURL", "NICCONFORM_COMPUTE_URL")
	t.Embedded = t.ComputeURL == ""
	t.NetworkURL = r.first("NetworkURL", "NICCONFORM_NETWORK_URL")
	t.ProjectID = r.first("ProjectID", "NICCONFORM_PROJECT_ID", "HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID", "OS_PROJECT_ID")
	t.ServerID = r.first("ServerID", "NICCONFORM_SERVER_ID")
	t.NetworkID = r.first("NetworkID", "NICCONFORM_NETWORK_ID")
	t.PrimaryPortID = r.first("PrimaryPortID", "NICCONFORM_PRIMARY_PORT_ID")
	t.OtherServerID = r.first("OtherServerID", "NICCONFORM_OTHER_SERVER_ID")
	t.Token = r.first("Token", "NICCONFORM_AUTH_TOKEN", "HW_AUTH_TOKEN", "OS_AUTH_TOKEN")
	t.Profile = r.first("Profile", "NICCONFORM_PROFILE")
	t.ReportDir = r.first("ReportDir", "NICCONFORM_REPORT_DIR")
	t.RunID = r.first("RunID", "NICCONFORM_RUN_ID")

	if t.Profile == "" {
		t.Profile = r.dflt("Profile", ProfileHuawei)
	}
	if t.Profile != ProfileHuawei && t.Profile != ProfileNova {
		r.errf("NICCONFORM_PROFILE=%q: want %q or %q", t.Profile, ProfileHuawei, ProfileNova)
	}
	if t.ReportDir == "" {
		t.ReportDir = r.dflt("ReportDir", DefaultReportDir)
	}
	if t.RunID != "" && !runIDChars.MatchString(t.RunID) {
		r.errf("NICCONFORM_RUN_ID=%q: want 1 to 16 lowercase letters or digits (it goes into resource names)", t.RunID)
	}

	timeout, poll := DefaultDetachTimeoutLive, DefaultPollIntervalLive
	if t.Embedded {
		timeout, poll = DefaultDetachTimeoutMock, DefaultPollIntervalMock
	}
	t.DetachTimeout = r.duration("DetachTimeout", "NICCONFORM_DETACH_TIMEOUT", timeout)
	t.PollInterval = r.duration("PollInterval", "NICCONFORM_POLL_INTERVAL", poll)
	if t.PollInterval > t.DetachTimeout {
		r.errf("NICCONFORM_POLL_INTERVAL (%s) is longer than NICCONFORM_DETACH_TIMEOUT (%s)", t.PollInterval, t.DetachTimeout)
	}

	for _, name := range []string{"HW_ACCESS_KEY", "HW_SECRET_KEY", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HW_USER_PASSWORD", "OS_PASSWORD"} {
		if _, ok := env(name); ok && t.Token == "" {
			r.errf("%s is set, but this version authenticates with a token only: set NICCONFORM_AUTH_TOKEN (AK/SK signing and IAM password login are not implemented yet)", name)
		}
	}

	mockVars := []string{"NICCONFORM_MOCK_DEVIATION", "NICCONFORM_MOCK_ERRORS", "NICCONFORM_MOCK_DELAY"}
	if t.Embedded {
		r.embedded(mockVars)
	} else {
		r.live(mockVars)
	}
	if len(r.errs) > 0 {
		return Target{}, fmt.Errorf("config: %w", errors.Join(r.errs...))
	}
	return *t, nil
}

func (r *resolver) embedded(mockVars []string) {
	t := &r.t
	for _, name := range []string{"NICCONFORM_NETWORK_URL", "NICCONFORM_SERVER_ID", "NICCONFORM_NETWORK_ID", "NICCONFORM_PRIMARY_PORT_ID", "NICCONFORM_OTHER_SERVER_ID", "NICCONFORM_PROJECT_ID"} {
		if v, ok := r.env(name); ok && v != "" {
			r.errf("%s is set but NICCONFORM_COMPUTE_URL is not: set the target's URL too, or unset %s to use the embedded mock", name, name)
		}
	}
	// Credentials the user may have for a live cloud do not apply to the mock.
	t.ProjectID, t.Token = "", ""
	delete(t.Sources, "ProjectID")
	delete(t.Sources, "Token")
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
	t.MockDelay = r.duration("MockDelay", mockVars[2], -1)
}

func (r *resolver) live(mockVars []string) {
	t := &r.t
	for _, name := range mockVars {
		if v, ok := r.env(name); ok && v != "" {
			r.errf("%s configures the embedded mock, but NICCONFORM_COMPUTE_URL points at a target", name)
		}
	}
	r.checkURL("NICCONFORM_COMPUTE_URL", t.ComputeURL)
	if t.NetworkURL == "" {
		t.NetworkURL = r.dflt("NetworkURL", t.ComputeURL)
	} else {
		r.checkURL("NICCONFORM_NETWORK_URL", t.NetworkURL)
	}
	if t.ServerID == "" {
		r.errf("NICCONFORM_SERVER_ID is required with NICCONFORM_COMPUTE_URL: an ACTIVE server the suite may attach NICs to and detach them from")
	}
	if t.NetworkID == "" {
		r.errf("NICCONFORM_NETWORK_ID is required with NICCONFORM_COMPUTE_URL: the network for new ports and net_id attaches")
	}
	if t.ProjectID == "" {
		r.errf("NICCONFORM_PROJECT_ID (or HW_PROJECT_ID, OS_PROJECT_ID) is required with NICCONFORM_COMPUTE_URL")
	} else if t.Profile == ProfileHuawei && !hexProject.MatchString(t.ProjectID) {
		r.errf("%s=%q: a Huawei Cloud project id is 32 lowercase hex characters", t.Sources["ProjectID"], t.ProjectID)
	}
	if t.Token == "" {
		r.errf("NICCONFORM_AUTH_TOKEN (or HW_AUTH_TOKEN, OS_AUTH_TOKEN) is required with NICCONFORM_COMPUTE_URL")
	}
}

// String describes the target with every secret masked.
func (t Target) String() string {
	token := "(none)"
	if t.Token != "" {
		token = "****"
	}
	where := t.ComputeURL
	if t.Embedded {
		where = "embedded reference mock"
	}
	return fmt.Sprintf("target=%s profile=%s server=%s network=%s project=%s token=%s detach-timeout=%s",
		where, t.Profile, t.ServerID, t.NetworkID, t.ProjectID, token, t.DetachTimeout)
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
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
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
