package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// IAM token lifetimes.
const (
	// IAMRefreshMargin: a cached token with less than this left is replaced.
	IAMRefreshMargin = 5 * time.Minute
	// IAMDefaultLifetime is assumed when a login answer has no expires_at.
	IAMDefaultLifetime = 24 * time.Hour
)

// IAMConfig configures IAMPassword.
type IAMConfig struct {
	// AuthURL is the identity endpoint, with or without the trailing
	// "/v3" (https://iam.myhuaweicloud.com or https://iam.myhuaweicloud.com/v3).
	AuthURL string
	// User, Password and Domain are the IAM user's credentials.
	User, Password, Domain string
	// DomainID is the user's domain by id (Keystone v3 accepts the domain
	// by id or by name; with both, the id decides); Domain or DomainID is
	// required.
	DomainID string
	// ProjectID is the project the token is scoped to.
	ProjectID string
	// HTTPClient sends the login; nil means a client with a 30s timeout.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// IAMPassword returns an Authenticator sending an IAM token as
// X-Auth-Token. The token is obtained by a password login
// (POST {AuthURL}/v3/auth/tokens, project-scoped by id), taken from the
// X-Subject-Token header of the 201 (a redirect is a *RedirectError, never
// followed: the password goes to AuthURL only), cached until less than
// IAMRefreshMargin of its life (token.expires_at; IAMDefaultLifetime when
// absent) remains, then replaced. Concurrent callers share one login.
// Errors name the user, the domain and the status, never the password or a
// token. Secrets returns the password and the current token. Tampered, it
// logs in the same way and sends the token with its middle changed.
func IAMPassword(cfg IAMConfig) Authenticator {
	a := &iamAuth{cfg: cfg, sem: make(chan struct{}, 1)}
	if a.cfg.HTTPClient == nil {
		a.cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if a.cfg.Now == nil {
		a.cfg.Now = time.Now
	}
	return a
}

type iamAuth struct {
	cfg IAMConfig
	sem chan struct{} // held by the one login in flight

	mu      sync.RWMutex // guards token, expires and roles
	token   string
	expires time.Time
	// roles are the names of the roles the last login answer's token
	// carries on the project (token.roles); nil before a login.
	roles []string
}

// Roles are the names of the roles the token carries on the project, as
// the last login answer named them (Keystone v3 and Huawei IAM answer
// token.roles [{id, name}]); known is false before the first login.
func (a *iamAuth) Roles() (roles []string, known bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return append([]string(nil), a.roles...), a.roles != nil
}

// String never shows the password or the token.
func (a *iamAuth) String() string {
	return fmt.Sprintf("IAMPassword(user %q, domain %q, %s)", a.cfg.User, a.domain(), Redacted)
}

// GoString never shows the password or the token (%#v).
func (a *iamAuth) GoString() string { return a.String() }

func (a *iamAuth) Authenticate(ctx context.Context, req *http.Request, _ []byte) error {
	tok, err := a.current(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", tok)
	return nil
}

func (a *iamAuth) Secrets() []string {
	var out []string
	if a.cfg.Password != "" {
		out = append(out, a.cfg.Password)
	}
	a.mu.RLock()
	if a.token != "" {
		out = append(out, a.token)
	}
	a.mu.RUnlock()
	return out
}

// Headers are X-Auth-Token, which it sends, and X-Subject-Token, which
// carries a token in an IAM answer.
func (a *iamAuth) Headers() []string { return []string{"X-Auth-Token", "X-Subject-Token"} }

func (a *iamAuth) Tampered() Authenticator { return wrongIAMToken{a} }

// wrongIAMToken logs in like its iamAuth (sharing its cached token), then
// sends the token with its middle changed: a well-formed, current token
// the target did not issue.
type wrongIAMToken struct{ *iamAuth }

func (w wrongIAMToken) Authenticate(ctx context.Context, req *http.Request, _ []byte) error {
	tok, err := w.current(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", flipMiddle(tok))
	return nil
}

// Secrets are the password, the token and the wrong token made from it.
func (w wrongIAMToken) Secrets() []string {
	out := w.iamAuth.Secrets()
	w.mu.RLock()
	if w.token != "" {
		out = append(out, flipMiddle(w.token))
	}
	w.mu.RUnlock()
	return out
}

// cached returns the token when it has more than the margin left.
func (a *iamAuth) cached() (string, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.token != "" && a.expires.Sub(a.cfg.Now()) > IAMRefreshMargin {
		return a.token, true
	}
	return "", false
}

// current returns a usable token, logging in (one caller at a time) when
// the cached one is missing or about to expire.
func (a *iamAuth) current(ctx context.Context) (string, error) {
	if tok, ok := a.cached(); ok {
		return tok, nil
	}
	select {
	case a.sem <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("%s: waiting for a login: %w", a.who(), ctx.Err())
	}
	defer func() { <-a.sem }()
	if tok, ok := a.cached(); ok { // another caller logged in meanwhile
		return tok, nil
	}
	tok, lifetime, roles, err := a.login(ctx)
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	a.token, a.expires, a.roles = tok, a.cfg.Now().Add(lifetime), roles
	a.mu.Unlock()
	return tok, nil
}

func (a *iamAuth) who() string {
	return fmt.Sprintf("iam: login as user %q in domain %q", a.cfg.User, a.domain())
}

// domain names the user's domain in messages: its name, else its id.
func (a *iamAuth) domain() string {
	if a.cfg.Domain != "" {
		return a.cfg.Domain
	}
	return a.cfg.DomainID
}

// tokensURL is {AuthURL}/v3/auth/tokens, whether or not AuthURL ends in /v3.
func tokensURL(authURL string) string {
	u := strings.TrimRight(authURL, "/")
	if !strings.HasSuffix(u, "/v3") {
		u += "/v3"
	}
	return u + "/auth/tokens"
}

// iamLogin is the password login body (docs/reference.md §4).
type iamLogin struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password struct {
				User struct {
					Name     string `json:"name"`
					Password string `json:"password"`
					Domain   struct {
						ID   string `json:"id,omitempty"`
						Name string `json:"name,omitempty"`
					} `json:"domain"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope struct {
			Project struct {
				ID string `json:"id"`
			} `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

// login posts the password login and returns the token, how long it
// lives from now and the names of its roles (empty, not nil, when the
// answer names none).
func (a *iamAuth) login(ctx context.Context) (string, time.Duration, []string, error) {
	switch {
	case a.cfg.AuthURL == "":
		return "", 0, nil, fmt.Errorf("%s: no auth URL", a.who())
	case a.cfg.User == "" || a.cfg.Password == "" || a.cfg.Domain == "" && a.cfg.DomainID == "":
		return "", 0, nil, fmt.Errorf("%s: the user name, password and domain are all required", a.who())
	case a.cfg.ProjectID == "":
		return "", 0, nil, fmt.Errorf("%s: no project id to scope the token to", a.who())
	}
	var body iamLogin
	body.Auth.Identity.Methods = []string{"password"}
	body.Auth.Identity.Password.User.Name = a.cfg.User
	body.Auth.Identity.Password.User.Password = a.cfg.Password
	body.Auth.Identity.Password.User.Domain.Name = a.cfg.Domain
	body.Auth.Identity.Password.User.Domain.ID = a.cfg.DomainID
	body.Auth.Scope.Project.ID = a.cfg.ProjectID
	b, err := json.Marshal(body)
	if err != nil {
		return "", 0, nil, fmt.Errorf("%s: %s", a.who(), a.scrub(err.Error()))
	}
	target := tokensURL(a.cfg.AuthURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(b))
	if err != nil {
		return "", 0, nil, fmt.Errorf("%s: %s", a.who(), a.scrub(err.Error()))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	hc := *a.cfg.HTTPClient // a copy: the caller's client is not changed
	hc.CheckRedirect = noRedirect
	resp, err := hc.Do(req)
	if err != nil {
		return "", 0, nil, fmt.Errorf("%s: POST %s: %s", a.who(), target, a.scrub(err.Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return "", 0, nil, fmt.Errorf("%s: POST %s: %d %s: %w", a.who(), target, resp.StatusCode, http.StatusText(resp.StatusCode), redirectError(resp))
	}
	rb, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	tok := resp.Header.Get("X-Subject-Token")
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", 0, nil, fmt.Errorf("%s: POST %s: %d %s%s", a.who(), target, resp.StatusCode, http.StatusText(resp.StatusCode), a.detail(rb, tok))
	}
	if err != nil {
		return "", 0, nil, fmt.Errorf("%s: reading the answer: %s", a.who(), a.scrub(err.Error()))
	}
	if tok == "" {
		return "", 0, nil, fmt.Errorf("%s: POST %s: %d with no X-Subject-Token header", a.who(), target, resp.StatusCode)
	}
	return tok, a.lifetime(rb), roleNames(rb), nil
}

// roleNames reads token.roles[].name from a login answer: the roles the
// token carries on its project (empty when it names none or does not
// parse).
func roleNames(body []byte) []string {
	var ans struct {
		Token struct {
			Roles []struct {
				Name string `json:"name"`
			} `json:"roles"`
		} `json:"token"`
	}
	names := []string{}
	if json.Unmarshal(body, &ans) != nil {
		return names
	}
	for _, r := range ans.Token.Roles {
		if r.Name != "" {
			names = append(names, r.Name)
		}
	}
	return names
}

// lifetime reads token.expires_at (and issued_at, to be immune to a clock
// difference with the identity service) from a login answer.
func (a *iamAuth) lifetime(body []byte) time.Duration {
	var ans struct {
		Token struct {
			ExpiresAt string `json:"expires_at"`
			IssuedAt  string `json:"issued_at"`
		} `json:"token"`
	}
	if json.Unmarshal(body, &ans) != nil {
		return IAMDefaultLifetime
	}
	exp, err := time.Parse(time.RFC3339, ans.Token.ExpiresAt)
	if err != nil {
		return IAMDefaultLifetime
	}
	if iss, err := time.Parse(time.RFC3339, ans.Token.IssuedAt); err == nil && exp.After(iss) {
		return exp.Sub(iss)
	}
	return exp.Sub(a.cfg.Now())
}

// detail is ": <message>" from an error answer, bounded, secrets scrubbed.
func (a *iamAuth) detail(body []byte, token string) string {
	var msg string
	var ans struct {
		Error struct {
			Message string `json:"message"`
			Code    any    `json:"code"`
		} `json:"error"`
		ErrorMsg string `json:"error_msg"`
	}
	if json.Unmarshal(body, &ans) == nil {
		msg = ans.Error.Message
		if msg == "" {
			msg = ans.ErrorMsg
		}
	}
	if msg == "" {
		msg = strings.TrimSpace(string(body))
	}
	if msg == "" {
		return ""
	}
	msg = a.scrub(msg)
	if token != "" {
		msg = strings.ReplaceAll(msg, token, Redacted)
	}
	return ": " + trim(msg, 200)
}

// scrub removes the password (and the current token) from s.
func (a *iamAuth) scrub(s string) string {
	secrets := a.Secrets()
	s = newRedactor(secrets).scrub(s)
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, Redacted)
		}
	}
	return s
}
