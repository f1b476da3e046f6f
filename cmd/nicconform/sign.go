package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/nicconform/nicconform/internal/aksk"
	"github.com/nicconform/nicconform/internal/config"
	"github.com/nicconform/nicconform/internal/report"
	"github.com/nicconform/nicconform/internal/target"
)

// headerList is a repeatable -H "Name: value" flag.
type headerList []string

func (h *headerList) String() string { return strings.Join(*h, ", ") }

func (h *headerList) Set(v string) error {
	if name, _, ok := strings.Cut(v, ":"); !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("header %q: want \"Name: value\"", v)
	}
	*h = append(*h, v)
	return nil
}

// runSign signs one request with the configuration's AK/SK, as the run
// signs (aksk.Signer, the official Go SDK's way), and prints the signed
// headers as shell assignments, for a reproduction's curl commands.
func runSign(args []string, stdout, stderr io.Writer) error {
	t, err := target.Environment()
	if err != nil {
		return &exitCode{2, fmt.Sprintf("sign: the configuration has problems (nicconform config lists them): %v", err)}
	}
	return sign(t, args, stdout, stderr)
}

// sign is runSign with the configuration given.
func sign(t config.Settings, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("sign", flag.ContinueOnError)
	flags.SetOutput(stderr)
	method := flags.String("X", http.MethodGet, "the request's method")
	body := flags.String("d", "", "the request's body, as sent")
	var headers headerList
	flags.Var(&headers, "H", `a header the request sends ("Name: value"; repeatable): each is signed, so give the ones curl sends besides the signature`)
	flags.Usage = func() {
		fmt.Fprintf(stderr, `usage: nicconform sign [-X METHOD] [-H "Name: value"]... [-d BODY] URL

Signs one request with the configured access key and secret key
(HW_ACCESS_KEY, HW_SECRET_KEY, HW_SECURITY_TOKEN; nicconform config -h) as
the run signs (SDK-HMAC-SHA256, as Huawei's official SDKs do) and prints
the headers to send as shell assignments:
%s, %s, and X_SECURITY_TOKEN when there is one.
A reproduction's AK/SK steps read them:

  eval "$(nicconform sign -X DELETE -H "Accept: application/json" "$URL")"
  curl -X DELETE "$URL" -H "Accept: application/json" -H "X-Sdk-Date: ${SDK_DATE}" -H "Authorization: ${SDK_AUTHORIZATION}"

A signature is valid for the target's allowed clock skew (15 minutes by
default): sign just before sending. Flags:
`, report.SDKDateVar, report.SDKAuthVar)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return &exitCode{2, fmt.Sprintf("sign: want one URL, got %q", flags.Args())}
	}
	if t.Auth.Mode != config.AuthAKSK {
		return &exitCode{2, fmt.Sprintf("sign: the configuration authenticates by %q, not AK/SK: set HW_ACCESS_KEY and HW_SECRET_KEY (with a token, curl sends -H \"X-Auth-Token: $OS_TOKEN\" instead)", t.Auth.Mode)}
	}
	req, err := http.NewRequest(*method, flags.Arg(0), strings.NewReader(*body))
	if err != nil {
		return &exitCode{2, fmt.Sprintf("sign: %v", err)}
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	s := aksk.Signer{AK: t.Auth.AK, SK: t.Auth.SK, SecurityToken: t.Auth.SecurityToken, ProjectID: t.ProjectID}
	if err := s.Sign(req, []byte(*body)); err != nil {
		return &exitCode{2, fmt.Sprintf("sign: %v", err)}
	}
	if req.Header.Get(aksk.ProjectIDHeader) != "" && !hasHeader(headers, aksk.ProjectIDHeader) {
		return &exitCode{2, fmt.Sprintf("sign: the configuration's project id is signed as %s: send it, and give it here with -H", aksk.ProjectIDHeader)}
	}
	if req.Header.Get(aksk.ContentSHA256Header) != "" && !hasHeader(headers, aksk.ContentSHA256Header) {
		return &exitCode{2, fmt.Sprintf("sign: a body that is not JSON is signed with %s: %s: send it, and give it here with -H", aksk.ContentSHA256Header, aksk.UnsignedPayload)}
	}
	fmt.Fprintf(stdout, "%s=%s\n%s=%s\n", report.SDKDateVar, shellQuote(req.Header.Get(aksk.DateHeader)), report.SDKAuthVar, shellQuote(req.Header.Get("Authorization")))
	if tok := req.Header.Get(aksk.SecurityTokenHeader); tok != "" {
		fmt.Fprintf(stdout, "X_SECURITY_TOKEN=%s\n", shellQuote(tok))
	}
	return nil
}

func hasHeader(headers []string, name string) bool {
	for _, h := range headers {
		if n, _, _ := strings.Cut(h, ":"); strings.EqualFold(strings.TrimSpace(n), name) {
			return true
		}
	}
	return false
}

// shellQuote single-quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
