package mock

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/nicconform/nicconform/internal/paths"
)

// Compute microversions. A request without a version header is served at
// MinMicroversion, Nova's DEFAULT_API_VERSION
// (nova/api/openstack/api_version_request.py).
const (
	// MinMicroversion is the lowest compute microversion the mock serves.
	MinMicroversion = "2.1"
	// MaxMicroversion is the highest under the huawei profile: the newest
	// behaviour the mock models (2.73, a lock with a reason). GET /v2.1
	// shows it as "version".
	MaxMicroversion = "2.73"
	// NovaMaxMicroversion is the highest under the nova profile: upstream
	// Nova Zed's (_MAX_API_VERSION, nova/api/openstack/api_version_request.py:264),
	// which "latest" names. Nothing the mock serves changes after 2.73.
	NovaMaxMicroversion = "2.93"
)

// NetworkRoot is the path prefix under which the mock also serves the
// network endpoint as its own root, as devstack serves Neutron at
// /networking: GET NetworkRoot+"/" is Neutron's version list, and
// NetworkRoot+"/v2.0/ports…" the ports API. The mock's root "/" is the
// compute endpoint's (Nova's version list), so a client that discovers the
// network endpoint's versions (keystoneauth: openstacksdk, the openstack
// CLI) must be pointed here: at the root it would find v2.1, the compute
// API, and take it for the newest network API. The ports API is served at
// the root (/v2.0/ports…) as well.
const NetworkRoot = "/networking"

// Microversion headers (nova/api/openstack/wsgi.py API_VERSION_REQUEST_HEADER
// and LEGACY_API_VERSION_REQUEST_HEADER).
const (
	headerAPIVersion     = "OpenStack-API-Version"
	headerNovaAPIVersion = "X-OpenStack-Nova-API-Version"
)

// apiVersion is a compute microversion X.Y.
type apiVersion struct{ major, minor int }

// The range served, and the microversions at which what the mock serves
// changes (nova/api/openstack/api_version_request.py, REST API Version
// History).
var (
	minVersion     = apiVersion{2, 1}
	maxVersion     = apiVersion{2, 73}
	novaMaxVersion = apiVersion{2, 93}

	// vLocked: GET /servers/{id} shows "locked" (2.9).
	vLocked = apiVersion{2, 9}
	// vAttachTag: POST os-interface accepts "tag" (2.49).
	vAttachTag = apiVersion{2, 49}
	// vShowTag: os-interface responses show "tag" (2.70).
	vShowTag = apiVersion{2, 70}
	// vLockReason: the lock action takes "locked_reason" and GET
	// /servers/{id} shows it (2.73).
	vLockReason = apiVersion{2, 73}
)

func (v apiVersion) String() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

// atLeast reports whether v is o or later.
func (v apiVersion) atLeast(o apiVersion) bool {
	return v.major > o.major || (v.major == o.major && v.minor >= o.minor)
}

// versionPattern is Nova's APIVersionRequest format: no leading zeros, the
// minor may be 0 (nova/api/openstack/api_version_request.py).
var versionPattern = regexp.MustCompile(`^([1-9][0-9]*)\.([1-9][0-9]*|0)$`)

// requestedVersion finds the compute microversion a request asks for, as
// microversion_parse.get_version(headers, 'compute',
// legacy_headers=['X-OpenStack-Nova-API-Version']) does: the last
// "compute X.Y" item of OpenStack-API-Version (repeated headers folded with
// ","; the service name in any case), else the last ","-separated value of
// X-OpenStack-Nova-API-Version, present even when empty.
func requestedVersion(h http.Header) (string, bool) {
	if vs := h.Values(headerAPIVersion); len(vs) > 0 {
		items := strings.Split(strings.Join(vs, ","), ",")
		for i := len(items) - 1; i >= 0; i-- {
			item := strings.TrimSpace(items[i])
			j := strings.IndexFunc(item, unicode.IsSpace)
			if j > 0 && strings.EqualFold(item[:j], "compute") {
				return strings.TrimSpace(item[j:]), true
			}
		}
	}
	if vs := h.Values(headerNovaAPIVersion); len(vs) > 0 {
		items := strings.Split(strings.Join(vs, ","), ",")
		return strings.TrimSpace(items[len(items)-1]), true
	}
	return "", false
}

// negotiate decides the microversion a compute request is served at, as
// nova/api/openstack/wsgi.py Request.set_api_version_request and
// Resource.__call__ do: no header is MinMicroversion, "latest" (lower case
// only) is maxVersion, the highest served; a value not of the form X.Y is a 400; one
// outside the range a 406 (Nova's computeFault, since 406 has no fault name
// of its own). echo is what the answer carries in the version headers: the
// version used; for a refusal, Nova has already taken the requested version
// when it finds it out of range, so its 406 names that version, and its 400
// names none ("").
func negotiate(h http.Header, maxVersion apiVersion) (v apiVersion, echo string, aerr *apiError) {
	raw, ok := requestedVersion(h)
	switch {
	case !ok:
		return minVersion, MinMicroversion, nil
	case raw == "latest":
		return maxVersion, maxVersion.String(), nil
	}
	m := versionPattern.FindStringSubmatch(raw)
	if m == nil {
		return v, "", errBadRequest(codeInvalid, "API Version String %s is of invalid format. Must be of format MajorNum.MinorNum.", sanitize(raw))
	}
	major, errMajor := strconv.Atoi(m[1])
	minor, errMinor := strconv.Atoi(m[2])
	v = apiVersion{major, minor}
	if errMajor != nil || errMinor != nil || !v.atLeast(minVersion) || !maxVersion.atLeast(v) {
		// An overflowing number is out of range too; m holds only digits.
		return v, raw, newError(http.StatusNotAcceptable, codeMock("VersionNotSupported"),
			"Version %s is not supported by the API. Minimum is %s and maximum is %s.", raw, MinMicroversion, maxVersion)
	}
	return v, v.String(), nil
}

// setVersionHeaders answers the microversion used in both headers and
// names them in Vary, as nova/api/openstack/wsgi.py does on every response
// (and fault) of the versioned API.
func setVersionHeaders(w http.ResponseWriter, version string) {
	h := w.Header()
	h.Set(headerAPIVersion, "compute "+version)
	h.Set(headerNovaAPIVersion, version)
	h.Add("Vary", headerAPIVersion)
	h.Add("Vary", headerNovaAPIVersion)
}

// MaxMicroversionOf is the highest compute microversion the mock serves
// under profile p: NovaMaxMicroversion under ProfileNova, else
// MaxMicroversion.
func MaxMicroversionOf(p Profile) string {
	if p == ProfileNova {
		return NovaMaxMicroversion
	}
	return MaxMicroversion
}

// maxVersion is the highest microversion the mock serves in its profile
// (MaxMicroversion, NovaMaxMicroversion).
func (m *Mock) maxVersion() apiVersion {
	if m.opts.Profile == ProfileNova {
		return novaMaxVersion
	}
	return maxVersion
}

// versionLink is a link of a version document.
type versionLink struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
	Type string `json:"type,omitempty"`
}

// mediaType is a media type of Nova's version document.
type mediaType struct {
	Base string `json:"base"`
	Type string `json:"type"`
}

// novaVersion is a version object of Nova's discovery documents
// (nova/api/openstack/compute/schemas/versions.py _version_obj).
type novaVersion struct {
	ID         string        `json:"id"`
	Status     string        `json:"status"`
	Version    string        `json:"version"`
	MinVersion string        `json:"min_version"`
	Updated    string        `json:"updated"`
	Links      []versionLink `json:"links"`
	MediaTypes []mediaType   `json:"media-types,omitempty"`
}

// novaV21Updated is the "updated" stamp Nova gives v2.1
// (nova/api/openstack/compute/versions.py VERSIONS).
const novaV21Updated = "2013-07-23T11:33:21Z"

// baseURL is the URL of the root a request came to: scheme and Host, and
// the network root's prefix under it.
func baseURL(r *request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	base := scheme + "://" + host
	if r.networkRoot {
		base += NetworkRoot
	}
	return base
}

// versions answers GET / of a root: Nova's version list at the mock's root,
// Neutron's at the network root.
func (m *Mock) versions(w http.ResponseWriter, r *request) {
	if r.networkRoot {
		m.neutronVersions(w, r)
	} else {
		m.novaVersions(w, r)
	}
}

// novaVersions answers GET / of the compute root: Nova's version list
// (Versions.index, nova/api/openstack/compute/versions.py). Nova lists its
// legacy v2.0 API too (DEPRECATED, at /v2/); the mock does not serve /v2/,
// so it lists v2.1 alone rather than send a client to a 404.
func (m *Mock) novaVersions(w http.ResponseWriter, r *request) {
	writeJSON(w, http.StatusOK, map[string][]novaVersion{"versions": {{
		ID:         paths.ComputeVersion,
		Status:     "CURRENT",
		Version:    m.maxVersion().String(),
		MinVersion: MinMicroversion,
		Updated:    novaV21Updated,
		Links:      []versionLink{{Rel: "self", Href: baseURL(r) + "/" + paths.ComputeVersion + "/"}},
	}}})
}

// novaVersionDocument answers GET /v2.1, /v2.1/ and /v2.1/{project_id}/:
// the v2.1 version document with its microversion range, "version" being
// the highest (VersionsV2.index and VersionsController.show,
// nova/api/openstack/compute/versions.py and versionsV21.py; the sample is
// doc/api_samples/versions/v21-version-get-resp.json).
func (m *Mock) novaVersionDocument(w http.ResponseWriter, r *request) {
	writeJSON(w, http.StatusOK, map[string]novaVersion{"version": {
		ID:         paths.ComputeVersion,
		Status:     "CURRENT",
		Version:    m.maxVersion().String(),
		MinVersion: MinMicroversion,
		Updated:    novaV21Updated,
		Links: []versionLink{
			{Rel: "self", Href: baseURL(r) + "/" + paths.ComputeVersion + "/"},
			{Rel: "describedby", Type: "text/html", Href: "http://docs.openstack.org/"},
		},
		MediaTypes: []mediaType{{Base: "application/json", Type: "application/vnd.openstack.compute+json;version=2.1"}},
	}})
}

// neutronVersions answers GET / of the network root: Neutron's version
// list (RootController.index, neutron/pecan_wsgi/controllers/root.py; the
// link is os.path.join(base, "v2.0"), neutron/api/views/versions.py).
func (m *Mock) neutronVersions(w http.ResponseWriter, r *request) {
	type version struct {
		ID     string        `json:"id"`
		Status string        `json:"status"`
		Links  []versionLink `json:"links"`
	}
	writeJSON(w, http.StatusOK, map[string][]version{"versions": {{
		ID:     paths.NetworkVersion,
		Status: "CURRENT",
		Links:  []versionLink{{Rel: "self", Href: baseURL(r) + "/" + paths.NetworkVersion}},
	}}})
}

// neutronResources answers GET /v2.0/ (with the slash: Neutron answers 404
// without it): the collections of the v2.0 API (V2Controller.index,
// neutron/pecan_wsgi/controllers/root.py). Neutron lists its four core
// resources (networks, subnets, subnetpools, ports); the mock lists the one
// it serves.
func (m *Mock) neutronResources(w http.ResponseWriter, r *request) {
	type resource struct {
		Name       string        `json:"name"`
		Collection string        `json:"collection"`
		Links      []versionLink `json:"links"`
	}
	writeJSON(w, http.StatusOK, map[string][]resource{"resources": {{
		Name:       "port",
		Collection: "ports",
		Links:      []versionLink{{Rel: "self", Href: baseURL(r) + paths.Ports.String()}},
	}}})
}
