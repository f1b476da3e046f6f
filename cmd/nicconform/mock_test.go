package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/mock"
)

func TestRunMock(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- runMock(ctx, []string{"-addr", "127.0.0.1:0", "-servers", "2", "-delay", "0", "-profile", "nova", "-errors", "huawei", "-deviation", "body-on-202"}, pw, &stderr)
		pw.Close()
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() string {
		select {
		case l := <-lines:
			return l
		case <-time.After(5 * time.Second):
			t.Fatal("no output from runMock")
			return ""
		}
	}
	listen := next()
	url, ok := strings.CutPrefix(listen, "LISTEN ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line %q", listen)
	}
	var ids []map[string]string
	for range 2 {
		l := next()
		rest, ok := strings.CutPrefix(l, "IDS ")
		if !ok {
			t.Fatalf("IDS line %q", l)
		}
		kv := map[string]string{}
		for _, f := range strings.Fields(rest) {
			k, v, _ := strings.Cut(f, "=")
			kv[k] = v
		}
		if kv["project"] == "" || kv["network"] == "" || kv["server"] == "" || kv["primary_port"] == "" {
			t.Fatalf("IDS line %q", l)
		}
		ids = append(ids, kv)
	}
	if ids[0]["server"] == ids[1]["server"] {
		t.Error("two IDS lines for one server")
	}
	// nova profile: the primary is detachable; body-on-202 shows a body.
	req, _ := http.NewRequest("DELETE", url+"/v2.1/"+ids[0]["project"]+"/servers/"+ids[0]["server"]+"/os-interface/"+ids[0]["primary_port"], nil)
	req.Header.Set("X-Auth-Token", mock.DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 202 || !strings.Contains(string(body), "accepted") {
		t.Errorf("DELETE: %d %q", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("runMock: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runMock did not return after cancel")
	}
}

func TestRunMockFlags(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"-profile", "aws"},
		{"-errors", "xml"},
		{"-deviation", "nope"},
		{"-delay", "-1s"},
		{"-delay", "soon"},
		{"-servers", "0"},
		{"-token", ""},
		{"-addr", "not an address"},
		{"extra"},
		{"-bogus"},
	} {
		var out, errb bytes.Buffer
		if err := runMock(ctx, args, &out, &errb); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	var out, errb bytes.Buffer
	if err := runMock(ctx, []string{"-h"}, &out, &errb); err != nil {
		t.Fatalf("-h: %v", err)
	}
	help := errb.String()
	for _, want := range []string{"-addr", "-profile", "-errors", "-delay", "-servers", "-token", "-deviation", "-log", "LISTEN"} {
		if !strings.Contains(help, want) {
			t.Errorf("-h lacks %s", want)
		}
	}
	for _, d := range mock.Deviations() {
		if !strings.Contains(help, string(d.Name)) || !strings.Contains(help, d.Rule) {
			t.Errorf("-h lacks deviation %s (%s)", d.Name, d.Rule)
		}
	}
}
