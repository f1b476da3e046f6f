package mock

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nicconform/nicconform/internal/ids"
	"github.com/nicconform/nicconform/internal/paths"
)

// Deviation names one deliberate break of the reference behaviour. Each
// deviation breaks exactly one rule of the catalog (see DeviationInfo.Rule)
// and leaves everything else faithful. Deviations exist so that the suite
// can be proven to catch each break.
//
// Adding one is a row in deviationTable (its name, kind, rule, description
// and hooks: what it does at the named points of points.go) and its probe
// in deviations_test.go.
type Deviation string

// The deviations. Their names are public vocabulary (`-deviation NAME`).
const (
	DevPrimaryDetachable      Deviation = "primary-detachable"
	DevPrimary403Detaches     Deviation = "primary-403-detaches"
	DevPortIDDeleted          Deviation = "port-id-deleted"
	DevPortIDStaysBound       Deviation = "port-id-stays-bound"
	DevNetIDKept              Deviation = "net-id-kept"
	DevBodyOn202              Deviation = "body-on-202"
	DevContentTypeOn202       Deviation = "content-type-on-202"
	DevSuccess204             Deviation = "success-204"
	DevSuccess200Sync         Deviation = "success-200-sync"
	DevRequestBodyRequired    Deviation = "request-body-required"
	DevNeverCompletes         Deviation = "never-completes"
	DevShowLingers            Deviation = "show-lingers"
	DevDetachNeighbour        Deviation = "detach-neighbour"
	DevNeighbourMACChanges    Deviation = "neighbour-mac-changes"
	DevIgnoreServerID         Deviation = "ignore-server-id"
	DevUnknownPortAccepted    Deviation = "unknown-port-accepted"
	DevForeignProjectAccepted Deviation = "foreign-project-accepted"
	DevMalformedID500         Deviation = "malformed-id-500"
	DevCollectionDelete       Deviation = "collection-delete"
	DevAnyMethodDetaches      Deviation = "any-method-detaches"
	DevRepeat500              Deviation = "repeat-500"
	DevAuthOptional           Deviation = "auth-optional"
	DevAuthAnyToken           Deviation = "auth-any-token"
	DevLockIgnored            Deviation = "lock-ignored"
	DevErrorPlainText         Deviation = "error-plain-text"
	DevNoRequestID            Deviation = "no-request-id"
	DevInterfaceNetIDEmpty    Deviation = "interface-net-id-empty"

	DevDetachInsteadNeighbour     Deviation = "detach-instead-neighbour"
	DevCompletesLate              Deviation = "completes-late"
	DevFaultCodeMismatch          Deviation = "fault-code-mismatch"
	DevErrorJSONFlat              Deviation = "error-json-flat"
	DevConcurrentDetach500        Deviation = "concurrent-detach-500"
	DevKeptPortLosesIP            Deviation = "kept-port-loses-ip"
	DevUnknownServerDetachesLater Deviation = "unknown-server-detaches-later"
	DevForeignProjectDetaches     Deviation = "foreign-project-detaches"
	DevLockedDetachesLater        Deviation = "locked-detaches-later"
	DevNoRequestIDOnErrors        Deviation = "no-request-id-on-errors"
	DevRequestIDConstant          Deviation = "request-id-constant"
	DevMethod405NoAllow           Deviation = "method-405-no-allow"
	DevLongIDTruncated            Deviation = "long-id-truncated"
	DevOtherServerNICDetached     Deviation = "other-server-nic-detached"
	DevMalformedID422             Deviation = "malformed-id-422"
	DevReservePortIgnored         Deviation = "reserve-port-ignored"
	DevUnknownPortDetachesOther   Deviation = "unknown-port-detaches-other-later"
	DevBusy409                    Deviation = "busy-409"
	DevNovaUpstream               Deviation = "nova-upstream"

	// Sequence-only deviations: each shows only after a sequence of calls
	// the rule suite never makes (a port detached and attached again, a
	// lock taken twice, a third NIC, a repeated detach followed by an
	// attach). `nicconform explore` finds them by running random sequences
	// against the mock and, in lockstep, against the faithful reference
	// model.
	DevReattachedUndetachable Deviation = "reattached-undetachable"
	DevLockCountsTwice        Deviation = "lock-counts-twice"
	DevThirdNICSwapped        Deviation = "third-nic-swapped"
	DevRepeatStaleBinding     Deviation = "repeat-stale-binding"
	DevReattachNewMAC         Deviation = "reattach-new-mac"
)

// otherLater is how many detach delays after a DELETE of an unknown port
// the unknown-port-detaches-other-later deviation starts its detach (which
// completes a delay later): late enough to land while other work on the
// server detaches its own NICs, within the settle time a run measures (3
// detach latencies).
const otherLater = 1

// lateDelay is how long an accepted detach takes under completes-late.
const lateDelay = 60 * time.Second

// webobNotFound is the body of webob's bare HTTPNotFound as upstream Nova's
// router answers it to a client that accepts JSON
// (webob/exc.py:318-327 json_formatter, json.dumps; nova/api/wsgi.py:218-220),
// byte for byte as the real cloud sent it (docs/openstack.md).
const webobNotFound = `{"message": "The resource could not be found.<br /><br />\n\n\n", "code": "404 Not Found", "title": "Not Found"}`

// novaProjectToken is the project segment Nova's routes accept
// (ProjectMapper._get_project_id_token, nova/api/openstack/__init__.py:164-169).
var novaProjectToken = regexp.MustCompile(`^[0-9a-f-]+$`)

// constantRequestID is the request id of every response under
// request-id-constant.
const constantRequestID = "req-00000000-0000-0000-0000-000000000000"

// DeviationKind says what a deviation is for.
type DeviationKind string

// Deviation kinds.
const (
	// BreaksRule: the deviation breaks Rule's statement; the kill matrix
	// expects Rule to fail (and no other rule, but AlsoBreaks).
	BreaksRule DeviationKind = "breaks-rule"
	// Variant: a behaviour real clouds show that breaks no rule; the kill
	// matrix expects every rule to pass and the advisory of kind Advisory.
	Variant DeviationKind = "variant"
	// SequenceOnly: a break that shows only after a sequence of calls no
	// spec of the rule suite makes (Rule names the rule whose statement the
	// sequence breaks, or the one it concerns); the rule kill matrix
	// expects nothing of it, `nicconform explore` must find it.
	SequenceOnly DeviationKind = "sequence-only"
)

// DeviationInfo describes one deviation: its kind, the rule id (from the
// catalog in spec/openapi.yaml and docs/design.md) it breaks or concerns, and what it does.
type DeviationInfo struct {
	Name        Deviation
	Kind        DeviationKind
	Rule        string
	Description string
	// AlsoBreaks are rules whose own statements the deviation breaks too,
	// with why in the description.
	AlsoBreaks []string
	// Advisory is the kind of advisory a Variant must raise.
	Advisory string
	// Profile is the profile (spec/profiles) the kill matrix runs the
	// deviation in, with the variant behaviour it implies; "" for huawei.
	Profile string
	// Exact: the kill matrix expects Rule and every rule in AlsoBreaks to
	// fail, and no other (a deviation that stands for a real cloud whose
	// verdicts are known: nova-upstream).
	Exact bool

	// hooks are what the deviation does (points.go).
	hooks hooks
}

// deviationTable is the catalog of deviations: each row says what the
// deviation breaks and, in its hooks, how (points.go names the points).
var deviationTable = []DeviationInfo{
	{Name: DevPrimaryDetachable, Kind: BreaksRule, Rule: "PRIMARY-FORBIDDEN", Description: "a DELETE of the primary NIC answers 202 and detaches it (no difference in the nova profile, where the primary is detachable anyway)",
		hooks: hooks{
			primaryNIC: func(m *Mock, d *detachRequest, _ *apiError) *apiError {
				return m.decideStart(d) // as if it were any NIC
			},
			losesPrimary: true,
		}},
	{Name: DevPrimary403Detaches, Kind: BreaksRule, Rule: "PRIMARY-FORBIDDEN", Description: "a DELETE of the primary NIC answers the correct 403 but detaches it anyway after the delay (no difference in the nova profile)",
		hooks: hooks{
			primaryNIC: func(m *Mock, d *detachRequest, answer *apiError) *apiError {
				if !d.n.detaching {
					m.startDetach(d.s, d.n)
				}
				return answer
			},
			losesPrimary: true,
		}},
	{Name: DevPortIDDeleted, Kind: BreaksRule, Rule: "PORT-ID-RETAINED", Description: "a port attached with port_id is deleted on detach instead of kept",
		hooks: hooks{
			portFate: portIDPortsGet(fateDelete),
		}},
	{Name: DevPortIDStaysBound, Kind: BreaksRule, Rule: "PORT-ID-RETAINED", Description: "a port attached with port_id survives the detach but keeps device_id, device_owner and status ACTIVE",
		hooks: hooks{
			portFate:        portIDPortsGet(fateStaysBound),
			leavesPortBound: true,
		}},
	{Name: DevNetIDKept, Kind: BreaksRule, Rule: "NET-ID-DELETED", Description: "a port created by a net_id attach is kept (unbound) on detach instead of deleted",
		hooks: hooks{
			portFate: func(_ *Mock, n *nic, _ *portRec, fate portFate) portFate {
				if !n.preserve {
					return fateUnbind
				}
				return fate
			},
		}},
	{Name: DevBodyOn202, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "BODY-EMPTY-RESPONSE", Description: `the detach 202 carries {"status":"accepted"} with Content-Type application/json`,
		hooks: hooks{
			acceptedWritten: func(w http.ResponseWriter) bool {
				writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted"})
				return true
			},
		}},
	{Name: DevContentTypeOn202, Kind: Variant, Rule: "BODY-EMPTY-RESPONSE", Advisory: "content-type-on-empty-body",
		Description: "the detach 202 has zero bytes but Content-Type application/json, as upstream Nova answers (docs/reference.md §7): no rule breaks, the reports raise an advisory",
		hooks: hooks{
			acceptedWritten: func(w http.ResponseWriter) bool {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusAccepted)
				return true
			},
		}},
	{Name: DevSuccess204, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "DETACH-ACCEPTED", Description: "a successful detach answers 204 instead of 202",
		hooks: hooks{
			acceptedWritten: func(w http.ResponseWriter) bool {
				w.WriteHeader(http.StatusNoContent)
				return true
			},
		}},
	{Name: DevSuccess200Sync, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "DETACH-ACCEPTED", Description: "a successful detach completes synchronously and answers 200 with an empty body",
		hooks: hooks{
			detachDelay: func(time.Duration) time.Duration { return 0 },
			acceptedWritten: func(w http.ResponseWriter) bool {
				w.WriteHeader(http.StatusOK)
				return true
			},
		}},
	{Name: DevRequestBodyRequired, Kind: BreaksRule, Rule: "BODY-NO-REQUEST", AlsoBreaks: []string{"DETACH-ACCEPTED"},
		Description: `a detach it would accept answers 400 and does nothing unless it carries a JSON body ({} with Content-Type application/json works); refusals are unchanged. The documented detach has no body (seed §请求消息), so DETACH-ACCEPTED breaks too`,
		hooks: hooks{
			detachAccepted: func(_ *Mock, d *detachRequest, answer *apiError) *apiError {
				if jsonContentType(d.r.Request) && json.Valid(d.r.body) {
					return answer
				}
				return errBadRequest(codeInvalid, "The request body is missing or is not JSON.")
			},
		}},
	{Name: DevNeverCompletes, Kind: BreaksRule, Rule: "DETACH-COMPLETES", Description: "a detach answers 202 but the NIC never leaves",
		hooks: hooks{
			detachDelay: func(time.Duration) time.Duration { return never },
		}},
	{Name: DevShowLingers, Kind: BreaksRule, Rule: "DETACH-COMPLETES", Description: "after a detach completes the NIC leaves the list but showing it still answers 200",
		hooks: hooks{
			nicDetached: func(m *Mock, s *serverRec, _ *nic, shown Interface, p *portRec) {
				m.memo.keepShowing(s, shown, p, m.w.ports[p.ID] == p)
			},
			nicNotFound: func(m *Mock, s *serverRec, portID string) (Interface, bool) {
				return m.memo.stillShown(m.w, s, portID)
			},
		}},
	{Name: DevDetachNeighbour, Kind: BreaksRule, AlsoBreaks: []string{"DETACH-REPEAT"}, Rule: "DETACH-ISOLATION", Description: "detaching a NIC also detaches the most recently attached other non-primary NIC of the server",
		hooks: hooks{
			detachAccepted: func(m *Mock, d *detachRequest, answer *apiError) *apiError {
				for i := len(d.s.nics) - 1; i >= 0; i-- {
					if o := d.s.nics[i]; o != d.n && o.portID != d.s.primaryPortID && !o.detaching {
						m.startDetach(d.s, o)
						break
					}
				}
				return answer
			},
		}},
	{Name: DevNeighbourMACChanges, Kind: BreaksRule, AlsoBreaks: []string{"DETACH-REPEAT"}, Rule: "DETACH-ISOLATION", Description: "detaching a NIC changes the MAC address of the server's other non-primary NICs (and their ports)",
		hooks: hooks{
			detachAccepted: func(m *Mock, d *detachRequest, answer *apiError) *apiError {
				for _, o := range d.s.nics {
					if p := m.w.ports[o.portID]; o != d.n && o.portID != d.s.primaryPortID && p != nil {
						m.w.changeMAC(p)
					}
				}
				return answer
			},
		}},
	{Name: DevIgnoreServerID, Kind: BreaksRule, AlsoBreaks: []string{"PATH-UNKNOWN-PORT"}, Rule: "PATH-UNKNOWN-SERVER", Description: "the server_id in the detach path is ignored: the port is detached from whichever server has it, with 202, even for an unknown server id",
		hooks: hooks{
			detachTarget: func(m *Mock, d *detachRequest) {
				if owner := m.w.attached[d.portID]; owner != nil {
					d.s = owner
				}
			},
			serverUnknown: func(m *Mock, d *detachRequest, _ *apiError) *apiError {
				return m.declineNotAttached(d) // attached nowhere
			},
		}},
	{Name: DevUnknownPortAccepted, Kind: BreaksRule, Rule: "PATH-UNKNOWN-PORT", Description: "a port not attached to the server answers 202 (in the huawei profile too); if it is attached to another server it is detached from there",
		hooks: hooks{
			notAttached: func(m *Mock, d *detachRequest, _ *apiError) *apiError {
				if owner := m.w.attached[d.portID]; owner != nil && owner != d.s {
					if n := owner.nic(d.portID); n != nil && !n.detaching && !m.primaryProtected(owner, d.portID) {
						m.startDetach(owner, n)
					}
				}
				return nil
			},
		}},
	{Name: DevForeignProjectAccepted, Kind: BreaksRule, Rule: "PATH-FOREIGN-PROJECT", Description: "any well-formed project_id is accepted as the caller's",
		hooks: hooks{
			projectForeign: func(*Mock, *request) bool { return true },
		}},
	{Name: DevMalformedID500, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "PATH-MALFORMED", Description: "a malformed server_id or port_id answers 500 computeFault",
		hooks: hooks{
			pathIDMalformed: func(_ segment, name string) (string, *apiError, bool) {
				return "", newError(http.StatusInternalServerError, codeMock("InternalError"), "Unexpected API Error: invalid %s.", name), true
			},
		}},
	{Name: DevCollectionDelete, Kind: BreaksRule, Rule: "PATH-MISSING-PORT", Description: "DELETE on …/os-interface (no port id) answers 202 and detaches every non-primary NIC",
		hooks: hooks{
			methodNotAllowed: func(r *request) *endpoint {
				if r.route != paths.Interfaces || r.Method != http.MethodDelete {
					return nil
				}
				return &endpoint{http.MethodDelete, func(m *Mock, w http.ResponseWriter, r *request) {
					m.mu.Lock()
					s := m.w.servers[r.serverID]
					var aerr *apiError
					switch {
					case s == nil:
						aerr = errServerNotFound(r.serverID)
					case s.locked:
						aerr = errLocked(r.serverID)
					default:
						for _, n := range slices.Clone(s.nics) {
							if n.portID != s.primaryPortID && !n.detaching {
								m.startDetach(s, n)
							}
						}
					}
					m.mu.Unlock()
					if aerr != nil {
						m.writeError(w, aerr)
						return
					}
					m.writeAccepted(w)
				}}
			},
		}},
	{Name: DevAnyMethodDetaches, Kind: BreaksRule, Rule: "METHOD-NOT-ALLOWED", Description: "PUT, PATCH and POST on …/os-interface/{port_id} behave as DELETE",
		hooks: hooks{
			methodNotAllowed: func(r *request) *endpoint {
				switch {
				case r.route != paths.Interface:
				case r.Method == http.MethodPut, r.Method == http.MethodPatch, r.Method == http.MethodPost:
					return &endpoint{http.MethodDelete, (*Mock).detachInterface}
				}
				return nil
			},
		}},
	{Name: DevRepeat500, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "DETACH-REPEAT", Description: "a DELETE of a port already detached from this server answers 500",
		hooks: hooks{
			nicDetached: func(m *Mock, s *serverRec, _ *nic, shown Interface, _ *portRec) {
				m.memo.rememberDetach(s, shown.PortID)
			},
			notAttached: func(m *Mock, d *detachRequest, answer *apiError) *apiError {
				if d.s == nil || !m.memo.detachedBefore(d.s, d.portID) {
					return answer
				}
				return newError(http.StatusInternalServerError, codeMock("InternalError"), "Unexpected API Error: port %s was already detached.", d.portID)
			},
		}},
	{Name: DevAuthOptional, Kind: BreaksRule, Rule: "AUTH-MISSING", Description: "a request without credentials is accepted",
		hooks: hooks{
			authFailed: func(none bool) bool { return none },
		}},
	{Name: DevAuthAnyToken, Kind: BreaksRule, Rule: "AUTH-INVALID", Description: "any non-empty token (or any credential the verifier rejects) is accepted",
		hooks: hooks{
			authFailed: func(none bool) bool { return !none },
		}},
	{Name: DevLockIgnored, Kind: BreaksRule, Rule: "STATE-LOCKED", Description: "a locked server's NIC is detached (202)",
		hooks: hooks{
			serverLocked: func(m *Mock, d *detachRequest, _ *apiError) *apiError {
				return m.decideNIC(d) // as if unlocked
			},
		}},
	{Name: DevErrorPlainText, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "ERROR-SHAPE", Description: "4xx answers carry a text/plain body instead of a JSON error",
		hooks: hooks{
			errorWritten: func(_ *Mock, w http.ResponseWriter, e *apiError) bool {
				if e.status >= 500 {
					return false
				}
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(e.status)
				_, _ = fmt.Fprintln(w, e.message)
				return true
			},
		}},
	{Name: DevNoRequestID, Kind: BreaksRule, Rule: "REQUEST-ID", Description: "no request-id header on any response",
		hooks: hooks{
			responseWritten: func(h http.Header, _ int) { dropRequestIDs(h) },
		}},
	{Name: DevInterfaceNetIDEmpty, Kind: Variant, Rule: "SPEC-CONFORMANT", Advisory: "neighbour-contract",
		Description: `NICs are shown with an empty net_id (the contract wants the network's UUID): a neighbour call's departure, an advisory; SPEC-CONFORMANT judges the detach operation`,
		hooks: hooks{
			nicShown: func(iface Interface) Interface {
				iface.NetID = ""
				return iface
			},
		}},
	{Name: DevReservePortIgnored, Kind: BreaksRule, Rule: "PORT-ID-RETAINED", Profile: "huawei-reserve-port",
		Description: "with the reserve_port variant (-reserve-port), reserve_port=true is ignored: every detach deletes the NIC's port (no difference without the variant)",
		hooks: hooks{
			portFate: func(m *Mock, _ *nic, _ *portRec, fate portFate) portFate {
				if m.opts.ReservePort {
					return fateDelete
				}
				return fate
			},
		}},
	{Name: DevUnknownPortDetachesOther, Kind: BreaksRule, Rule: "PATH-UNKNOWN-PORT", Description: "a DELETE of a port id the cloud does not know answers the correct 404 (huawei) or 202 (nova) but, a delay later, starts detaching (so it leaves after two delays) the earliest attached non-primary NIC of the server named that is not detaching already (one no request named): in a run that overlaps its work, the effect lands during other specs' detaches",
		hooks: hooks{
			notAttached: func(m *Mock, d *detachRequest, answer *apiError) *apiError {
				if d.s != nil && m.w.ports[d.portID] == nil {
					m.detachOtherLater(d.s)
				}
				return answer
			},
		}},
	{Name: DevBusy409, Kind: Variant, Rule: "DETACH-ACCEPTED", Advisory: "nic-operations-queued",
		Description: "a NIC attach, or a detach the mock would accept, on a server while a detach of another of its NICs is in flight answers 409 (a busy server, as ECS answers): no rule breaks for a client that queues its NIC operations on a server, and the suite must detect it and queue (its reports raise an advisory)",
		hooks: hooks{
			attachStarting: func(_ *Mock, s *serverRec) *apiError {
				if detachingOther(s, nil) {
					return errBusy(s.id)
				}
				return nil
			},
			detachAccepted: func(_ *Mock, d *detachRequest, answer *apiError) *apiError {
				if detachingOther(d.s, d.n) {
					return errBusy(d.s.id)
				}
				return answer
			},
		}},
	{Name: DevNovaUpstream, Kind: BreaksRule, Rule: "PATH-MALFORMED", AlsoBreaks: []string{"ERROR-SHAPE", "SPEC-CONFORMANT"}, Profile: "nova", Exact: true,
		Description: `what upstream Nova Zed does that breaks a rule, so its fails are exactly the real cloud's (scripts/openstack/expected.json, docs/openstack.md): the compute router's 404 (no route for the path or its method: DELETE …/os-interface and …/os-interface/, a project segment not [0-9a-f-]+, an empty server segment, an encoded slash in an id) answers webob's {"message","code":"404 Not Found","title"}, in no documented error shape; a malformed port id is accepted with 202 and nothing happens; an empty project segment (/v2.1//servers/…) is served as the project-less route, so a detach there detaches the NIC`,
		hooks: hooks{
			// nova/api/wsgi.py:218-220: no route, webob.exc.HTTPNotFound().
			errorWritten: func(_ *Mock, w http.ResponseWriter, e *apiError) bool {
				if sw, ok := w.(*statusWriter); !e.routing || ok && sw.neutron {
					return false
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, webobNotFound)
				return true
			},
			// Every route exists with and without the project segment
			// (nova/api/openstack/__init__.py:203-215); an empty one is
			// served as the route without it, one that is not
			// [0-9a-f-]+ matches no route (__init__.py:164-169).
			projectSegment: func(_ *Mock, _ *request, seg segment) (*apiError, bool) {
				switch {
				case seg.ok && seg.val == "":
					return nil, true
				case !seg.ok || !novaProjectToken.MatchString(seg.val):
					return errNoRoute(), true
				}
				return nil, false
			},
			// An id with a slash in it, or none, matches no route; the
			// port id is passed on unvalidated
			// (nova/api/openstack/compute/attach_interfaces.py:216-220):
			// an id no VIF has, 202, nothing happens. A malformed server
			// id is InstanceNotFound, 404, as in the reference.
			pathIDMalformed: func(seg segment, name string) (string, *apiError, bool) {
				switch {
				case !seg.ok || seg.val == "" || strings.Contains(seg.val, "/"):
					return "", errNoRoute(), true
				case name == "port_id":
					return seg.val, nil, true
				}
				return "", nil, false
			},
		}},
	{Name: DevMalformedID422, Kind: BreaksRule, Rule: "SPEC-CONFORMANT", Description: "a malformed server_id or port_id answers 422 with a documented error body: a 4xx (PATH-MALFORMED holds) that the detach operation does not document",
		hooks: hooks{
			pathIDMalformed: func(seg segment, name string) (string, *apiError, bool) {
				return "", newError(http.StatusUnprocessableEntity, codeInvalid, "Invalid %s %q: not a UUID.", name, sanitize(seg.raw)), true
			},
		}},
	{Name: DevDetachInsteadNeighbour, Kind: BreaksRule, AlsoBreaks: []string{"DETACH-COMPLETES"}, Rule: "DETACH-ISOLATION", Description: "a DELETE of a NIC answers 202 but, at completion, detaches the most recently attached other non-primary NIC of the server instead (the NIC named stays attached); with no other non-primary NIC nothing is detached",
		hooks: hooks{
			detachCompletes: func(m *Mock, s *serverRec, n *nic) bool {
				if slices.Index(s.nics, n) < 0 {
					return true // already gone (port deleted meanwhile)
				}
				n.detaching, n.timer = false, nil // n stays attached
				if o := newestNonPrimary(s, n); o != nil {
					m.completeDetach(s, o)
				}
				return true
			},
		}},
	{Name: DevCompletesLate, Kind: BreaksRule, Rule: "DETACH-COMPLETES", Description: "an accepted detach completes only after 60s, whatever the delay (even -delay 0)",
		hooks: hooks{
			detachDelay: func(time.Duration) time.Duration { return lateDelay },
		}},
	{Name: DevFaultCodeMismatch, Kind: BreaksRule, Rule: "ERROR-SHAPE", Description: `Nova faults carry "code": 400 whatever the HTTP status; with -errors huawei every error's code is "Ecs.0000" (still a documented shape: only the code string changes)`,
		hooks: hooks{
			errorWritten: func(m *Mock, w http.ResponseWriter, e *apiError) bool {
				writeJSON(w, e.status, m.errorBody(e.status, http.StatusBadRequest, "Ecs.0000", e.message))
				return true
			},
		}},
	{Name: DevErrorJSONFlat, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "ERROR-SHAPE", Description: `error bodies are flat, undocumented JSON {"code":<status>,"message":"…"} (application/json), in either error shape`,
		hooks: hooks{
			errorWritten: func(_ *Mock, w http.ResponseWriter, e *apiError) bool {
				writeJSON(w, e.status, novaFault{Code: e.status, Message: e.message})
				return true
			},
		}},
	{Name: DevConcurrentDetach500, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "DETACH-REPEAT", Description: "a DELETE of a NIC whose detach is still in flight answers 500 computeFault instead of 202 (no difference with -delay 0: nothing is ever in flight)",
		hooks: hooks{
			inFlight: func(_ *Mock, d *detachRequest, _ *apiError) *apiError {
				return newError(http.StatusInternalServerError, codeMock("InternalError"), "Unexpected API Error: a detach of port %s is in progress.", d.portID)
			},
		}},
	{Name: DevKeptPortLosesIP, Kind: BreaksRule, Rule: "PORT-ID-RETAINED", Description: "a port attached with port_id survives the detach, unbound and DOWN, but its IP is released: fixed_ips becomes []",
		hooks: hooks{
			portFate: func(m *Mock, n *nic, p *portRec, fate portFate) portFate {
				if n.preserve && fate == fateUnbind {
					m.w.releaseIPs(p)
				}
				return fate
			},
		}},
	{Name: DevUnknownServerDetachesLater, Kind: BreaksRule, Rule: "PATH-UNKNOWN-SERVER", Description: "a DELETE with an unknown (well-formed) server_id answers the correct 404 but, after the delay, detaches the port from whichever server has it (as a detach from that server would: not if it is locked, nor a protected primary)",
		hooks: hooks{
			serverUnknown: func(m *Mock, d *detachRequest, answer *apiError) *apiError {
				if owner := m.w.attached[d.portID]; owner != nil {
					_ = m.decideDetach(&detachRequest{r: d.r, serverID: owner.id, portID: d.portID}) // the 404 stands
				}
				return answer
			},
		}},
	{Name: DevForeignProjectDetaches, Kind: BreaksRule, Rule: "PATH-FOREIGN-PROJECT", Description: "a DELETE with another (well-formed) project_id answers the correct refusal but, after the delay, detaches the port from the server named (if it is attached there)",
		hooks: hooks{
			projectForeign: func(m *Mock, r *request) bool {
				if r.route != paths.Interface || r.method != http.MethodDelete {
					return false
				}
				serverSeg, _ := r.param("server_id")
				portSeg, _ := r.param("port_id")
				serverID, aerr1 := m.pathID(serverSeg, "server_id")
				portID, aerr2 := m.pathID(portSeg, "port_id")
				if aerr1 != nil || aerr2 != nil {
					return false
				}
				m.mu.Lock()
				defer m.mu.Unlock()
				if m.w.servers[serverID] != nil {
					_ = m.decideDetach(&detachRequest{r: r, serverID: serverID, portID: portID}) // the refusal stands
				}
				return false
			},
		}},
	{Name: DevLockedDetachesLater, Kind: BreaksRule, Rule: "STATE-LOCKED", Description: "a DELETE on a locked server answers the correct 409 but detaches the NIC after the delay anyway",
		hooks: hooks{
			serverLocked: func(m *Mock, d *detachRequest, answer *apiError) *apiError {
				_ = m.decideNIC(d) // the 409 stands
				return answer
			},
		}},
	{Name: DevNoRequestIDOnErrors, Kind: BreaksRule, Rule: "REQUEST-ID", Description: "responses with status >= 400 carry no request-id header (successes keep theirs)",
		hooks: hooks{
			responseWritten: func(h http.Header, status int) {
				if status >= 400 {
					dropRequestIDs(h)
				}
			},
		}},
	{Name: DevRequestIDConstant, Kind: BreaksRule, Rule: "REQUEST-ID", Description: "every response carries the same request id, " + constantRequestID,
		hooks: hooks{
			responseWritten: func(h http.Header, _ int) {
				for _, k := range []string{headerRequestID, headerComputeRequestID} {
					if h.Get(k) != "" {
						h.Set(k, constantRequestID)
					}
				}
			},
		}},
	{Name: DevMethod405NoAllow, Kind: BreaksRule, Rule: "METHOD-NOT-ALLOWED", Description: "405 answers carry no Allow header",
		hooks: hooks{
			responseWritten: func(h http.Header, status int) {
				if status == http.StatusMethodNotAllowed {
					h.Del("Allow")
				}
			},
		}},
	{Name: DevLongIDTruncated, Kind: BreaksRule, Rule: "PATH-MALFORMED", Description: "a server_id or port_id longer than 36 characters is cut to its first 36 and used if they make a UUID (a too-long port id that starts with an attached port's id detaches it, 202)",
		hooks: hooks{
			pathIDMalformed: func(seg segment, _ string) (string, *apiError, bool) {
				if seg.ok && len(seg.val) > ids.UUIDLen && ids.IsUUID(seg.val[:ids.UUIDLen]) {
					return strings.ToLower(seg.val[:ids.UUIDLen]), nil, true
				}
				return "", nil, false
			},
		}},
	{Name: DevOtherServerNICDetached, Kind: BreaksRule, Rule: "DETACH-ISOLATION", Description: "when a detach completes on a server, the most recently attached non-primary NIC of the next server in seed order that has one is detached too (no difference with a single server)",
		hooks: hooks{
			detachCompletes: func(m *Mock, s *serverRec, n *nic) bool {
				if !m.completeDetach(s, n) {
					return true
				}
				order := m.w.serverOrder
				i := slices.Index(order, s)
				for k := 1; i >= 0 && k < len(order); k++ {
					other := order[(i+k)%len(order)]
					if o := newestNonPrimary(other, nil); o != nil {
						m.completeDetach(other, o)
						break
					}
				}
				return true
			},
		}},
	{Name: DevReattachedUndetachable, Kind: SequenceOnly, Rule: "DETACH-ACCEPTED", Description: "a port attached with port_id, detached, and attached again to the same server cannot be detached: the DELETE answers 404 (Ecs.0085) and the NIC stays",
		hooks: hooks{
			nicDetached: rememberKeptDetach,
			detachAccepted: func(m *Mock, d *detachRequest, answer *apiError) *apiError {
				if d.n.preserve && m.memo.keptDetaches[d.n.portID][d.s.id] {
					return errNotAttached(d.s.id, d.n.portID)
				}
				return answer
			},
		}},
	{Name: DevLockCountsTwice, Kind: SequenceOnly, Rule: "DETACH-ACCEPTED", Description: "locks are counted: a lock of a locked server counts twice, so after lock, lock, unlock the server shows unlocked but refuses every detach with 409 until a second unlock",
		hooks: hooks{
			lockAction: func(m *Mock, s *serverRec, lock bool) { m.memo.countLock(s, lock) },
			serverUnlocked: func(m *Mock, d *detachRequest, answer *apiError) *apiError {
				if m.memo.locks[d.s.id] > 0 {
					return errLocked(d.serverID)
				}
				return answer
			},
		}},
	{Name: DevThirdNICSwapped, Kind: SequenceOnly, Rule: "DETACH-ISOLATION", Description: "a DELETE of the third non-primary NIC (in attach order) while at least three are attached answers 202 but detaches the second one instead; the NIC named stays",
		hooks: hooks{
			detachAccepted: func(_ *Mock, d *detachRequest, answer *apiError) *apiError {
				var others []*nic
				for _, o := range d.s.nics {
					if o.portID != d.s.primaryPortID {
						others = append(others, o)
					}
				}
				if len(others) >= 3 && others[2] == d.n && !others[1].detaching {
					d.n = others[1]
				}
				return answer
			},
		}},
	{Name: DevRepeatStaleBinding, Kind: SequenceOnly, Rule: "PORT-ID-RETAINED", Description: "a repeated DELETE of a kept port already detached from the server answers correctly but leaves a stale binding: attaching that port again answers 409 (Ecs.0919) although it shows unbound (docs/reference.md §7)",
		hooks: hooks{
			nicDetached: rememberKeptDetach,
			notAttached: func(m *Mock, d *detachRequest, answer *apiError) *apiError {
				if d.s != nil && m.memo.keptDetaches[d.portID][d.s.id] {
					m.memo.markStale(d.portID)
				}
				return answer
			},
			portAttach: func(m *Mock, p *portRec) *apiError {
				if m.memo.stale[p.ID] {
					return errConflict(codePortInUse, "Port %s is still in use: the NIC has been attached to an instance.", p.ID)
				}
				return nil
			},
		}},
	{Name: DevReattachNewMAC, Kind: SequenceOnly, Rule: "PORT-ID-RETAINED", Description: "a kept port (attached with port_id, then detached) that is attached again comes back with a new MAC address, on the port and on the NIC",
		hooks: hooks{
			nicDetached: rememberKeptDetach,
			portAttach: func(m *Mock, p *portRec) *apiError {
				if len(m.memo.keptDetaches[p.ID]) > 0 {
					m.w.changeMAC(p)
				}
				return nil
			},
		}},
}

// Deviations lists every deviation with the rule it breaks, sorted by name.
func Deviations() []DeviationInfo {
	out := make([]DeviationInfo, len(deviationTable))
	copy(out, deviationTable)
	for i := range out {
		out[i].hooks = hooks{}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ParseDeviation returns the deviation named s (surrounding space and case
// ignored), or an error listing the known names.
func ParseDeviation(s string) (Deviation, error) {
	want := Deviation(strings.ToLower(strings.TrimSpace(s)))
	for _, d := range deviationTable {
		if d.Name == want {
			return d.Name, nil
		}
	}
	names := make([]string, 0, len(deviationTable))
	for _, d := range Deviations() {
		names = append(names, string(d.Name))
	}
	return "", fmt.Errorf("mock: unknown deviation %q (known: %s)", s, strings.Join(names, ", "))
}

// hooksOf returns the hooks of the deviations ds, in table order.
func hooksOf(ds []Deviation) deviationHooks {
	var out deviationHooks
	for i := range deviationTable {
		if slices.Contains(ds, deviationTable[i].Name) {
			out = append(out, &deviationTable[i].hooks)
		}
	}
	return out
}

// portIDPortsGet is a portFate hook that gives the ports attached by
// port_id the fate f (and leaves the others theirs).
func portIDPortsGet(f portFate) func(*Mock, *nic, *portRec, portFate) portFate {
	return func(_ *Mock, n *nic, _ *portRec, fate portFate) portFate {
		if n.preserve {
			return f
		}
		return fate
	}
}

// newestNonPrimary returns the most recently attached non-primary NIC of s
// other than except, or nil.
func newestNonPrimary(s *serverRec, except *nic) *nic {
	for i := len(s.nics) - 1; i >= 0; i-- {
		if o := s.nics[i]; o != except && o.portID != s.primaryPortID {
			return o
		}
	}
	return nil
}

// detachingOther reports whether a NIC of s other than n is detaching.
func detachingOther(s *serverRec, n *nic) bool {
	for _, o := range s.nics {
		if o != n && o.detaching {
			return true
		}
	}
	return false
}

func errBusy(serverID string) *apiError {
	return errConflict(codeMock("ServerBusy"), "Server %s is busy: a NIC operation is in progress, try again later.", serverID)
}

// detachOtherLater is the unknown-port-detaches-other-later deviation:
// otherLater delays from now, the oldest non-primary NIC of s that is not
// detaching starts detaching (Mock.mu is held). The oldest, not the
// newest: a NIC attached since (a scenario's, about to be detached by its
// own request) would hide the effect in that request's detach, so whether
// a run could see it would depend on timing.
func (m *Mock) detachOtherLater(s *serverRec) {
	time.AfterFunc(otherLater*m.opts.Delay, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.closed {
			return
		}
		for i := range s.nics {
			if o := s.nics[i]; o.portID != s.primaryPortID && !o.detaching {
				m.startDetach(s, o)
				return
			}
		}
	})
}

// dropRequestIDs removes the request-id headers.
func dropRequestIDs(h http.Header) {
	h.Del(headerRequestID)
	h.Del(headerComputeRequestID)
}

// deviationMemo is what deviations remember between requests (guarded by
// Mock.mu); the faithful mock remembers nothing of the kind.
type deviationMemo struct {
	detaches map[nicKey]bool         // repeat-500: NICs whose detach completed
	shown    map[nicKey]lingeringNIC // show-lingers: detached NICs still shown
	// keptDetaches records, per port, the servers a detach of the port
	// completed from while it was attached with port_id (kept): the
	// history of reattached-undetachable, repeat-stale-binding and
	// reattach-new-mac.
	keptDetaches map[string]map[string]bool
	locks        map[string]int  // lock-counts-twice: the locks of each server
	stale        map[string]bool // repeat-stale-binding: ports left with a stale binding
}

// rememberKeptDetach is a nicDetached hook: it records the detach of a
// kept port (deviationMemo.keptDetaches).
func rememberKeptDetach(m *Mock, s *serverRec, n *nic, _ Interface, _ *portRec) {
	if !n.preserve {
		return
	}
	if m.memo.keptDetaches == nil {
		m.memo.keptDetaches = map[string]map[string]bool{}
	}
	if m.memo.keptDetaches[n.portID] == nil {
		m.memo.keptDetaches[n.portID] = map[string]bool{}
	}
	m.memo.keptDetaches[n.portID][s.id] = true
}

// countLock counts a lock (lock true) or an unlock of s.
func (dm *deviationMemo) countLock(s *serverRec, lock bool) {
	if dm.locks == nil {
		dm.locks = map[string]int{}
	}
	switch {
	case lock:
		dm.locks[s.id]++
	case dm.locks[s.id] > 0:
		dm.locks[s.id]--
	}
}

func (dm *deviationMemo) markStale(portID string) {
	if dm.stale == nil {
		dm.stale = map[string]bool{}
	}
	dm.stale[portID] = true
}

// nicKey names a NIC by its server and port.
type nicKey struct{ serverID, portID string }

// lingeringNIC is a detached NIC that show-lingers still shows.
type lingeringNIC struct {
	iface Interface
	port  *portRec // its port when it left, and whether it was kept then
	kept  bool
}

func (dm *deviationMemo) rememberDetach(s *serverRec, portID string) {
	if dm.detaches == nil {
		dm.detaches = map[nicKey]bool{}
	}
	dm.detaches[nicKey{s.id, portID}] = true
}

func (dm *deviationMemo) detachedBefore(s *serverRec, portID string) bool {
	return dm.detaches[nicKey{s.id, portID}]
}

// keepShowing remembers a NIC that left s as it was shown; kept says
// whether its port p was still in the world then.
func (dm *deviationMemo) keepShowing(s *serverRec, iface Interface, p *portRec, kept bool) {
	if dm.shown == nil {
		dm.shown = map[nicKey]lingeringNIC{}
	}
	dm.shown[nicKey{s.id, iface.PortID}] = lingeringNIC{iface: iface, port: p, kept: kept}
}

// stillShown returns how a NIC that left s is still shown, until its port
// (when it was kept) is deleted.
func (dm *deviationMemo) stillShown(w *world, s *serverRec, portID string) (Interface, bool) {
	k := nicKey{s.id, portID}
	l, ok := dm.shown[k]
	if ok && l.kept && w.ports[portID] != l.port {
		delete(dm.shown, k) // the port was deleted since
		ok = false
	}
	return l.iface, ok
}
