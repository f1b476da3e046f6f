package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2"

	"github.com/nicconform/nicconform/suites/detach"
)

// fakeSpecs stands in for the suite's specs and counts its runs: a usage
// error must stop the run before the specs start (which is what sends
// requests).
func fakeSpecs(runs *int) specRunner {
	return func(ginkgo.GinkgoTestingT, detach.Options, ...any) bool {
		*runs++
		return true
	}
}

// A label that names no rule, a regular expression that matches none, a
// filter that selects no rule, a stray argument: each is a usage error
// (exit 2) naming what is wrong, before the suite starts.
func TestRunRefusesFiltersThatNameNoRule(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"typo", []string{"-label-filter=PRIMARY-FORBIDEN"}, []string{`"PRIMARY-FORBIDEN"`, "PRIMARY-FORBIDDEN"}},
		{"typo inside an expression", []string{"-label-filter=!STATE-LOCKED && !PRIMARY-FORBIDEN"}, []string{`"PRIMARY-FORBIDEN"`, "did you mean PRIMARY-FORBIDDEN"}},
		{"two unknown", []string{"-label-filter=PATH-MALFORMD || NOPE"}, []string{`"PATH-MALFORMD"`, `"NOPE"`}},
		{"regex matching none", []string{"-label-filter=/^FOO-/"}, []string{"/^FOO-/"}},
		{"label set", []string{"-label-filter=rule: containsAny PATH-MALFORMED"}, []string{"a label set"}},
		{"selects none", []string{"-label-filter=PATH-MALFORMED && PATH-MISSING-PORT"}, []string{"selects no rule"}},
		{"syntax", []string{"-label-filter=PATH-MALFORMED &| X"}, []string{"label filter"}},
		{"stray argument", []string{"PRIMARY-FORBIDDEN"}, []string{`"PRIMARY-FORBIDDEN"`, "-label-filter"}},
		{"stray argument after a flag", []string{"-label-filter=PATH-MALFORMED", "extra"}, []string{`"extra"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := 0
			var out, errb bytes.Buffer
			err := runSuite(context.Background(), append([]string{"-report-dir", t.TempDir()}, tc.args...), &out, &errb, fakeSpecs(&runs))
			var exit *exitCode
			if !errors.As(err, &exit) || exit.code != 2 {
				t.Fatalf("want a usage error (exit 2), got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(exit.msg, w) {
					t.Errorf("message lacks %q: %s", w, exit.msg)
				}
			}
			if runs != 0 {
				t.Error("the specs ran")
			}
		})
	}
}

// Filters that name rules are accepted as Ginkgo reads them: any case, a
// regular expression, negation, groups.
func TestLabelFilterSelectsRules(t *testing.T) {
	for filter, want := range map[string]int{
		"primary-forbidden":                   1,
		"/^PATH-/":                            5,
		"!STATE-LOCKED":                       20,
		"(PATH-MALFORMED, PATH-MISSING-PORT)": 2,
		"!STATE-LOCKED && !PRIMARY-FORBIDDEN": 19,
	} {
		got, err := selectRules(filter)
		if err != nil || len(got) != want {
			t.Errorf("%q: %d rules %v, %v; want %d", filter, len(got), got, err, want)
		}
	}
}
