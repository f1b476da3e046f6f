package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/config"
)

const cloudProject = "0123456789abcdef0123456789abcdef"

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const cloudsYAML = `
clouds:
  other:
    region_name: elsewhere
  mock:
    auth_type: password
    auth:
      auth_url: http://127.0.0.1:8774/identity
      username: alice
      user_domain_name: acme
      project_id: ` + cloudProject + `
    region_name: RegionOne
    compute_endpoint_override: http://127.0.0.1:8774/v2.1/` + cloudProject + `
    network_endpoint_override: http://127.0.0.1:8774/networking
`

// OS_CLOUD configures a run as the variables would, the password merged in
// from secure.yaml, and Sources name the file, the cloud and the key.
func TestCloudsYAML(t *testing.T) {
	dir := t.TempDir()
	clouds := writeFile(t, filepath.Join(dir, "clouds.yaml"), cloudsYAML)
	secure := writeFile(t, filepath.Join(dir, "secure.yaml"), "clouds:\n  mock:\n    auth:\n      password: canary-cloud-password\n")
	s, err := config.Resolve(env("OS_CLOUD", "mock", "OS_CLIENT_CONFIG_FILE", clouds, "OS_CLIENT_SECURE_FILE", secure, "HOME", dir,
		"NICCONFORM_SERVER_ID", "s", "NICCONFORM_NETWORK_ID", "n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Embedded || s.Cloud != "mock" || s.Auth.Mode != config.AuthPassword || s.Auth.User != "alice" || s.Auth.Password != "canary-cloud-password" ||
		s.Auth.Domain != "acme" || s.ProjectID != cloudProject || s.ComputeURL != "http://127.0.0.1:8774" || s.NetworkURL != "http://127.0.0.1:8774/networking" ||
		s.Region != "RegionOne" || s.Auth.AuthURL != "http://127.0.0.1:8774/identity" {
		t.Errorf("settings %+v", s)
	}
	for field, want := range map[string]string{
		"User":     `clouds.yaml cloud "mock" (` + clouds + `): auth.username`,
		"Password": `clouds.yaml cloud "mock" (` + secure + `): auth.password`,
		"Region":   `clouds.yaml cloud "mock" (` + clouds + `): region_name`,
		"Cloud":    "OS_CLOUD",
	} {
		if s.Sources[field] != want {
			t.Errorf("source of %s: %q, want %q", field, s.Sources[field], want)
		}
	}
	if d := s.Describe(); strings.Contains(d, "canary-cloud-password") || !strings.Contains(d, "auth.username") {
		t.Errorf("Describe:\n%s", d)
	}
}

// The variables' rules hold for a cloud's keys: a variable that says
// otherwise contradicts it (naming both, never a secret), and so does the
// project of the compute URL. A cloud that is not there, no clouds.yaml, a
// key the suite cannot honour and a cloud that names no target are errors.
func TestCloudsYAMLErrors(t *testing.T) {
	dir := t.TempDir()
	clouds := writeFile(t, filepath.Join(dir, "clouds.yaml"), cloudsYAML)
	unsupported := writeFile(t, filepath.Join(dir, "unsupported.yaml"), "clouds:\n  mock:\n    region_name: r\n    auth:\n      project_name: demo\n")
	noTarget := writeFile(t, filepath.Join(dir, "notarget.yaml"), "clouds:\n  mock:\n    auth:\n      token: canary-cloud-token\n")
	ids := []string{"NICCONFORM_SERVER_ID", "s", "NICCONFORM_NETWORK_ID", "n", "HOME", dir}
	for name, c := range map[string]struct {
		kv   []string
		want []string
	}{
		"a variable contradicts the cloud": {[]string{"OS_CLOUD", "mock", "OS_CLIENT_CONFIG_FILE", clouds, "OS_USERNAME", "bob", "OS_PASSWORD", "pw"},
			[]string{`OS_USERNAME="bob"`, `clouds.yaml cloud "mock"`, "auth.username", "contradict"}},
		"the project contradicts the cloud's": {[]string{"OS_CLOUD", "mock", "OS_CLIENT_CONFIG_FILE", clouds, "OS_PASSWORD", "pw", "NICCONFORM_PROJECT_ID", "fedcba9876543210fedcba9876543210"},
			[]string{"contradict", "NICCONFORM_PROJECT_ID"}},
		"no such cloud": {[]string{"OS_CLOUD", "nope", "OS_CLIENT_CONFIG_FILE", clouds},
			[]string{`OS_CLOUD="nope"`, `has no cloud "nope"`, `"mock" and "other"`}},
		"no clouds.yaml": {[]string{"OS_CLOUD", "mock", "OS_CLIENT_CONFIG_FILE", filepath.Join(dir, "absent.yaml")},
			[]string{"no clouds.yaml in", "absent.yaml", filepath.Join(dir, ".config", "openstack", "clouds.yaml"), "/etc/openstack/clouds.yaml"}},
		"unsupported key": {[]string{"OS_CLOUD", "mock", "OS_CLIENT_CONFIG_FILE", unsupported},
			[]string{"auth.project_name is not supported", "auth.project_id"}},
		"no target": {[]string{"OS_CLOUD", "mock", "OS_CLIENT_CONFIG_FILE", noTarget},
			[]string{"neither region_name nor compute_endpoint_override", "embedded mock"}},
	} {
		_, err := config.Resolve(env(append(c.kv, ids...)...))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v\nlacks %q", name, err, w)
			}
		}
		if strings.Contains(err.Error(), "canary-cloud") {
			t.Errorf("%s: the error shows a secret: %v", name, err)
		}
	}
}

// Without OS_CLIENT_CONFIG_FILE the cloud is found where openstacksdk
// looks: ~/.config/openstack/clouds.yaml (HOME).
func TestCloudsYAMLSearchPath(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".config", "openstack", "clouds.yaml"), cloudsYAML)
	s, err := config.Resolve(env("OS_CLOUD", "mock", "HOME", home, "OS_PASSWORD", "pw", "NICCONFORM_SERVER_ID", "s", "NICCONFORM_NETWORK_ID", "n"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Sources["User"], filepath.Join(home, ".config", "openstack", "clouds.yaml")) || s.Sources["Password"] != "OS_PASSWORD" {
		t.Errorf("sources %v", s.Sources)
	}
}

// The user's domain by id (OS_USER_DOMAIN_ID, clouds.yaml's
// auth.user_domain_id) is enough for a password login.
func TestDomainID(t *testing.T) {
	dir := t.TempDir()
	clouds := writeFile(t, filepath.Join(dir, "clouds.yaml"), "clouds:\n  c:\n    region_name: cn-north-4\n    auth: {username: u, password: p, user_domain_id: d0m41n, project_id: "+cloudProject+"}\n")
	for _, kv := range [][]string{
		{"HW_REGION_NAME", "cn-north-4", "OS_USERNAME", "u", "OS_PASSWORD", "p", "OS_USER_DOMAIN_ID", "d0m41n", "OS_PROJECT_ID", cloudProject},
		{"OS_CLOUD", "c", "OS_CLIENT_CONFIG_FILE", clouds, "HOME", dir},
	} {
		s, err := config.Resolve(env(append(kv, "NICCONFORM_SERVER_ID", "s", "NICCONFORM_NETWORK_ID", "n")...))
		if err != nil {
			t.Fatal(err)
		}
		if s.Auth.Mode != config.AuthPassword || s.Auth.DomainID != "d0m41n" || s.Auth.Domain != "" {
			t.Errorf("%v: auth %+v", kv, s.Auth)
		}
	}
	if _, err := config.Resolve(env("HW_REGION_NAME", "cn-north-4", "OS_USERNAME", "u", "OS_PASSWORD", "p", "OS_PROJECT_ID", cloudProject,
		"NICCONFORM_SERVER_ID", "s", "NICCONFORM_NETWORK_ID", "n")); err == nil || !strings.Contains(err.Error(), "OS_USER_DOMAIN_ID") {
		t.Errorf("no domain: %v", err)
	}
}
