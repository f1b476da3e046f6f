// Package config resolves the settings of a conformance run from variables
// (looked up by a Lookup), following docs/design.md's target contract and
// the variables users already have (docs/reference.md §5: HW_*,
// HUAWEICLOUD_SDK_*, OS_*): with no target the run uses the embedded
// reference mock; with one, the given endpoints, ids and credentials (one
// row per auth mode, auth.go). A missing, partial or contradictory setting
// is an error naming the variables, found before any request.
// internal/target reads the process's variables, once, and turns the
// settings into a target.
package config

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/paths"
	"github.com/nicconform/nicconform/internal/spelling"
	"github.com/nicconform/nicconform/spec"
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

// Settings are a resolved configuration: where the target is (or that
// there is none: the embedded mock), its ids, credentials and bounds.
// internal/target turns them into a target to talk to. Print them with
// String or Describe, which mask every secret.
type Settings struct {
	// Embedded is true when no target is configured (no
	// NICCONFORM_COMPUTE_URL and no region): the run starts the reference
	// mock in process.
	Embedded bool
	// DryRun rehearses the run against the embedded mock, with the target's
	// profile, and lists what the run would create and call on the target,
	// which it never contacts.
	DryRun bool

	// Cloud is the clouds.yaml cloud OS_CLOUD names: a configuration
	// source whose keys stand in for the variables (Sources names the file,
	// the cloud and the key of each value it gave).
	Cloud      string
	Region     string
	ComputeURL string
	// ComputeProjectless is true when NICCONFORM_COMPUTE_URL ends in /v2.1,
	// a compute endpoint that names no project (Nova ≥ 2.18 catalogs): the
	// suite sends /v2.1/servers/… and skips what needs a project in the
	// path. ComputeURL is then, as always, the root below which /v2.1 is.
	ComputeProjectless bool
	NetworkURL         string
	ProjectID          string
	ServerID           string
	NetworkID          string
	PrimaryPortID      string // empty: discovered (the only NIC the server had before the run)
	OtherServerID      string // optional second server, for a port attached elsewhere

	Auth     Auth
	Insecure bool // skip TLS verification (HW_INSECURE), for private CAs

	// AllowPrimaryProbe lets the suite send the primary-NIC DELETE to a
	// configured target: a broken cloud would really detach the primary NIC.
	AllowPrimaryProbe bool

	// Profile names the expectations: a shipped profile (spec/profiles) or
	// a profile file's path; ProfileBase is its behaviour family, "huawei"
	// or "nova".
	Profile       string
	ProfileBase   string
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
	MockErrors     spec.ErrorShape // empty: the mock's default
	MockDelay      time.Duration   // negative: the mock's default
	MockAuth       string          // the auth mode the embedded mock and client use

	// Sources names the variable each value came from ("default" or
	// "derived from …" when none).
	Sources map[string]string
}

// Lookup reads one variable, like os.LookupEnv (internal/target's
// Environment reads the process's, once).
type Lookup func(name string) (string, bool)

var (
	hexProject = regexp.MustCompile(`^[0-9a-f]{32}$`)
	runIDChars = regexp.MustCompile(`^[a-z0-9]{1,16}$`)
	// hostLabel is a region that can go into a host name (RFC 1123, lower case).
	hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// Resolve builds Settings from variables looked up with env. Every problem
// found is reported, each naming its variables.
func Resolve(env Lookup) (Settings, error) {
	t, errs := Diagnose(env)
	if len(errs) > 0 {
		return Settings{}, fmt.Errorf("config: %w", errors.Join(errs...))
	}
	return t, nil
}

// Diagnose resolves like Resolve, but returns what it could resolve even
// when some settings are missing, wrong or contradictory, with every
// problem found (each naming its variables, none echoing a secret): what
// `nicconform config` shows before the problems.
func Diagnose(env Lookup) (Settings, []error) {
	r := resolver{env: env, raw: env, t: Settings{Sources: map[string]string{}}}
	t := &r.t
	r.useCloud()

	t.Region = r.pick("Region", plain, "HW_REGION_NAME", "OS_REGION_NAME")
	t.ComputeURL = r.pick("ComputeURL", endpoint, "NICCONFORM_COMPUTE_URL")
	t.NetworkURL = r.pick("NetworkURL", endpoint, "NICCONFORM_NETWORK_URL")
	t.ProjectID = r.pick("ProjectID", plain, "NICCONFORM_PROJECT_ID", "HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID", "OS_PROJECT_ID")
	t.ServerID = r.pick("ServerID", plain, "NICCONFORM_SERVER_ID")
	t.NetworkID = r.pick("NetworkID", plain, "NICCONFORM_NETWORK_ID")
	t.PrimaryPortID = r.pick("PrimaryPortID", plain, "NICCONFORM_PRIMARY_PORT_ID")
	t.OtherServerID = r.pick("OtherServerID", plain, "NICCONFORM_OTHER_SERVER_ID")
	t.Profile = r.pick("Profile", plain, "NICCONFORM_PROFILE")
	t.ReportDir = r.pick("ReportDir", plain, "NICCONFORM_REPORT_DIR")
	t.RunID = r.pick("RunID", plain, "NICCONFORM_RUN_ID")
	t.Insecure = r.boolean("Insecure", "HW_INSECURE", "OS_INSECURE")
	t.AllowPrimaryProbe = r.boolean("AllowPrimaryProbe", "NICCONFORM_ALLOW_PRIMARY_PROBE")
	t.DryRun = r.boolean("DryRun", "NICCONFORM_DRY_RUN")
	t.Embedded = t.ComputeURL == "" && t.Region == ""
	if t.Embedded && t.Cloud != "" && r.cloud != nil {
		r.errf("OS_CLOUD=%q names a cloud, but it gives neither region_name nor compute_endpoint_override, and NICCONFORM_COMPUTE_URL is not set: give one, or unset OS_CLOUD to use the embedded mock", t.Cloud)
	}

	if t.Profile == "" {
		t.Profile = r.dflt("Profile", spec.ProfileHuawei)
	}
	t.ProfileBase = spec.ProfileHuawei
	if s, err := spec.Load(); err != nil {
		r.errf("the contract: %v", err)
	} else if p, err := s.LoadProfile(t.Profile); err != nil {
		r.errf("NICCONFORM_PROFILE=%q: %v (a shipped profile: %s; or a profile file's path)", t.Profile, err, strings.Join(spec.ShippedProfiles(), ", "))
	} else {
		t.ProfileBase = p.Base
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
	return *t, r.errs
}

func (r *resolver) embedded() {
	t := &r.t
	for _, name := range []string{"NICCONFORM_NETWORK_URL", "NICCONFORM_SERVER_ID", "NICCONFORM_NETWORK_ID", "NICCONFORM_PRIMARY_PORT_ID", "NICCONFORM_OTHER_SERVER_ID", "NICCONFORM_PROJECT_ID"} {
		if v, ok := r.env(name); ok && v != "" {
			r.errf("%s is set but NICCONFORM_COMPUTE_URL is not: set the target's URL too, or unset %s to use the embedded mock", name, name)
		}
	}
	r.scanURLs("NICCONFORM_NETWORK_URL")
	// Credentials the user may have for a live cloud do not apply to the
	// mock, which makes its own; they are never sent anywhere.
	t.ProjectID, t.Auth = "", Auth{}
	delete(t.Sources, "ProjectID")
	for _, set := range authSettings() {
		delete(t.Sources, set.field)
	}
	r.mockSettings()
}

func (r *resolver) mockSettings() {
	t := &r.t
	if v := r.pick("MockDeviations", plain, "NICCONFORM_MOCK_DEVIATION"); v != "" {
		for _, d := range strings.Split(v, ",") {
			if d = strings.TrimSpace(d); d != "" {
				t.MockDeviations = append(t.MockDeviations, d)
			}
		}
	}
	if v := r.pick("MockErrors", plain, "NICCONFORM_MOCK_ERRORS"); v != "" {
		var err error
		if t.MockErrors, err = spec.ParseErrorShape(v); err != nil {
			r.errf("NICCONFORM_MOCK_ERRORS: %v", err)
		}
	}
	t.MockDelay = r.duration("MockDelay", "NICCONFORM_MOCK_DELAY", -1)
	t.MockAuth = r.pick("MockAuth", plain, "NICCONFORM_MOCK_AUTH")
	if t.MockAuth == "" {
		t.MockAuth = AuthToken
	} else if _, ok := findAuthMode(t.MockAuth); !ok {
		r.errf("NICCONFORM_MOCK_AUTH=%q: want %s", t.MockAuth, oneOf(AuthModes(), true, " or "))
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
	r.endpoints()
	if t.ServerID == "" {
		r.errf("NICCONFORM_SERVER_ID is required with a target: an ACTIVE server the suite may attach NICs to and detach them from")
	}
	if t.NetworkID == "" {
		r.errf("NICCONFORM_NETWORK_ID is required with a target: the network for new ports and net_id attaches")
	}
	if t.ProjectID == "" {
		r.errf("NICCONFORM_PROJECT_ID (or HW_PROJECT_ID, HUAWEICLOUD_SDK_PROJECT_ID, OS_PROJECT_ID) is required with a target")
	} else if t.ProfileBase == spec.ProfileHuawei && !hexProject.MatchString(t.ProjectID) {
		r.errf("%s=%q: a Huawei Cloud project id is 32 lowercase hex characters", t.Sources["ProjectID"], t.ProjectID)
	}
	if t.Auth.Mode == AuthNone {
		hints := make([]string, len(authModes))
		for i, m := range authModes {
			hints[i] = m.hint
		}
		r.errf("no credentials for the target: set %s", oneOf(hints, false, ", or "))
	}
}

// computeForm takes NICCONFORM_COMPUTE_URL as catalogs print it
// (docs/reference.md §5): ending in /v2.1/{project}, the project must agree
// with the configured project id (and is it, when none is configured);
// ending in /v2.1, the endpoint names no project (ComputeProjectless). Either
// way ComputeURL keeps the root below which /v2.1 is, which the client
// builds its paths under; a URL ending elsewhere is that root already.
func (r *resolver) computeForm() {
	t := &r.t
	src := cmp.Or(t.Sources["ComputeURL"], "NICCONFORM_COMPUTE_URL")
	u, err := url.Parse(t.ComputeURL)
	if err != nil || u.Host == "" {
		return // checkURL has said why
	}
	segs := strings.Split(strings.TrimRight(u.EscapedPath(), "/"), "/")
	n := len(segs)
	project := ""
	switch {
	case n >= 2 && segs[n-1] == paths.ComputeVersion:
		t.ComputeProjectless = true
		r.t.Sources["ComputeProjectless"] = src + " (ends in /" + paths.ComputeVersion + ")"
		segs = segs[:n-1]
	case n >= 3 && segs[n-2] == paths.ComputeVersion:
		p, err := url.PathUnescape(segs[n-1])
		if err != nil || p == "" {
			r.errf("%s ends in /%s/%s: not a project id", src, paths.ComputeVersion, segs[n-1])
			return
		}
		project, segs = p, segs[:n-2]
	default:
		return
	}
	u.Path, u.RawPath = strings.Join(segs, "/"), ""
	t.ComputeURL = u.String()
	switch {
	case project == "":
	case t.ProjectID == "":
		t.ProjectID = project
		r.t.Sources["ProjectID"] = src + " (its /" + paths.ComputeVersion + "/{project})"
	case t.ProjectID != project:
		r.errf("%s names project %q (/%s/%s) and %s=%q another: they contradict each other; give the compute URL without the project, or the same project in both",
			src, project, paths.ComputeVersion, project, t.Sources["ProjectID"], t.ProjectID)
	}
}

// EndpointRule is how the endpoints are found: one rule, shown by
// `nicconform config -h` and documented in the README.
const EndpointRule = `NICCONFORM_COMPUTE_URL, when set, is the compute endpoint, and the network
endpoint too unless NICCONFORM_NETWORK_URL is set. It may be the root
(https://ecs.cn-north-4.myhuaweicloud.com) or end as catalogs print it: in
/v2.1/{project} (the project must agree with NICCONFORM_PROJECT_ID, or sets it)
or in /v2.1 (a compute endpoint without a project, Nova 2.18 and later: the
suite sends /v2.1/servers/… and skips what needs a project in the path). Without it, the region
(HW_REGION_NAME, or OS_REGION_NAME) derives both: https://ecs.{region}.myhuaweicloud.com
and https://vpc.{region}.myhuaweicloud.com (NICCONFORM_NETWORK_URL still
overrides the second). IAM password login uses HW_AUTH_URL (or
HUAWEICLOUD_SDK_IAM_ENDPOINT, OS_AUTH_URL), else https://iam.{region}.myhuaweicloud.com.
A region that derives an endpoint must be a host label such as cn-north-4;
where every endpoint is explicit, any region name (e.g. RegionOne) is accepted.
With neither NICCONFORM_COMPUTE_URL nor a region, the run uses the embedded
reference mock.`

// Endpoint templates a region fills in.
const (
	computeTemplate = "https://ecs.{region}.myhuaweicloud.com"
	networkTemplate = "https://vpc.{region}.myhuaweicloud.com"
	iamTemplate     = "https://iam.{region}.myhuaweicloud.com"
)

// endpoints applies EndpointRule.
func (r *resolver) endpoints() {
	t := &r.t
	urls := []string{"NICCONFORM_COMPUTE_URL", "NICCONFORM_NETWORK_URL"}
	for _, set := range authSettings() {
		if set.kind == endpoint {
			urls = append(urls, set.names...)
		}
	}
	r.scanURLs(urls...)
	// The region is checked once, and only if an endpoint must be derived from it.
	regionChecked, regionOK := false, false
	derive := func(field, template, explicit string) bool {
		if !regionChecked {
			regionChecked, regionOK = true, hostLabel.MatchString(t.Region)
			if !regionOK {
				r.errf("%s=%q cannot derive %s: a region that derives an endpoint must be a host label such as cn-north-4; set %s (any region name is accepted where the endpoints are explicit)",
					r.t.Sources["Region"], t.Region, template, explicit)
			}
		}
		if regionOK {
			r.t.Sources[field] = "derived from " + r.t.Sources["Region"] + " (" + template + ")"
		}
		return regionOK
	}
	computeExplicit := t.ComputeURL != ""
	if computeExplicit {
		r.checkURL("NICCONFORM_COMPUTE_URL", &t.ComputeURL)
		r.computeForm()
	} else if derive("ComputeURL", computeTemplate, "NICCONFORM_COMPUTE_URL") {
		t.ComputeURL = strings.ReplaceAll(computeTemplate, "{region}", t.Region)
	}
	switch {
	case t.NetworkURL != "":
		r.checkURL("NICCONFORM_NETWORK_URL", &t.NetworkURL)
	case computeExplicit:
		t.NetworkURL = t.ComputeURL
		r.t.Sources["NetworkURL"] = "same as NICCONFORM_COMPUTE_URL (NICCONFORM_NETWORK_URL is not set)"
	case derive("NetworkURL", networkTemplate, "NICCONFORM_NETWORK_URL"):
		t.NetworkURL = strings.ReplaceAll(networkTemplate, "{region}", t.Region)
	}
	if t.Auth.Mode == AuthPassword {
		switch {
		case t.Auth.AuthURL != "":
			r.checkURL(t.Sources["AuthURL"], &t.Auth.AuthURL)
		case t.Region == "":
			r.errf("IAM password login needs HW_AUTH_URL (or OS_AUTH_URL, or HW_REGION_NAME to derive it)")
		case derive("AuthURL", iamTemplate, "HW_AUTH_URL"):
			t.Auth.AuthURL = strings.ReplaceAll(iamTemplate, "{region}", t.Region)
		}
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
func (t Settings) String() string {
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

func (t Settings) authSummary() string {
	if m, ok := findAuthMode(t.Auth.Mode); ok && t.Auth.Mode != AuthNone {
		return m.summary(t.Auth)
	}
	if t.Embedded {
		return "the mock's own (" + t.MockAuth + ")"
	}
	return "none"
}

// Describe lists every resolved value with the variable it came from, one
// per line, secrets masked: what `nicconform config` prints.
func (t Settings) Describe() string {
	mask := func(v string) string {
		if v == "" {
			return ""
		}
		return "****"
	}
	rows := [][2]string{
		{"Mode", map[bool]string{true: "embedded reference mock", false: "configured target"}[t.Embedded]},
		{"DryRun", strconv.FormatBool(t.DryRun)}, {"Cloud", t.Cloud},
		{"Region", t.Region}, {"ComputeURL", t.ComputeURL}, {"ComputeProjectless", map[bool]string{true: "true"}[t.ComputeProjectless]}, {"NetworkURL", t.NetworkURL},
		{"ProjectID", t.ProjectID}, {"ServerID", t.ServerID}, {"NetworkID", t.NetworkID},
		{"PrimaryPortID", t.PrimaryPortID}, {"OtherServerID", t.OtherServerID},
		{"Auth", t.Auth.Mode},
	}
	auth := t.Auth
	for _, set := range authSettings() {
		v := *set.value(&auth)
		if set.kind == secret && !set.shown {
			v = mask(v)
		}
		rows = append(rows, [2]string{set.field, v})
	}
	rows = append(rows, [][2]string{
		{"Insecure", strconv.FormatBool(t.Insecure)}, {"AllowPrimaryProbe", strconv.FormatBool(t.AllowPrimaryProbe)},
		{"Profile", t.Profile}, {"DetachTimeout", t.DetachTimeout.String()}, {"PollInterval", t.PollInterval.String()},
		{"RequestTimeout", t.RequestTimeout.String()}, {"Settle", settle(t.Settle)},
		{"ReportDir", t.ReportDir}, {"RunID", t.RunID},
	}...)
	if t.Embedded || t.DryRun {
		rows = append(rows, [2]string{"MockAuth", t.MockAuth}, [2]string{"MockErrors", string(t.MockErrors)},
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
	// env looks a variable up: the process's (raw), else the OS_CLOUD
	// cloud's key that stands in for it (cloud).
	env, raw Lookup
	cloud    map[string]cloudValue
	t        Settings
	errs     []error
}

func (r *resolver) errf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf(format, args...))
}

// How a setting's value may be shown in a message.
type kind int

const (
	plain    kind = iota // shown
	secret               // never shown
	endpoint             // a URL: never shown (its query or user info may hold a secret); compared without a trailing / or /v3
	flag                 // a boolean: compared by meaning (1 and true agree)
)

// fieldNames say in words what a setting is, for messages (a credential
// setting says it in its auth mode's row).
var fieldNames = map[string]string{
	"Region": "region", "ProjectID": "project id", "Insecure": "TLS verification switch",
}

// fieldName says in words what a setting is, for messages.
func fieldName(field string) string {
	if what := fieldNames[field]; what != "" {
		return what
	}
	for _, set := range authSettings() {
		if set.field == field && set.what != "" {
			return set.what
		}
	}
	return field
}

// pick returns the first variable of names that is set and not blank (a
// variable before the OS_CLOUD cloud's key that stands in for it), and
// records it as the source of field. Another of names set to a different
// value is a contradiction, reported naming both (the same value in two
// families is not); a secret's values are never shown.
func (r *resolver) pick(field string, k kind, names ...string) string {
	var val, src string
	type candidate struct{ v, src string }
	var cands []candidate
	for _, n := range names {
		if v, ok := r.raw(n); ok {
			cands = append(cands, candidate{v, n})
		}
		if cv, ok := r.cloud[n]; ok {
			cands = append(cands, candidate{cv.value, cv.source})
		}
	}
	for _, c := range cands {
		v, n := c.v, c.src
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if src == "" {
			val, src = v, n
			r.t.Sources[field] = n
			continue
		}
		if agree(k, val, v) {
			continue
		}
		what := fieldName(field)
		if k == plain {
			r.errf("%s=%q and %s=%q contradict each other: both set the %s; unset one, or give both the same value", src, val, n, v, what)
		} else {
			r.errf("%s and %s contradict each other: both set the %s, to different values (not shown); unset one, or give both the same value", src, n, what)
		}
	}
	return val
}

func agree(k kind, a, b string) bool {
	switch k {
	case endpoint:
		norm := func(u string) string {
			u = strings.TrimRight(u, "/")
			return strings.TrimRight(strings.TrimSuffix(u, "/v3"), "/")
		}
		return norm(a) == norm(b)
	case flag:
		x, errX := strconv.ParseBool(a)
		y, errY := strconv.ParseBool(b)
		return errX == nil && errY == nil && x == y
	}
	return a == b
}

// set reports whether any of names is set and not blank.
func (r *resolver) set(names ...string) bool {
	for _, n := range names {
		if v, ok := r.env(n); ok && strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}

func (r *resolver) dflt(field, v string) string {
	r.t.Sources[field] = "default"
	return v
}

func (r *resolver) boolean(field string, names ...string) bool {
	v := r.pick(field, flag, names...)
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
	v := r.pick(field, plain, name)
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

// checkURL requires an absolute http(s) URL without user info. A URL is
// shown in a message only up to its query, and not at all if it may hold
// user info; the Settings keep it masked.
func (r *resolver) checkURL(name string, v *string) {
	u, err := url.Parse(*v)
	switch {
	case (err == nil && u.User != nil) || (err != nil && strings.Contains(*v, "@")):
		// Never echo it: the userinfo may hold a password.
		r.errf("%s holds a user name or password: put credentials in their own variables, not in the URL", name)
		*v = maskURL(*v)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		shown, _, _ := strings.Cut(*v, "?")
		shown, _, _ = strings.Cut(shown, "#")
		r.errf("%s=%q: want an absolute http(s) URL such as https://ecs.cn-north-4.myhuaweicloud.com", name, shown)
	}
}

// maskURL hides a URL's user info, query and fragment.
func maskURL(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		return "(not shown)"
	}
	if u.User != nil {
		u.User = url.User("****")
	}
	if u.RawQuery != "" || u.ForceQuery {
		u.RawQuery = "****"
	}
	if u.Fragment != "" {
		u.Fragment, u.RawFragment = "****", ""
	}
	return u.String()
}

// secretWords mark a query (or fragment) parameter whose name looks like a
// credential: the value would be sent to the target and written into the
// reports. Matched case-insensitively, anywhere in the name
// (access_token, X-Auth-Token, apiKey, X-Amz-Signature).
var secretWords = []string{"token", "key", "secret", "signature", "password", "passwd", "credential"}

// secretParts are short words that mark a credential only as a whole part of
// the name (sig=…, pwd=…, auth=…), not inside another word (signal).
var secretParts = map[string]bool{"sig": true, "pwd": true, "auth": true}

// scanURLs refuses each of the named variables whose URL has a query or
// fragment parameter named like a credential, naming the variable and never
// the value; the Settings keep such a URL masked.
func (r *resolver) scanURLs(names ...string) {
	t := &r.t
	fields := map[string]*string{"NICCONFORM_COMPUTE_URL": &t.ComputeURL, "NICCONFORM_NETWORK_URL": &t.NetworkURL}
	for _, set := range authSettings() {
		if src := t.Sources[set.field]; set.kind == endpoint && src != "" {
			fields[src] = set.value(&t.Auth)
		}
	}
	for _, name := range names {
		v, ok := r.env(name)
		if v = strings.TrimSpace(v); !ok || !secretInURL(v) {
			continue
		}
		r.errf("%s has a query parameter named like a credential (token, key, secret, signature or password): credentials go in their own variables (NICCONFORM_AUTH_TOKEN, HW_ACCESS_KEY/HW_SECRET_KEY, HW_USER_PASSWORD), never in a URL, which is sent and written into the reports", name)
		if p := fields[name]; p != nil && *p != "" {
			*p = maskURL(*p)
		}
	}
}

// secretInURL reports whether a parameter of v's query or fragment is
// named like a credential.
func secretInURL(v string) bool {
	i := strings.IndexAny(v, "?#")
	if i < 0 {
		return false
	}
	for _, param := range strings.FieldsFunc(v[i+1:], func(c rune) bool { return c == '&' || c == ';' || c == '?' || c == '#' }) {
		key, _, _ := strings.Cut(param, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if secretName(key) {
			return true
		}
	}
	return false
}

func secretName(key string) bool {
	lower := strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	for _, part := range strings.FieldsFunc(lower, func(c rune) bool { return !('a' <= c && c <= 'z' || '0' <= c && c <= '9') }) {
		if secretParts[part] {
			return true
		}
	}
	return false
}

// toolingVariables are the variables the project's own scripts and tests
// read, never a run's settings: in the environment a run inherits from
// them (scripts/openstack, make test's helpers), they are no typo.
func toolingVariables() []string {
	return []string{
		"NICCONFORM_OPENSTACK_STATE", "NICCONFORM_OPENSTACK_AGENT_POLL", "NICCONFORM_SCREENSHOT_DIR",
		"NICCONFORM_TEST_HELPER_MAIN", "NICCONFORM_TEST_PREVIEW", "NICCONFORM_FIDELITY_SUITE", "NICCONFORM_FIDELITY_OUT", "NICCONFORM_FIDELITY_PEAK_RSS_FILE",
		"NICCONFORM_KILL_MATRIX_OUT", "NICCONFORM_STOP_MATRIX_OUT", "NICCONFORM_EXPLORE_MATRIX_OUT", "NICCONFORM_EXPLORE_SHRINK",
		"NICCONFORM_EXPLORE_EMULATOR_SEEDS", "NICCONFORM_EXPLORE_EMULATOR_PROFILES", "NICCONFORM_EXPLORE_EMULATOR_DURATION",
	}
}

// Strays lists, one error each, the NICCONFORM_* variables of environ
// ("NAME=value" entries, as os.Environ gives them) that nicconform does
// not read: a misspelt setting (NICCONFORM_DETACH_TIMEOUTS=600s) would
// otherwise leave its default in force, unnoticed. Each error names the
// variable and the nearest setting's, never the value (it may be a
// secret).
func Strays(environ []string) []error {
	var known []string
	for _, v := range Help() {
		known = append(known, v.Names...)
	}
	known = append(known, toolingVariables()...)
	var settings []string
	for _, n := range known {
		if strings.HasPrefix(n, "NICCONFORM_") {
			settings = append(settings, n)
		}
	}
	var errs []error
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "NICCONFORM_") || slices.Contains(known, name) {
			continue
		}
		near, _ := spelling.Nearest(name, settings)
		errs = append(errs, fmt.Errorf("%s is not a variable nicconform reads: did you mean %s? (the settings: nicconform config -h)", name, near))
	}
	return errs
}

// A Variable is one setting of the configuration and the variables that
// set it, read in this order; two of them set to different values are a
// contradiction.
type Variable struct {
	Names   []string
	Meaning string
	Default string
}

// Help lists the settings and their variables, in the order a user sets
// them up: what `nicconform config -h` prints.
func Help() []Variable {
	var credentials []Variable
	for _, set := range authSettings() {
		credentials = append(credentials, Variable{set.names, set.meaning, set.dflt})
	}
	return slices.Concat([]Variable{
		{[]string{"OS_CLOUD"}, "a cloud of clouds.yaml (as openstacksdk finds it: OS_CLIENT_CONFIG_FILE, ./, ~/.config/openstack/, /etc/openstack/; secure.yaml merged): its keys stand in for the OS_* variables and NICCONFORM_COMPUTE_URL/NETWORK_URL (compute_endpoint_override, network_endpoint_override)", "none"},
		{[]string{"OS_CLIENT_CONFIG_FILE", "OS_CLIENT_SECURE_FILE"}, "the clouds.yaml and secure.yaml to read first, with OS_CLOUD", "the search path"},
		{[]string{"HOME"}, "finds ~/.config/openstack/clouds.yaml, with OS_CLOUD", "the user's"},
		{[]string{"NICCONFORM_COMPUTE_URL"}, "compute endpoint: the root serving /v2.1/…, or as catalogs print it, …/v2.1/{project} or …/v2.1 (project-less); set (or a region), the run goes to that target", "from the region; neither: the embedded reference mock"},
		{[]string{"NICCONFORM_NETWORK_URL"}, "base URL serving /v2.0/ports…", "the compute URL if NICCONFORM_COMPUTE_URL is set, else from the region"},
		{[]string{"HW_REGION_NAME", "OS_REGION_NAME"}, "region; derives the endpoints not set explicitly", ""},
		{[]string{"NICCONFORM_PROJECT_ID", "HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID", "OS_PROJECT_ID"}, "project id for paths (required with a target)", ""},
		{[]string{"NICCONFORM_SERVER_ID"}, "an ACTIVE server the suite may attach NICs to and detach them from (required with a target)", ""},
		{[]string{"NICCONFORM_NETWORK_ID"}, "network for new ports and net_id attaches (required with a target)", ""},
		{[]string{"NICCONFORM_PRIMARY_PORT_ID"}, "the server's primary NIC", "the only NIC the server has before the run"},
		{[]string{"NICCONFORM_OTHER_SERVER_ID"}, "a second ACTIVE server, for a port attached to another server", "that case is skipped"},
	}, credentials, []Variable{
		{[]string{"HW_INSECURE", "OS_INSECURE"}, "skip TLS verification, for private CAs", "false"},
		{[]string{"NICCONFORM_ALLOW_PRIMARY_PROBE"}, "send the primary-NIC DELETE to a target (a broken cloud would really detach it)", "false (PRIMARY-FORBIDDEN is skipped)"},
		{[]string{"NICCONFORM_PROFILE"}, "huawei or nova", spec.ProfileHuawei},
		{[]string{"NICCONFORM_DETACH_TIMEOUT"}, "bound for the asynchronous detach", DefaultDetachTimeoutLive.String() + " live, " + DefaultDetachTimeoutMock.String() + " mock"},
		{[]string{"NICCONFORM_POLL_INTERVAL"}, "how often completion is polled", DefaultPollIntervalLive.String() + " live, " + DefaultPollIntervalMock.String() + " mock"},
		{[]string{"NICCONFORM_REQUEST_TIMEOUT"}, "bound for one HTTP attempt", DefaultRequestTimeout.String()},
		{[]string{"NICCONFORM_SETTLE"}, "how long a \"changes nothing\" check watches for a delayed effect", "measured: 3 × the detach latency"},
		{[]string{"NICCONFORM_REPORT_DIR"}, "where reports (and the run journal) go", DefaultReportDir},
		{[]string{"NICCONFORM_RUN_ID"}, "goes into resource names nicconform-<run>-<purpose>", "time-stamped, random"},
		{[]string{"NICCONFORM_DRY_RUN"}, "rehearse against the embedded mock and write plan.md; sends nothing to the target", "false"},
		{[]string{"NICCONFORM_MOCK_DEVIATION"}, "embedded mock: comma-separated deviations", "none: faithful"},
		{[]string{"NICCONFORM_MOCK_ERRORS"}, "embedded mock: error shape, nova or huawei", string(spec.ErrorsNova)},
		{[]string{"NICCONFORM_MOCK_DELAY"}, "embedded mock: detach delay", "the mock's"},
		{[]string{"NICCONFORM_MOCK_AUTH"}, "embedded mock: " + oneOf(AuthModes(), false, " or "), AuthToken},
	})
}
