package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	iamUser     = "alice"
	iamPassword = "p4ssw0rd-never-shown"
	iamDomain   = "acme"
)

// iamServer is a fake identity service: it checks the login body and hands
// out numbered tokens; expires (relative to issue) is the lifetime it
// announces (0: no expires_at).
type iamServer struct {
	*target
	logins  atomic.Int32
	delay   time.Duration
	life    time.Duration
	clock   func() time.Time
	status  int // answer this instead of 201 when set
	bodyErr error
}

func newIAMServer(t *testing.T) *iamServer {
	s := &iamServer{life: time.Hour, clock: time.Now}
	s.target = newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/v3/auth/tokens" || r.Header.Get("Content-Type") != "application/json" {
			reply(w, 404, "application/json", `{"error":{"code":404,"message":"no"}}`)
			return
		}
		var got any
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			reply(w, 400, "", "")
			return
		}
		var want any
		_ = json.Unmarshal([]byte(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","password":"p4ssw0rd-never-shown","domain":{"name":"acme"}}}},"scope":{"project":{"id":"`+project+`"}}}}`), &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("login body %v\nwant %v", got, want)
		}
		n := s.logins.Add(1)
		time.Sleep(s.delay)
		if s.status != 0 {
			w.Header().Set("X-Subject-Token", "tok-leaked-on-error")
			reply(w, s.status, "application/json", `{"error":{"code":401,"message":"The request you have made requires authentication (password `+iamPassword+`).","title":"Unauthorized"}}`)
			return
		}
		w.Header().Set("X-Subject-Token", fmt.Sprintf("tok-%d", n))
		now := s.clock().UTC()
		body := map[string]any{"methods": []string{"password"}, "issued_at": now.Format(time.RFC3339Nano)}
		if s.life != 0 {
			body["expires_at"] = now.Add(s.life).Format("2006-01-02T15:04:05.000000Z")
		}
		b, _ := json.Marshal(map[string]any{"token": body})
		reply(w, 201, "application/json", string(b))
	})
	return s
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func iamConfig(authURL string) IAMConfig {
	return IAMConfig{AuthURL: authURL, User: iamUser, Password: iamPassword, Domain: iamDomain, ProjectID: project}
}

func tokenOf(t *testing.T, a Authenticator) string {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://x/", nil)
	if err := a.Authenticate(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	return req.Header.Get("X-Auth-Token")
}

func TestIAMLoginAndCache(t *testing.T) {
	iam := newIAMServer(t)
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Auth-Token") != "tok-1" {
			reply(w, 401, "application/json", `{"error":{"code":"APIGW.0301","message":"bad token"}}`)
			return
		}
		reply(w, 200, "application/json", listBody(1))
	})
	for _, authURL := range []string{iam.URL, iam.URL + "/", iam.URL + "/v3", iam.URL + "/v3/"} {
		iam.logins.Store(0)
		rec := NewRecorder()
		auth := IAMPassword(iamConfig(authURL))
		c := newClient(t, tg.URL, func(cfg *Config) { cfg.Auth, cfg.Recorder = auth, rec })
		for range 20 {
			if _, _, err := c.ListInterfaces(context.Background(), server); err != nil {
				t.Fatalf("%s: %v", authURL, err)
			}
		}
		if n := iam.logins.Load(); n != 1 {
			t.Errorf("%s: %d logins for 20 requests", authURL, n)
		}
		if s := auth.Secrets(); len(s) != 2 || s[0] != iamPassword || s[1] != "tok-1" {
			t.Errorf("Secrets %v", s)
		}
		for _, ex := range rec.Exchanges() {
			if ex.RequestHeader.Get("X-Auth-Token") != Redacted {
				t.Errorf("token recorded: %v", ex.RequestHeader)
			}
		}
	}
}

func TestIAMRefreshNearExpiry(t *testing.T) {
	for _, life := range []time.Duration{time.Hour, 0} {
		clock := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
		iam := newIAMServer(t)
		iam.life, iam.clock = life, clock.Now
		cfg := iamConfig(iam.URL)
		cfg.Now = clock.Now
		a := IAMPassword(cfg)
		lifetime := life
		if life == 0 {
			lifetime = IAMDefaultLifetime
		}
		if tok := tokenOf(t, a); tok != "tok-1" {
			t.Fatalf("token %q", tok)
		}
		clock.Add(lifetime - IAMRefreshMargin - time.Second)
		if tok := tokenOf(t, a); tok != "tok-1" || iam.logins.Load() != 1 {
			t.Errorf("life %s: refreshed too early: %q, %d logins", life, tok, iam.logins.Load())
		}
		clock.Add(2 * time.Second)
		if tok := tokenOf(t, a); tok != "tok-2" || iam.logins.Load() != 2 {
			t.Errorf("life %s: not refreshed: %q, %d logins", life, tok, iam.logins.Load())
		}
		if s := a.Secrets(); len(s) != 2 || s[1] != "tok-2" {
			t.Errorf("Secrets after refresh %v", s)
		}
	}
}

// The IAM service's clock does not matter: the lifetime is expires_at
// minus issued_at.
func TestIAMClockSkew(t *testing.T) {
	iam := newIAMServer(t)
	iam.clock = func() time.Time { return time.Now().Add(-3 * time.Hour) } // IAM runs 3h behind
	a := IAMPassword(iamConfig(iam.URL))
	tokenOf(t, a)
	tokenOf(t, a)
	if n := iam.logins.Load(); n != 1 {
		t.Errorf("%d logins", n)
	}
}

func TestIAMConcurrentCallersShareOneLogin(t *testing.T) {
	iam := newIAMServer(t)
	iam.delay = 50 * time.Millisecond
	a := IAMPassword(iamConfig(iam.URL))
	var wg sync.WaitGroup
	tokens := make([]string, 32)
	for i := range tokens {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", "http://x/", nil)
			if err := a.Authenticate(context.Background(), req, nil); err != nil {
				t.Error(err)
			}
			tokens[i] = req.Header.Get("X-Auth-Token")
			_ = a.Secrets()
		})
	}
	wg.Wait()
	if n := iam.logins.Load(); n != 1 {
		t.Errorf("%d logins for 32 concurrent callers", n)
	}
	for _, tok := range tokens {
		if tok != "tok-1" {
			t.Errorf("token %q", tok)
		}
	}
}

func TestIAMFailedLogin(t *testing.T) {
	iam := newIAMServer(t)
	iam.status = 401
	a := IAMPassword(iamConfig(iam.URL + "/v3"))
	req, _ := http.NewRequest("GET", "http://x/", nil)
	err := a.Authenticate(context.Background(), req, nil)
	if err == nil {
		t.Fatal("a failed login authenticated")
	}
	msg := err.Error()
	for _, want := range []string{`iam: login as user "alice" in domain "acme"`, "401", "requires authentication"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	checkNoIAMSecret(t, msg)
	if req.Header.Get("X-Auth-Token") != "" {
		t.Error("a token was set after a failed login")
	}

	// Through a client: the call fails before sending, the record is clean.
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, "", "") })
	rec := NewRecorder()
	c := newClient(t, tg.URL, func(cfg *Config) { cfg.Auth, cfg.Recorder = a, rec })
	_, err = c.Do(context.Background(), Request{Method: "GET", Segments: []string{"x"}})
	if err == nil {
		t.Fatal("no error")
	}
	checkNoIAMSecret(t, err.Error())
	for _, ex := range rec.Exchanges() {
		b, _ := json.Marshal(ex)
		checkNoIAMSecret(t, string(b))
	}
	if tg.hits.Load() != 0 {
		t.Error("a request was sent without a token")
	}
}

func TestIAMLoginErrors(t *testing.T) {
	iam := newIAMServer(t)
	noToken := newTarget(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 201, "application/json", `{}`) })
	closed := newTarget(t, func(w http.ResponseWriter, r *http.Request) {})
	closed.Close()
	for name, cfg := range map[string]IAMConfig{
		"no token header": iamConfig(noToken.URL),
		"unreachable":     iamConfig(closed.URL),
		"no auth URL":     iamConfig(""),
		"no project":      func() IAMConfig { c := iamConfig(iam.URL); c.ProjectID = ""; return c }(),
		"no password":     func() IAMConfig { c := iamConfig(iam.URL); c.Password = ""; return c }(),
		"bad URL":         iamConfig("http://[::1" + iamPassword),
	} {
		req, _ := http.NewRequest("GET", "http://x/", nil)
		err := IAMPassword(cfg).Authenticate(context.Background(), req, nil)
		if err == nil || !strings.HasPrefix(err.Error(), "iam: login as user") {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkNoIAMSecret(t, err.Error())
	}
	// A cancelled context while another caller holds the login.
	iam.delay = 200 * time.Millisecond
	a := IAMPassword(iamConfig(iam.URL))
	first := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://x/", nil)
		first <- a.Authenticate(context.Background(), req, nil)
	}()
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequest("GET", "http://x/", nil)
	if err := a.Authenticate(ctx, req, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting caller: %v", err)
	}
	if err := <-first; err != nil {
		t.Errorf("the caller holding the login: %v", err)
	}
}

func TestIAMString(t *testing.T) {
	a := IAMPassword(iamConfig("http://iam"))
	for _, s := range []string{fmtV(a), fmtGoV(a)} {
		if strings.Contains(s, iamPassword) || !strings.Contains(s, "alice") {
			t.Errorf("%s", s)
		}
	}
}

func checkNoIAMSecret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{iamPassword, "tok-leaked-on-error", "tok-1"} {
		if strings.Contains(s, secret) {
			t.Errorf("%q holds %q", s, secret)
		}
	}
}

func fmtV(v any) string   { return fmt.Sprintf("%v %+v %s", v, v, v) }
func fmtGoV(v any) string { return fmt.Sprintf("%#v", v) }
