package mock

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
)

// iamTokensPath is the IAM (Keystone v3) password login.
const iamTokensPath = "/v3/auth/tokens"

// mockProjectName is the name the mock's IAM gives the mock's project.
const mockProjectName = "nicconform"

// iamTimeFormat is Keystone's timestamp layout.
const iamTimeFormat = "2006-01-02T15:04:05.000000Z"

func isIAMPath(r *http.Request) bool { return r.URL.EscapedPath() == iamTokensPath }

// iamLogin is the body of a password login (docs/reference.md §4).
type iamLogin struct {
	Auth *struct {
		Identity *struct {
			Methods  []string `json:"methods"`
			Password *struct {
				User *struct {
					Name     string `json:"name"`
					Password string `json:"password"`
					Domain   *struct {
						Name string `json:"name"`
					} `json:"domain"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope *struct {
			Project *struct {
				ID string `json:"id"`
			} `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

// credentials returns the login's user, password, domain and project id,
// or ok false when the body lacks one.
func (l iamLogin) credentials() (user, password, domain, project string, ok bool) {
	a := l.Auth
	if a == nil || a.Identity == nil || !slices.Contains(a.Identity.Methods, "password") ||
		a.Identity.Password == nil || a.Identity.Password.User == nil || a.Identity.Password.User.Domain == nil ||
		a.Scope == nil || a.Scope.Project == nil {
		return "", "", "", "", false
	}
	u := a.Identity.Password.User
	if u.Name == "" || u.Password == "" || u.Domain.Name == "" || a.Scope.Project.ID == "" {
		return "", "", "", "", false
	}
	return u.Name, u.Password, u.Domain.Name, a.Scope.Project.ID, true
}

// serveIAM answers POST /v3/auth/tokens: a password login for a token
// scoped to the mock's project. It never logs or echoes the password.
func (m *Mock) serveIAM(w http.ResponseWriter, r *http.Request, body []byte, tooLarge bool, readErr error) {
	switch {
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		m.writeError(w, newError(http.StatusMethodNotAllowed, codeMock("MethodNotAllowed"), "The method %s is not allowed for this resource.", sanitize(r.Method)))
		return
	case tooLarge:
		m.writeError(w, newError(http.StatusRequestEntityTooLarge, codeMock("RequestTooLarge"), "Request body is larger than %d bytes.", maxBody))
		return
	case readErr != nil:
		m.writeError(w, errBadRequest(codeMock("BadLoginRequest"), "Cannot read the request body."))
		return
	}
	var login iamLogin
	if err := json.Unmarshal(body, &login); err != nil {
		m.writeError(w, errBadRequest(codeMock("BadLoginRequest"), "The login body is not valid JSON."))
		return
	}
	name, password, domain, project, ok := login.credentials()
	if !ok {
		m.writeError(w, errBadRequest(codeMock("BadLoginRequest"),
			`The login body needs auth.identity.methods ["password"], auth.identity.password.user.{name,password,domain.name} and auth.scope.project.id.`))
		return
	}
	// Compare against every user, so the time taken says nothing.
	found := false
	for _, u := range m.opts.Users {
		match := subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) == 1
		if match && u.Name == name && u.Domain == domain {
			found = true
		}
	}
	if !found {
		m.writeError(w, newError(http.StatusUnauthorized, codeMock("LoginFailed"), "The user name, password or domain is wrong."))
		return
	}
	m.mu.Lock()
	projectID := m.w.projectID
	m.mu.Unlock()
	if subtle.ConstantTimeCompare([]byte(project), []byte(projectID)) != 1 {
		m.writeError(w, newError(http.StatusUnauthorized, codeMock("LoginFailed"), "The user has no access to the requested project."))
		return
	}

	var raw [32]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	token := "MIInicconform" + base64.RawURLEncoding.EncodeToString(raw[:])
	issued := m.auth.clock().UTC()
	expires := issued.Add(TokenLifetime)
	m.auth.issue(token, issuedToken{user: name, domain: domain, expires: expires})

	type named struct {
		Name string `json:"name"`
	}
	type projectRef struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	type user struct {
		Name   string `json:"name"`
		Domain named  `json:"domain"`
	}
	type tokenBody struct {
		ExpiresAt string     `json:"expires_at"`
		IssuedAt  string     `json:"issued_at"`
		Project   projectRef `json:"project"`
		User      user       `json:"user"`
		Methods   []string   `json:"methods"`
	}
	w.Header().Set("X-Subject-Token", token)
	writeJSON(w, http.StatusCreated, map[string]tokenBody{"token": {
		ExpiresAt: expires.Format(iamTimeFormat),
		IssuedAt:  issued.Format(iamTimeFormat),
		Project:   projectRef{ID: projectID, Name: mockProjectName},
		User:      user{Name: name, Domain: named{Name: domain}},
		Methods:   []string{"password"},
	}})
}
