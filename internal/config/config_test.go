package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/config"
)

func env(kv ...string) config.Lookup {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestEmbeddedByDefault(t *testing.T) {
	c, err := config.Resolve(env())
	if err != nil {
		t.Fatal(err)
	}
	if !c.Embedded || c.Profile != "huawei" || c.DetachTimeout != 10*time.Second || c.ReportDir != "reports" {
		t.Errorf("defaults: %+v", c)
	}
}

func TestLiveTarget(t *testing.T) {
	c, err := config.Resolve(env(
		"NICCONFORM_COMPUTE_URL", "https://ecs.example.com",
		"NICCONFORM_SERVER_ID", "s", "NICCONFORM_NETWORK_ID", "n",
		"HW_PROJECT_ID", "0123456789abcdef0123456789abcdef",
		"OS_AUTH_TOKEN", "canary-secret-token",
		"NICCONFORM_DETACH_TIMEOUT", "90"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Embedded || c.NetworkURL != "https://ecs.example.com" || c.DetachTimeout != 90*time.Second || c.Sources["Token"] != "OS_AUTH_TOKEN" || c.Auth.Mode != config.AuthToken {
		t.Errorf("live: %+v", c)
	}
	if strings.Contains(c.String(), "canary-secret-token") {
		t.Errorf("String leaks the token: %s", c)
	}
}

func TestBadSettingsNameTheirVariable(t *testing.T) {
	cases := []struct {
		env  config.Lookup
		want []string
	}{
		{env("NICCONFORM_COMPUTE_URL", "ecs.example.com"), []string{"NICCONFORM_COMPUTE_URL", "NICCONFORM_SERVER_ID", "NICCONFORM_NETWORK_ID", "NICCONFORM_PROJECT_ID", "NICCONFORM_AUTH_TOKEN", "HW_ACCESS_KEY"}},
		{env("NICCONFORM_SERVER_ID", "x"), []string{"NICCONFORM_SERVER_ID is set but NICCONFORM_COMPUTE_URL is not"}},
		{env("NICCONFORM_PROFILE", "aws"), []string{"NICCONFORM_PROFILE"}},
		{env("NICCONFORM_DETACH_TIMEOUT", "soon"), []string{"NICCONFORM_DETACH_TIMEOUT"}},
		{env("NICCONFORM_POLL_INTERVAL", "1m", "NICCONFORM_DETACH_TIMEOUT", "1s"), []string{"NICCONFORM_POLL_INTERVAL"}},
		{env("NICCONFORM_MOCK_ERRORS", "xml"), []string{"NICCONFORM_MOCK_ERRORS"}},
		{env("NICCONFORM_COMPUTE_URL", "http://h", "NICCONFORM_SERVER_ID", "s", "NICCONFORM_NETWORK_ID", "n",
			"NICCONFORM_PROJECT_ID", "p", "NICCONFORM_AUTH_TOKEN", "t", "NICCONFORM_MOCK_DEVIATION", "x"),
			[]string{"NICCONFORM_MOCK_DEVIATION", "NICCONFORM_PROJECT_ID"}},
		{env("NICCONFORM_COMPUTE_URL", "http://h", "NICCONFORM_SERVER_ID", "s", "NICCONFORM_NETWORK_ID", "n",
			"NICCONFORM_PROJECT_ID", "0123456789abcdef0123456789abcdef", "HW_ACCESS_KEY", "AK"),
			[]string{"HW_ACCESS_KEY"}},
		{env("NICCONFORM_RUN_ID", "Bad Id"), []string{"NICCONFORM_RUN_ID"}},
	}
	for i, c := range cases {
		_, err := config.Resolve(c.env)
		if err == nil {
			t.Errorf("case %d: accepted", i)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("case %d: %q does not mention %q", i, err, w)
			}
		}
	}
}

var live = []string{
	"NICCONFORM_SERVER_ID", "s", "NICCONFORM_NETWORK_ID", "n",
	"HW_PROJECT_ID", "0123456789abcdef0123456789abcdef",
}

func TestRegionDerivesEndpoints(t *testing.T) {
	c, err := config.Resolve(env(append(live, "HW_REGION_NAME", "cn-north-4",
		"HW_USER_NAME", "alice", "HW_USER_PASSWORD", "canary-password-1", "HW_DOMAIN_NAME", "acme")...))
	if err != nil {
		t.Fatal(err)
	}
	if c.Embedded || c.ComputeURL != "https://ecs.cn-north-4.myhuaweicloud.com" || c.NetworkURL != "https://vpc.cn-north-4.myhuaweicloud.com" ||
		c.Auth.AuthURL != "https://iam.cn-north-4.myhuaweicloud.com" || c.Auth.Mode != config.AuthPassword {
		t.Errorf("derived: %+v", c)
	}
	if !strings.HasPrefix(c.Sources["ComputeURL"], "derived from HW_REGION_NAME") {
		t.Errorf("source: %q", c.Sources["ComputeURL"])
	}
	for _, out := range []string{c.String(), c.Describe()} {
		if strings.Contains(out, "canary-password-1") {
			t.Errorf("a secret is printed: %s", out)
		}
	}
	if !strings.Contains(c.Describe(), "HW_USER_PASSWORD") {
		t.Errorf("Describe does not name the password's source:\n%s", c.Describe())
	}
	over, err := config.Resolve(env(append(live, "OS_REGION_NAME", "ap-southeast-1", "NICCONFORM_COMPUTE_URL", "https://ecs.internal",
		"HUAWEICLOUD_SDK_AK", "AK1", "HUAWEICLOUD_SDK_SK", "canary-sk")...))
	if err != nil {
		t.Fatal(err)
	}
	// An explicit compute URL is the network URL too (issue 11): the region
	// derives only what is not set.
	if over.ComputeURL != "https://ecs.internal" || over.NetworkURL != "https://ecs.internal" || over.Auth.Mode != config.AuthAKSK {
		t.Errorf("override: %+v", over)
	}
	if strings.Contains(over.Describe()+over.String(), "canary-sk") {
		t.Error("the SK is printed")
	}
}

func TestPartialOrContradictoryCredentials(t *testing.T) {
	cases := []struct {
		kv   []string
		want []string
	}{
		{[]string{"HW_ACCESS_KEY", "AK"}, []string{"HW_ACCESS_KEY is set without its secret key"}},
		{[]string{"HUAWEICLOUD_SDK_SK", "SK"}, []string{"HUAWEICLOUD_SDK_SK is set without an access key"}},
		{[]string{"HW_SECURITY_TOKEN", "x", "NICCONFORM_AUTH_TOKEN", "t"}, []string{"HW_SECURITY_TOKEN"}},
		{[]string{"NICCONFORM_AUTH_TOKEN", "t", "OS_PASSWORD", "p", "OS_USERNAME", "u", "OS_USER_DOMAIN_NAME", "d", "OS_AUTH_URL", "https://iam.x"},
			[]string{"more than one way", "NICCONFORM_AUTH_TOKEN", "OS_USERNAME"}},
		{[]string{"HW_USER_PASSWORD", "p"}, []string{"without a user name", "HW_DOMAIN_NAME", "HW_AUTH_URL"}},
		{[]string{"NICCONFORM_AUTH_TOKEN", "t", "HW_INSECURE", "maybe"}, []string{"HW_INSECURE"}},
		{[]string{}, []string{"no credentials"}},
	}
	for i, c := range cases {
		_, err := config.Resolve(env(append(append([]string{"NICCONFORM_COMPUTE_URL", "https://ecs.example.com"}, live...), c.kv...)...))
		if err == nil {
			t.Errorf("case %d: accepted", i)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("case %d: %q does not mention %q", i, err, w)
			}
		}
	}
}

func TestDryRunKeepsTheTargetButUsesTheMock(t *testing.T) {
	c, err := config.Resolve(env(append(live, "NICCONFORM_COMPUTE_URL", "https://ecs.example.com", "NICCONFORM_AUTH_TOKEN", "t",
		"NICCONFORM_DRY_RUN", "true", "NICCONFORM_PROFILE", "nova")...))
	if err != nil {
		t.Fatal(err)
	}
	if !c.DryRun || c.Embedded || c.DetachTimeout != config.DefaultDetachTimeoutMock || c.Profile != "nova" {
		t.Errorf("dry run: %+v", c)
	}
}

func TestRunIDCarriesItsTime(t *testing.T) {
	now := time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)
	id := config.NewRunID(now)
	got, ok := config.RunTime(id)
	if !ok || !got.Equal(now) {
		t.Errorf("RunTime(%q) = %v, %v", id, got, ok)
	}
	if _, ok := config.RunTime("abc"); ok {
		t.Error("a short id has a time")
	}
	if c, _ := config.Resolve(env()); c.RunID == "" {
		t.Error("no default run id")
	}
}

func TestSettle(t *testing.T) {
	if c, err := config.Resolve(env("NICCONFORM_SETTLE", "500ms")); err != nil || c.Settle != 500*time.Millisecond {
		t.Errorf("settle: %v %v", c.Settle, err)
	}
	for _, bad := range []string{"1ms", "1h", "soon"} {
		if _, err := config.Resolve(env("NICCONFORM_SETTLE", bad)); err == nil || !strings.Contains(err.Error(), "NICCONFORM_SETTLE") {
			t.Errorf("NICCONFORM_SETTLE=%s: %v", bad, err)
		}
	}
}

func TestURLWithCredentialsIsRefusedWithoutEchoingThem(t *testing.T) {
	_, err := config.Resolve(env(append(live, "NICCONFORM_COMPUTE_URL", "https://bob:S3cretPw@ecs.example.com", "NICCONFORM_AUTH_TOKEN", "t")...))
	if err == nil || strings.Contains(err.Error(), "S3cretPw") || !strings.Contains(err.Error(), "NICCONFORM_COMPUTE_URL") {
		t.Errorf("%v", err)
	}
}

// NICCONFORM_COMPUTE_URL as catalogs print it: the root, …/v2.1/{project}
// (agreeing with the project id, or setting it) and …/v2.1 (project-less);
// a project in the URL that contradicts the configured one is an error
// naming both.
func TestComputeURLForms(t *testing.T) {
	const p = "0123456789abcdef0123456789abcdef"
	base := []string{"NICCONFORM_SERVER_ID", "s", "NICCONFORM_NETWORK_ID", "n", "NICCONFORM_AUTH_TOKEN", "t"}
	for _, c := range []struct {
		url, project         string
		wantURL, wantProject string
		projectless          bool
		wantErr              string
	}{
		{url: "http://127.0.0.1:8774", project: p, wantURL: "http://127.0.0.1:8774", wantProject: p},
		{url: "http://127.0.0.1:8774/v2.1/" + p, project: p, wantURL: "http://127.0.0.1:8774", wantProject: p},
		{url: "http://127.0.0.1:8774/v2.1/" + p + "/", wantURL: "http://127.0.0.1:8774", wantProject: p},
		{url: "http://h/compute/v2.1/" + p, project: p, wantURL: "http://h/compute", wantProject: p},
		{url: "http://h/compute/v2.1", project: p, wantURL: "http://h/compute", wantProject: p, projectless: true},
		{url: "http://h/v2.1/", project: p, wantURL: "http://h", wantProject: p, projectless: true},
		{url: "http://h/v2.1/" + p, project: "fedcba9876543210fedcba9876543210", wantErr: `NICCONFORM_COMPUTE_URL names project "` + p + `"`},
	} {
		kv := append([]string{"NICCONFORM_COMPUTE_URL", c.url}, base...)
		if c.project != "" {
			kv = append(kv, "NICCONFORM_PROJECT_ID", c.project)
		}
		s, err := config.Resolve(env(kv...))
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "NICCONFORM_PROJECT_ID") {
				t.Errorf("%s with %s: %v, want %q", c.url, c.project, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if s.ComputeURL != c.wantURL || s.NetworkURL != c.wantURL || s.ProjectID != c.wantProject || s.ComputeProjectless != c.projectless {
			t.Errorf("%s: compute %q network %q project %q projectless %v", c.url, s.ComputeURL, s.NetworkURL, s.ProjectID, s.ComputeProjectless)
		}
		if c.project == "" && !strings.Contains(s.Sources["ProjectID"], "NICCONFORM_COMPUTE_URL") {
			t.Errorf("%s: project source %q", c.url, s.Sources["ProjectID"])
		}
	}
}

// A misspelt setting is an error naming the setting it was meant to be,
// never its value; the settings, the tooling's variables and other
// programs' variables are not.
func TestStraysNameTheNearestSetting(t *testing.T) {
	const canary = "canary-3c9e1f"
	errs := config.Strays([]string{
		"NICCONFORM_MOCK_DEVIATIONS=" + canary, "NICCONFORM_DETACH_TIMOUT=600s", "NICCONFORM_PREFLIGHT=" + canary,
		"NICCONFORM_MOCK_DEVIATION=body-on-202", "NICCONFORM_OPENSTACK_AGENT_POLL=1", "NICCONFORM_AUTH_TOKEN=" + canary,
		"HW_ACCESS_KEY=x", "PATH=/bin", "NICCONFORM_=x", "NICCONFORM_NO_EQUALS",
	})
	want := []string{
		"NICCONFORM_MOCK_DEVIATIONS is not a variable nicconform reads: did you mean NICCONFORM_MOCK_DEVIATION?",
		"NICCONFORM_DETACH_TIMOUT is not a variable nicconform reads: did you mean NICCONFORM_DETACH_TIMEOUT?",
		"NICCONFORM_PREFLIGHT is not a variable",
		"NICCONFORM_ is not a variable",
		"NICCONFORM_NO_EQUALS is not a variable",
	}
	if len(errs) != len(want) {
		t.Fatalf("%d strays, want %d: %v", len(errs), len(want), errs)
	}
	for i, err := range errs {
		if !strings.HasPrefix(err.Error(), want[i]) || strings.Contains(err.Error(), canary) {
			t.Errorf("stray %d: %q, want it to start %q and hold no value", i, err, want[i])
		}
	}
}
