// Command gen-go regenerates ../go-sdk-vectors.json: SDK-HMAC-SHA256 test
// vectors made by the official Huawei Cloud Go SDK
// (github.com/huaweicloud/huaweicloud-sdk-go-v3/core, the version in
// go.mod). It is its own module so that the suite never depends on the SDK.
//
// Each request goes through the SDK's own path: request.HttpRequestBuilder,
// auth.BasicCredentials.ProcessAuthRequest (which adds X-Project-Id and
// X-Security-Token and calls the AK/SK signer) and
// DefaultHttpRequest.ConvertRequest (the *http.Request the SDK sends). The
// canonical request and string to sign are the SDK's own, read through
// go:linkname from its signer package; the program checks that they hash
// and sign to the Authorization the SDK produced.
//
//	cd internal/aksk/testdata/gen-go && go run . > ../go-sdk-vectors.json
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime/debug"
	"strings"
	_ "unsafe" // go:linkname

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	_ "github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer/algorithm"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
)

// The SDK signer's unexported pieces (core/auth/signer/signer.go): the
// canonical URI, query and headers and the signed-header selection. The
// program joins them as canonicalRequest and stringToSign do and checks the
// result against the signature the SDK sent.

//go:linkname canonicalURI github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer.canonicalURI
func canonicalURI(r *request.DefaultHttpRequest) string

//go:linkname canonicalQueryString github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer.canonicalQueryString
func canonicalQueryString(r *request.DefaultHttpRequest) string

//go:linkname canonicalHeaders github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer.canonicalHeaders
func canonicalHeaders(r *request.DefaultHttpRequest, signerHeaders []string) string

//go:linkname extractSignedHeaders github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer.extractSignedHeaders
func extractSignedHeaders(headers map[string]string) []string

const (
	ak       = "QTWAOYTTINDUT2QVKYUC"
	sk       = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
	date     = "20191115T033655Z"
	endpoint = "https://ecs.cn-north-4.myhuaweicloud.com"
	project  = "0f2a4c6e8b1d3f5a7c9e0b2d4f6a8c1e"
	server   = "5c1f0e7a-3b2d-4c6e-9f8a-1b3c5d7e9f0a"
	port     = "8d2e4f6a-1c3b-4d5e-8f7a-9b0c1d2e3f4a"
	detach   = "/v2.1/{project_id}/servers/{server_id}/os-interface/{port_id}"
	list     = "/v2.1/{project_id}/servers/{server_id}/os-interface"
)

type input struct {
	name    string
	method  string
	path    string
	server  string // default server
	port    string // default port
	query   map[string]any
	headers map[string]string
	body    any // nil, a string (sent as is) or a value (JSON)
	token   string
	noProj  bool
}

// Vector is one request and what the SDK made of it.
type Vector struct {
	Name             string              `json:"name"`
	Method           string              `json:"method"`
	URL              string              `json:"url"`
	Header           map[string][]string `json:"header"`
	Body             string              `json:"body"`
	CanonicalRequest string              `json:"canonical_request"`
	StringToSign     string              `json:"string_to_sign"`
	Signature        string              `json:"signature"`
	Authorization    string              `json:"authorization"`
}

// File is the committed file.
type File struct {
	Generator string   `json:"generator"`
	SDK       string   `json:"sdk"`
	Version   string   `json:"version"`
	Toolchain string   `json:"toolchain"`
	AK        string   `json:"ak"`
	SK        string   `json:"sk"`
	Date      string   `json:"date"`
	Vectors   []Vector `json:"vectors"`
}

func inputs() []input {
	attach := map[string]any{"interfaceAttachment": map[string]any{"port_id": port}}
	return []input{
		{name: "detach", method: "DELETE", path: detach},
		{name: "detach with a security token", method: "DELETE", path: detach, token: "temporary-security-token-3f9a"},
		{name: "detach without a project header", method: "DELETE", path: detach, noProj: true},
		{name: "detach with a JSON content type", method: "DELETE", path: detach, headers: map[string]string{"Content-Type": "application/json"}},
		{name: "detach with a text/plain content type", method: "DELETE", path: detach, headers: map[string]string{"Content-Type": "text/plain"}},
		{name: "detach with a microversion header", method: "DELETE", path: detach, headers: map[string]string{"X-OpenStack-Nova-API-Version": "2.1", "User-Agent": "huaweicloud-usdk-go/3.0"}},
		{name: "list", method: "GET", path: list},
		{name: "list with a query", method: "GET", path: list, query: map[string]any{"limit": 10, "marker": "a b/c", "name": "é~"}},
		{name: "list with a repeated query", method: "GET", path: list, query: map[string]any{"tag": []string{"z", "a", "m"}}},
		{name: "get one", method: "GET", path: detach},
		{name: "attach with a JSON body", method: "POST", path: list, headers: map[string]string{"Content-Type": "application/json;charset=UTF-8"}, body: attach},
		{name: "attach with a JSON body and no content type", method: "POST", path: list, body: attach},
		{name: "attach with a text/plain body", method: "POST", path: list, headers: map[string]string{"Content-Type": "text/plain"}, body: "port_id=" + port},
		{name: "attach with an octet-stream body", method: "POST", path: list, headers: map[string]string{"Content-Type": "application/octet-stream"}, body: "\x00\x01binary\xff"},
		{name: "attach with an XML content type", method: "POST", path: list, headers: map[string]string{"Content-Type": "application/xml"}, body: "<interfaceAttachment/>"},
		{name: "attach with a text/plain body and a charset", method: "PUT", path: list, headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"}, body: "hello"},
		{name: "detach with a space and a slash in the ids", method: "DELETE", path: detach, server: "a b", port: "c/d"},
		{name: "detach with an escape in the id", method: "DELETE", path: detach, port: "%41%2F"},
		{name: "detach with non-ASCII and reserved bytes in the id", method: "DELETE", path: detach, port: "€+=;:@!*'()"},
		{name: "detach with an extra header with surrounding space", method: "DELETE", path: detach, headers: map[string]string{"X-Client-Note": "  spaced value  "}},
		{name: "detach with an underscore header", method: "DELETE", path: detach, headers: map[string]string{"X_Trace": "unsigned"}},
		{name: "path ending in a slash", method: "GET", path: "/v2.1/{project_id}/servers/"},
		{name: "root", method: "GET", path: "/"},
	}
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen-go:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	f := File{
		Generator: "internal/aksk/testdata/gen-go",
		SDK:       "github.com/huaweicloud/huaweicloud-sdk-go-v3/core",
		AK:        ak, SK: sk, Date: date,
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		f.Toolchain = bi.GoVersion
		for _, d := range bi.Deps {
			if d.Path == "github.com/huaweicloud/huaweicloud-sdk-go-v3" {
				f.Version = d.Version
			}
		}
	}
	if f.Version == "" {
		return fmt.Errorf("no SDK version in the build info")
	}
	for _, in := range inputs() {
		v, err := vector(in)
		if err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
		f.Vectors = append(f.Vectors, v)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(f)
}

func vector(in input) (Vector, error) {
	b := request.NewHttpRequestBuilder().WithEndpoint(endpoint).WithPath(in.path).WithMethod(in.method).
		WithSigningAlgorithm(algorithm.GetDefaultSigningAlgorithm())
	srv, prt := server, port
	if in.server != "" {
		srv = in.server
	}
	if in.port != "" {
		prt = in.port
	}
	b.AddPathParam("server_id", srv).AddPathParam("port_id", prt)
	for k, v := range in.query {
		b.AddQueryParam(k, reflect.ValueOf(v))
	}
	b.AddHeaderParam("X-Sdk-Date", date)
	for k, v := range in.headers {
		b.AddHeaderParam(k, v)
	}
	if in.body != nil {
		b.WithBody("", in.body)
	}
	req := b.Build()
	cb := auth.NewBasicCredentialsBuilder().WithAk(ak).WithSk(sk)
	if !in.noProj {
		cb = cb.WithProjectId(project)
	}
	if in.token != "" {
		cb = cb.WithSecurityToken(in.token)
	}
	cred, err := cb.SafeBuild()
	if err != nil {
		return Vector{}, err
	}
	if in.noProj {
		b.AddAutoFilledPathParam("project_id", project)
		req = b.Build()
	}
	signedReq, err := cred.ProcessAuthRequest(nil, req)
	if err != nil {
		return Vector{}, err
	}
	// The SDK's canonical request and string to sign for the headers it
	// signed (ProcessAuthRequest added the Authorization after signing).
	hdrs := map[string]string{}
	for k, v := range signedReq.GetHeaderParams() {
		if k != "Authorization" {
			hdrs[k] = v
		}
	}
	signed := extractSignedHeaders(hdrs)
	probe := request.NewHttpRequestBuilder().WithEndpoint(endpoint).WithPath(signedReq.GetPath()).WithMethod(in.method)
	for k, v := range hdrs {
		probe.AddHeaderParam(k, v)
	}
	for k, v := range signedReq.GetQueryParams() {
		probe.AddQueryParam(k, v)
	}
	if in.body != nil {
		probe.WithBody("", in.body)
	}
	pr := probe.Build()
	// getContentHash: the X-Sdk-Content-Sha256 header when the SDK set
	// one, else the hex SHA-256 of the body bytes.
	payload, ok := pr.GetHeaderParams()["X-Sdk-Content-Sha256"]
	if !ok {
		buf, err := pr.GetBodyToBytes()
		if err != nil {
			return Vector{}, err
		}
		sum := sha256.Sum256(buf.Bytes())
		payload = hex.EncodeToString(sum[:])
	}
	cr := fmt.Sprintf("%s\n%s\n%s\n%s\n%s\n%s", pr.GetMethod(), canonicalURI(pr), canonicalQueryString(pr),
		canonicalHeaders(pr, signed), strings.Join(signed, ";"), payload)
	crSum := sha256.Sum256([]byte(cr))
	sts := "SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(crSum[:])
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(sts))
	sig := hex.EncodeToString(mac.Sum(nil))
	authz := signedReq.GetHeaderParams()["Authorization"]
	if !strings.HasSuffix(authz, "Signature="+sig) {
		return Vector{}, fmt.Errorf("the captured string to sign signs to %s, the SDK sent %s", sig, authz)
	}
	hr, err := signedReq.ConvertRequest()
	if err != nil {
		return Vector{}, err
	}
	var body []byte
	if hr.Body != nil {
		if body, err = io.ReadAll(hr.Body); err != nil {
			return Vector{}, err
		}
	}
	return Vector{
		Name: in.name, Method: hr.Method, URL: hr.URL.String(), Header: hr.Header, Body: string(body),
		CanonicalRequest: cr, StringToSign: sts, Signature: sig, Authorization: authz,
	}, nil
}
