package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/spec"
)

// TestHelperMain is not a test: runMain re-executes the test binary into it
// to run main() itself, so that a test sees the real exit status.
func TestHelperMain(t *testing.T) {
	if os.Getenv("NICCONFORM_TEST_HELPER_MAIN") != "1" {
		t.Skip("only a helper for runMain")
	}
	args := []string{"nicconform"}
	for i, a := range os.Args {
		if a == "--" {
			args = append(args, os.Args[i+1:]...)
			break
		}
	}
	os.Args = args
	main()
	os.Exit(0)
}

// hermetic matches the variables a configuration reads, which the helper
// does not inherit from the test's environment.
var hermetic = regexp.MustCompile(`^(NICCONFORM_|HW_|OS_|HUAWEICLOUD_SDK_)`)

// runMain runs `nicconform args…` as its own process with only the given
// configuration variables, returning its stdout, its stderr, and its exit
// status; then once more with both streams on one pipe, returning that
// output as written (the order of stdout and stderr preserved).
func runMain(t *testing.T, env []string, args ...string) (stdout, stderr, both string, code int) {
	t.Helper()
	var cmdEnv []string
	for _, kv := range os.Environ() {
		if !hermetic.MatchString(kv) {
			cmdEnv = append(cmdEnv, kv)
		}
	}
	cmdEnv = append(append(cmdEnv, "NICCONFORM_TEST_HELPER_MAIN=1"), env...)
	start := func(stdout, stderr *bytes.Buffer) int {
		cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperMain$", "--"}, args...)...)
		cmd.Env = cmdEnv
		cmd.Stdout, cmd.Stderr = stdout, stderr
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			return exit.ExitCode()
		case err != nil:
			t.Fatal(err)
		}
		return 0
	}
	var out, errb, all bytes.Buffer
	code = start(&out, &errb)
	if again := start(&all, &all); again != code {
		t.Errorf("exit %d, then %d", code, again)
	}
	return out.String(), errb.String(), all.String(), code
}

const (
	cmdCanaryToken    = "canary-cmd-token-81f3"
	cmdCanarySK       = "canary-cmd-sk-2e7a"
	cmdCanaryPassword = "canary-cmd-password-0d9c"
	cmdCanaryQuery    = "canary-cmd-query-55b1"
	testProject       = "0123456789abcdef0123456789abcdef"
)

func noCmdSecret(t *testing.T, out string) {
	t.Helper()
	for _, c := range []string{cmdCanaryToken, cmdCanarySK, cmdCanaryPassword, cmdCanaryQuery} {
		if strings.Contains(out, c) {
			t.Errorf("a secret (%s) is printed:\n%s", c, out)
		}
	}
}

// `nicconform config` prints what it resolved, with sources and secrets
// masked; on a partial, invalid or contradictory configuration it prints
// that first, then the problems, and exits 2; on a valid one it exits 0.
func TestConfigPrintsWhatItResolvedThenTheProblems(t *testing.T) {
	valid := []string{"NICCONFORM_COMPUTE_URL=https://ecs.example.com", "NICCONFORM_SERVER_ID=s", "NICCONFORM_NETWORK_ID=n",
		"HW_PROJECT_ID=" + testProject, "HW_REGION_NAME=cn-north-4", "NICCONFORM_AUTH_TOKEN=" + cmdCanaryToken}
	cases := []struct {
		name      string
		env       []string
		code      int
		resolved  []string // in stdout, before any problem
		problems  []string // in stderr
		noProblem bool
	}{
		{"valid", valid, 0,
			[]string{"ComputeURL", "https://ecs.example.com", "NetworkURL", "same as NICCONFORM_COMPUTE_URL", "HW_PROJECT_ID", "Token", "****"},
			nil, true},
		{"embedded", nil, 0, []string{"embedded reference mock"}, nil, true},
		{"partial: a region and half a key pair",
			[]string{"HW_REGION_NAME=cn-north-4", "HW_PROJECT_ID=" + testProject, "HUAWEICLOUD_SDK_SK=" + cmdCanarySK},
			2,
			[]string{"https://ecs.cn-north-4.myhuaweicloud.com", "derived from HW_REGION_NAME", "https://vpc.cn-north-4.myhuaweicloud.com",
				"ProjectID", testProject, "HW_PROJECT_ID", "SK", "****", "HUAWEICLOUD_SDK_SK"},
			[]string{"problem(s)", "HUAWEICLOUD_SDK_SK is set without an access key", "NICCONFORM_SERVER_ID is required", "NICCONFORM_NETWORK_ID is required"},
			false},
		{"contradictory: a key pair from two families, two regions",
			append(valid[:len(valid)-1], "HW_ACCESS_KEY=AK", "HUAWEICLOUD_SDK_SK="+cmdCanarySK, "OS_REGION_NAME=RegionOne"),
			2,
			[]string{"ComputeURL", "https://ecs.example.com", "AK", "HW_ACCESS_KEY"},
			[]string{"HW_ACCESS_KEY and HUAWEICLOUD_SDK_SK come from different variable families", `HW_REGION_NAME="cn-north-4" and OS_REGION_NAME="RegionOne"`},
			false},
		{"invalid: a token in the URL, a password without its user",
			[]string{"NICCONFORM_COMPUTE_URL=https://ecs.example.com/?X-Auth-Token=" + cmdCanaryQuery, "NICCONFORM_SERVER_ID=s",
				"OS_PASSWORD=" + cmdCanaryPassword, "NICCONFORM_PROFILE=nova"},
			2,
			[]string{"ComputeURL", "https://ecs.example.com/?****", "ServerID", "NICCONFORM_SERVER_ID", "Profile", "nova", "Password", "****"},
			[]string{"NICCONFORM_COMPUTE_URL has a query parameter named like a credential", "OS_PASSWORD is set without a user name"},
			false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, both, code := runMain(t, c.env, "config")
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s", code, c.code, both)
			}
			for _, w := range c.resolved {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range c.problems {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if c.noProblem && stderr != "" {
				t.Errorf("stderr: %s", stderr)
			}
			if !c.noProblem && strings.Index(both, "problem(s)") < strings.Index(both, "Mode") {
				t.Errorf("the problems come before what was resolved:\n%s", both)
			}
			noCmdSecret(t, both)
		})
	}
}

// `config -h` says what it does, how endpoints are found, every variable,
// and the exit statuses; `rules -h` what it prints, in both forms.
func TestConfigAndRulesHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if err := dispatch(context.Background(), []string{"config", "-h"}, &out, &errb); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("config -h: %v", err)
	}
	help := errb.String()
	want := []string{"usage: nicconform config", "secrets masked", "exits 2", "exits 0",
		"https://vpc.{region}.myhuaweicloud.com", "unless NICCONFORM_NETWORK_URL is set"}
	for _, v := range config.Help() {
		want = append(want, v.Names...)
	}
	for _, w := range want {
		if !strings.Contains(help, w) {
			t.Errorf("config -h lacks %q", w)
		}
	}

	errb.Reset()
	if err := dispatch(context.Background(), []string{"rules", "-h"}, &out, &errb); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("rules -h: %v", err)
	}
	help = errb.String()
	for _, w := range []string{"usage: nicconform rules", "x-rules", "RULE", "HUAWEI", "NOVA", "STATEMENT", "skipped", "-json", "--label-filter"} {
		if !strings.Contains(help, w) {
			t.Errorf("rules -h lacks %q:\n%s", w, help)
		}
	}
	// Every field of the JSON form is named.
	for _, typ := range []reflect.Type{reflect.TypeOf(spec.Rule{}), reflect.TypeOf(spec.Expectation{})} {
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" && !strings.Contains(help, name) {
				t.Errorf("rules -h does not name the JSON field %q (%s.%s)", name, typ.Name(), typ.Field(i).Name)
			}
		}
	}
	for _, cmd := range []string{"config", "rules"} {
		if err := dispatch(context.Background(), []string{cmd, "extra"}, &out, &errb); err == nil {
			t.Errorf("%s accepted an argument", cmd)
		}
	}
}
