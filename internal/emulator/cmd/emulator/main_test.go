package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRunPrintsExportsAndServes: the command prints the export lines a run
// needs (README.md's configuration table) and serves the emulator at the
// URL it printed until its context ends, then exits 0.
func TestRunPrintsExportsAndServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-profile", "nova"}, pw, io.Discard)
		pw.Close()
	}()
	env := map[string]string{}
	sc := bufio.NewScanner(pr)
	for len(env) < 12 && sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "="); ok && strings.HasPrefix(sc.Text(), "export ") {
			env[k] = v
		}
	}
	for _, k := range []string{"NICCONFORM_COMPUTE_URL", "NICCONFORM_NETWORK_URL", "NICCONFORM_AUTH_TOKEN", "NICCONFORM_PROJECT_ID",
		"NICCONFORM_SERVER_ID", "NICCONFORM_OTHER_SERVER_ID", "NICCONFORM_PRIMARY_PORT_ID", "NICCONFORM_NETWORK_ID"} {
		if env[k] == "" {
			t.Fatalf("no export of %s in %v", k, env)
		}
	}
	if env["NICCONFORM_PROFILE"] != "nova" || env["NICCONFORM_ALLOW_PRIMARY_PROBE"] != "false" {
		t.Errorf("profile %q, primary probe %q; want nova, false", env["NICCONFORM_PROFILE"], env["NICCONFORM_ALLOW_PRIMARY_PROBE"])
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	for _, url := range []string{
		env["NICCONFORM_COMPUTE_URL"] + "/v2.1/" + env["NICCONFORM_PROJECT_ID"] + "/servers/" + env["NICCONFORM_SERVER_ID"] + "/os-interface",
		env["NICCONFORM_NETWORK_URL"] + "/v2.0/ports?network_id=" + env["NICCONFORM_NETWORK_ID"],
	} {
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Auth-Token", env["NICCONFORM_AUTH_TOKEN"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s (printed URL): %d, want 200", url, resp.StatusCode)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after the context ended, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still serving 10s after the context ended")
	}
}

func TestRunRefusesBadUsage(t *testing.T) {
	for _, args := range [][]string{{"-profile", "aws"}, {"extra"}, {"-addr", "256.0.0.1:0"}, {"-nope"}} {
		if code := run(context.Background(), args, io.Discard, io.Discard); code != 2 {
			t.Errorf("run(%v) = %d, want 2", args, code)
		}
	}
}
