package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nicconform/nicconform/internal/mock"
)

// runMock is `nicconform mock`: it serves the reference mock until ctx is
// cancelled. It prints "LISTEN http://HOST:PORT", for each seeded server
// "IDS project=… network=… server=… primary_port=…", then the endpoints
// other tools take, "ENDPOINTS compute=… network=… identity=…", then
// "export NAME=value" lines that point the suite at it (endpoints and ids;
// never a credential), to stdout.
// -h prints the usage (with every deviation) to stderr and returns nil.
func runMock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8774", "listen `address` (host:port; port 0 picks a free one)")
	profile := fs.String("profile", string(mock.ProfileHuawei), "emulated cloud: huawei (primary NIC 403, unattached port 404) or nova (upstream: no primary, unattached port 202)")
	errShape := fs.String("errors", string(mock.ErrorsNova), `error body shape: nova ({"itemNotFound":{"code":404,"message":…}}) or huawei ({"error":{"code":"Ecs.0085","message":…}})`)
	delay := fs.Duration("delay", mock.DefaultDelay, "how long an accepted detach takes to complete; 0 completes it before the 202")
	servers := fs.Int("servers", mock.DefaultServers, "number of seeded servers, each with one primary NIC")
	token := fs.String("token", mock.DefaultToken, "the accepted X-Auth-Token")
	logRequests := fs.Bool("log", false, "log one line per request to stderr (never a token, password or signature)")
	var devs []mock.Deviation
	reservePort := fs.Bool("reserve-port", false, "emulate the reserve_port regional variant: a detach deletes the NIC's port unless it carries reserve_port=true")
	throttle := fs.Int("throttle", 0, "answer every `N`th request with 429 and Retry-After: 0, as a rate-limited cloud does (0: never)")
	fs.Func("deviation", "break one rule on purpose (repeatable); see the list below", func(s string) error {
		d, err := mock.ParseDeviation(s)
		if err != nil {
			return err
		}
		devs = append(devs, d)
		return nil
	})
	// Credential flags never fail inside the flag package, which would
	// echo the value (a secret); their errors are reported after parsing.
	var credErrs []error
	akskKeys := map[string]string{}
	fs.Func("aksk", "accept SDK-HMAC-SHA256 signatures by this access key: `AK:SK` (repeatable)", func(s string) error {
		ak, sk, err := parseAKSK(s)
		if err != nil {
			credErrs = append(credErrs, err)
			return nil
		}
		akskKeys[ak] = sk
		return nil
	})
	var users []mock.User
	fs.Func("iam-user", "an IAM user who may log in at POST /v3/auth/tokens for a token: `NAME:PASSWORD[@DOMAIN]` (repeatable; the domain follows the last @; default domain "+mock.DefaultDomain+")", func(s string) error {
		u, err := parseIAMUser(s)
		if err != nil {
			credErrs = append(credErrs, err)
			return nil
		}
		users = append(users, u)
		return nil
	})
	maxSkew := fs.Duration("max-skew", mock.DefaultMaxSkew, "how far a signature's X-Sdk-Date may be from the mock's clock")
	fs.Usage = func() { mockUsage(fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("mock: %w", err)
	}
	if err := errors.Join(credErrs...); err != nil {
		return fmt.Errorf("mock: %w", err)
	}
	if *maxSkew <= 0 {
		return fmt.Errorf("mock: -max-skew %s: want a positive duration", *maxSkew)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("mock: unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *delay < 0 {
		return fmt.Errorf("mock: -delay %s is negative", *delay)
	}
	if *servers < 1 {
		return fmt.Errorf("mock: -servers %d: want at least 1", *servers)
	}
	if *token == "" {
		return errors.New("mock: -token must not be empty")
	}
	opts := mock.Options{
		Profile:         mock.Profile(*profile),
		Errors:          mock.ErrorShape(*errShape),
		Delay:           *delay,
		ImmediateDetach: *delay == 0,
		Servers:         *servers,
		Token:           *token,
		AKSK:            akskKeys,
		Users:           users,
		MaxSkew:         *maxSkew,
		Deviations:      devs,
		Throttle:        *throttle,
		ReservePort:     *reservePort,
	}
	if *logRequests {
		opts.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	m, err := mock.New(opts)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *addr)
	if err != nil {
		m.Close()
		return fmt.Errorf("mock: listen on %s: %w", *addr, err)
	}
	srv := mock.Serve(m, ln)
	seed := m.Seed()
	fmt.Fprintf(stdout, "LISTEN %s\n", srv.URL)
	for _, s := range seed.Servers {
		fmt.Fprintf(stdout, "IDS project=%s network=%s server=%s primary_port=%s\n",
			seed.ProjectID, seed.NetworkID, s.ServerID, s.PrimaryPortID)
	}
	fmt.Fprintf(stdout, "ENDPOINTS compute=%s/v2.1/%s network=%s%s identity=%s%s\n", srv.URL, seed.ProjectID, srv.URL, mock.NetworkRoot, srv.URL, mock.IdentityRoot)
	// Ready to paste into a shell that runs the suite against this mock
	// (the credentials are the ones given to the mock: never printed).
	first := seed.Servers[0]
	for _, kv := range [][2]string{
		{"NICCONFORM_COMPUTE_URL", srv.URL + "/v2.1/" + seed.ProjectID},
		{"NICCONFORM_NETWORK_URL", srv.URL + mock.NetworkRoot},
		{"NICCONFORM_PROJECT_ID", seed.ProjectID},
		{"NICCONFORM_SERVER_ID", first.ServerID},
		{"NICCONFORM_NETWORK_ID", seed.NetworkID},
		{"NICCONFORM_PRIMARY_PORT_ID", first.PrimaryPortID},
		{"OS_AUTH_URL", srv.URL + mock.IdentityRoot},
	} {
		fmt.Fprintf(stdout, "export %s=%s\n", kv[0], kv[1])
	}
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// mockUsage documents the flags and every deviation.
func mockUsage(fs *flag.FlagSet) {
	out := fs.Output()
	fmt.Fprintf(out, "Usage: nicconform mock [flags]\n\n"+
		"Serve the reference mock of the detach-NIC API (/v2.1 compute, /v2.0 ports).\n"+
		"Prints \"LISTEN http://HOST:PORT\", then one \"IDS project=… network=… server=… primary_port=…\"\n"+
		"line per seeded server, then \"ENDPOINTS compute=… network=… identity=…\": the endpoints to give\n"+
		"other tools (gophercloud, openstacksdk, Terraform; identity is Keystone v3 with version\n"+
		"discovery, its tokens carry a catalog of these endpoints), then \"export NAME=value\" lines\n"+
		"that point nicconform run at this mock (add the credentials you gave it).\n"+
		"Stops on SIGINT/SIGTERM.\n\n"+
		"Version discovery, without credentials, as Nova and Neutron serve it: GET / is\n"+
		"Nova's version list, GET /v2.1 the v2.1 document (microversions "+mock.MinMicroversion+" to "+mock.MaxMicroversion+", "+mock.NovaMaxMicroversion+" under -profile nova);\n"+
		"the network endpoint has a root of its own at "+mock.NetworkRoot+" (Neutron's version list\n"+
		"at "+mock.NetworkRoot+"/, the ports API at "+mock.NetworkRoot+"/v2.0/ports as well as at /v2.0/ports).\n"+
		"Compute calls take X-OpenStack-Nova-API-Version or OpenStack-API-Version: compute X.Y.\n\n"+
		"Authentication: a request is accepted when it carries any of\n"+
		"  - X-Auth-Token: the -token value;\n"+
		"  - X-Auth-Token: a token from the mock's IAM: POST /v3/auth/tokens (password\n"+
		"    method, user from -iam-user, scope.project.id the printed project id)\n"+
		"    answers 201 with the token in X-Subject-Token, valid 24h;\n"+
		"  - an SDK-HMAC-SHA256 signature (Authorization, X-Sdk-Date) by a key from -aksk.\n"+
		"Anything else answers 401.\n\nFlags:\n")
	fs.PrintDefaults()
	fmt.Fprintf(out, "\nDeviations (-deviation NAME; each breaks the rule named, or is a variant that breaks none):\n")
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	for _, d := range mock.Deviations() {
		rule := d.Rule
		switch d.Kind {
		case mock.Variant:
			rule = "variant (" + d.Rule + ")"
		case mock.SequenceOnly:
			rule = "sequence-only (" + d.Rule + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", d.Name, rule, d.Description)
	}
	_ = tw.Flush()
}

// parseAKSK parses "AK:SK". Errors never show the secret key.
func parseAKSK(s string) (ak, sk string, err error) {
	ak, sk, ok := strings.Cut(s, ":")
	switch {
	case !ok || ak == "" || sk == "":
		return "", "", errors.New("-aksk: want AK:SK, both non-empty")
	case strings.ContainsAny(ak, " ,=;"):
		return "", "", fmt.Errorf("-aksk: the access key %q holds a space, ',', '=' or ';'", ak)
	}
	return ak, sk, nil
}

// parseIAMUser parses "NAME:PASSWORD[@DOMAIN]" (the domain follows the
// last "@"). Errors never show the password.
func parseIAMUser(s string) (mock.User, error) {
	name, rest, ok := strings.Cut(s, ":")
	if !ok || name == "" || rest == "" {
		return mock.User{}, errors.New("-iam-user: want NAME:PASSWORD[@DOMAIN], name and password non-empty")
	}
	u := mock.User{Name: name, Password: rest, Domain: mock.DefaultDomain}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		u.Password, u.Domain = rest[:i], rest[i+1:]
		if u.Password == "" || u.Domain == "" {
			return mock.User{}, fmt.Errorf("-iam-user %s: want NAME:PASSWORD[@DOMAIN], password and domain non-empty", name)
		}
	}
	return u, nil
}
