package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A cloud of clouds.yaml (OS_CLOUD) is a configuration source of its own,
// read as openstacksdk reads it (openstack/config/loader.py, 4.x): the
// first clouds.yaml (or clouds.yml) found in OS_CLIENT_CONFIG_FILE, the
// working directory, ~/.config/openstack and /etc/openstack, with the
// cloud's entry of the first secure.yaml found in OS_CLIENT_SECURE_FILE and
// the same directories merged over it. Each key it gives stands in for the
// variable that sets the same thing (cloudKeys), so the variables' rules
// hold for it: a variable set to another value contradicts it, naming
// both, and Sources names the file, the cloud and the key.

// cloudKeys maps a cloud's keys to the variables they stand in for.
var cloudKeys = []struct{ key, variable string }{
	{"auth.auth_url", "OS_AUTH_URL"},
	{"auth.username", "OS_USERNAME"},
	{"auth.password", "OS_PASSWORD"},
	{"auth.user_domain_name", "OS_USER_DOMAIN_NAME"},
	{"auth.user_domain_id", "OS_USER_DOMAIN_ID"},
	{"auth.domain_name", "OS_DOMAIN_NAME"},
	{"auth.project_id", "OS_PROJECT_ID"},
	{"auth.token", "OS_AUTH_TOKEN"},
	{"region_name", "OS_REGION_NAME"},
	{"compute_endpoint_override", "NICCONFORM_COMPUTE_URL"},
	{"network_endpoint_override", "NICCONFORM_NETWORK_URL"},
}

// cloudUnsupported are keys a cloud may carry that the suite cannot honour:
// refused, saying what to give instead, rather than silently ignored
// (auth.project_name only without auth.project_id; a project's domain goes
// with its name and is ignored beside an id).
var cloudUnsupported = map[string]string{
	"auth.user_id":                   "give auth.username and auth.user_domain_name",
	"auth.project_name":              "give auth.project_id (the suite puts it in the compute paths)",
	"auth.application_credential_id": "use a password or a token",
}

// cloudValue is one key of the cloud, and where it came from.
type cloudValue struct{ value, source string }

// cloudFiles lists where openstacksdk looks for name ("clouds" or
// "secure"), in order: the file the variable names, then
// <dir>/<name>.yaml and .yml in the working directory, the user's and the
// site's config directories.
func cloudFiles(env Lookup, name, variable string) []string {
	var out []string
	if f, ok := env(variable); ok && strings.TrimSpace(f) != "" {
		out = append(out, strings.TrimSpace(f))
	}
	cwd, err := os.Getwd()
	if err != nil {
		cwd = "."
	}
	dirs := []string{cwd}
	if home, ok := env("HOME"); ok && home != "" {
		dirs = append(dirs, filepath.Join(home, ".config", "openstack"))
	}
	dirs = append(dirs, "/etc/openstack")
	for _, d := range dirs {
		for _, ext := range []string{".yaml", ".yml"} {
			out = append(out, filepath.Join(d, name+ext))
		}
	}
	return out
}

// readCloud finds the cloud and returns its keys by the variable they stand
// in for. A cloud that is named and not found, a file that does not parse,
// and a key the suite cannot honour are errors.
func readCloud(env Lookup, cloud string) (map[string]cloudValue, error) {
	entry, file, err := findCloud(cloudFiles(env, "clouds", "OS_CLIENT_CONFIG_FILE"), cloud, true)
	if err != nil {
		return nil, err
	}
	values := map[string]cloudValue{}
	add := func(e map[string]any, f string) error {
		for _, k := range cloudKeys {
			v, ok, err := cloudString(e, k.key)
			if err != nil {
				return fmt.Errorf("%s, cloud %q: %w", f, cloud, err)
			}
			if ok {
				values[k.variable] = cloudValue{value: v, source: fmt.Sprintf("clouds.yaml cloud %q (%s): %s", cloud, f, k.key)}
			}
		}
		_, hasProjectID, _ := cloudString(e, "auth.project_id")
		for key, instead := range cloudUnsupported {
			if key == "auth.project_name" && (hasProjectID || values["OS_PROJECT_ID"].value != "") {
				continue
			}
			if _, ok, _ := cloudString(e, key); ok {
				return fmt.Errorf("%s, cloud %q: %s is not supported: %s", f, cloud, key, instead)
			}
		}
		if v, ok := e["verify"]; ok {
			if b, isBool := v.(bool); isBool && !b {
				values["OS_INSECURE"] = cloudValue{value: "true", source: fmt.Sprintf("clouds.yaml cloud %q (%s): verify", cloud, f)}
			}
		}
		if v, ok := e["insecure"]; ok {
			if b, isBool := v.(bool); isBool {
				values["OS_INSECURE"] = cloudValue{value: strconv.FormatBool(b), source: fmt.Sprintf("clouds.yaml cloud %q (%s): insecure", cloud, f)}
			}
		}
		return nil
	}
	if err := add(entry, file); err != nil {
		return nil, err
	}
	secure, sfile, err := findCloud(cloudFiles(env, "secure", "OS_CLIENT_SECURE_FILE"), cloud, false)
	if err != nil {
		return nil, err
	}
	if secure != nil {
		if err := add(secure, sfile); err != nil {
			return nil, err
		}
	}
	return values, nil
}

// findCloud returns the cloud's entry in the first of files that exists.
// required: a cloud missing there, or no file at all, is an error.
func findCloud(files []string, cloud string, required bool) (map[string]any, string, error) {
	for _, f := range files {
		b, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("OS_CLOUD=%q: read %s: %w", cloud, f, err)
		}
		var doc struct {
			Clouds map[string]map[string]any `yaml:"clouds"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return nil, "", fmt.Errorf("OS_CLOUD=%q: %s is not a clouds file: %w", cloud, f, err)
		}
		e, ok := doc.Clouds[cloud]
		if !ok {
			if !required {
				return nil, "", nil
			}
			return nil, "", fmt.Errorf("OS_CLOUD=%q: %s has no cloud %q (it has %s)", cloud, f, cloud, oneOf(cloudNames(doc.Clouds), true, " and "))
		}
		return e, f, nil
	}
	if required {
		return nil, "", fmt.Errorf("OS_CLOUD=%q: no clouds.yaml in %s", cloud, oneOf(files, false, " or "))
	}
	return nil, "", nil
}

func cloudNames(m map[string]map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// cloudString reads a dotted key ("auth.username") as text: a string,
// number or boolean; anything else is an error.
func cloudString(e map[string]any, key string) (string, bool, error) {
	var v any = e
	for part := range strings.SplitSeq(key, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return "", false, nil
		}
		if v, ok = m[part]; !ok || v == nil {
			return "", false, nil
		}
	}
	switch x := v.(type) {
	case string:
		return x, strings.TrimSpace(x) != "", nil
	case int, float64, bool:
		return fmt.Sprint(x), true, nil
	}
	return "", false, fmt.Errorf("%s is not a single value", key)
}

// useCloud reads the cloud OS_CLOUD names, if any, into the resolver: its
// keys answer for their variables where the process's variables are unset
// (see pick for a contradiction between the two).
func (r *resolver) useCloud() {
	c, ok := r.raw("OS_CLOUD")
	if c = strings.TrimSpace(c); !ok || c == "" {
		return
	}
	r.t.Cloud, r.t.Sources["Cloud"] = c, "OS_CLOUD"
	values, err := readCloud(r.raw, c)
	if err != nil {
		r.errs = append(r.errs, err)
		return
	}
	r.cloud = values
	r.env = func(name string) (string, bool) {
		if v, ok := r.raw(name); ok && strings.TrimSpace(v) != "" {
			return v, ok
		}
		if cv, ok := r.cloud[name]; ok {
			return cv.value, true
		}
		return "", false
	}
}
