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
	if c.Embedded || c.NetworkURL != "https://ecs.example.com" || c.DetachTimeout != 90*time.Second || c.Sources["Token"] != "OS_AUTH_TOKEN" {
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
		{env("NICCONFORM_COMPUTE_URL", "ecs.example.com"), []string{"NICCONFORM_COMPUTE_URL", "NICCONFORM_SERVER_ID", "NICCONFORM_NETWORK_ID", "NICCONFORM_PROJECT_ID", "NICCONFORM_AUTH_TOKEN"}},
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
