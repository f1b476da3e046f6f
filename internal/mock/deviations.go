package mock

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Deviation names one deliberate break of the reference behaviour. Each
// deviation breaks exactly one rule of the catalog (see DeviationInfo.Rule)
// and leaves everything else faithful. Deviations exist so that the suite
// can be proven to catch each break.
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
)

// lateDelay is how long an accepted detach takes under completes-late.
const lateDelay = 60 * time.Second

// constantRequestID is the request id of every response under
// request-id-constant.
const constantRequestID = "req-00000000-0000-0000-0000-000000000000"

// DeviationInfo describes one deviation: the rule id (from the catalog in
// spec/openapi.yaml and docs/design.md) it breaks and what it does.
type DeviationInfo struct {
	Name        Deviation
	Rule        string
	Description string
}

// deviationTable is the catalog of deviations (a constant table).
var deviationTable = []DeviationInfo{
	{DevPrimaryDetachable, "PRIMARY-FORBIDDEN", "a DELETE of the primary NIC answers 202 and detaches it (no difference in the nova profile, where the primary is detachable anyway)"},
	{DevPrimary403Detaches, "PRIMARY-FORBIDDEN", "a DELETE of the primary NIC answers the correct 403 but detaches it anyway after the delay (no difference in the nova profile)"},
	{DevPortIDDeleted, "PORT-ID-RETAINED", "a port attached with port_id is deleted on detach instead of kept"},
	{DevPortIDStaysBound, "PORT-ID-RETAINED", "a port attached with port_id survives the detach but keeps device_id, device_owner and status ACTIVE"},
	{DevNetIDKept, "NET-ID-DELETED", "a port created by a net_id attach is kept (unbound) on detach instead of deleted"},
	{DevBodyOn202, "BODY-EMPTY-RESPONSE", `the detach 202 carries {"status":"accepted"} with Content-Type application/json`},
	{DevContentTypeOn202, "BODY-EMPTY-RESPONSE", "the detach 202 has zero bytes but Content-Type application/json"},
	{DevSuccess204, "DETACH-ACCEPTED", "a successful detach answers 204 instead of 202"},
	{DevSuccess200Sync, "DETACH-ACCEPTED", "a successful detach completes synchronously and answers 200 with an empty body"},
	{DevRequestBodyRequired, "BODY-NO-REQUEST", `a detach without a JSON body answers 400 and does nothing; with body {} and Content-Type application/json it works`},
	{DevNeverCompletes, "DETACH-COMPLETES", "a detach answers 202 but the NIC never leaves"},
	{DevShowLingers, "DETACH-COMPLETES", "after a detach completes the NIC leaves the list but showing it still answers 200"},
	{DevDetachNeighbour, "DETACH-ISOLATION", "detaching a NIC also detaches the most recently attached other non-primary NIC of the server"},
	{DevNeighbourMACChanges, "DETACH-ISOLATION", "detaching a NIC changes the MAC address of the server's other non-primary NICs (and their ports)"},
	{DevIgnoreServerID, "PATH-UNKNOWN-SERVER", "the server_id in the detach path is ignored: the port is detached from whichever server has it, with 202, even for an unknown server id"},
	{DevUnknownPortAccepted, "PATH-UNKNOWN-PORT", "a port not attached to the server answers 202 (in the huawei profile too); if it is attached to another server it is detached from there"},
	{DevForeignProjectAccepted, "PATH-FOREIGN-PROJECT", "any well-formed project_id is accepted as the caller's"},
	{DevMalformedID500, "PATH-MALFORMED", "a malformed server_id or port_id answers 500 computeFault"},
	{DevCollectionDelete, "PATH-MISSING-PORT", "DELETE on …/os-interface (no port id) answers 202 and detaches every non-primary NIC"},
	{DevAnyMethodDetaches, "METHOD-NOT-ALLOWED", "PUT, PATCH and POST on …/os-interface/{port_id} behave as DELETE"},
	{DevRepeat500, "DETACH-REPEAT", "a DELETE of a port already detached from this server answers 500"},
	{DevAuthOptional, "AUTH-MISSING", "a request without credentials is accepted"},
	{DevAuthAnyToken, "AUTH-INVALID", "any non-empty token (or any credential the verifier rejects) is accepted"},
	{DevLockIgnored, "STATE-LOCKED", "a locked server's NIC is detached (202)"},
	{DevErrorPlainText, "ERROR-SHAPE", "4xx answers carry a text/plain body instead of a JSON error"},
	{DevNoRequestID, "REQUEST-ID", "no request-id header on any response"},
	{DevInterfaceNetIDEmpty, "SPEC-CONFORMANT", `NICs are shown with an empty net_id (the contract wants the network's UUID)`},
	{DevDetachInsteadNeighbour, "DETACH-ISOLATION", "a DELETE of a NIC answers 202 but, at completion, detaches the most recently attached other non-primary NIC of the server instead (the NIC named stays attached); with no other non-primary NIC nothing is detached"},
	{DevCompletesLate, "DETACH-COMPLETES", "an accepted detach completes only after 60s, whatever the delay (even -delay 0)"},
	{DevFaultCodeMismatch, "ERROR-SHAPE", `Nova faults carry "code": 400 whatever the HTTP status; with -errors huawei every error's code is "Ecs.0000" (still a documented shape: only the code string changes)`},
	{DevErrorJSONFlat, "ERROR-SHAPE", `error bodies are flat, undocumented JSON {"code":<status>,"message":"…"} (application/json), in either error shape`},
	{DevConcurrentDetach500, "DETACH-REPEAT", "a DELETE of a NIC whose detach is still in flight answers 500 computeFault instead of 202 (no difference with -delay 0: nothing is ever in flight)"},
	{DevKeptPortLosesIP, "PORT-ID-RETAINED", "a port attached with port_id survives the detach, unbound and DOWN, but its IP is released: fixed_ips becomes []"},
	{DevUnknownServerDetachesLater, "PATH-UNKNOWN-SERVER", "a DELETE with an unknown (well-formed) server_id answers the correct 404 but, after the delay, detaches the port from whichever server has it (as a detach from that server would: not if it is locked, nor a protected primary)"},
	{DevForeignProjectDetaches, "PATH-FOREIGN-PROJECT", "a DELETE with another (well-formed) project_id answers the correct refusal but, after the delay, detaches the port from the server named (if it is attached there)"},
	{DevLockedDetachesLater, "STATE-LOCKED", "a DELETE on a locked server answers the correct 409 but detaches the NIC after the delay anyway"},
	{DevNoRequestIDOnErrors, "REQUEST-ID", "responses with status >= 400 carry no request-id header (successes keep theirs)"},
	{DevRequestIDConstant, "REQUEST-ID", "every response carries the same request id, " + constantRequestID},
	{DevMethod405NoAllow, "METHOD-NOT-ALLOWED", "405 answers carry no Allow header"},
	{DevLongIDTruncated, "PATH-MALFORMED", "a server_id or port_id longer than 36 characters is cut to its first 36 and used if they make a UUID (a too-long port id that starts with an attached port's id detaches it, 202)"},
	{DevOtherServerNICDetached, "DETACH-ISOLATION", "when a detach completes on a server, the most recently attached non-primary NIC of the next server in seed order that has one is detached too (no difference with a single server)"},
}

// Deviations lists every deviation with the rule it breaks, sorted by name.
func Deviations() []DeviationInfo {
	out := make([]DeviationInfo, len(deviationTable))
	copy(out, deviationTable)
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

// deviationSet is the set of enabled deviations.
type deviationSet map[Deviation]bool

func newDeviationSet(ds []Deviation) deviationSet {
	set := make(deviationSet, len(ds))
	for _, d := range ds {
		set[d] = true
	}
	return set
}

func (s deviationSet) on(d Deviation) bool { return s[d] }
