package mock

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/nicconform/nicconform/internal/paths"
)

// iamTokensPath is the IAM (Keystone v3) password login at the root, as
// Huawei Cloud's IAM serves it.
const iamTokensPath = "/v3/auth/tokens"

// IdentityRoot is where the mock serves its identity service (Keystone v3)
// with version discovery, as devstack serves Keystone at /identity:
// GET /identity lists the versions, GET /identity/v3 describes v3, and
// POST /identity/v3/auth/tokens is the login (also at /v3/auth/tokens).
// Token answers carry a catalog pointing at the mock's own endpoints.
const IdentityRoot = "/identity"

// Region is the region of every endpoint in the mock's catalog (devstack's
// default region name).
const Region = "RegionOne"

// mockProjectName is the name the mock's IAM gives the mock's project.
const mockProjectName = "nicconform"

// iamTimeFormat is Keystone's timestamp layout.
const iamTimeFormat = "2006-01-02T15:04:05.000000Z"

// identityPath tells the identity requests apart: tokens is true for a
// login path, found for any identity path.
func identityPath(r *http.Request) (tokens, found bool) {
	switch r.URL.EscapedPath() {
	case iamTokensPath, IdentityRoot + iamTokensPath:
		return true, true
	case IdentityRoot, IdentityRoot + "/", IdentityRoot + "/v3", IdentityRoot + "/v3/":
		return false, true
	}
	return false, false
}

// DomainID is the id the mock's IAM gives a domain name: stable, derived
// from the name (Keystone's ids are opaque strings).
func DomainID(domain string) string { return opaqueID("domain", domain) }

// UserID is the id the mock's IAM gives a user of a domain.
func UserID(domain, name string) string { return opaqueID("user", domain+"/"+name) }

// roleID is the id the mock's IAM gives a role.
func roleID(name string) string { return opaqueID("role", name) }

func opaqueID(kind, s string) string {
	sum := sha256.Sum256([]byte("nicconform-" + kind + ":" + s))
	return hex.EncodeToString(sum[:16])
}

// iamRef is a Keystone reference: by id, or by name (within a domain).
type iamRef struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Domain *iamRef `json:"domain"`
}

// iamLogin is the body of a Keystone v3 password login (docs/reference.md
// §4; Keystone's api-ref, "Password authentication with scoped
// authorization"): the user by id, or by name with its domain by id or
// name; the project scope by id, or by name with its domain by id or name.
type iamLogin struct {
	Auth *struct {
		Identity *struct {
			Methods  []string `json:"methods"`
			Password *struct {
				User *struct {
					iamRef
					Password string `json:"password"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope *struct {
			Project *iamRef `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

// named reports whether ref names a thing by id or by name within a domain
// given by id or name.
func (ref *iamRef) named() bool {
	return ref != nil && (ref.ID != "" || ref.Name != "" && ref.Domain != nil && (ref.Domain.ID != "" || ref.Domain.Name != ""))
}

// login returns the user, password and project scope, or ok false when the
// body lacks one.
func (l iamLogin) login() (user iamRef, password string, project iamRef, ok bool) {
	a := l.Auth
	if a == nil || a.Identity == nil || !slices.Contains(a.Identity.Methods, "password") ||
		a.Identity.Password == nil || a.Identity.Password.User == nil || a.Scope == nil {
		return user, "", project, false
	}
	u := a.Identity.Password.User
	if !u.named() || u.Password == "" || !a.Scope.Project.named() {
		return user, "", project, false
	}
	return u.iamRef, u.Password, *a.Scope.Project, true
}

// is reports whether ref names the user u.
func (ref iamRef) is(u User) bool {
	if ref.ID != "" {
		return ref.ID == UserID(u.Domain, u.Name)
	}
	return ref.Name == u.Name && ref.Domain.isDomain(u.Domain)
}

// isDomain reports whether ref names the domain.
func (ref *iamRef) isDomain(domain string) bool {
	if ref.ID != "" {
		return ref.ID == DomainID(domain)
	}
	return ref.Name == domain
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
	userRef, password, project, ok := login.login()
	if !ok {
		m.writeError(w, errBadRequest(codeMock("BadLoginRequest"),
			`The login body needs auth.identity.methods ["password"], auth.identity.password.user.{id | name and domain.{id | name}} with its password, and auth.scope.project.{id | name and domain.{id | name}}.`))
		return
	}
	// Compare against every user, so the time taken says nothing.
	var found *User
	for i, u := range m.opts.Users {
		match := subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) == 1
		if match && userRef.is(u) && found == nil {
			found = &m.opts.Users[i]
		}
	}
	if found == nil {
		m.writeError(w, newError(http.StatusUnauthorized, codeMock("LoginFailed"), "The user, password or domain is wrong."))
		return
	}
	name, domain := found.Name, found.Domain
	m.mu.Lock()
	projectID := m.w.projectID
	m.mu.Unlock()
	// The mock's one project, in every user's domain: by id, or by name
	// and the user's domain.
	scoped := subtle.ConstantTimeCompare([]byte(project.ID), []byte(projectID)) == 1
	if project.ID == "" {
		scoped = project.Name == mockProjectName && project.Domain.isDomain(domain)
	}
	if !scoped {
		m.writeError(w, newError(http.StatusUnauthorized, codeMock("LoginFailed"), "The user has no access to the requested project."))
		return
	}

	var raw [32]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	token := "MIInicconform" + base64.RawURLEncoding.EncodeToString(raw[:])
	issued := m.auth.clock().UTC()
	expires := issued.Add(TokenLifetime)
	m.auth.issue(token, issuedToken{user: name, domain: domain, admin: found.Admin, expires: expires})

	type ref struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	type projectRef struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Domain ref    `json:"domain"`
	}
	type user struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Domain ref    `json:"domain"`
	}
	type tokenBody struct {
		ExpiresAt string         `json:"expires_at"`
		IssuedAt  string         `json:"issued_at"`
		Project   projectRef     `json:"project"`
		User      user           `json:"user"`
		Methods   []string       `json:"methods"`
		Roles     []ref          `json:"roles"`
		Catalog   []CatalogEntry `json:"catalog"`
	}
	// The roles on the project, as Keystone names them in a scoped token
	// (keystone/token/providers: token.roles, [{id, name}]).
	roles := []ref{{ID: roleID("member"), Name: "member"}}
	if found.Admin {
		roles = append([]ref{{ID: roleID("admin"), Name: "admin"}}, roles...)
	}
	dom := ref{ID: DomainID(domain), Name: domain}
	w.Header().Set("X-Subject-Token", token)
	writeJSON(w, http.StatusCreated, map[string]tokenBody{"token": {
		ExpiresAt: expires.Format(iamTimeFormat),
		IssuedAt:  issued.Format(iamTimeFormat),
		Project:   projectRef{ID: projectID, Name: mockProjectName, Domain: dom},
		User:      user{ID: UserID(domain, name), Name: name, Domain: dom},
		Methods:   []string{"password"},
		Roles:     roles,
		Catalog:   Catalog(hostURL(r), projectID),
	}})
}

// CatalogEntry is one service of a Keystone v3 catalog.
type CatalogEntry struct {
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	Name      string            `json:"name"`
	Endpoints []CatalogEndpoint `json:"endpoints"`
}

// CatalogEndpoint is one endpoint of a catalog service.
type CatalogEndpoint struct {
	ID        string `json:"id"`
	Interface string `json:"interface"`
	Region    string `json:"region"`
	RegionID  string `json:"region_id"`
	URL       string `json:"url"`
}

// Catalog is the mock's service catalog for a base URL ("http://host:port")
// and project: compute (base/v2.1/{project}), network (base/networking)
// and identity (base/identity), each with a public and an internal
// endpoint in Region, as devstack's catalog lists them.
func Catalog(base, projectID string) []CatalogEntry {
	services := []struct{ typ, name, url string }{
		{"compute", "nova", base + "/" + paths.ComputeVersion + "/" + projectID},
		{"network", "neutron", base + NetworkRoot},
		{"identity", "keystone", base + IdentityRoot},
	}
	out := make([]CatalogEntry, 0, len(services))
	for _, s := range services {
		e := CatalogEntry{ID: opaqueID("service", s.typ), Type: s.typ, Name: s.name}
		for _, iface := range []string{"public", "internal"} {
			e.Endpoints = append(e.Endpoints, CatalogEndpoint{ID: opaqueID("endpoint", s.typ+"/"+iface), Interface: iface, Region: Region, RegionID: Region, URL: s.url})
		}
		out = append(out, e)
	}
	return out
}

// hostURL is the scheme and host a request came to: the mock's own
// address as its client sees it (baseURL without the network root).
func hostURL(r *http.Request) string { return baseURL(&request{Request: r}) }

// serveIdentityVersions answers GET /identity (Keystone's version list,
// 300 Multiple Choices) and GET /identity/v3 (the v3 version document), as
// Keystone does (keystone/api/discovery.py), so that a client given only
// the identity URL discovers v3.
func (m *Mock) serveIdentityVersions(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		m.writeError(w, newError(http.StatusMethodNotAllowed, codeMock("MethodNotAllowed"), "The method %s is not allowed for this resource.", sanitize(r.Method)))
		return
	}
	type link struct {
		Rel  string `json:"rel"`
		Href string `json:"href"`
	}
	type mediaType struct {
		Base string `json:"base"`
		Type string `json:"type"`
	}
	type version struct {
		ID         string      `json:"id"`
		Status     string      `json:"status"`
		Updated    string      `json:"updated"`
		Links      []link      `json:"links"`
		MediaTypes []mediaType `json:"media-types"`
	}
	v3 := version{
		ID: "v3.14", Status: "stable", Updated: "2020-04-07T00:00:00Z",
		Links:      []link{{Rel: "self", Href: hostURL(r) + IdentityRoot + "/v3/"}},
		MediaTypes: []mediaType{{Base: "application/json", Type: "application/vnd.openstack.identity-v3+json"}},
	}
	if p := strings.TrimSuffix(r.URL.EscapedPath(), "/"); p == IdentityRoot+"/v3" {
		writeJSON(w, http.StatusOK, map[string]version{"version": v3})
		return
	}
	writeJSON(w, http.StatusMultipleChoices, map[string]map[string][]version{"versions": {"values": {v3}}})
}
