// Package faultproxy is a fault-injecting HTTP proxy for tests: it sits in
// front of a target (the reference mock, usually) and breaks the exchanges
// that go through it the way a hostile or broken target would, one named
// Mode per fault (issue 26). The suite is then run against the proxy's URL
// and its outputs are checked: that a credential went nowhere else, that
// no rendering of one reached an output, that no malformed id went on the
// wire.
//
// Like net/http/httptest, its surface is small: Start takes Options and
// gives a listening *Proxy (on 127.0.0.1), which Close stops. Each fault
// is a row of the faults table (a doc line, and the hooks it uses: answer
// a request itself, rewrite the target's answer, write bytes after it on
// the connection, lose its answer, stream its body); a new fault is a new row
// (docs/design.md, "The fault proxy").
package faultproxy

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Mode names one fault.
type Mode string

// The faults (each one a row of faults).
const (
	// RedirectLogin answers every IAM password login (POST …/auth/tokens)
	// 307 to Options.RedirectTo (same path): a client that follows it
	// posts the password there.
	RedirectLogin Mode = "redirect-login"
	// Echo echoes every request header line ("Name: value"), each header's
	// value alone, and the request body back in every answer: in response
	// headers, and in the body (inside a JSON object's "echo" member, or
	// appended to any other non-empty body), each in its raw, base64,
	// base64url (unpadded), JSON \u-escaped (every character), JSON
	// \/-escaped and URL-encoded (query and path) renderings; and the
	// request's token (or Authorization) as its X-Openstack-Request-Id,
	// "req-<token>". Every answer still parses: a run gets as far as it
	// would without it.
	Echo Mode = "echo"
	// EchoIdle writes the raw request after each answer on its
	// connection, unasked, then closes the connection. A client that
	// finds those bytes while the connection is idle logs them (net/http:
	// "Unsolicited response received on idle HTTP channel starting with
	// …"); a client that has just sent its next request on that
	// connection reads them as its answer and gets a malformed one, so a
	// run behind it may stop at any call.
	EchoIdle Mode = "echo-idle"
	// DotIDs answers the attach (POST …/os-interface) with port_id ".."
	// and the port creation (POST …/ports) with id ".": dot segments a
	// client that puts them in a path sends to the server itself, or to
	// the port collection.
	DotIDs Mode = "dot-ids"
	// NoopPortDelete answers every port DELETE 204 without forwarding
	// it: a success that deleted nothing.
	NoopPortDelete Mode = "noop-port-delete"
	// NICStaysListed forwards a port DELETE (the target deletes the port
	// and its NIC) and from then on lists the NIC the port backed on its
	// server, and shows it, until the NIC is detached (DELETE
	// …/os-interface/{port_id}, answered 202): as a third-party emulator
	// does whose port deletion never tells its compute side. Proxy.Phantoms
	// counts the NICs still listed.
	NICStaysListed Mode = "nic-stays-listed"
	// NoopUnlock answers every unlock (POST …/servers/{id}/action with
	// "unlock") 202 without forwarding it: the server stays locked.
	NoopUnlock Mode = "noop-unlock"
	// LoseCleanupAnswer forwards the first of each cleanup call (a port
	// DELETE, an unlock; by method and request-URI), which takes effect,
	// and closes the connection without its answer: an answer lost on the
	// way back. Proxy.Lost counts them.
	LoseCleanupAnswer Mode = "lose-cleanup-answer"
	// TrailingGarbage writes bytes that are no HTTP after every answer on
	// its kept-alive connection, which is then closed.
	TrailingGarbage Mode = "trailing-garbage"
	// GarbleAttach cuts the JSON of every third attach's success answer
	// short, from the second: the NIC was attached, and the answer cannot
	// be read.
	GarbleAttach Mode = "garble-attach"
	// GarbleWitnessAttach cuts the JSON of every success answer to an
	// attach of a port created with a name ending in "-witness" short
	// (the NIC attached): the witness's first attach and every re-attach
	// of a fresh witness fail, every time.
	GarbleWitnessAttach Mode = "garble-witness-attach"
	// GarbleNetAttach cuts the JSON of every success answer to a net_id
	// attach (an attach whose body names a net_id) short: the NIC
	// attached, with a port the target made, and the answer that names it
	// cannot be read.
	GarbleNetAttach Mode = "garble-net-attach"
	// GarbleUndo forwards the first of each cleanup call (a port DELETE,
	// an unlock), which takes effect, and answers it with bytes that are
	// no HTTP answer. Proxy.Lost counts them.
	GarbleUndo Mode = "garble-undo"
	// HugeBody pads the body of every answer that carries one to
	// HugeBodySize bytes with trailing spaces (JSON still, read whole),
	// Content-Length saying so: streamed, never held in the proxy.
	HugeBody Mode = "huge-body"
	// GzipBomb sends every answer that carries a body gzip-encoded
	// (Content-Encoding: gzip) with BombSize bytes of spaces after it: a
	// body of about a thousandth of that (gzip members, each 1 MiB of
	// spaces, after the answer's own), built once per proxy.
	GzipBomb Mode = "gzip-bomb"
	// HugeHeaders adds a header (X-Padding) of HugeHeaderSize bytes to
	// every answer.
	HugeHeaders Mode = "huge-headers"
	// JunkList pads the first array member of every JSON list answer (a
	// GET answered 200 whose object has one, e.g. interfaceAttachments,
	// ports) with {} items before its own, up to a body of JunkListSize
	// bytes: at most the client's body cap, so the answer is read whole
	// and validated.
	JunkList Mode = "junk-list"
)

// The sizes of the size faults.
const (
	// HugeBodySize is the size of every body HugeBody sends: 2 GiB.
	HugeBodySize = 2 << 30
	// BombSize is what GzipBomb's padding inflates to: 1 GiB.
	BombSize = 1 << 30
	// HugeHeaderSize is the size of HugeHeaders' header value: 8 MiB.
	HugeHeaderSize = 8 << 20
	// JunkListSize is the size of a list answer JunkList pads: 1 MiB,
	// the client's MaxBody.
	JunkListSize = 1 << 20
)

// faults are the modes' rows.
var faults = map[Mode]fault{
	RedirectLogin: {
		doc:    "the IAM password login answered 307 to Options.RedirectTo",
		answer: redirectLogin,
	},
	Echo: {
		doc:     "every request header and the body echoed back in every answer, in every rendering",
		rewrite: echo,
	},
	EchoIdle: {
		doc:         "the raw request written after every answer on its connection, unasked, which is then closed",
		unsolicited: func(r *Request) []byte { return r.raw() },
	},
	DotIDs: {
		doc:     `the attach answering port_id "..", the port creation id "."`,
		rewrite: dotIDs,
	},
	NoopPortDelete: {
		doc:    "every port DELETE answered 204, and not forwarded: nothing deleted",
		answer: noopPortDelete,
	},
	NICStaysListed: {
		doc:     "a port DELETE deletes the port, and its NIC stays listed on the server until detached",
		answer:  phantomNIC,
		rewrite: listPhantoms,
	},
	NoopUnlock: {
		doc:    "every unlock answered 202, and not forwarded: the server stays locked",
		answer: noopUnlock,
	},
	TrailingGarbage: {
		doc:         "bytes that are no HTTP written after every answer on its kept-alive connection",
		unsolicited: func(*Request) []byte { return []byte("\x00\x7f garbage after the answer\r\n\r\n") },
	},
	GarbleAttach: {
		doc:     "the JSON of every third attach's success answer cut short, from the second (the NIC attached)",
		rewrite: garbleAttach,
	},
	GarbleWitnessAttach: {
		doc:     `the JSON of every attach's success answer for a port named "…-witness" cut short (the NIC attached)`,
		rewrite: garbleWitnessAttach,
	},
	GarbleNetAttach: {
		doc:     "the JSON of every net_id attach's success answer cut short (the NIC attached)",
		rewrite: garbleNetAttach,
	},
	GarbleUndo: {
		doc:  "the first answer to each port DELETE and unlock garbled (forwarded, then bytes that are no HTTP answer)",
		lose: garbleUndo,
	},
	LoseCleanupAnswer: {
		doc:  "the first answer to each port DELETE and unlock lost (forwarded, then the connection closed unanswered)",
		lose: loseCleanupAnswer,
	},
	HugeBody: {
		doc:    "every answer's body padded with spaces to 2 GiB (streamed)",
		stream: hugeBody,
	},
	GzipBomb: {
		doc:    "every answer's body gzip-encoded, followed by gzip members that inflate to 1 GiB of spaces",
		stream: gzipBomb,
	},
	HugeHeaders: {
		doc:     "an 8 MiB header (X-Padding) on every answer",
		rewrite: hugeHeaders,
	},
	JunkList: {
		doc:     "every JSON list answer's first array padded with {} items to a 1 MiB body",
		rewrite: junkList,
	},
}

// fault is one fault: the hooks it uses, nil when not.
type fault struct {
	doc string
	// answer answers a request itself (nil: not this one, forward it).
	answer func(p *Proxy, r *Request) *Answer
	// rewrite changes an answer before it goes back.
	rewrite func(p *Proxy, r *Request, a *Answer)
	// unsolicited are bytes written after the answer on its connection,
	// which is then closed.
	unsolicited func(r *Request) []byte
	// lose, when it says so, writes its bytes (none: nothing) instead of
	// the answer and closes the connection (the request was forwarded).
	lose func(p *Proxy, r *Request) ([]byte, bool)
	// stream, when it gives a reader, replaces the answer's body by the
	// size bytes it reads (after every rewrite; the answer's headers may
	// change too), written as they are read; such an answer gets no
	// unsolicited bytes after it.
	stream func(p *Proxy, r *Request, a *Answer) (body io.Reader, size int64)
}

// Modes returns every mode with its one-line description.
func Modes() map[Mode]string {
	out := make(map[Mode]string, len(faults))
	for m, f := range faults {
		out[m] = f.doc
	}
	return out
}

// Options configure a Proxy.
type Options struct {
	// Upstream is the base URL of the target behind the proxy. Required.
	Upstream string
	// Modes are the faults to inject, applied in this order; none: a
	// faithful proxy.
	Modes []Mode
	// RedirectTo is the base URL RedirectLogin sends the login to.
	RedirectTo string
}

// Request is a request as the proxy got it.
type Request struct {
	Method     string
	Host       string // the Host the client sent (forwarded as it is: a signature covers it)
	RequestURI string // as sent: escaped path and query
	Header     http.Header
	Body       []byte
}

// Answer is what the proxy answers: the upstream's answer, rewritten, or
// a fault's own.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// credentialHeaders are the headers whose values Proxy.Credentials keeps.
var credentialHeaders = []string{"Authorization", "X-Auth-Token", "X-Security-Token", "X-Subject-Token"}

// maxBody bounds a request body the proxy reads, and an answer body.
const maxBody = 16 << 20

// Proxy is a listening fault proxy.
type Proxy struct {
	// URL is the proxy's base URL (http://127.0.0.1:port).
	URL string

	srv      *httptest.Server
	upstream *url.URL
	hc       *http.Client
	faults   []fault
	opts     Options

	mu          sync.Mutex
	credentials []string // distinct credential header values seen, both ways
	lines       []string // "METHOD request-URI" of every request, in order
	// phantoms are the NICs NICStaysListed lists, by server, by port.
	phantoms map[string]map[string]json.RawMessage
	// lost are the calls whose answer LoseCleanupAnswer lost.
	lost map[string]bool
	// attaches counts the attaches' success answers GarbleAttach saw;
	// garbled, those it (or another garbling mode) garbled.
	attaches, garbled int
	// witnesses are the ids of the ports created with a name ending in
	// "-witness" (GarbleWitnessAttach).
	witnesses map[string]bool

	// bomb is GzipBomb's padding, built once.
	bombOnce sync.Once
	bomb     []byte
	// padding is HugeHeaders' header value, built once.
	paddingOnce sync.Once
	padding     string
}

// Start starts a proxy in front of o.Upstream with o.Modes. Errors: an
// unusable Upstream, an unknown mode, RedirectLogin without RedirectTo.
func Start(o Options) (*Proxy, error) {
	u, err := url.Parse(o.Upstream)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("faultproxy: Upstream %q is not an absolute URL", o.Upstream)
	}
	p := &Proxy{upstream: u, opts: o, hc: &http.Client{
		Transport:     &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 16},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       time.Minute,
	}}
	for _, m := range o.Modes {
		f, ok := faults[m]
		if !ok {
			return nil, fmt.Errorf("faultproxy: unknown mode %q", m)
		}
		if m == RedirectLogin && o.RedirectTo == "" {
			return nil, errors.New("faultproxy: mode redirect-login needs Options.RedirectTo")
		}
		p.faults = append(p.faults, f)
	}
	p.srv = httptest.NewServer(p)
	p.URL = p.srv.URL
	return p, nil
}

// Close stops the proxy and closes its connections.
func (p *Proxy) Close() {
	p.srv.Close()
	p.hc.CloseIdleConnections()
}

// Credentials returns every distinct value of a credential header
// (Authorization, X-Auth-Token, X-Security-Token, X-Subject-Token) the
// proxy saw in a request or in the upstream's answers, in order.
func (p *Proxy) Credentials() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.credentials)
}

// Requests returns "METHOD request-URI" (as sent: escaped) of every
// request the proxy got, in order.
func (p *Proxy) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.lines)
}

func (p *Proxy) see(h http.Header) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, name := range credentialHeaders {
		for _, v := range h.Values(name) {
			if !slices.Contains(p.credentials, v) {
				p.credentials = append(p.credentials, v)
			}
		}
	}
}

// ServeHTTP answers r: by a fault's own answer, or by the upstream's,
// rewritten by each fault in turn.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxBody))
	if err != nil {
		http.Error(w, "faultproxy: reading the request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	r := &Request{Method: hr.Method, Host: hr.Host, RequestURI: hr.RequestURI, Header: hr.Header.Clone(), Body: body}
	p.see(r.Header)
	p.mu.Lock()
	p.lines = append(p.lines, r.Method+" "+r.RequestURI)
	p.mu.Unlock()
	var a *Answer
	for _, f := range p.faults {
		if f.answer != nil {
			if a = f.answer(p, r); a != nil {
				break
			}
		}
	}
	if a == nil {
		if a, err = p.forward(r); err != nil {
			http.Error(w, "faultproxy: "+err.Error(), http.StatusBadGateway)
			return
		}
	}
	p.see(a.Header)
	for _, f := range p.faults {
		if f.lose == nil {
			continue
		}
		if instead, lost := f.lose(p, r); lost {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				_, _ = conn.Write(instead)
				_ = conn.Close()
				return
			}
		}
	}
	var after []byte
	for _, f := range p.faults {
		if f.rewrite != nil {
			f.rewrite(p, r, a)
		}
		if f.unsolicited != nil {
			after = append(after, f.unsolicited(r)...)
		}
	}
	var stream io.Reader
	var size int64
	for _, f := range p.faults {
		if f.stream != nil && !bodiless(r, a.Status) {
			if b, n := f.stream(p, r, a); b != nil {
				stream, size = b, n
			}
		}
	}
	if stream != nil {
		writeStream(w, a, stream, size)
		return
	}
	if len(after) == 0 {
		writeAnswer(w, r, a)
		return
	}
	if err := writeRaw(w, r, a, after); err != nil {
		http.Error(w, "faultproxy: "+err.Error(), http.StatusInternalServerError)
	}
}

// hopHeaders are not forwarded either way (RFC 9110 §7.6.1).
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "Te", "Trailer", "Content-Length"}

// forward sends r to the upstream and reads its answer.
func (p *Proxy) forward(r *Request) (*Answer, error) {
	target := strings.TrimRight(p.upstream.String(), "/") + r.RequestURI
	req, err := http.NewRequest(r.Method, target, bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	req.Header = r.Header.Clone()
	req.Host = r.Host
	for _, h := range hopHeaders {
		req.Header.Del(h)
	}
	if len(r.Body) == 0 {
		req.Body = http.NoBody
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("reading the upstream's answer: %w", err)
	}
	h := resp.Header.Clone()
	for _, n := range hopHeaders {
		h.Del(n)
	}
	return &Answer{Status: resp.StatusCode, Header: h, Body: body}, nil
}

// bodiless reports whether an answer to r with status carries no body.
func bodiless(r *Request, status int) bool {
	return r.Method == http.MethodHead || status == http.StatusNoContent || status == http.StatusNotModified || status < 200
}

func writeAnswer(w http.ResponseWriter, r *Request, a *Answer) {
	for k, vs := range a.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(a.Status)
	if !bodiless(r, a.Status) {
		_, _ = w.Write(a.Body)
	}
}

// writeStream writes an answer whose body is size bytes read from body;
// a client that goes away ends it.
func writeStream(w http.ResponseWriter, a *Answer, body io.Reader, size int64) {
	for k, vs := range a.Header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(a.Status)
	_, _ = io.Copy(w, body)
}

// writeRaw writes the answer on the hijacked connection, then after, then
// closes the connection.
func writeRaw(w http.ResponseWriter, r *Request, a *Answer, after []byte) error {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return fmt.Errorf("hijack: %w", err)
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", a.Status, http.StatusText(a.Status))
	if err := a.Header.Write(buf); err != nil {
		return err
	}
	if !bodiless(r, a.Status) {
		fmt.Fprintf(buf, "Content-Length: %d\r\n\r\n", len(a.Body))
		_, _ = buf.Write(a.Body)
	} else {
		_, _ = buf.WriteString("\r\n")
	}
	_, _ = buf.Write(after)
	return buf.Flush()
}

// raw is the request as it went on the wire, roughly: request line,
// header lines, blank line, body.
func (r *Request) raw() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", r.Method, r.RequestURI)
	_ = r.Header.Write(&b)
	b.WriteString("\r\n")
	b.Write(r.Body)
	return b.Bytes()
}

var (
	portIDMember = regexp.MustCompile(`"port_id"\s*:\s*"[^"]*"`)
	idMember     = regexp.MustCompile(`"id"\s*:\s*"[^"]*"`)
)

// dotIDs gives the attach's port_id as ".." and a new port's id as ".".
func dotIDs(_ *Proxy, r *Request, a *Answer) {
	path, _, _ := strings.Cut(r.RequestURI, "?")
	switch {
	case r.Method != http.MethodPost:
	case strings.HasSuffix(path, "/os-interface"):
		a.Body = portIDMember.ReplaceAll(a.Body, []byte(`"port_id":".."`))
	case strings.HasSuffix(path, "/ports"):
		a.Body = idMember.ReplaceAll(a.Body, []byte(`"id":"."`))
	}
}

// redirectLogin answers a password login 307 to RedirectTo.
func redirectLogin(p *Proxy, r *Request) *Answer {
	path, _, _ := strings.Cut(r.RequestURI, "?")
	if r.Method != http.MethodPost || !strings.HasSuffix(path, "/auth/tokens") {
		return nil
	}
	h := http.Header{}
	h.Set("Location", strings.TrimRight(p.opts.RedirectTo, "/")+r.RequestURI)
	return &Answer{Status: http.StatusTemporaryRedirect, Header: h}
}

var (
	portPath   = regexp.MustCompile(`/v2\.0/ports/([^/]+)$`)
	nicPath    = regexp.MustCompile(`/servers/([^/]+)/os-interface(?:/([^/]+))?$`)
	actionPath = regexp.MustCompile(`/servers/([^/]+)/action$`)
)

// pathOf is r's path, without the query.
func pathOf(r *Request) string {
	path, _, _ := strings.Cut(r.RequestURI, "?")
	return path
}

// ownAnswer is an answer of the proxy's own, with a request id as every
// answer of the mock has one (a missing one would break REQUEST-ID, which
// is not the fault's point).
func ownAnswer(status int) *Answer {
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	h := http.Header{}
	h.Set("X-Openstack-Request-Id", fmt.Sprintf("req-%x-%x-%x-%x-%x", id[0:4], id[4:6], id[6:8], id[8:10], id[10:]))
	h.Set("X-Compute-Request-Id", h.Get("X-Openstack-Request-Id"))
	return &Answer{Status: status, Header: h}
}

// noopPortDelete answers a port DELETE 204 and forwards nothing.
func noopPortDelete(_ *Proxy, r *Request) *Answer {
	if r.Method != http.MethodDelete || !portPath.MatchString(pathOf(r)) {
		return nil
	}
	return ownAnswer(http.StatusNoContent)
}

// noopUnlock answers an unlock 202 and forwards nothing.
func noopUnlock(_ *Proxy, r *Request) *Answer {
	if r.Method != http.MethodPost || !actionPath.MatchString(pathOf(r)) || !bytes.Contains(r.Body, []byte(`"unlock"`)) {
		return nil
	}
	return ownAnswer(http.StatusAccepted)
}

// phantomNIC forwards a port DELETE, having read the port, and keeps the
// NIC it backed as a phantom of its server; it shows a phantom NIC, and
// answers its detach 202 (the phantom goes).
func phantomNIC(p *Proxy, r *Request) *Answer {
	path := pathOf(r)
	if m := nicPath.FindStringSubmatch(path); m != nil && m[2] != "" {
		p.mu.Lock()
		nic, ok := p.phantoms[m[1]][m[2]]
		if ok && r.Method == http.MethodDelete {
			delete(p.phantoms[m[1]], m[2])
		}
		p.mu.Unlock()
		switch {
		case !ok:
			return nil
		case r.Method == http.MethodDelete:
			return ownAnswer(http.StatusAccepted)
		case r.Method == http.MethodGet:
			a := ownAnswer(http.StatusOK)
			a.Header.Set("Content-Type", "application/json")
			a.Body, _ = json.Marshal(map[string]json.RawMessage{"interfaceAttachment": nic})
			return a
		}
		return nil
	}
	if r.Method != http.MethodDelete || !portPath.MatchString(path) {
		return nil
	}
	show := *r
	show.Method, show.Body = http.MethodGet, nil
	before, err := p.forward(&show)
	if err != nil {
		return nil
	}
	a, err := p.forward(r)
	if err != nil || a.Status != http.StatusNoContent || before.Status != http.StatusOK {
		return a
	}
	var port struct {
		Port struct {
			ID          string          `json:"id"`
			NetworkID   string          `json:"network_id"`
			MACAddress  string          `json:"mac_address"`
			FixedIPs    json.RawMessage `json:"fixed_ips"`
			DeviceID    string          `json:"device_id"`
			DeviceOwner string          `json:"device_owner"`
		} `json:"port"`
	}
	if json.Unmarshal(before.Body, &port) != nil || port.Port.DeviceID == "" || !strings.HasPrefix(port.Port.DeviceOwner, "compute:") {
		return a
	}
	nic, _ := json.Marshal(map[string]any{"port_id": port.Port.ID, "net_id": port.Port.NetworkID,
		"mac_addr": port.Port.MACAddress, "fixed_ips": port.Port.FixedIPs, "port_state": "ACTIVE"})
	p.mu.Lock()
	if p.phantoms == nil {
		p.phantoms = map[string]map[string]json.RawMessage{}
	}
	if p.phantoms[port.Port.DeviceID] == nil {
		p.phantoms[port.Port.DeviceID] = map[string]json.RawMessage{}
	}
	p.phantoms[port.Port.DeviceID][port.Port.ID] = nic
	p.mu.Unlock()
	return a
}

// listPhantoms adds a server's phantom NICs to its NIC list.
func listPhantoms(p *Proxy, r *Request, a *Answer) {
	m := nicPath.FindStringSubmatch(pathOf(r))
	if r.Method != http.MethodGet || m == nil || m[2] != "" || a.Status != http.StatusOK {
		return
	}
	p.mu.Lock()
	var extra []json.RawMessage
	for _, nic := range p.phantoms[m[1]] {
		extra = append(extra, nic)
	}
	p.mu.Unlock()
	if len(extra) == 0 {
		return
	}
	var list struct {
		InterfaceAttachments []json.RawMessage `json:"interfaceAttachments"`
	}
	if json.Unmarshal(a.Body, &list) != nil {
		return
	}
	list.InterfaceAttachments = append(list.InterfaceAttachments, extra...)
	if body, err := json.Marshal(list); err == nil {
		a.Body = body
	}
}

// Phantoms returns the NICs NICStaysListed still lists whose port is
// gone, as "server/port".
func (p *Proxy) Phantoms() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for server, nics := range p.phantoms {
		for port := range nics {
			out = append(out, server+"/"+port)
		}
	}
	slices.Sort(out)
	return out
}

// loseCleanupAnswer loses the first answer to each port DELETE and unlock.
func loseCleanupAnswer(p *Proxy, r *Request) ([]byte, bool) {
	return nil, p.firstCleanup(r)
}

// firstCleanup reports whether r is a cleanup call (a port DELETE, an
// unlock) sent for the first time (by method and request-URI), and
// counts it in Lost.
func (p *Proxy) firstCleanup(r *Request) bool {
	path := pathOf(r)
	cleanup := r.Method == http.MethodDelete && portPath.MatchString(path) ||
		r.Method == http.MethodPost && actionPath.MatchString(path) && bytes.Contains(r.Body, []byte(`"unlock"`))
	if !cleanup {
		return false
	}
	key := r.Method + " " + r.RequestURI
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lost[key] {
		return false
	}
	if p.lost == nil {
		p.lost = map[string]bool{}
	}
	p.lost[key] = true
	return true
}

// garbleUndo answers the first of each cleanup call with bytes that are
// no HTTP answer (the call was forwarded: it took effect).
func garbleUndo(p *Proxy, r *Request) ([]byte, bool) {
	return []byte("HTTP/1.1 2\x00\x01 garbled\r\n\r\n"), p.firstCleanup(r)
}

// garbleAttach makes the body of every third attach's success unreadable
// (the NIC was attached), from the second: JSON cut short. The others
// answer as they came, so the run gets far enough for a rule to depend on
// a garbled one.
func garbleAttach(p *Proxy, r *Request, a *Answer) {
	if r.Method != http.MethodPost || !strings.HasSuffix(pathOf(r), "/os-interface") || a.Status >= 300 || len(a.Body) < 2 {
		return
	}
	p.mu.Lock()
	p.attaches++
	n := p.attaches
	p.mu.Unlock()
	if n%3 == 2 {
		a.Body = append([]byte(nil), a.Body[:len(a.Body)/2]...)
		p.mu.Lock()
		p.garbled++
		p.mu.Unlock()
	}
}

// attachBody is what an attach request names.
type attachBody struct {
	InterfaceAttachment struct {
		PortID string `json:"port_id"`
		NetID  string `json:"net_id"`
	} `json:"interfaceAttachment"`
}

// attachSuccess reads r as an attach answered a with success and a body
// to cut, and what it names; ok is false for any other exchange.
func attachSuccess(r *Request, a *Answer) (body attachBody, ok bool) {
	if r.Method != http.MethodPost || !strings.HasSuffix(pathOf(r), "/os-interface") || a.Status >= 300 || len(a.Body) < 2 {
		return body, false
	}
	if json.Unmarshal(r.Body, &body) != nil {
		return body, false
	}
	return body, true
}

// cut makes a's body unreadable JSON (its first half) and counts it.
func (p *Proxy) cut(a *Answer) {
	a.Body = append([]byte(nil), a.Body[:len(a.Body)/2]...)
	p.mu.Lock()
	p.garbled++
	p.mu.Unlock()
}

// garbleWitnessAttach learns the ids of ports created with a name ending
// in "-witness", and cuts every attach answer of one of them short.
func garbleWitnessAttach(p *Proxy, r *Request, a *Answer) {
	if r.Method == http.MethodPost && strings.HasSuffix(pathOf(r), "/v2.0/ports") && a.Status < 300 {
		var req, created struct {
			Port struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"port"`
		}
		if json.Unmarshal(r.Body, &req) == nil && strings.HasSuffix(req.Port.Name, "-witness") && json.Unmarshal(a.Body, &created) == nil {
			p.mu.Lock()
			if p.witnesses == nil {
				p.witnesses = map[string]bool{}
			}
			p.witnesses[created.Port.ID] = true
			p.mu.Unlock()
		}
		return
	}
	body, ok := attachSuccess(r, a)
	if !ok {
		return
	}
	p.mu.Lock()
	witness := p.witnesses[body.InterfaceAttachment.PortID]
	p.mu.Unlock()
	if witness {
		p.cut(a)
	}
}

// garbleNetAttach cuts every net_id attach's success answer short.
func garbleNetAttach(p *Proxy, r *Request, a *Answer) {
	if body, ok := attachSuccess(r, a); ok && body.InterfaceAttachment.NetID != "" {
		p.cut(a)
	}
}

// Garbled returns how many attach answers GarbleAttach,
// GarbleWitnessAttach and GarbleNetAttach garbled.
func (p *Proxy) Garbled() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.garbled
}

// Lost returns how many answers LoseCleanupAnswer lost.
func (p *Proxy) Lost() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.lost)
}

// spaces reads as an endless run of spaces.
type spaces struct{}

func (spaces) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = ' '
	}
	return len(b), nil
}

// hugeBody pads a's body with spaces to HugeBodySize.
func hugeBody(_ *Proxy, _ *Request, a *Answer) (io.Reader, int64) {
	if len(a.Body) >= HugeBodySize {
		return nil, 0
	}
	return io.MultiReader(bytes.NewReader(a.Body), io.LimitReader(spaces{}, int64(HugeBodySize-len(a.Body)))), HugeBodySize
}

// gzipBomb encodes a's body with gzip and adds the bomb after it.
func gzipBomb(p *Proxy, _ *Request, a *Answer) (io.Reader, int64) {
	p.bombOnce.Do(func() {
		member := gzipped(bytes.Repeat([]byte(" "), 1<<20))
		p.bomb = bytes.Repeat(member, BombSize>>20)
	})
	own := gzipped(a.Body)
	a.Header.Set("Content-Encoding", "gzip")
	return io.MultiReader(bytes.NewReader(own), bytes.NewReader(p.bomb)), int64(len(own) + len(p.bomb))
}

// gzipped is b as one gzip member, compressed best.
func gzipped(b []byte) []byte {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return out.Bytes()
}

// hugeHeaders adds HugeHeaderSize bytes of header to a.
func hugeHeaders(p *Proxy, _ *Request, a *Answer) {
	p.paddingOnce.Do(func() { p.padding = strings.Repeat("h", HugeHeaderSize) })
	a.Header.Set("X-Padding", p.padding)
}

// junkList pads the first array member of a JSON list answer with {}
// items to a body of JunkListSize bytes.
func junkList(_ *Proxy, r *Request, a *Answer) {
	if r.Method != http.MethodGet || a.Status != http.StatusOK || len(a.Body) >= JunkListSize-64 {
		return
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(a.Body, &obj) != nil {
		return
	}
	names := slices.Sorted(maps.Keys(obj))
	for _, name := range names {
		v := bytes.TrimSpace(obj[name])
		if len(v) < 2 || v[0] != '[' {
			continue
		}
		// Each "{}," is 3 bytes; the rest of the body is kept as it is.
		n := (JunkListSize - len(a.Body) - 1) / 3
		items := bytes.Repeat([]byte("{},"), n)
		if bytes.Equal(bytes.TrimSpace(v[1:len(v)-1]), nil) {
			items = items[:len(items)-1] // an empty list: no comma after the last
		}
		obj[name] = append(append([]byte("["), items...), v[1:]...)
		if body, err := json.Marshal(obj); err == nil && len(body) <= JunkListSize {
			a.Body = body
		}
		return
	}
}
