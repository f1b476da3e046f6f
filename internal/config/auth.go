package config

import (
	"cmp"
	"fmt"
	"strings"
)

// Authentication modes: Auth.Mode, the values of NICCONFORM_MOCK_AUTH, and
// the keys of internal/target's table, which gives each mode its signer and
// the embedded mock's credentials.
const (
	AuthNone     = ""
	AuthToken    = "token"
	AuthAKSK     = "aksk"
	AuthPassword = "password"
)

// Auth holds the credentials of one authentication mode. Token, SK,
// SecurityToken and Password are secrets.
type Auth struct {
	Mode string // AuthToken, AuthAKSK, AuthPassword, or AuthNone

	Token string

	AK, SK, SecurityToken string

	AuthURL, User, Password, Domain string
	// DomainID is the user's domain by id, instead of (or with) Domain.
	DomainID string
}

// authMode is one way to authenticate, as configured: its settings (the
// variables that set them), the rules they keep together, and how it is
// summarised, secrets masked. Adding a mode here adds it to Resolve,
// Describe, String, Help and NICCONFORM_MOCK_AUTH; internal/target's table
// gives it its signer.
type authMode struct {
	name  string // Auth.Mode
	label string // in messages: "AK/SK"
	// settings are read in this order and listed by Help in it.
	settings []authSetting
	// keys are the fields whose being set selects the mode.
	keys []string
	// hint says what to set for the mode, in the "no credentials" message.
	hint string
	// check applies the mode's own rules (a key without its pair, variables
	// from two families); selected says whether the mode's keys are set.
	check func(r *resolver, selected bool)
	// summary describes the credentials in one phrase, secrets masked.
	summary func(a Auth) string
}

// authSetting is one credential setting.
type authSetting struct {
	field string // the key in Sources and the row of Describe, e.g. "SK"
	what  string // what it is, in words, for messages: "secret key"
	// kind says how messages treat the value: secret, never shown;
	// endpoint, a URL, checked and masked as one; plain, shown.
	kind kind
	// shown lets Describe show a secret-kind value that is an id, as the
	// SDKs print it (the access key); messages still never do.
	shown   bool
	names   []string // the variables, in the order they are read
	meaning string   // for Help
	dflt    string   // for Help
	value   func(*Auth) *string
}

// authModes are the ways to authenticate; at most one may be configured.
var authModes = []authMode{
	{
		name: AuthToken, label: "token", keys: []string{"Token"},
		settings: []authSetting{{
			field: "Token", what: "token", kind: secret, names: []string{"NICCONFORM_AUTH_TOKEN", "HW_AUTH_TOKEN", "OS_AUTH_TOKEN"},
			meaning: "a token to send as X-Auth-Token (secret)",
			value:   func(a *Auth) *string { return &a.Token },
		}},
		hint:    "NICCONFORM_AUTH_TOKEN (or HW_AUTH_TOKEN, OS_AUTH_TOKEN)",
		summary: func(Auth) string { return "token ****" },
	},
	{
		name: AuthAKSK, label: "AK/SK", keys: []string{"AK", "SK"},
		settings: []authSetting{{
			field: "AK", what: "access key", kind: secret, shown: true, names: []string{"HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK", "OS_ACCESS_KEY"},
			meaning: "access key for SDK-HMAC-SHA256 signing, with the secret key of the same family",
			value:   func(a *Auth) *string { return &a.AK },
		}, {
			field: "SK", what: "secret key", kind: secret, names: []string{"HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK", "OS_SECRET_KEY"},
			meaning: "secret key (secret)",
			value:   func(a *Auth) *string { return &a.SK },
		}, {
			field: "SecurityToken", what: "security token", kind: secret, names: []string{"HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "OS_SECURITY_TOKEN"},
			meaning: "temporary credentials' security token, with the AK/SK of the same family (secret)",
			value:   func(a *Auth) *string { return &a.SecurityToken },
		}},
		hint:  "HW_ACCESS_KEY and HW_SECRET_KEY",
		check: (*resolver).checkAKSK,
		summary: func(a Auth) string {
			s := "AK/SK " + a.AK + ":****"
			if a.SecurityToken != "" {
				s += " with security token ****"
			}
			return s
		},
	},
	{
		name: AuthPassword, label: "IAM password", keys: []string{"User", "Password"},
		settings: []authSetting{{
			field: "User", what: "IAM user name", kind: plain, names: []string{"HW_USER_NAME", "OS_USERNAME", "OS_USER_NAME"},
			meaning: "IAM user for password login (project-scoped token, cached and refreshed)",
			value:   func(a *Auth) *string { return &a.User },
		}, {
			field: "Password", what: "IAM password", kind: secret, names: []string{"HW_USER_PASSWORD", "OS_PASSWORD"},
			meaning: "IAM password, from the user name's family (secret)",
			value:   func(a *Auth) *string { return &a.Password },
		}, {
			field: "Domain", what: "IAM domain", kind: plain, names: []string{"HW_DOMAIN_NAME", "OS_USER_DOMAIN_NAME", "OS_DOMAIN_NAME"},
			meaning: "the IAM user's domain",
			value:   func(a *Auth) *string { return &a.Domain },
		}, {
			field: "DomainID", what: "IAM domain id", kind: plain, names: []string{"HW_DOMAIN_ID", "OS_USER_DOMAIN_ID"},
			meaning: "the IAM user's domain by id, instead of its name",
			value:   func(a *Auth) *string { return &a.DomainID },
		}, {
			// Derived from the region when not set (EndpointRule).
			field: "AuthURL", what: "IAM endpoint", kind: endpoint, names: []string{"HW_AUTH_URL", "HUAWEICLOUD_SDK_IAM_ENDPOINT", "OS_AUTH_URL"},
			meaning: "IAM endpoint for password login", dflt: "from the region",
			value: func(a *Auth) *string { return &a.AuthURL },
		}},
		hint:  "HW_USER_NAME, HW_USER_PASSWORD and HW_DOMAIN_NAME",
		check: (*resolver).checkPassword,
		summary: func(a Auth) string {
			return fmt.Sprintf("IAM password user=%s domain=%s password=**** at %s", a.User, cmp.Or(a.Domain, a.DomainID), a.AuthURL)
		},
	},
}

// AuthModes lists the names of the authentication modes (Auth.Mode,
// NICCONFORM_MOCK_AUTH), in the order they are documented.
func AuthModes() []string {
	names := make([]string, len(authModes))
	for i, m := range authModes {
		names[i] = m.name
	}
	return names
}

// findAuthMode returns the row of a mode.
func findAuthMode(name string) (authMode, bool) {
	for _, m := range authModes {
		if m.name == name {
			return m, true
		}
	}
	return authMode{}, false
}

// authSettings are every mode's settings, in the table's order.
func authSettings() []authSetting {
	var out []authSetting
	for _, m := range authModes {
		out = append(out, m.settings...)
	}
	return out
}

// value returns where a field of the mode's settings goes.
func (m authMode) value(a *Auth, field string) *string {
	for _, s := range m.settings {
		if s.field == field {
			return s.value(a)
		}
	}
	panic("config: auth mode " + m.name + " has no setting " + field)
}

// credentials resolves at most one authentication mode.
func (r *resolver) credentials() {
	a := &r.t.Auth
	for _, s := range authSettings() {
		*s.value(a) = r.pick(s.field, s.kind, s.names...)
	}
	var selected []string
	for _, m := range authModes {
		var set bool
		var sources []string
		for _, k := range m.keys {
			set = set || *m.value(a, k) != ""
			sources = append(sources, r.t.Sources[k])
		}
		if set {
			selected = append(selected, m.label+" ("+strings.TrimSpace(strings.Join(sources, " "))+")")
			a.Mode = m.name
		}
		if m.check != nil {
			m.check(r, set)
		}
	}
	if len(selected) > 1 {
		r.errf("credentials for more than one way to authenticate are set: %s; keep exactly one", strings.Join(selected, ", "))
	}
}

// Variable families that carry a credential as a whole: an access key and
// its secret key (and a temporary credential's security token) come from one
// family, and so do a user name and its password. Mixing them (HW_ACCESS_KEY
// with HUAWEICLOUD_SDK_SK) almost always pairs a key with another key's
// secret.
var (
	akskFamilies = [][3]string{
		{"HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN"},
		{"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN"},
		{"OS_ACCESS_KEY", "OS_SECRET_KEY", "OS_SECURITY_TOKEN"},
	}
	passwordFamilies = [][2][]string{
		{{"HW_USER_NAME"}, {"HW_USER_PASSWORD"}},
		{{"OS_USERNAME", "OS_USER_NAME"}, {"OS_PASSWORD"}},
	}
)

// checkAKSK requires the access key and the secret key together, from one
// family, and a security token only with them.
func (r *resolver) checkAKSK(selected bool) {
	a := &r.t.Auth
	switch {
	case !selected:
		if a.SecurityToken != "" {
			r.errf("%s (a temporary credential) goes with an AK/SK pair: set HW_ACCESS_KEY and HW_SECRET_KEY too", r.t.Sources["SecurityToken"])
		}
	case a.AK == "":
		r.errf("%s is set without an access key: set HW_ACCESS_KEY (or HUAWEICLOUD_SDK_AK) too", r.t.Sources["SK"])
	case a.SK == "":
		r.errf("%s is set without its secret key: set HW_SECRET_KEY (or HUAWEICLOUD_SDK_SK) too", r.t.Sources["AK"])
	default:
		r.akskFamily()
	}
}

// akskFamily requires the access key and the secret key (and the security
// token, if any) to be set together in one family.
func (r *resolver) akskFamily() {
	a := &r.t.Auth
	pair := false
	for _, f := range akskFamilies {
		if !r.set(f[0]) || !r.set(f[1]) {
			continue
		}
		pair = true
		if a.SecurityToken == "" || r.set(f[2]) {
			return
		}
	}
	if !pair {
		r.errf("%s and %s come from different variable families, so the secret key may belong to another access key: set the pair in one family (HW_ACCESS_KEY with HW_SECRET_KEY, HUAWEICLOUD_SDK_AK with HUAWEICLOUD_SDK_SK, or OS_ACCESS_KEY with OS_SECRET_KEY)",
			r.t.Sources["AK"], r.t.Sources["SK"])
		return
	}
	r.errf("%s (a temporary credential) comes from another variable family than its access key and secret key (%s, %s): set all three in one family (e.g. HW_ACCESS_KEY, HW_SECRET_KEY, HW_SECURITY_TOKEN)",
		r.t.Sources["SecurityToken"], r.t.Sources["AK"], r.t.Sources["SK"])
}

// checkPassword requires the user name and its password together, from one
// family, and the user's domain. The IAM endpoint follows EndpointRule.
func (r *resolver) checkPassword(selected bool) {
	if !selected {
		return
	}
	a := &r.t.Auth
	if a.User == "" {
		r.errf("%s is set without a user name: set HW_USER_NAME (or OS_USERNAME)", r.t.Sources["Password"])
	}
	if a.Password == "" {
		r.errf("%s is set without a password: set HW_USER_PASSWORD (or OS_PASSWORD)", r.t.Sources["User"])
	}
	if a.User != "" && a.Password != "" {
		r.passwordFamily()
	}
	if a.Domain == "" && a.DomainID == "" {
		r.errf("IAM password login needs the user's domain: set HW_DOMAIN_NAME (or OS_USER_DOMAIN_NAME), or its id in HW_DOMAIN_ID (or OS_USER_DOMAIN_ID)")
	}
}

// passwordFamily requires the user name and its password from one family.
func (r *resolver) passwordFamily() {
	for _, f := range passwordFamilies {
		if r.set(f[0]...) && r.set(f[1]...) {
			return
		}
	}
	r.errf("%s and %s come from different variable families, so the password may belong to another user: set the pair in one family (HW_USER_NAME with HW_USER_PASSWORD, or OS_USERNAME with OS_PASSWORD)",
		r.t.Sources["User"], r.t.Sources["Password"])
}

// oneOf joins names as "a, b or c" (quoted when quote is set).
func oneOf(names []string, quote bool, last string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n
		if quote {
			out[i] = fmt.Sprintf("%q", n)
		}
	}
	if len(out) < 2 {
		return strings.Join(out, "")
	}
	return strings.Join(out[:len(out)-1], ", ") + last + out[len(out)-1]
}
