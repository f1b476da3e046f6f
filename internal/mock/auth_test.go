package mock

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/aksk"
)

const (
	mockAK = "AKMOCKTEST000001"
	mockSK = "mock-secret-key-5e1f"
)

func authOptions() Options {
	return Options{
		AKSK:  map[string]string{mockAK: mockSK},
		Users: []User{{Name: "alice", Password: "alice-pw-7731", Domain: "acme"}, {Name: "bob", Password: "bob-pw-2219"}},
	}
}

// signedDo serves a request signed by s (with the token header removed).
func (h *harness) signedDo(s aksk.Signer, method, path, body string, edit ...func(*http.Request)) *httptest.ResponseRecorder {
	h.t.Helper()
	r := h.req(method, path, body, "X-Auth-Token", "")
	if err := s.Sign(r, []byte(body)); err != nil {
		h.t.Fatal(err)
	}
	for _, e := range edit {
		e(r)
	}
	rec := httptest.NewRecorder()
	h.m.ServeHTTP(rec, r)
	return rec
}

func TestSignedRequests(t *testing.T) {
	for _, shape := range []ErrorShape{ErrorsNova, ErrorsHuawei} {
		o := authOptions()
		o.Errors = shape
		h := newHarness(t, o)
		good := aksk.Signer{AK: mockAK, SK: mockSK, ProjectID: h.seed.ProjectID}
		h.expect(h.signedDo(good, "GET", h.nics(h.srv.ServerID), ""), 200, "signed GET")
		h.expect(h.signedDo(good, "GET", "/v2.0/ports?device_id="+h.srv.ServerID+"&fields=id&fields=name", ""), 200, "signed query")
		h.expect(h.signedDo(aksk.Signer{AK: mockAK, SK: mockSK, SignContentType: true}, "POST", h.nics(h.srv.ServerID), `{"interfaceAttachment":{"net_id":"`+h.seed.NetworkID+`"}}`), 200, "signed POST")

		before := h.snapshot()
		nic := h.m.Interfaces(h.srv.ServerID)[1]
		path := h.nicPath(h.srv.ServerID, nic.PortID)
		for name, rec := range map[string]*httptest.ResponseRecorder{
			"wrong SK":    h.signedDo(aksk.Signer{AK: mockAK, SK: "wrong"}, "DELETE", path, ""),
			"unknown AK":  h.signedDo(aksk.Signer{AK: "NOBODY", SK: mockSK}, "DELETE", path, ""),
			"stale date":  h.signedDo(aksk.Signer{AK: mockAK, SK: mockSK, Now: func() time.Time { return time.Now().Add(-20 * time.Minute) }}, "DELETE", path, ""),
			"future date": h.signedDo(aksk.Signer{AK: mockAK, SK: mockSK, Now: func() time.Time { return time.Now().Add(20 * time.Minute) }}, "DELETE", path, ""),
			"tampered path": h.signedDo(good, "DELETE", h.nicPath(h.srv.ServerID, h.srv.PrimaryPortID), "", func(r *http.Request) {
				r.RequestURI, r.URL.Path = path, path
			}),
			"tampered body": h.signedDo(good, "DELETE", path, "", func(r *http.Request) {
				r.Body = httpBody(`{"x":1}`)
			}),
			"garbage Authorization": h.signedDo(good, "DELETE", path, "", func(r *http.Request) { r.Header.Set("Authorization", "SDK-HMAC-SHA256 nonsense") }),
			"date removed":          h.signedDo(good, "DELETE", path, "", func(r *http.Request) { r.Header.Del(aksk.DateHeader) }),
		} {
			checkError(t, shape, rec, http.StatusUnauthorized, codeAuth)
			body := rec.Body.String()
			if strings.Contains(body, mockSK) || strings.Contains(body, "Signature=") {
				t.Errorf("%s: the answer echoes a credential: %s", name, body)
			}
			if !strings.Contains(body, "Authentication failed") {
				t.Errorf("%s: %s", name, body)
			}
		}
		if h.snapshot() != before {
			t.Error("a refused signed DELETE changed the world")
		}
		if !strings.Contains(h.signedDo(aksk.Signer{AK: mockAK, SK: mockSK, Now: func() time.Time { return time.Now().Add(-time.Hour) }}, "GET", "/v2.0/ports", "").Body.String(), "X-Sdk-Date") {
			t.Error("a stale date is not named")
		}
		h.expect(h.signedDo(good, "DELETE", path, ""), 202, "signed DELETE")
	}
}

func httpBody(s string) *nopCloser { return &nopCloser{strings.NewReader(s)} }

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }

func TestSignatureSkewOption(t *testing.T) {
	o := authOptions()
	o.MaxSkew = time.Hour
	h := newHarness(t, o)
	h.expect(h.signedDo(aksk.Signer{AK: mockAK, SK: mockSK, Now: func() time.Time { return time.Now().Add(-50 * time.Minute) }}, "GET", "/v2.0/ports", ""), 200, "within a 1h skew")
	// No keys configured: every signature is refused.
	h2 := newHarness(t, Options{})
	checkError(t, ErrorsNova, h2.signedDo(aksk.Signer{AK: mockAK, SK: mockSK}, "GET", "/v2.0/ports", ""), 401, "")
}

func TestSignatureDeviations(t *testing.T) {
	o := authOptions()
	o.Deviations = []Deviation{DevAuthAnyToken}
	h := newHarness(t, o)
	h.expect(h.signedDo(aksk.Signer{AK: "ANYONE", SK: "anything"}, "GET", "/v2.0/ports", ""), 200, "any-token: any signature")
	checkError(t, ErrorsNova, h.do("GET", "/v2.0/ports", "", "X-Auth-Token", ""), 401, "")

	o = authOptions()
	o.Deviations = []Deviation{DevAuthOptional}
	h = newHarness(t, o)
	h.expect(h.do("GET", "/v2.0/ports", "", "X-Auth-Token", ""), 200, "auth-optional: no credentials")
	checkError(t, ErrorsNova, h.signedDo(aksk.Signer{AK: mockAK, SK: "wrong"}, "GET", "/v2.0/ports", ""), 401, "")
}

// A too-large signed body is answered 413 (the signature needs the body).
func TestSignedTooLarge(t *testing.T) {
	h := newHarness(t, authOptions())
	big := `{"port":{"name":"` + strings.Repeat("x", maxBody) + `"}}`
	checkError(t, ErrorsNova, h.signedDo(aksk.Signer{AK: mockAK, SK: mockSK}, "POST", "/v2.0/ports", big), 413, "")
}

func loginBody(user, password, domain, project string) string {
	b, _ := json.Marshal(map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{"name": user, "password": password, "domain": map[string]any{"name": domain}}}},
		"scope":    map[string]any{"project": map[string]any{"id": project}},
	}})
	return string(b)
}

func TestIAMLogin(t *testing.T) {
	var logs bytes.Buffer
	o := authOptions()
	o.Errors = ErrorsHuawei
	o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	h := newHarness(t, o)
	rec := h.do("POST", iamTokensPath, loginBody("alice", "alice-pw-7731", "acme", h.seed.ProjectID), "X-Auth-Token", "")
	h.expect(rec, 201, "login")
	tok := rec.Header().Get("X-Subject-Token")
	if len(tok) < 32 {
		t.Fatalf("token %q", tok)
	}
	var ans struct {
		Token struct {
			Expires string `json:"expires_at"`
			Issued  string `json:"issued_at"`
			Project struct{ ID, Name string }
			User    struct {
				Name   string
				Domain struct{ Name string }
			}
			Methods []string
		}
	}
	h.decode(rec, &ans)
	exp, err1 := time.Parse(time.RFC3339, ans.Token.Expires)
	iss, err2 := time.Parse(time.RFC3339, ans.Token.Issued)
	if err1 != nil || err2 != nil || exp.Sub(iss) != TokenLifetime || time.Since(iss) > time.Minute {
		t.Errorf("times %q %q", ans.Token.Expires, ans.Token.Issued)
	}
	if ans.Token.Project.ID != h.seed.ProjectID || ans.Token.Project.Name == "" || ans.Token.User.Name != "alice" || ans.Token.User.Domain.Name != "acme" || len(ans.Token.Methods) != 1 || ans.Token.Methods[0] != "password" {
		t.Errorf("token body %s", rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), "alice-pw-7731") || strings.Contains(rec.Body.String(), tok) {
		t.Error("the body holds the password or the token")
	}
	h.expect(h.do("GET", h.nics(h.srv.ServerID), "", "X-Auth-Token", tok), 200, "issued token")

	// bob has the default domain.
	h.expect(h.do("POST", iamTokensPath, loginBody("bob", "bob-pw-2219", DefaultDomain, h.seed.ProjectID), "X-Auth-Token", ""), 201, "default domain")

	for name, c := range map[string]struct {
		body   string
		status int
	}{
		"wrong password":   {loginBody("alice", "bob-pw-2219", "acme", h.seed.ProjectID), 401},
		"wrong user":       {loginBody("carol", "alice-pw-7731", "acme", h.seed.ProjectID), 401},
		"wrong domain":     {loginBody("alice", "alice-pw-7731", DefaultDomain, h.seed.ProjectID), 401},
		"wrong project":    {loginBody("alice", "alice-pw-7731", "acme", "0123456789abcdef0123456789abcdef"), 401},
		"not JSON":         {`{"auth":`, 400},
		"empty":            {``, 400},
		"no scope":         {`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","password":"alice-pw-7731","domain":{"name":"acme"}}}}}}`, 400},
		"token method":     {`{"auth":{"identity":{"methods":["token"],"token":{"id":"x"}},"scope":{"project":{"id":"` + h.seed.ProjectID + `"}}}}`, 400},
		"no password":      {loginBody("alice", "", "acme", h.seed.ProjectID), 400},
		"wrong JSON types": {`{"auth":{"identity":{"methods":"password"}}}`, 400},
	} {
		rec := h.do("POST", iamTokensPath, c.body, "X-Auth-Token", "")
		if rec.Code != c.status || rec.Header().Get("X-Subject-Token") != "" {
			t.Errorf("%s: %d, want %d (%s)", name, rec.Code, c.status, rec.Body.String())
		}
		checkError(t, ErrorsHuawei, rec, c.status, "")
		if strings.Contains(rec.Body.String(), "pw-") {
			t.Errorf("%s: the answer echoes a password: %s", name, rec.Body.String())
		}
	}
	rec = h.do("GET", iamTokensPath, "", "X-Auth-Token", "")
	if rec.Code != 405 || rec.Header().Get("Allow") != "POST" {
		t.Errorf("GET login: %d %q", rec.Code, rec.Header().Get("Allow"))
	}
	big := `{"auth":"` + strings.Repeat("x", maxBody) + `"}`
	checkError(t, ErrorsHuawei, h.do("POST", iamTokensPath, big, "X-Auth-Token", ""), 413, "")

	// Tokens are not interchangeable with anything else.
	checkError(t, ErrorsHuawei, h.do("GET", h.nics(h.srv.ServerID), "", "X-Auth-Token", tok+"x"), 401, codeAuth)
	for _, secret := range []string{"alice-pw-7731", "bob-pw-2219", tok} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}

func TestIAMTokenExpires(t *testing.T) {
	h := newHarness(t, authOptions())
	now := time.Now()
	clock := &now
	h.m.auth.now = func() time.Time { return *clock }
	rec := h.do("POST", iamTokensPath, loginBody("alice", "alice-pw-7731", "acme", h.seed.ProjectID), "X-Auth-Token", "")
	h.expect(rec, 201, "login")
	tok := rec.Header().Get("X-Subject-Token")
	*clock = now.Add(TokenLifetime - time.Second)
	h.expect(h.do("GET", "/v2.0/ports", "", "X-Auth-Token", tok), 200, "before expiry")
	*clock = now.Add(TokenLifetime)
	checkError(t, ErrorsNova, h.do("GET", "/v2.0/ports", "", "X-Auth-Token", tok), 401, "")
	// A later login drops the expired token from memory.
	h.expect(h.do("POST", iamTokensPath, loginBody("bob", "bob-pw-2219", DefaultDomain, h.seed.ProjectID), "X-Auth-Token", ""), 201, "login")
	h.m.auth.mu.Lock()
	n := len(h.m.auth.tokens)
	h.m.auth.mu.Unlock()
	if n != 1 {
		t.Errorf("%d tokens kept", n)
	}
}

func TestAuthOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"negative skew":   {MaxSkew: -time.Second},
		"empty SK":        {AKSK: map[string]string{"AK": ""}},
		"empty AK":        {AKSK: map[string]string{"": "SK"}},
		"AK with a comma": {AKSK: map[string]string{"A,K": "SK"}},
		"no password":     {Users: []User{{Name: "x"}}},
		"no user name":    {Users: []User{{Password: "x"}}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "SK\"") {
			t.Errorf("%s: error shows a secret: %v", name, err)
		}
	}
	o := authOptions()
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	o.AKSK[mockAK] = "changed" // the mock took a copy
	got := m.Options()
	if got.AKSK[mockAK] != mockSK || got.MaxSkew != DefaultMaxSkew || got.Users[1].Domain != DefaultDomain {
		t.Errorf("options %+v", got)
	}
	got.AKSK[mockAK] = "changed again"
	if m.Options().AKSK[mockAK] != mockSK {
		t.Error("Options exposes the mock's map")
	}
	if s := (User{Name: "u", Password: "hidden-pw"}); strings.Contains(s.String()+s.GoString(), "hidden-pw") {
		t.Error("User.String shows the password")
	}
}

// Official-SDK requests (internal/aksk/testdata, made by the Go and Node
// SDKs) with a body that is not JSON, signed with X-Sdk-Content-Sha256:
// UNSIGNED-PAYLOAD: the mock authenticates them (whatever it then answers
// about the vector's unknown server, never 401) and refuses each tampered.
func TestOfficialSDKUnsignedPayload(t *testing.T) {
	n := 0
	for _, file := range []string{"go-sdk-vectors.json", "node-sdk-vectors.json"} {
		b, err := os.ReadFile(filepath.Join("..", "aksk", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			AK, SK, Date string
			Vectors      []struct {
				Name, Method, URL, Body string
				Header                  http.Header
			}
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		clock, err := time.Parse(aksk.DateFormat, f.Date)
		if err != nil {
			t.Fatal(err)
		}
		o := authOptions()
		o.AKSK[f.AK] = f.SK
		h := newHarness(t, o)
		h.m.auth.now = func() time.Time { return clock }
		for _, v := range f.Vectors {
			if v.Header.Get(aksk.ContentSHA256Header) != aksk.UnsignedPayload {
				continue
			}
			n++
			send := func(edit func(*http.Request)) int {
				r := httptest.NewRequest(v.Method, v.URL, strings.NewReader(v.Body))
				for k, vs := range v.Header {
					for _, val := range vs {
						r.Header.Add(k, val)
					}
				}
				edit(r)
				rec := httptest.NewRecorder()
				h.m.ServeHTTP(rec, r)
				return rec.Code
			}
			if code := send(func(*http.Request) {}); code == http.StatusUnauthorized {
				t.Errorf("%s %s: 401 to the SDK's request", file, v.Name)
			}
			for name, tamper := range map[string]func(*http.Request){
				"content hash not signed": func(r *http.Request) {
					r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "x-sdk-content-sha256;", "", 1))
				},
				"content hash replaced": func(r *http.Request) { r.Header.Set(aksk.ContentSHA256Header, aksk.HashHex([]byte(v.Body))) },
				"method":                func(r *http.Request) { r.Method = "PATCH" },
			} {
				if code := send(tamper); code != http.StatusUnauthorized {
					t.Errorf("%s %s, %s: %d, want 401", file, v.Name, name, code)
				}
			}
		}
	}
	if n < 4 {
		t.Fatalf("only %d official UNSIGNED-PAYLOAD vectors", n)
	}
}

// Keystone v3's reference forms (user by id, or by name with its domain by
// id or name; project by id, or by name with its domain by id or name), at
// /v3/auth/tokens and under IdentityRoot; a token answer carries a catalog
// of the mock's own endpoints. Each form with one wrong part is refused.
func TestIAMLoginForms(t *testing.T) {
	h := newHarness(t, authOptions())
	p := h.seed.ProjectID
	acme, dflt := DomainID("acme"), DomainID(DefaultDomain)
	alice := UserID("acme", "alice")
	user := func(ref string) string {
		return `{"auth":{"identity":{"methods":["password"],"password":{"user":{` + ref + `,"password":"alice-pw-7731"}}},`
	}
	scope := func(ref string) string { return `"scope":{"project":{` + ref + `}}}}` }
	for name, c := range map[string]struct {
		body   string
		status int
	}{
		"user by id, project by id":                      {user(`"id":"`+alice+`"`) + scope(`"id":"`+p+`"`), 201},
		"user domain by id, project by name + domain id": {user(`"name":"alice","domain":{"id":"`+acme+`"}`) + scope(`"name":"nicconform","domain":{"id":"`+acme+`"}`), 201},
		"user domain by name, project by name + domain":  {user(`"name":"alice","domain":{"name":"acme"}`) + scope(`"name":"nicconform","domain":{"name":"acme"}`), 201},
		"wrong user id":                 {user(`"id":"`+UserID("acme", "bob")+`"`) + scope(`"id":"`+p+`"`), 401},
		"wrong user domain id":          {user(`"name":"alice","domain":{"id":"`+dflt+`"}`) + scope(`"id":"`+p+`"`), 401},
		"project in another domain":     {user(`"id":"`+alice+`"`) + scope(`"name":"nicconform","domain":{"id":"`+dflt+`"}`), 401},
		"wrong project name":            {user(`"id":"`+alice+`"`) + scope(`"name":"other","domain":{"name":"acme"}`), 401},
		"user name without a domain":    {user(`"name":"alice"`) + scope(`"id":"`+p+`"`), 400},
		"project name without a domain": {user(`"id":"`+alice+`"`) + scope(`"name":"nicconform"`), 400},
	} {
		for _, at := range []string{iamTokensPath, IdentityRoot + iamTokensPath} {
			rec := h.do("POST", at, c.body, "X-Auth-Token", "")
			if rec.Code != c.status {
				t.Errorf("%s at %s: %d, want %d (%s)", name, at, rec.Code, c.status, rec.Body.String())
				continue
			}
			if c.status != 201 {
				continue
			}
			var ans struct {
				Token struct {
					Project struct{ ID string }
					User    struct {
						ID     string
						Domain struct{ ID, Name string }
					}
					Catalog []CatalogEntry
				}
			}
			h.decode(rec, &ans)
			if ans.Token.Project.ID != p || ans.Token.User.ID != alice || ans.Token.User.Domain.ID != acme {
				t.Errorf("%s: token %s", name, rec.Body.String())
			}
			want := map[string]string{"compute": "http://example.com/v2.1/" + p, "network": "http://example.com" + NetworkRoot, "identity": "http://example.com" + IdentityRoot}
			for _, e := range ans.Token.Catalog {
				ifaces := map[string]bool{}
				for _, ep := range e.Endpoints {
					if ep.URL != want[e.Type] || ep.Region != Region || ep.RegionID != Region {
						t.Errorf("%s: catalog %s endpoint %+v", name, e.Type, ep)
					}
					ifaces[ep.Interface] = true
				}
				if !ifaces["public"] || !ifaces["internal"] {
					t.Errorf("%s: catalog %s interfaces %v", name, e.Type, ifaces)
				}
				delete(want, e.Type)
			}
			if len(want) != 0 {
				t.Errorf("%s: catalog lacks %v", name, want)
			}
		}
	}
}

// Identity version discovery under IdentityRoot, as Keystone answers it.
func TestIdentityDiscovery(t *testing.T) {
	h := newHarness(t, authOptions())
	for _, path := range []string{IdentityRoot, IdentityRoot + "/"} {
		rec := h.do("GET", path, "", "X-Auth-Token", "")
		var ans struct {
			Versions struct {
				Values []struct {
					ID, Status string
					Links      []struct{ Rel, Href string }
				}
			}
		}
		h.decode(rec, &ans)
		if rec.Code != http.StatusMultipleChoices || len(ans.Versions.Values) != 1 || ans.Versions.Values[0].Status != "stable" ||
			!strings.HasPrefix(ans.Versions.Values[0].ID, "v3.") || ans.Versions.Values[0].Links[0].Href != "http://example.com/identity/v3/" {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	rec := h.do("GET", IdentityRoot+"/v3", "", "X-Auth-Token", "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"version":{"id":"v3.`) {
		t.Errorf("GET /identity/v3: %d %s", rec.Code, rec.Body.String())
	}
	if rec := h.do("DELETE", IdentityRoot, "", "X-Auth-Token", ""); rec.Code != 405 {
		t.Errorf("DELETE /identity: %d", rec.Code)
	}
}

// An admin passes a lock under the nova profile, as upstream Nova's
// check_instance_lock lets context.is_admin pass (nova/compute/api.py:236-241);
// a member does not, nor anyone under huawei. The login answer names the
// roles.
func TestAdminPassesALock(t *testing.T) {
	for _, profile := range []Profile{ProfileNova, ProfileHuawei} {
		t.Run(string(profile), func(t *testing.T) {
			h := newHarness(t, Options{Profile: profile, ImmediateDetach: true, Users: []User{
				{Name: "root", Password: "root-pw-5521", Admin: true}, {Name: "joe", Password: "joe-pw-8812"}}})
			token := func(user, password string, roles ...string) string {
				rec := h.do("POST", iamTokensPath, loginBody(user, password, DefaultDomain, h.seed.ProjectID), "X-Auth-Token", "")
				h.expect(rec, 201, "login")
				var ans struct {
					Token struct{ Roles []struct{ ID, Name string } }
				}
				h.decode(rec, &ans)
				var got []string
				for _, r := range ans.Token.Roles {
					if r.ID == "" {
						t.Errorf("role %s without an id", r.Name)
					}
					got = append(got, r.Name)
				}
				if !slices.Equal(got, roles) {
					t.Errorf("%s's roles %v, want %v", user, got, roles)
				}
				return rec.Header().Get("X-Subject-Token")
			}
			admin, member := token("root", "root-pw-5521", "admin", "member"), token("joe", "joe-pw-8812", "member")
			nic := h.attachNet(h.srv.ServerID)
			h.expect(h.do("POST", h.base()+"/servers/"+h.srv.ServerID+"/action", `{"lock":null}`), http.StatusAccepted, "lock")
			path := h.nicPath(h.srv.ServerID, nic.PortID)
			for _, tok := range []string{member, h.m.opts.Token} {
				checkError(t, ErrorsNova, h.do("DELETE", path, "", "X-Auth-Token", tok), http.StatusConflict, "")
			}
			rec := h.do("DELETE", path, "", "X-Auth-Token", admin)
			if profile == ProfileHuawei {
				checkError(t, ErrorsNova, rec, http.StatusConflict, "")
				return
			}
			h.checkAccepted(t, rec)
			if h.attached(h.srv.ServerID, nic.PortID) {
				t.Error("the admin's detach did not detach")
			}
		})
	}
}
