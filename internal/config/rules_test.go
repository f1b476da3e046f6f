package config_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/config"
)

// Canaries: values that must never appear in a message, a description or
// a String of a configuration.
const (
	canaryToken    = "canary-token-6b2f0e"
	canarySK       = "canary-sk-93ad71"
	canaryPassword = "canary-password-1c4e"
	canaryAK       = "CANARYAK5d1e"
)

// noCanary checks a message: it shows no secret, nor even an access key.
func noCanary(t *testing.T, what, s string) {
	t.Helper()
	noSecret(t, what, s)
	if strings.Contains(s, canaryAK) {
		t.Errorf("%s shows an access key:\n%s", what, s)
	}
}

// noSecret checks a description, which shows the access key (an id, as the
// SDKs print it) but no secret.
func noSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, c := range []string{canaryToken, canarySK, canaryPassword, "canary-query-"} {
		if strings.Contains(s, c) {
			t.Errorf("%s shows a secret (%s):\n%s", what, c, s)
		}
	}
}

const project = "0123456789abcdef0123456789abcdef"

// base is a complete target but for its endpoints and region.
func base(kv ...string) []string {
	return append([]string{"NICCONFORM_SERVER_ID", "s", "NICCONFORM_NETWORK_ID", "n", "NICCONFORM_PROJECT_ID", project,
		"NICCONFORM_AUTH_TOKEN", canaryToken}, kv...)
}

// withoutToken drops NICCONFORM_AUTH_TOKEN from kv, for a case that brings
// its own credentials.
func withoutToken(kv ...string) []string {
	out := base()
	out = out[:len(out)-2]
	return append(out, kv...)
}

// The endpoint rule (config.EndpointRule): an explicit compute URL is the
// network URL too unless NICCONFORM_NETWORK_URL is set; a region alone
// derives both (and IAM's); a region derives only what is not set.
func TestEndpointRule(t *testing.T) {
	password := []string{"HW_USER_NAME", "alice", "HW_USER_PASSWORD", canaryPassword, "HW_DOMAIN_NAME", "acme"}
	cases := []struct {
		name                   string
		kv                     []string
		compute, network, iam  string
		computeSrc, networkSrc string
		region                 string
		wantErr                []string
	}{
		{name: "region alone derives both",
			kv:      base("HW_REGION_NAME", "cn-north-4"),
			compute: "https://ecs.cn-north-4.myhuaweicloud.com", network: "https://vpc.cn-north-4.myhuaweicloud.com",
			computeSrc: "derived from HW_REGION_NAME", networkSrc: "derived from HW_REGION_NAME", region: "cn-north-4"},
		{name: "OS_REGION_NAME alone derives both",
			kv:      base("OS_REGION_NAME", "ap-southeast-1"),
			compute: "https://ecs.ap-southeast-1.myhuaweicloud.com", network: "https://vpc.ap-southeast-1.myhuaweicloud.com",
			computeSrc: "derived from OS_REGION_NAME", networkSrc: "derived from OS_REGION_NAME", region: "ap-southeast-1"},
		{name: "region and a compute URL: the network URL is the compute URL (observation 3)",
			kv:      base("HW_REGION_NAME", "cn-north-4", "NICCONFORM_COMPUTE_URL", "https://ecs.internal:8774"),
			compute: "https://ecs.internal:8774", network: "https://ecs.internal:8774",
			computeSrc: "NICCONFORM_COMPUTE_URL", networkSrc: "same as NICCONFORM_COMPUTE_URL", region: "cn-north-4"},
		{name: "compute URL alone",
			kv:      base("NICCONFORM_COMPUTE_URL", "http://127.0.0.1:8774"),
			compute: "http://127.0.0.1:8774", network: "http://127.0.0.1:8774",
			computeSrc: "NICCONFORM_COMPUTE_URL", networkSrc: "same as NICCONFORM_COMPUTE_URL"},
		{name: "both explicit, with a region",
			kv:      base("HW_REGION_NAME", "cn-north-4", "NICCONFORM_COMPUTE_URL", "https://ecs.x", "NICCONFORM_NETWORK_URL", "https://vpc.x"),
			compute: "https://ecs.x", network: "https://vpc.x",
			computeSrc: "NICCONFORM_COMPUTE_URL", networkSrc: "NICCONFORM_NETWORK_URL", region: "cn-north-4"},
		{name: "region and a network URL: the compute URL is derived",
			kv:      base("HW_REGION_NAME", "cn-north-4", "NICCONFORM_NETWORK_URL", "https://vpc.x"),
			compute: "https://ecs.cn-north-4.myhuaweicloud.com", network: "https://vpc.x",
			computeSrc: "derived from HW_REGION_NAME", networkSrc: "NICCONFORM_NETWORK_URL", region: "cn-north-4"},
		{name: "password login: IAM derived from the region",
			kv:      withoutToken(append([]string{"HW_REGION_NAME", "cn-north-4", "NICCONFORM_COMPUTE_URL", "https://ecs.x"}, password...)...),
			compute: "https://ecs.x", network: "https://ecs.x", iam: "https://iam.cn-north-4.myhuaweicloud.com",
			computeSrc: "NICCONFORM_COMPUTE_URL", networkSrc: "same as NICCONFORM_COMPUTE_URL", region: "cn-north-4"},
		{name: "free-form region with explicit URLs and the nova profile (observation 5)",
			kv:      base("OS_REGION_NAME", "RegionOne", "NICCONFORM_COMPUTE_URL", "http://devstack:8774", "NICCONFORM_PROFILE", "nova"),
			compute: "http://devstack:8774", network: "http://devstack:8774",
			computeSrc: "NICCONFORM_COMPUTE_URL", networkSrc: "same as NICCONFORM_COMPUTE_URL", region: "RegionOne"},
		{name: "free-form region with explicit URLs, huawei profile",
			kv:      base("HW_REGION_NAME", "Region One", "NICCONFORM_COMPUTE_URL", "https://ecs.x"),
			compute: "https://ecs.x", network: "https://ecs.x",
			computeSrc: "NICCONFORM_COMPUTE_URL", networkSrc: "same as NICCONFORM_COMPUTE_URL", region: "Region One"},
		{name: "free-form region, explicit URLs and IAM endpoint, password login",
			kv: withoutToken(append([]string{"OS_REGION_NAME", "RegionOne", "NICCONFORM_COMPUTE_URL", "https://ecs.x",
				"HW_AUTH_URL", "https://keystone.x/v3"}, password...)...),
			compute: "https://ecs.x", network: "https://ecs.x", iam: "https://keystone.x/v3",
			computeSrc: "NICCONFORM_COMPUTE_URL", networkSrc: "same as NICCONFORM_COMPUTE_URL", region: "RegionOne"},
		{name: "a free-form region cannot derive the compute URL",
			kv:      base("OS_REGION_NAME", "RegionOne"),
			wantErr: []string{`OS_REGION_NAME="RegionOne" cannot derive https://ecs.{region}.myhuaweicloud.com`, "host label", "set NICCONFORM_COMPUTE_URL"}},
		{name: "a free-form region cannot derive the IAM endpoint",
			kv:      withoutToken(append([]string{"OS_REGION_NAME", "RegionOne", "NICCONFORM_COMPUTE_URL", "https://ecs.x"}, password...)...),
			wantErr: []string{`OS_REGION_NAME="RegionOne" cannot derive https://iam.{region}.myhuaweicloud.com`, "set HW_AUTH_URL"}},
		{name: "a region that is not a host label",
			kv:      base("HW_REGION_NAME", "cn-north-4-"),
			wantErr: []string{"HW_REGION_NAME", "host label"}},
		{name: "a region too long for a host label",
			kv:      base("HW_REGION_NAME", strings.Repeat("a", 64)),
			wantErr: []string{"HW_REGION_NAME", "host label"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := config.Resolve(env(c.kv...))
			if c.wantErr != nil {
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				for _, w := range c.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%q does not say %q", err, w)
					}
				}
				noCanary(t, "the error", err.Error())
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Embedded || got.ComputeURL != c.compute || got.NetworkURL != c.network || got.Auth.AuthURL != c.iam || got.Region != c.region {
				t.Errorf("compute %q network %q iam %q region %q; want %q %q %q %q",
					got.ComputeURL, got.NetworkURL, got.Auth.AuthURL, got.Region, c.compute, c.network, c.iam, c.region)
			}
			if !strings.HasPrefix(got.Sources["ComputeURL"], c.computeSrc) || !strings.HasPrefix(got.Sources["NetworkURL"], c.networkSrc) {
				t.Errorf("sources %q, %q; want %q, %q", got.Sources["ComputeURL"], got.Sources["NetworkURL"], c.computeSrc, c.networkSrc)
			}
			// `nicconform config` shows where each endpoint came from.
			d := got.Describe()
			for _, w := range []string{c.computeSrc, c.networkSrc} {
				if !strings.Contains(d, w) {
					t.Errorf("Describe does not show %q:\n%s", w, d)
				}
			}
			noSecret(t, "Describe", d+got.String())
		})
	}
}

// Two variable families setting one thing to different values is an error
// naming both variables (secrets not shown); the same value twice is not.
func TestContradictionsNameBothVariables(t *testing.T) {
	ecs := []string{"NICCONFORM_COMPUTE_URL", "https://ecs.x"}
	target := func(kv ...string) []string {
		return append(append([]string{"NICCONFORM_SERVER_ID", "s", "NICCONFORM_NETWORK_ID", "n"}, ecs...), kv...)
	}
	tok := []string{"NICCONFORM_AUTH_TOKEN", canaryToken}
	proj := []string{"NICCONFORM_PROJECT_ID", project}
	other := "fedcba9876543210fedcba9876543210"
	cases := []struct {
		name string
		kv   []string
		want []string // nil: accepted
	}{
		{"regions differ", target(append(append(tok, proj...), "HW_REGION_NAME", "cn-north-4", "OS_REGION_NAME", "RegionOne")...),
			[]string{`HW_REGION_NAME="cn-north-4" and OS_REGION_NAME="RegionOne" contradict`, "region"}},
		{"regions agree", target(append(append(tok, proj...), "HW_REGION_NAME", "cn-north-4", "OS_REGION_NAME", "cn-north-4")...), nil},
		{"project ids differ: NICCONFORM vs HW", target(append(tok, "NICCONFORM_PROJECT_ID", project, "HW_PROJECT_ID", other)...),
			[]string{"NICCONFORM_PROJECT_ID=", "HW_PROJECT_ID=", "project id"}},
		{"project ids differ: HW vs SDK", target(append(tok, "HW_PROJECT_ID", project, "HUAWEICLOUD_SDK_PROJECT_ID", other)...),
			[]string{"HW_PROJECT_ID=", "HUAWEICLOUD_SDK_PROJECT_ID="}},
		{"project ids differ: SDK vs OS", target(append(tok, "HUAWEICLOUD_SDK_PROJECT_ID", project, "OS_PROJECT_ID", other)...),
			[]string{"HUAWEICLOUD_SDK_PROJECT_ID=", "OS_PROJECT_ID="}},
		{"project ids differ: NICCONFORM vs OS, three set", target(append(tok, "NICCONFORM_PROJECT_ID", project, "HW_PROJECT_ID", project, "OS_PROJECT_ID", other)...),
			[]string{"NICCONFORM_PROJECT_ID=", "OS_PROJECT_ID="}},
		{"project ids agree in four families", target(append(tok, "NICCONFORM_PROJECT_ID", project, "HW_PROJECT_ID", project,
			"HUAWEICLOUD_SDK_PROJECT_ID", project, "OS_PROJECT_ID", " "+project)...), nil},
		{"AK of HW, SK of the SDK", target(append(proj, "HW_ACCESS_KEY", canaryAK, "HUAWEICLOUD_SDK_SK", canarySK)...),
			[]string{"HW_ACCESS_KEY and HUAWEICLOUD_SDK_SK come from different variable families"}},
		{"AK of the SDK, SK of OS", target(append(proj, "HUAWEICLOUD_SDK_AK", canaryAK, "OS_SECRET_KEY", canarySK)...),
			[]string{"HUAWEICLOUD_SDK_AK and OS_SECRET_KEY come from different variable families"}},
		{"AK in two families, one with its SK", target(append(proj, "HW_ACCESS_KEY", canaryAK, "HUAWEICLOUD_SDK_AK", canaryAK, "HUAWEICLOUD_SDK_SK", canarySK)...), nil},
		{"a pair per family, the same values", target(append(proj, "HW_ACCESS_KEY", canaryAK, "HW_SECRET_KEY", canarySK, "HUAWEICLOUD_SDK_AK", canaryAK, "HUAWEICLOUD_SDK_SK", canarySK)...), nil},
		{"two different SKs", target(append(proj, "HW_ACCESS_KEY", canaryAK, "HW_SECRET_KEY", canarySK, "HUAWEICLOUD_SDK_SK", canarySK+"2")...),
			[]string{"HW_SECRET_KEY and HUAWEICLOUD_SDK_SK contradict", "secret key", "not shown"}},
		{"two different AKs", target(append(proj, "HW_ACCESS_KEY", canaryAK, "HW_SECRET_KEY", canarySK, "OS_ACCESS_KEY", canaryAK+"2")...),
			[]string{"HW_ACCESS_KEY and OS_ACCESS_KEY contradict"}},
		{"security token of another family", target(append(proj, "HW_ACCESS_KEY", canaryAK, "HW_SECRET_KEY", canarySK, "HUAWEICLOUD_SDK_SECURITY_TOKEN", canaryToken)...),
			[]string{"HUAWEICLOUD_SDK_SECURITY_TOKEN (a temporary credential) comes from another variable family", "HW_ACCESS_KEY", "HW_SECRET_KEY"}},
		{"security token with its pair", target(append(proj, "HUAWEICLOUD_SDK_AK", canaryAK, "HUAWEICLOUD_SDK_SK", canarySK, "HUAWEICLOUD_SDK_SECURITY_TOKEN", canaryToken)...), nil},
		{"two different tokens", target(append(proj, "NICCONFORM_AUTH_TOKEN", canaryToken, "OS_AUTH_TOKEN", canaryToken+"x")...),
			[]string{"NICCONFORM_AUTH_TOKEN and OS_AUTH_TOKEN contradict", "token"}},
		{"the same token twice", target(append(proj, "HW_AUTH_TOKEN", canaryToken, "OS_AUTH_TOKEN", canaryToken)...), nil},
		{"user of HW, password of OS", target(append(proj, "HW_USER_NAME", "alice", "OS_PASSWORD", canaryPassword, "HW_DOMAIN_NAME", "acme", "HW_AUTH_URL", "https://iam.x")...),
			[]string{"HW_USER_NAME and OS_PASSWORD come from different variable families"}},
		{"two different passwords", target(append(proj, "HW_USER_NAME", "alice", "HW_USER_PASSWORD", canaryPassword, "OS_PASSWORD", canaryPassword+"x",
			"HW_DOMAIN_NAME", "acme", "HW_AUTH_URL", "https://iam.x")...),
			[]string{"HW_USER_PASSWORD and OS_PASSWORD contradict"}},
		{"two different users", target(append(proj, "HW_USER_NAME", "alice", "HW_USER_PASSWORD", canaryPassword, "OS_USERNAME", "bob",
			"HW_DOMAIN_NAME", "acme", "HW_AUTH_URL", "https://iam.x")...),
			[]string{`HW_USER_NAME="alice" and OS_USERNAME="bob" contradict`}},
		{"two different domains", target(append(proj, "OS_USERNAME", "alice", "OS_PASSWORD", canaryPassword, "OS_USER_DOMAIN_NAME", "acme",
			"HW_DOMAIN_NAME", "other", "OS_AUTH_URL", "https://iam.x")...),
			[]string{`HW_DOMAIN_NAME="other" and OS_USER_DOMAIN_NAME="acme" contradict`}},
		{"IAM endpoints agree but for /v3", target(append(proj, "HW_USER_NAME", "alice", "HW_USER_PASSWORD", canaryPassword, "HW_DOMAIN_NAME", "acme",
			"HW_AUTH_URL", "https://iam.x/v3", "OS_AUTH_URL", "https://iam.x/")...), nil},
		{"IAM endpoints differ", target(append(proj, "HW_USER_NAME", "alice", "HW_USER_PASSWORD", canaryPassword, "HW_DOMAIN_NAME", "acme",
			"HW_AUTH_URL", "https://iam.x/v3", "HUAWEICLOUD_SDK_IAM_ENDPOINT", "https://iam.y")...),
			[]string{"HW_AUTH_URL and HUAWEICLOUD_SDK_IAM_ENDPOINT contradict"}},
		{"insecure agrees by meaning", target(append(append(tok, proj...), "HW_INSECURE", "true", "OS_INSECURE", "1")...), nil},
		{"insecure differs", target(append(append(tok, proj...), "HW_INSECURE", "true", "OS_INSECURE", "false")...),
			[]string{"HW_INSECURE and OS_INSECURE contradict"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := config.Resolve(env(c.kv...))
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				noSecret(t, "Describe", got.Describe()+got.String())
				return
			}
			if err == nil {
				t.Fatalf("accepted: %+v", got)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			noCanary(t, "the error", err.Error())
			_, errs := config.Diagnose(env(c.kv...))
			if len(errs) != 1 {
				t.Errorf("want exactly one problem, got %q", errs)
			}
		})
	}
}

// A URL whose query (or fragment) has a parameter named like a credential
// is refused, naming the variable; the value is shown nowhere.
func TestSecretQueryParametersAreRefused(t *testing.T) {
	refused := []string{"token", "TOKEN", "access_token", "X-Auth-Token", "x-auth-token", "key", "apiKey", "AccessKeyId",
		"secret", "client_secret", "signature", "X-Amz-Signature", "password", "Password", "passwd", "sig", "pwd", "auth",
		"X%2DAuth%2DToken"}
	accepted := []string{"region", "signal", "limit", "fields", "authority"}
	variables := []struct {
		name string
		kv   func(url string) []string
	}{
		{"NICCONFORM_COMPUTE_URL", func(u string) []string { return base("NICCONFORM_COMPUTE_URL", u) }},
		{"NICCONFORM_NETWORK_URL", func(u string) []string {
			return base("NICCONFORM_COMPUTE_URL", "https://ecs.x", "NICCONFORM_NETWORK_URL", u)
		}},
		{"HW_AUTH_URL", func(u string) []string {
			return withoutToken("NICCONFORM_COMPUTE_URL", "https://ecs.x", "HW_USER_NAME", "alice", "HW_USER_PASSWORD", canaryPassword,
				"HW_DOMAIN_NAME", "acme", "HW_AUTH_URL", u)
		}},
		{"OS_AUTH_URL", func(u string) []string {
			return withoutToken("NICCONFORM_COMPUTE_URL", "https://ecs.x", "OS_USERNAME", "alice", "OS_PASSWORD", canaryPassword,
				"OS_USER_DOMAIN_NAME", "acme", "OS_AUTH_URL", u)
		}},
		{"HUAWEICLOUD_SDK_IAM_ENDPOINT", func(u string) []string {
			return withoutToken("NICCONFORM_COMPUTE_URL", "https://ecs.x", "HW_USER_NAME", "alice", "HW_USER_PASSWORD", canaryPassword,
				"HW_DOMAIN_NAME", "acme", "HUAWEICLOUD_SDK_IAM_ENDPOINT", u)
		}},
	}
	for _, v := range variables {
		for _, p := range refused {
			for _, u := range []string{
				"https://h.example.com/v2.1?" + p + "=canary-query-1",
				"https://h.example.com/?a=1&" + p + "=canary-query-2",
				"https://h.example.com/#" + p + "=canary-query-3",
			} {
				got, errs := config.Diagnose(env(v.kv(u)...))
				var msgs []string
				for _, e := range errs {
					msgs = append(msgs, e.Error())
				}
				all := strings.Join(msgs, "\n")
				if !strings.Contains(all, v.name+" has a query parameter named like a credential") {
					t.Errorf("%s=%s: not refused: %q", v.name, u, all)
				}
				noCanary(t, "the error", all)
				noSecret(t, "Describe", got.Describe()+got.String())
			}
		}
		for _, p := range accepted {
			u := "https://h.example.com/?" + p + "=1"
			if _, err := config.Resolve(env(v.kv(u)...)); err != nil {
				t.Errorf("%s=%s: %v", v.name, u, err)
			}
		}
	}
	// The embedded mock ignores the URL, but NICCONFORM_NETWORK_URL alone is
	// still checked and not shown.
	got, errs := config.Diagnose(env("NICCONFORM_NETWORK_URL", "https://h/?token=canary-query-4"))
	if len(errs) != 2 || !strings.Contains(errors.Join(errs...).Error(), "NICCONFORM_NETWORK_URL has a query parameter") {
		t.Errorf("embedded: %q", errs)
	}
	noSecret(t, "Describe", got.Describe())
}

// An invalid URL is shown without its query; one with user info not at all.
func TestInvalidURLsAreShownWithoutTheirQuery(t *testing.T) {
	_, err := config.Resolve(env(base("NICCONFORM_COMPUTE_URL", "ecs.example.com/?x=canary-query-5")...))
	if err == nil || !strings.Contains(err.Error(), `NICCONFORM_COMPUTE_URL="ecs.example.com/"`) {
		t.Errorf("%v", err)
	}
	noCanary(t, "the error", err.Error())
	got, errs := config.Diagnose(env(base("NICCONFORM_COMPUTE_URL", "https://bob:canary-query-6@ecs.example.com")...))
	if len(errs) != 1 {
		t.Errorf("%q", errs)
	}
	noSecret(t, "Describe", got.Describe())
}

// Diagnose keeps what it resolved, with its sources, next to the problems:
// what `nicconform config` prints on a partial configuration.
func TestDiagnoseKeepsWhatItResolved(t *testing.T) {
	got, errs := config.Diagnose(env("HW_REGION_NAME", "cn-north-4", "HW_ACCESS_KEY", canaryAK, "HW_PROJECT_ID", project,
		"NICCONFORM_PROFILE", "aws"))
	if len(errs) == 0 {
		t.Fatal("no problems")
	}
	if got.ComputeURL != "https://ecs.cn-north-4.myhuaweicloud.com" || got.ProjectID != project || got.Sources["ProjectID"] != "HW_PROJECT_ID" ||
		got.Auth.AK != canaryAK || got.Profile != "aws" {
		t.Errorf("partial: %+v", got)
	}
	problems := errors.Join(errs...).Error()
	for _, w := range []string{"NICCONFORM_SERVER_ID", "NICCONFORM_NETWORK_ID", "HW_ACCESS_KEY is set without its secret key", "NICCONFORM_PROFILE"} {
		if !strings.Contains(problems, w) {
			t.Errorf("problems do not mention %s:\n%s", w, problems)
		}
	}
	if _, err := config.Resolve(env("HW_REGION_NAME", "cn-north-4")); err == nil {
		t.Error("Resolve accepted a partial configuration")
	}
}

// Every variable the resolver reads is listed (and explained) by Help, in
// every mode.
func TestHelpListsEveryVariableRead(t *testing.T) {
	var known []string
	for _, v := range config.Help() {
		known = append(known, v.Names...)
	}
	setups := [][]string{
		nil,
		{"NICCONFORM_DRY_RUN", "true", "NICCONFORM_COMPUTE_URL", "https://ecs.x"},
		base("HW_REGION_NAME", "cn-north-4"),
		withoutToken("HW_REGION_NAME", "cn-north-4", "HW_USER_NAME", "a", "HW_USER_PASSWORD", "p"),
		withoutToken("HW_REGION_NAME", "cn-north-4", "HW_ACCESS_KEY", "a", "HW_SECRET_KEY", "s", "HW_SECURITY_TOKEN", "t"),
		{"NICCONFORM_SETTLE", "1s"},
	}
	for _, kv := range setups {
		lookup := env(kv...)
		config.Diagnose(func(name string) (string, bool) {
			if !slices.Contains(known, name) {
				t.Errorf("%s is read but not listed by config.Help", name)
			}
			return lookup(name)
		})
	}
	for _, v := range config.Help() {
		if len(v.Names) == 0 || v.Meaning == "" {
			t.Errorf("help entry %+v", v)
		}
	}
}
