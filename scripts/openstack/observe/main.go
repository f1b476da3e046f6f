// Command observe runs the table of upstream behaviours
// (internal/upstream) against the real cloud of scripts/openstack, as the
// reference mock's test runs it against the mock under the nova profile:
// one line per behaviour with its source, and exit status 1 when the cloud
// does not show one (the mock would then model something the cloud does
// not do). It reads a run's variables (NICCONFORM_COMPUTE_URL,
// NICCONFORM_NETWORK_URL, NICCONFORM_PROJECT_ID, NICCONFORM_SERVER_ID,
// NICCONFORM_AUTH_TOKEN: token.env) and changes nothing on the cloud: its
// requests are refused or name a port no server has.
//
//	. /tmp/nicconform-openstack/token.env && go run ./scripts/openstack/observe
//
// Exit status: 0 every behaviour seen, 1 one was not, 2 bad input.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/nicconform/nicconform/internal/upstream"
)

func main() {
	code, err := run(os.Stdout, os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "observe:", err)
	}
	os.Exit(code)
}

// run observes every behaviour and returns the exit status.
func run(w io.Writer, getenv func(string) string) (int, error) {
	t := upstream.Target{
		ComputeURL: getenv("NICCONFORM_COMPUTE_URL"),
		NetworkURL: getenv("NICCONFORM_NETWORK_URL"),
		ProjectID:  getenv("NICCONFORM_PROJECT_ID"),
		ServerID:   getenv("NICCONFORM_SERVER_ID"),
		Token:      getenv("NICCONFORM_AUTH_TOKEN"),
		Client:     &http.Client{Timeout: 60 * time.Second},
	}
	for name, v := range map[string]string{"NICCONFORM_COMPUTE_URL": t.ComputeURL, "NICCONFORM_NETWORK_URL": t.NetworkURL,
		"NICCONFORM_PROJECT_ID": t.ProjectID, "NICCONFORM_SERVER_ID": t.ServerID, "NICCONFORM_AUTH_TOKEN": t.Token} {
		if v == "" {
			return 2, fmt.Errorf("%s is not set (source token.env)", name)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	code := 0
	for _, o := range upstream.Observations() {
		mock := "the nova mock"
		if o.Deviation != "" {
			mock = "the mock's " + o.Deviation + " deviation"
		}
		if err := o.Check(ctx, t); err != nil {
			fmt.Fprintf(w, "NOT SEEN  %-22s %v (%s models it: %s)\n", o.Name, err, mock, o.Source)
			code = 1
			continue
		}
		fmt.Fprintf(w, "seen      %-22s as %s answers (%s)\n", o.Name, mock, o.Source)
	}
	return code, nil
}
