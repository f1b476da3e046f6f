package mock

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/ids"
)

// probe observes one rule on a fresh mock and reports whether it broke.
type probe struct {
	delay       time.Duration // zero: immediate detach
	reservePort bool          // the reserve_port variant (Options.ReservePort)
	profile     Profile       // "": huawei
	check       func(t *testing.T, h *harness) (broken bool)
}

// detachNet attaches a NIC by net_id and DELETEs it.
func detachNet(h *harness) (Interface, int) {
	nic := h.attachNet(h.srv.ServerID)
	rec := h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "")
	return nic, rec.Code
}

// changedBy reports whether the world changed under do, checked after the
// pending detaches completed.
func changedBy(h *harness, do func() int) (status int, changed bool) {
	before := h.snapshot()
	status = do()
	h.settle()
	return status, h.snapshot() != before
}

func primaryProbe(t *testing.T, h *harness) bool {
	code := h.do("DELETE", h.nicPath(h.srv.ServerID, h.srv.PrimaryPortID), "").Code
	h.settle()
	return code != http.StatusForbidden || !h.attached(h.srv.ServerID, h.srv.PrimaryPortID)
}

func portIDRetainedProbe(t *testing.T, h *harness) bool {
	p := h.createPort("retained")
	h.attachPort(h.srv.ServerID, p.ID)
	h.do("DELETE", h.nicPath(h.srv.ServerID, p.ID), "")
	h.settle()
	got, ok := h.portByID(p.ID)
	if !ok || got.DeviceID != "" || got.Status != statusDown || !slices.Equal(got.FixedIPs, p.FixedIPs) {
		return true
	}
	return h.do("POST", h.nics(h.seed.Servers[1].ServerID), `{"interfaceAttachment":{"port_id":"`+p.ID+`"}}`).Code != http.StatusOK
}

func emptyBodyProbe(t *testing.T, h *harness) bool {
	nic := h.attachNet(h.srv.ServerID)
	rec := h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "")
	_, hasCT := rec.Header()["Content-Type"]
	return rec.Body.Len() != 0 || hasCT
}

func acceptedProbe(t *testing.T, h *harness) bool {
	_, code := detachNet(h)
	return code != http.StatusAccepted
}

// completesProbe: within a bound the NIC leaves the list and show 404s.
func completesProbe(t *testing.T, h *harness) bool {
	nic, _ := detachNet(h)
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		if !h.attached(h.srv.ServerID, nic.PortID) &&
			h.do("GET", h.nicPath(h.srv.ServerID, nic.PortID), "").Code == http.StatusNotFound {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
	return true
}

func isolationProbe(t *testing.T, h *harness) bool {
	a, b, c := h.attachNet(h.srv.ServerID), h.attachNet(h.srv.ServerID), h.attachNet(h.srv.ServerID)
	h.do("DELETE", h.nicPath(h.srv.ServerID, b.PortID), "")
	h.settle()
	left := map[string]Interface{}
	for _, i := range h.m.Interfaces(h.srv.ServerID) {
		left[i.PortID] = i
	}
	for _, want := range []Interface{a, c} {
		got, ok := left[want.PortID]
		if !ok || got.MACAddr != want.MACAddr || got.FixedIPs[0] != want.FixedIPs[0] {
			return true
		}
	}
	return false
}

// otherServerIsolationProbe: a detach on one server leaves another
// server's NICs attached, with the same MAC and IPs.
func otherServerIsolationProbe(t *testing.T, h *harness) bool {
	other := h.seed.Servers[1].ServerID
	o := h.attachNet(other)
	_, code := detachNet(h)
	h.settle()
	for _, i := range h.m.Interfaces(other) {
		if i.PortID == o.PortID {
			return code != http.StatusAccepted || i.MACAddr != o.MACAddr || !slices.Equal(i.FixedIPs, o.FixedIPs)
		}
	}
	return true
}

// unknownServerProbe: a DELETE naming an unknown server answers 404 and
// changes nothing, though the port is attached elsewhere.
func unknownServerProbe(t *testing.T, h *harness) bool {
	nic := h.attachNet(h.srv.ServerID)
	code, changed := changedBy(h, func() int { return h.do("DELETE", h.nicPath(ids.NewUUID(), nic.PortID), "").Code })
	return code != http.StatusNotFound || changed
}

// unknownPortLaterProbe: a DELETE of an unknown port answers 404 and
// changes nothing, also some delays later.
func unknownPortLaterProbe(t *testing.T, h *harness) bool {
	nic := h.attachNet(h.srv.ServerID)
	code, changed := changedBy(h, func() int {
		code := h.do("DELETE", h.nicPath(h.srv.ServerID, ids.NewUUID()), "").Code
		time.Sleep((otherLater + 2) * 5 * time.Millisecond) // the effect starts, then changedBy awaits it
		return code
	})
	return code != http.StatusNotFound || changed || !h.attached(h.srv.ServerID, nic.PortID)
}

// foreignProjectProbe: a DELETE in another project is refused (4xx) and
// changes nothing.
func foreignProjectProbe(t *testing.T, h *harness) bool {
	nic := h.attachNet(h.srv.ServerID)
	path := "/v2.1/" + ids.NewProjectID() + "/servers/" + h.srv.ServerID + "/os-interface/" + nic.PortID
	code, changed := changedBy(h, func() int { return h.do("DELETE", path, "").Code })
	return code < 400 || code >= 500 || changed
}

// lockedProbe: a DELETE on a locked server answers 409 and changes nothing.
func lockedProbe(t *testing.T, h *harness) bool {
	nic := h.attachNet(h.srv.ServerID)
	h.expect(h.do("POST", h.base()+"/servers/"+h.srv.ServerID+"/action", `{"lock":null}`), http.StatusAccepted, "lock")
	code, changed := changedBy(h, func() int { return h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "").Code })
	return code != http.StatusConflict || changed
}

// malformedProbe: malformed ids in the server and port positions (an
// encoded slash, not a UUID, one character too long) answer 4xx and change
// nothing.
func malformedProbe(t *testing.T, h *harness) bool {
	nic := h.attachNet(h.srv.ServerID)
	for _, path := range []string{
		h.nicPath(h.srv.ServerID, "a%2Fb"),
		h.nicPath("not-a-uuid", h.srv.PrimaryPortID),
		h.nicPath(h.srv.ServerID, nic.PortID+"0"),
		h.nicPath(h.srv.ServerID+"0", nic.PortID),
	} {
		code, changed := changedBy(h, func() int { return h.do("DELETE", path, "").Code })
		if code < 400 || code >= 500 || changed {
			return true
		}
	}
	return false
}

// methodProbe: PUT, PATCH and POST on a NIC answer 405 (with an Allow
// header) or 404, and change nothing.
func methodProbe(t *testing.T, h *harness) bool {
	nic := h.attachNet(h.srv.ServerID)
	broken := false
	for _, m := range []string{"PUT", "PATCH", "POST"} {
		var allow string
		code, changed := changedBy(h, func() int {
			rec := h.do(m, h.nicPath(h.srv.ServerID, nic.PortID), "")
			allow = rec.Header().Get("Allow")
			return rec.Code
		})
		broken = broken || (code != http.StatusMethodNotAllowed && code != http.StatusNotFound) || changed ||
			(code == http.StatusMethodNotAllowed && !strings.Contains(allow, http.MethodDelete))
	}
	return broken
}

// errorShapeProbe: an error (404, 401, 405) carries JSON in a documented
// shape: a Nova fault named for the status with that status as its code,
// or a Huawei {"error":{"code","message"}}.
func errorShapeProbe(t *testing.T, h *harness) bool {
	for _, rec := range []*httptest.ResponseRecorder{
		h.do("DELETE", h.nicPath(h.srv.ServerID, ids.NewUUID()), ""),
		h.do("DELETE", h.nicPath(h.srv.ServerID, ids.NewUUID()), "", "X-Auth-Token", ""),
		h.do("PUT", h.nicPath(h.srv.ServerID, ids.NewUUID()), ""),
	} {
		if rec.Header().Get("Content-Type") != "application/json" || !documentedError(rec.Code, rec.Body.Bytes()) {
			return true
		}
	}
	return false
}

// documentedError reports whether body is a documented error for status.
func documentedError(status int, body []byte) bool {
	var huawei struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &huawei); err == nil && huawei.Error != nil {
		return huawei.Error.Code != "" && huawei.Error.Message != ""
	}
	var nova map[string]struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &nova); err != nil || len(nova) != 1 {
		return false
	}
	f, ok := nova[faultName(status)]
	return ok && f.Code == status && f.Message != ""
}

// requestIDProbe: every response, success or error, compute or network,
// carries a request id, and no two responses share one.
func requestIDProbe(t *testing.T, h *harness) bool {
	seen := map[string]bool{}
	for _, rec := range []*httptest.ResponseRecorder{
		h.do("GET", h.nics(h.srv.ServerID), ""),
		h.do("GET", "/v2.0/ports", ""),
		h.do("DELETE", h.nicPath(h.srv.ServerID, ids.NewUUID()), ""),
		h.do("GET", "/v2.0/ports", "", "X-Auth-Token", ""),
		h.do("PUT", h.nicPath(h.srv.ServerID, ids.NewUUID()), ""),
	} {
		id := rec.Header().Get(headerRequestID)
		if id == "" || seen[id] {
			return true
		}
		seen[id] = true
	}
	return false
}

// inFlightRepeatProbe: a second DELETE while the first detach is in flight
// never answers 5xx.
func inFlightRepeatProbe(t *testing.T, h *harness) bool {
	nic := h.attachNet(h.srv.ServerID)
	path := h.nicPath(h.srv.ServerID, nic.PortID)
	first := h.do("DELETE", path, "").Code
	again := h.do("DELETE", path, "").Code
	h.settle()
	return first != http.StatusAccepted || again >= 500
}

// probes maps every deviation to the probe of the rule it breaks.
var probes = map[Deviation]probe{
	DevPrimaryDetachable:  {check: primaryProbe},
	DevPrimary403Detaches: {delay: 5 * time.Millisecond, check: primaryProbe},
	DevPortIDDeleted:      {check: portIDRetainedProbe},
	DevPortIDStaysBound:   {check: portIDRetainedProbe},
	DevNetIDKept: {check: func(t *testing.T, h *harness) bool {
		nic, _ := detachNet(h)
		h.settle()
		_, kept := h.portByID(nic.PortID)
		return kept
	}},
	DevBodyOn202:        {check: emptyBodyProbe},
	DevContentTypeOn202: {check: emptyBodyProbe},
	DevSuccess204:       {check: acceptedProbe},
	DevSuccess200Sync:   {check: acceptedProbe},
	DevRequestBodyRequired: {check: func(t *testing.T, h *harness) bool {
		nic, code := detachNet(h)
		h.settle()
		return code != http.StatusAccepted || h.attached(h.srv.ServerID, nic.PortID)
	}},
	DevNeverCompletes:      {delay: 5 * time.Millisecond, check: completesProbe},
	DevShowLingers:         {delay: 5 * time.Millisecond, check: completesProbe},
	DevDetachNeighbour:     {delay: 5 * time.Millisecond, check: isolationProbe},
	DevNeighbourMACChanges: {check: isolationProbe},
	DevIgnoreServerID:      {check: unknownServerProbe},
	DevUnknownPortAccepted: {check: func(t *testing.T, h *harness) bool {
		nic := h.attachNet(h.seed.Servers[1].ServerID)
		code, changed := changedBy(h, func() int { return h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "").Code })
		return code != http.StatusNotFound || changed
	}},
	DevForeignProjectAccepted: {check: foreignProjectProbe},
	DevMalformedID500:         {check: malformedProbe},
	DevReservePortIgnored: {reservePort: true, check: func(t *testing.T, h *harness) bool {
		port := h.createPort("reserve")
		h.attachPort(h.srv.ServerID, port.ID)
		h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, port.ID)+"?reserve_port=true", ""))
		h.settle()
		_, kept := h.portByID(port.ID)
		return !kept
	}},
	DevMalformedID422: {check: func(t *testing.T, h *harness) bool {
		return h.do("DELETE", h.nicPath("not-a-uuid", h.srv.PrimaryPortID), "").Code == http.StatusUnprocessableEntity
	}},
	DevCollectionDelete: {check: func(t *testing.T, h *harness) bool {
		h.attachNet(h.srv.ServerID)
		code, changed := changedBy(h, func() int { return h.do("DELETE", h.nics(h.srv.ServerID), "").Code })
		return (code != http.StatusNotFound && code != http.StatusMethodNotAllowed) || changed
	}},
	DevAnyMethodDetaches: {check: methodProbe},
	DevRepeat500: {check: func(t *testing.T, h *harness) bool {
		nic, _ := detachNet(h)
		h.settle()
		return h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "").Code >= 500
	}},
	DevAuthOptional: {check: func(t *testing.T, h *harness) bool {
		nic := h.attachNet(h.srv.ServerID)
		code, changed := changedBy(h, func() int {
			return h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "", "X-Auth-Token", "").Code
		})
		return code != http.StatusUnauthorized || changed
	}},
	DevAuthAnyToken: {check: func(t *testing.T, h *harness) bool {
		nic := h.attachNet(h.srv.ServerID)
		code, changed := changedBy(h, func() int {
			return h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "", "X-Auth-Token", "bogus").Code
		})
		return code != http.StatusUnauthorized || changed
	}},
	DevLockIgnored: {check: lockedProbe},
	DevErrorPlainText: {check: func(t *testing.T, h *harness) bool {
		rec := h.do("DELETE", h.nicPath(h.srv.ServerID, ids.NewUUID()), "")
		return rec.Header().Get("Content-Type") != "application/json" || !json.Valid(rec.Body.Bytes())
	}},
	DevNoRequestID: {check: func(t *testing.T, h *harness) bool {
		return h.do("GET", h.nics(h.srv.ServerID), "").Header().Get(headerRequestID) == "" ||
			h.do("GET", "/v2.0/ports", "", "X-Auth-Token", "").Header().Get(headerRequestID) == ""
	}},
	DevDetachInsteadNeighbour:     {delay: 5 * time.Millisecond, check: isolationProbe},
	DevCompletesLate:              {delay: 5 * time.Millisecond, check: completesProbe},
	DevFaultCodeMismatch:          {check: errorShapeProbe},
	DevErrorJSONFlat:              {check: errorShapeProbe},
	DevConcurrentDetach500:        {delay: 200 * time.Millisecond, check: inFlightRepeatProbe},
	DevKeptPortLosesIP:            {check: portIDRetainedProbe},
	DevUnknownServerDetachesLater: {delay: 5 * time.Millisecond, check: unknownServerProbe},
	DevForeignProjectDetaches:     {delay: 5 * time.Millisecond, check: foreignProjectProbe},
	DevLockedDetachesLater:        {delay: 5 * time.Millisecond, check: lockedProbe},
	DevNoRequestIDOnErrors:        {check: requestIDProbe},
	DevRequestIDConstant:          {check: requestIDProbe},
	DevMethod405NoAllow:           {check: methodProbe},
	DevLongIDTruncated:            {check: malformedProbe},
	DevOtherServerNICDetached:     {delay: 5 * time.Millisecond, check: otherServerIsolationProbe},
	DevUnknownPortDetachesOther:   {delay: 5 * time.Millisecond, check: unknownPortLaterProbe},
	DevBusy409: {delay: 50 * time.Millisecond, check: func(t *testing.T, h *harness) bool {
		a, b := h.attachNet(h.srv.ServerID), h.attachNet(h.srv.ServerID)
		h.do("DELETE", h.nicPath(h.srv.ServerID, a.PortID), "")
		busy := h.do("DELETE", h.nicPath(h.srv.ServerID, b.PortID), "").Code == http.StatusConflict
		h.settle()
		return busy
	}},
	DevNovaUpstream: {profile: ProfileNova, check: novaUpstreamProbe},
	DevInterfaceNetIDEmpty: {check: func(t *testing.T, h *harness) bool {
		var out struct {
			InterfaceAttachments []struct {
				NetID string `json:"net_id"`
			} `json:"interfaceAttachments"`
		}
		if err := json.Unmarshal(h.do("GET", h.nics(h.srv.ServerID), "").Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		return len(out.InterfaceAttachments) > 0 && out.InterfaceAttachments[0].NetID == ""
	}},
}

// novaUpstreamProbe: under the nova profile, a DELETE of the collection
// answers an error in a documented shape, a malformed port id answers 4xx,
// and a DELETE with an empty project segment changes nothing.
func novaUpstreamProbe(t *testing.T, h *harness) bool {
	nic := h.attachNet(h.srv.ServerID)
	rec := h.do("DELETE", h.nics(h.srv.ServerID), "")
	if !documentedError(rec.Code, rec.Body.Bytes()) {
		return true
	}
	if code := h.do("DELETE", h.nicPath(h.srv.ServerID, strings.Repeat("z", 36)), "").Code; code < 400 || code >= 500 {
		return true
	}
	code, changed := changedBy(h, func() int {
		return h.do("DELETE", "/v2.1//servers/"+h.srv.ServerID+"/os-interface/"+nic.PortID, "").Code
	})
	return code < 400 || code >= 500 || changed
}

// TestDeviations shows that each deviation breaks its rule, and that the
// same probe passes on the faithful mock.
func TestDeviations(t *testing.T) {
	for _, info := range Deviations() {
		p, ok := probes[info.Name]
		if !ok {
			t.Errorf("deviation %s has no probe", info.Name)
			continue
		}
		t.Run(string(info.Name), func(t *testing.T) {
			t.Parallel()
			for _, on := range []bool{false, true} {
				o := Options{Servers: 2, Delay: p.delay, ImmediateDetach: p.delay == 0, ReservePort: p.reservePort, Profile: p.profile}
				if on {
					o.Deviations = []Deviation{info.Name}
				}
				h := newHarness(t, o)
				if broken := p.check(t, h); broken != on {
					t.Errorf("%s (rule %s) deviation on=%v: probe observed broken=%v", info.Name, info.Rule, on, broken)
				}
			}
		})
	}
}

// The reserve_port variant deletes a detached NIC's port unless the detach
// carries reserve_port=true.
func TestReservePortVariant(t *testing.T) {
	h := newHarness(t, Options{ImmediateDetach: true, ReservePort: true})
	for _, c := range []struct {
		query string
		kept  bool
	}{{"", false}, {"?reserve_port=false", false}, {"?reserve_port=true", true}} {
		port := h.createPort("reserve")
		h.attachPort(h.srv.ServerID, port.ID)
		h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, port.ID)+c.query, ""))
		if _, kept := h.portByID(port.ID); kept != c.kept {
			t.Errorf("detach%s: kept=%v, want %v", c.query, kept, c.kept)
		}
	}
	nic := h.attachNet(h.srv.ServerID) // reserve_port=true keeps a net_id port too
	h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID)+"?reserve_port=true", ""))
	if _, kept := h.portByID(nic.PortID); !kept {
		t.Error("reserve_port=true did not keep a net_id port")
	}
	faithful := newHarness(t, Options{ImmediateDetach: true})
	port := faithful.createPort("default")
	faithful.attachPort(faithful.srv.ServerID, port.ID)
	faithful.checkAccepted(t, faithful.do("DELETE", faithful.nicPath(faithful.srv.ServerID, port.ID), ""))
	if _, kept := faithful.portByID(port.ID); !kept {
		t.Error("without the variant a port_id port is kept")
	}
}

// TestDeviationsNovaProfile covers the deviations whose meaning depends on
// the profile.
func TestDeviationsNovaProfile(t *testing.T) {
	t.Run("unknown-port-accepted detaches from the other server", func(t *testing.T) {
		h := newHarness(t, Options{Profile: ProfileNova, Servers: 2, ImmediateDetach: true, Deviations: []Deviation{DevUnknownPortAccepted}})
		nic := h.attachNet(h.seed.Servers[1].ServerID)
		h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), ""))
		if h.attached(h.seed.Servers[1].ServerID, nic.PortID) {
			t.Error("not detached from the other server")
		}
	})
	t.Run("faithful nova leaves the other server alone", func(t *testing.T) {
		h := newHarness(t, Options{Profile: ProfileNova, Servers: 2, ImmediateDetach: true})
		nic := h.attachNet(h.seed.Servers[1].ServerID)
		h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), ""))
		if !h.attached(h.seed.Servers[1].ServerID, nic.PortID) {
			t.Error("detached from the other server")
		}
	})
	t.Run("primary-detachable is the nova behaviour", func(t *testing.T) {
		for _, devs := range [][]Deviation{nil, {DevPrimaryDetachable}} {
			h := newHarness(t, Options{Profile: ProfileNova, ImmediateDetach: true, Deviations: devs})
			h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, h.srv.PrimaryPortID), ""))
		}
	})
	t.Run("request-body-required accepts {} with JSON", func(t *testing.T) {
		h := newHarness(t, Options{Profile: ProfileNova, ImmediateDetach: true, Deviations: []Deviation{DevRequestBodyRequired}})
		nic := h.attachNet(h.srv.ServerID)
		checkError(t, ErrorsNova, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), ""), 400, "")
		h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, nic.PortID), "{}"))
	})
	t.Run("request-body-required leaves refusals as they are", func(t *testing.T) {
		h := newHarness(t, Options{Profile: ProfileHuawei, ImmediateDetach: true, Deviations: []Deviation{DevRequestBodyRequired}})
		checkError(t, ErrorsNova, h.do("DELETE", h.nicPath(h.srv.ServerID, "6f1b1b62-8f3c-4bd4-9b1e-6d1c5e0d8a11"), ""), 404, "")
		checkError(t, ErrorsNova, h.do("DELETE", h.nicPath(h.srv.ServerID, h.srv.PrimaryPortID), ""), 403, "")
	})
	t.Run("error-plain-text keeps JSON on success", func(t *testing.T) {
		h := newHarness(t, Options{Deviations: []Deviation{DevErrorPlainText}})
		rec := h.do("GET", h.nics(h.srv.ServerID), "")
		if rec.Header().Get("Content-Type") != "application/json" {
			t.Error("success lost its JSON")
		}
	})
}

// TestDeviationDetails pins what the newer deviations do beyond breaking
// their rule.
func TestDeviationDetails(t *testing.T) {
	opts := func(delay time.Duration, d ...Deviation) Options {
		return Options{Servers: 2, Delay: delay, ImmediateDetach: delay == 0, Deviations: d}
	}
	lock := func(h *harness, serverID string) {
		h.expect(h.do("POST", h.base()+"/servers/"+serverID+"/action", `{"lock":null}`), http.StatusAccepted, "lock")
	}
	t.Run("detach-instead-neighbour keeps the NIC named and detaches the newest other", func(t *testing.T) {
		h := newHarness(t, opts(5*time.Millisecond, DevDetachInsteadNeighbour))
		a, b, c := h.attachNet(h.srv.ServerID), h.attachNet(h.srv.ServerID), h.attachNet(h.srv.ServerID)
		h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, b.PortID), ""))
		h.settle()
		if !h.attached(h.srv.ServerID, a.PortID) || !h.attached(h.srv.ServerID, b.PortID) || h.attached(h.srv.ServerID, c.PortID) {
			t.Errorf("NICs left: %v", h.m.Interfaces(h.srv.ServerID))
		}
		if _, ok := h.portByID(c.PortID); ok {
			t.Error("the net_id port detached instead was not deleted")
		}
	})
	t.Run("detach-instead-neighbour with no other NIC detaches nothing", func(t *testing.T) {
		h := newHarness(t, opts(0, DevDetachInsteadNeighbour))
		a := h.attachNet(h.srv.ServerID)
		code, changed := changedBy(h, func() int { return h.do("DELETE", h.nicPath(h.srv.ServerID, a.PortID), "").Code })
		if code != http.StatusAccepted || changed {
			t.Errorf("status %d, changed %v", code, changed)
		}
	})
	t.Run("completes-late completes after 60s, and Close stops its timer", func(t *testing.T) {
		h := newHarness(t, opts(0, DevCompletesLate))
		a, _ := detachNet(h)
		time.Sleep(20 * time.Millisecond)
		if !h.attached(h.srv.ServerID, a.PortID) || h.m.Pending() != 1 {
			t.Fatal("completed before 60s")
		}
		h.m.Close()
		h.m.mu.Lock()
		defer h.m.mu.Unlock()
		for _, s := range h.m.w.serverOrder {
			for _, n := range s.nics {
				if n.timer != nil {
					t.Errorf("port %s: timer still set after Close", n.portID)
				}
			}
		}
	})
	t.Run("fault-code-mismatch", func(t *testing.T) {
		h := newHarness(t, opts(0, DevFaultCodeMismatch))
		rec := h.do("DELETE", h.nicPath(h.srv.ServerID, ids.NewUUID()), "")
		if rec.Code != http.StatusNotFound || rec.Body.String() == "" || !strings.Contains(rec.Body.String(), `"itemNotFound":{"code":400,`) {
			t.Errorf("nova: %d %s", rec.Code, rec.Body)
		}
		o := opts(0, DevFaultCodeMismatch)
		o.Errors = ErrorsHuawei
		h = newHarness(t, o)
		rec = h.do("DELETE", h.nicPath(h.srv.ServerID, ids.NewUUID()), "")
		checkError(t, ErrorsHuawei, rec, http.StatusNotFound, "Ecs.0000")
	})
	t.Run("error-json-flat in both shapes", func(t *testing.T) {
		for _, shape := range []ErrorShape{ErrorsNova, ErrorsHuawei} {
			o := opts(0, DevErrorJSONFlat)
			o.Errors = shape
			h := newHarness(t, o)
			rec := h.do("DELETE", h.nicPath(h.srv.ServerID, ids.NewUUID()), "")
			var body map[string]any
			h.decode(rec, &body)
			if rec.Code != http.StatusNotFound || rec.Header().Get("Content-Type") != "application/json" ||
				len(body) != 2 || body["code"] != float64(http.StatusNotFound) || body["message"] == "" {
				t.Errorf("%s: %d %q %s", shape, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
		}
	})
	t.Run("concurrent-detach-500 answers computeFault, then nothing more", func(t *testing.T) {
		for _, profile := range []Profile{ProfileHuawei, ProfileNova} {
			o := opts(time.Hour, DevConcurrentDetach500)
			o.Profile = profile
			h := newHarness(t, o)
			a := h.attachNet(h.srv.ServerID)
			h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, a.PortID), ""))
			rec := h.do("DELETE", h.nicPath(h.srv.ServerID, a.PortID), "")
			checkError(t, ErrorsNova, rec, http.StatusInternalServerError, "")
			if !strings.Contains(rec.Body.String(), `"computeFault"`) || h.m.Pending() != 1 {
				t.Errorf("%s: %s, %d pending", profile, rec.Body, h.m.Pending())
			}
		}
	})
	t.Run("kept-port-loses-ip releases the address", func(t *testing.T) {
		h := newHarness(t, opts(0, DevKeptPortLosesIP))
		p := h.createPort("kept")
		h.attachPort(h.srv.ServerID, p.ID)
		h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, p.ID), ""))
		rec := h.do("GET", "/v2.0/ports/"+p.ID, "")
		h.expect(rec, http.StatusOK, "show kept port")
		if !strings.Contains(rec.Body.String(), `"fixed_ips":[]`) {
			t.Errorf("kept port: %s", rec.Body)
		}
		got, _ := h.portByID(p.ID)
		if got.DeviceID != "" || got.Status != statusDown {
			t.Errorf("kept port not unbound: %+v", got)
		}
		ip := p.FixedIPs[0].IPAddress
		h.expect(h.do("POST", "/v2.0/ports", `{"port":{"network_id":"`+h.seed.NetworkID+`","fixed_ips":[{"ip_address":"`+ip+`"}]}}`), http.StatusCreated, "take the released IP")
		h.attachPort(h.srv.ServerID, p.ID) // still attachable, without an IP
		a, _ := detachNet(h)               // a net_id port is deleted as usual
		if _, ok := h.portByID(a.PortID); ok {
			t.Error("net_id port kept")
		}
	})
	t.Run("unknown-server-detaches-later", func(t *testing.T) {
		const delay = 300 * time.Millisecond
		h := newHarness(t, opts(delay, DevUnknownServerDetachesLater))
		a := h.attachNet(h.seed.Servers[1].ServerID)
		start := time.Now()
		checkError(t, ErrorsNova, h.do("DELETE", h.nicPath(ids.NewUUID(), a.PortID), ""), http.StatusNotFound, "")
		// Judged only while the delay surely runs (a loaded machine may
		// get here later).
		if attached := h.attached(h.seed.Servers[1].ServerID, a.PortID); !attached && time.Since(start) < delay/2 {
			t.Error("detached before the delay")
		}
		h.settle()
		if h.attached(h.seed.Servers[1].ServerID, a.PortID) {
			t.Error("not detached after the delay")
		}
		// A protected primary and a locked server's NIC are left alone.
		b := h.attachNet(h.srv.ServerID)
		lock(h, h.srv.ServerID)
		for _, port := range []string{h.seed.Servers[1].PrimaryPortID, b.PortID} {
			code, changed := changedBy(h, func() int { return h.do("DELETE", h.nicPath(ids.NewUUID(), port), "").Code })
			if code != http.StatusNotFound || changed {
				t.Errorf("port %s: status %d, changed %v", port, code, changed)
			}
		}
	})
	t.Run("foreign-project-detaches in both profiles", func(t *testing.T) {
		for _, profile := range []Profile{ProfileHuawei, ProfileNova} {
			o := opts(5*time.Millisecond, DevForeignProjectDetaches)
			o.Profile = profile
			h := newHarness(t, o)
			a := h.attachNet(h.srv.ServerID)
			b := h.attachNet(h.seed.Servers[1].ServerID)
			foreign := func(serverID, portID string) int {
				return h.do("DELETE", "/v2.1/"+ids.NewProjectID()+"/servers/"+serverID+"/os-interface/"+portID, "").Code
			}
			want := map[Profile]int{ProfileHuawei: http.StatusForbidden, ProfileNova: http.StatusBadRequest}[profile]
			// Attached elsewhere: nothing happens.
			if code, changed := changedBy(h, func() int { return foreign(h.srv.ServerID, b.PortID) }); code != want || changed {
				t.Errorf("%s, port of another server: %d, changed %v", profile, code, changed)
			}
			if code := foreign(h.srv.ServerID, a.PortID); code != want {
				t.Errorf("%s: status %d, want %d", profile, code, want)
			}
			h.settle()
			if h.attached(h.srv.ServerID, a.PortID) {
				t.Errorf("%s: not detached", profile)
			}
		}
	})
	t.Run("locked-detaches-later keeps the primary", func(t *testing.T) {
		h := newHarness(t, opts(5*time.Millisecond, DevLockedDetachesLater))
		a := h.attachNet(h.srv.ServerID)
		lock(h, h.srv.ServerID)
		checkError(t, ErrorsNova, h.do("DELETE", h.nicPath(h.srv.ServerID, h.srv.PrimaryPortID), ""), http.StatusConflict, "")
		checkError(t, ErrorsNova, h.do("DELETE", h.nicPath(h.srv.ServerID, a.PortID), ""), http.StatusConflict, "")
		h.settle()
		if h.attached(h.srv.ServerID, a.PortID) || !h.attached(h.srv.ServerID, h.srv.PrimaryPortID) {
			t.Errorf("NICs left: %v", h.m.Interfaces(h.srv.ServerID))
		}
	})
	t.Run("no-request-id-on-errors keeps them on success", func(t *testing.T) {
		h := newHarness(t, opts(0, DevNoRequestIDOnErrors))
		ok := h.do("GET", h.nics(h.srv.ServerID), "")
		bad := h.do("DELETE", h.nicPath(h.srv.ServerID, ids.NewUUID()), "")
		if ok.Header().Get(headerRequestID) == "" || ok.Header().Get(headerComputeRequestID) == "" {
			t.Error("success lost its request ids")
		}
		if bad.Code != http.StatusNotFound || bad.Header().Get(headerRequestID) != "" || bad.Header().Get(headerComputeRequestID) != "" {
			t.Errorf("error %d has request ids %v", bad.Code, bad.Header())
		}
	})
	t.Run("request-id-constant", func(t *testing.T) {
		h := newHarness(t, opts(0, DevRequestIDConstant))
		for _, rec := range []*httptest.ResponseRecorder{h.do("GET", h.nics(h.srv.ServerID), ""), h.do("DELETE", h.nicPath(h.srv.ServerID, ids.NewUUID()), "")} {
			if rec.Header().Get(headerRequestID) != constantRequestID || rec.Header().Get(headerComputeRequestID) != constantRequestID {
				t.Errorf("request ids %v", rec.Header())
			}
		}
	})
	t.Run("method-405-no-allow", func(t *testing.T) {
		h := newHarness(t, opts(0, DevMethod405NoAllow))
		rec := h.do("PUT", h.nicPath(h.srv.ServerID, h.srv.PrimaryPortID), "")
		if _, has := rec.Header()["Allow"]; rec.Code != http.StatusMethodNotAllowed || has {
			t.Errorf("%d, Allow %q", rec.Code, rec.Header().Get("Allow"))
		}
	})
	t.Run("long-id-truncated", func(t *testing.T) {
		for _, profile := range []Profile{ProfileHuawei, ProfileNova} {
			o := opts(0, DevLongIDTruncated)
			o.Profile = profile
			h := newHarness(t, o)
			a, b := h.attachNet(h.srv.ServerID), h.attachNet(h.srv.ServerID)
			h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID, strings.ToUpper(a.PortID)+"-extra"), ""))
			h.checkAccepted(t, h.do("DELETE", h.nicPath(h.srv.ServerID+"0", b.PortID), ""))
			if h.attached(h.srv.ServerID, a.PortID) || h.attached(h.srv.ServerID, b.PortID) {
				t.Errorf("%s: not detached", profile)
			}
			// Too short or not a UUID in its first 36: malformed as usual.
			for _, port := range []string{a.PortID[:35], "x" + a.PortID} {
				if code := h.do("DELETE", h.nicPath(h.srv.ServerID, port), "").Code; code < 400 || code >= 500 {
					t.Errorf("%s: %s answered %d", profile, port, code)
				}
			}
		}
	})
	t.Run("other-server-nic-detached picks the next server in seed order that has a NIC", func(t *testing.T) {
		h := newHarness(t, Options{Servers: 3, ImmediateDetach: true, Deviations: []Deviation{DevOtherServerNICDetached}})
		s := h.seed.Servers
		old3, new3 := h.attachNet(s[2].ServerID), h.attachNet(s[2].ServerID)
		h.checkAccepted(t, h.do("DELETE", h.nicPath(s[0].ServerID, h.attachNet(s[0].ServerID).PortID), ""))
		if !h.attached(s[2].ServerID, old3.PortID) || h.attached(s[2].ServerID, new3.PortID) {
			t.Errorf("server 3 NICs: %v", h.m.Interfaces(s[2].ServerID))
		}
		// From the last server the search wraps to the first.
		n1 := h.attachNet(s[0].ServerID)
		h.checkAccepted(t, h.do("DELETE", h.nicPath(s[2].ServerID, old3.PortID), ""))
		if h.attached(s[0].ServerID, n1.PortID) || !h.attached(s[0].ServerID, s[0].PrimaryPortID) {
			t.Errorf("server 1 NICs: %v", h.m.Interfaces(s[0].ServerID))
		}
		// With no other non-primary NIC anywhere, only the NIC named goes.
		h.checkAccepted(t, h.do("DELETE", h.nicPath(s[1].ServerID, h.attachNet(s[1].ServerID).PortID), ""))
		for _, srv := range s {
			if got := h.m.Interfaces(srv.ServerID); len(got) != 1 {
				t.Errorf("server %s NICs: %v", srv.ServerID, got)
			}
		}
	})
}

// TestNovaUpstream holds the nova-upstream deviation to what the real
// cloud answered (docs/openstack.md, the HAR of a `make
// conformance-openstack` run): each routing 404 with webob's body, byte for
// byte; 202 and nothing changed for a malformed port id; the project-less
// route for an empty project segment, which detaches the NIC; everything
// else as the faithful nova mock.
func TestNovaUpstream(t *testing.T) {
	h := newHarness(t, Options{Profile: ProfileNova, ImmediateDetach: true, Deviations: []Deviation{DevNovaUpstream}})
	nic := h.attachNet(h.srv.ServerID)
	base, server := h.base(), h.srv.ServerID
	before := h.snapshot()
	for _, c := range []struct{ method, path string }{
		{"DELETE", h.nics(server)},
		{"DELETE", h.nics(server) + "/"},
		{"PUT", h.nicPath(server, nic.PortID)},
		{"PATCH", h.nicPath(server, nic.PortID)},
		{"POST", h.nicPath(server, nic.PortID)},
		{"DELETE", "/v2.1/" + strings.Repeat("z", 32) + "/servers/" + server + "/os-interface/" + nic.PortID},
		{"DELETE", "/v2.1/" + h.seed.ProjectID[:16] + "%2F" + h.seed.ProjectID[16:] + "/servers/" + server + "/os-interface/" + nic.PortID},
		{"DELETE", "/v2.1/" + h.seed.ProjectID[:31] + "%C3%A9/servers/" + server + "/os-interface/" + nic.PortID},
		{"DELETE", base + "/servers//os-interface/" + nic.PortID},
		{"DELETE", base + "/servers/" + server[:18] + "%2F" + server[18:] + "/os-interface/" + nic.PortID},
		{"DELETE", h.nicPath(server, nic.PortID[:18]+"%2F"+nic.PortID[18:])},
		{"GET", "/v2.1/" + h.seed.ProjectID + "/nowhere"},
	} {
		rec := h.do(c.method, c.path, "")
		if rec.Code != http.StatusNotFound || rec.Body.String() != webobNotFound || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: %d %q %q, want the routing 404", c.method, c.path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
		if _, has := rec.Header()["Allow"]; has {
			t.Errorf("%s %s: Allow %q", c.method, c.path, rec.Header().Get("Allow"))
		}
	}
	for _, port := range []string{strings.Repeat("z", 36), nic.PortID + "0", nic.PortID[:35] + "%C3%A9"} {
		h.checkAccepted(t, h.do("DELETE", h.nicPath(server, port), ""))
	}
	// A malformed server id is InstanceNotFound (a Nova fault), a foreign
	// project the 400 of the reference.
	checkError(t, ErrorsNova, h.do("DELETE", h.nicPath(strings.Repeat("z", 36), nic.PortID), ""), http.StatusNotFound, "")
	checkError(t, ErrorsNova, h.do("DELETE", "/v2.1/"+strings.Repeat("0", 32)+"/servers/"+server+"/os-interface/"+nic.PortID, ""), http.StatusBadRequest, "")
	// Neutron's errors stay Neutron's, an encoded slash in a port id too.
	checkNeutronError(t, h.do("GET", "/v2.0/ports/"+nic.PortID[:18]+"%2F"+nic.PortID[18:], ""), http.StatusNotFound, "HTTPNotFound")
	if h.snapshot() != before {
		t.Fatal("a refused or malformed request changed the world")
	}
	h.checkAccepted(t, h.do("DELETE", "/v2.1//servers/"+server+"/os-interface/"+nic.PortID, ""))
	if h.attached(server, nic.PortID) {
		t.Error("the empty project segment did not detach the NIC")
	}
}

// TestNovaUpstreamFailsAreTheRealClouds: the rules nova-upstream is
// expected to fail are exactly those whose verdict on the real cloud is
// fail (scripts/openstack/expected.json), so `make fidelity` holds the
// suite to the real cloud's verdicts.
func TestNovaUpstreamFailsAreTheRealClouds(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "scripts", "openstack", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected struct {
		Rules map[string]struct{ Verdict string } `json:"rules"`
	}
	if err := json.Unmarshal(raw, &expected); err != nil {
		t.Fatal(err)
	}
	var real []string
	for id, r := range expected.Rules {
		if r.Verdict == "fail" {
			real = append(real, id)
		}
	}
	var info DeviationInfo
	for _, d := range Deviations() {
		if d.Name == DevNovaUpstream {
			info = d
		}
	}
	got := append([]string{info.Rule}, info.AlsoBreaks...)
	slices.Sort(real)
	slices.Sort(got)
	if !info.Exact || info.Profile != string(ProfileNova) || !slices.Equal(got, real) {
		t.Errorf("nova-upstream expects %v (exact %v, profile %q); the real cloud fails %v", got, info.Exact, info.Profile, real)
	}
}
