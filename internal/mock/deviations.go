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
	DevMalformedID422             Deviation = "malformed-id-422"

	DevUnknownPortDetachesOther Deviation = "unknown-port-detaches-other-later"
	DevBusy409                  Deviation = "busy-409"
)

// otherLater is how many detach delays after a DELETE of an unknown port
// the unknown-port-detaches-other-later deviation starts its detach (which
// completes a delay later): late enough to land while other work on the
// server detaches its own NICs, within the settle time a run measures (3
// detach latencies).
const otherLater = 1

// lateDelay is how long an accepted detach takes under completes-late.
const lateDelay = 60 * time.Second

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
}

// deviationTable is the catalog of deviations (a constant table).
var deviationTable = []DeviationInfo{
	{Name: DevPrimaryDetachable, Kind: BreaksRule, Rule: "PRIMARY-FORBIDDEN", Description: "a DELETE of the primary NIC answers 202 and detaches it (no difference in the nova profile, where the primary is detachable anyway)"},
	{Name: DevPrimary403Detaches, Kind: BreaksRule, Rule: "PRIMARY-FORBIDDEN", Description: "a DELETE of the primary NIC answers the correct 403 but detaches it anyway after the delay (no difference in the nova profile)"},
	{Name: DevPortIDDeleted, Kind: BreaksRule, Rule: "PORT-ID-RETAINED", Description: "a port attached with port_id is deleted on detach instead of kept"},
	{Name: DevPortIDStaysBound, Kind: BreaksRule, Rule: "PORT-ID-RETAINED", Description: "a port attached with port_id survives the detach but keeps device_id, device_owner and status ACTIVE"},
	{Name: DevNetIDKept, Kind: BreaksRule, Rule: "NET-ID-DELETED", Description: "a port created by a net_id attach is kept (unbound) on detach instead of deleted"},
	{Name: DevBodyOn202, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "BODY-EMPTY-RESPONSE", Description: `the detach 202 carries {"status":"accepted"} with Content-Type application/json`},
	{Name: DevContentTypeOn202, Kind: Variant, Rule: "BODY-EMPTY-RESPONSE", Advisory: "content-type-on-empty-body",
		Description: "the detach 202 has zero bytes but Content-Type application/json, as upstream Nova answers (docs/reference.md §7): no rule breaks, the reports raise an advisory"},
	{Name: DevSuccess204, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "DETACH-ACCEPTED", Description: "a successful detach answers 204 instead of 202"},
	{Name: DevSuccess200Sync, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "DETACH-ACCEPTED", Description: "a successful detach completes synchronously and answers 200 with an empty body"},
	{Name: DevRequestBodyRequired, Kind: BreaksRule, Rule: "BODY-NO-REQUEST", AlsoBreaks: []string{"DETACH-ACCEPTED"},
		Description: `a detach it would accept answers 400 and does nothing unless it carries a JSON body ({} with Content-Type application/json works); refusals are unchanged. The documented detach has no body (seed §请求消息), so DETACH-ACCEPTED breaks too`},
	{Name: DevNeverCompletes, Kind: BreaksRule, Rule: "DETACH-COMPLETES", Description: "a detach answers 202 but the NIC never leaves"},
	{Name: DevShowLingers, Kind: BreaksRule, Rule: "DETACH-COMPLETES", Description: "after a detach completes the NIC leaves the list but showing it still answers 200"},
	{Name: DevDetachNeighbour, Kind: BreaksRule, AlsoBreaks: []string{"DETACH-REPEAT"}, Rule: "DETACH-ISOLATION", Description: "detaching a NIC also detaches the most recently attached other non-primary NIC of the server"},
	{Name: DevNeighbourMACChanges, Kind: BreaksRule, AlsoBreaks: []string{"DETACH-REPEAT"}, Rule: "DETACH-ISOLATION", Description: "detaching a NIC changes the MAC address of the server's other non-primary NICs (and their ports)"},
	{Name: DevIgnoreServerID, Kind: BreaksRule, AlsoBreaks: []string{"PATH-UNKNOWN-PORT"}, Rule: "PATH-UNKNOWN-SERVER", Description: "the server_id in the detach path is ignored: the port is detached from whichever server has it, with 202, even for an unknown server id"},
	{Name: DevUnknownPortAccepted, Kind: BreaksRule, Rule: "PATH-UNKNOWN-PORT", Description: "a port not attached to the server answers 202 (in the huawei profile too); if it is attached to another server it is detached from there"},
	{Name: DevForeignProjectAccepted, Kind: BreaksRule, Rule: "PATH-FOREIGN-PROJECT", Description: "any well-formed project_id is accepted as the caller's"},
	{Name: DevMalformedID500, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "PATH-MALFORMED", Description: "a malformed server_id or port_id answers 500 computeFault"},
	{Name: DevCollectionDelete, Kind: BreaksRule, Rule: "PATH-MISSING-PORT", Description: "DELETE on …/os-interface (no port id) answers 202 and detaches every non-primary NIC"},
	{Name: DevAnyMethodDetaches, Kind: BreaksRule, Rule: "METHOD-NOT-ALLOWED", Description: "PUT, PATCH and POST on …/os-interface/{port_id} behave as DELETE"},
	{Name: DevRepeat500, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "DETACH-REPEAT", Description: "a DELETE of a port already detached from this server answers 500"},
	{Name: DevAuthOptional, Kind: BreaksRule, Rule: "AUTH-MISSING", Description: "a request without credentials is accepted"},
	{Name: DevAuthAnyToken, Kind: BreaksRule, Rule: "AUTH-INVALID", Description: "any non-empty token (or any credential the verifier rejects) is accepted"},
	{Name: DevLockIgnored, Kind: BreaksRule, Rule: "STATE-LOCKED", Description: "a locked server's NIC is detached (202)"},
	{Name: DevErrorPlainText, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "ERROR-SHAPE", Description: "4xx answers carry a text/plain body instead of a JSON error"},
	{Name: DevNoRequestID, Kind: BreaksRule, Rule: "REQUEST-ID", Description: "no request-id header on any response"},
	{Name: DevInterfaceNetIDEmpty, Kind: Variant, Rule: "SPEC-CONFORMANT", Advisory: "neighbour-contract",
		Description: `NICs are shown with an empty net_id (the contract wants the network's UUID): a neighbour call's departure, an advisory; SPEC-CONFORMANT judges the detach operation`},
	{Name: DevMalformedID422, Kind: BreaksRule, Rule: "SPEC-CONFORMANT", Description: "a malformed server_id or port_id answers 422 with a documented error body: a 4xx (PATH-MALFORMED holds) that the detach operation does not document"},
	{Name: DevDetachInsteadNeighbour, Kind: BreaksRule, AlsoBreaks: []string{"DETACH-COMPLETES"}, Rule: "DETACH-ISOLATION", Description: "a DELETE of a NIC answers 202 but, at completion, detaches the most recently attached other non-primary NIC of the server instead (the NIC named stays attached); with no other non-primary NIC nothing is detached"},
	{Name: DevCompletesLate, Kind: BreaksRule, Rule: "DETACH-COMPLETES", Description: "an accepted detach completes only after 60s, whatever the delay (even -delay 0)"},
	{Name: DevFaultCodeMismatch, Kind: BreaksRule, Rule: "ERROR-SHAPE", Description: `Nova faults carry "code": 400 whatever the HTTP status; with -errors huawei every error's code is "Ecs.0000" (still a documented shape: only the code string changes)`},
	{Name: DevErrorJSONFlat, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "ERROR-SHAPE", Description: `error bodies are flat, undocumented JSON {"code":<status>,"message":"…"} (application/json), in either error shape`},
	{Name: DevConcurrentDetach500, Kind: BreaksRule, AlsoBreaks: []string{"SPEC-CONFORMANT"}, Rule: "DETACH-REPEAT", Description: "a DELETE of a NIC whose detach is still in flight answers 500 computeFault instead of 202 (no difference with -delay 0: nothing is ever in flight)"},
	{Name: DevKeptPortLosesIP, Kind: BreaksRule, Rule: "PORT-ID-RETAINED", Description: "a port attached with port_id survives the detach, unbound and DOWN, but its IP is released: fixed_ips becomes []"},
	{Name: DevUnknownServerDetachesLater, Kind: BreaksRule, Rule: "PATH-UNKNOWN-SERVER", Description: "a DELETE with an unknown (well-formed) server_id answers the correct 404 but, after the delay, detaches the port from whichever server has it (as a detach from that server would: not if it is locked, nor a protected primary)"},
	{Name: DevForeignProjectDetaches, Kind: BreaksRule, Rule: "PATH-FOREIGN-PROJECT", Description: "a DELETE with another (well-formed) project_id answers the correct refusal but, after the delay, detaches the port from the server named (if it is attached there)"},
	{Name: DevLockedDetachesLater, Kind: BreaksRule, Rule: "STATE-LOCKED", Description: "a DELETE on a locked server answers the correct 409 but detaches the NIC after the delay anyway"},
	{Name: DevNoRequestIDOnErrors, Kind: BreaksRule, Rule: "REQUEST-ID", Description: "responses with status >= 400 carry no request-id header (successes keep theirs)"},
	{Name: DevRequestIDConstant, Kind: BreaksRule, Rule: "REQUEST-ID", Description: "every response carries the same request id, " + constantRequestID},
	{Name: DevMethod405NoAllow, Kind: BreaksRule, Rule: "METHOD-NOT-ALLOWED", Description: "405 answers carry no Allow header"},
	{Name: DevLongIDTruncated, Kind: BreaksRule, Rule: "PATH-MALFORMED", Description: "a server_id or port_id longer than 36 characters is cut to its first 36 and used if they make a UUID (a too-long port id that starts with an attached port's id detaches it, 202)"},
	{Name: DevUnknownPortDetachesOther, Kind: BreaksRule, Rule: "PATH-UNKNOWN-PORT", Description: "a DELETE of a port id the cloud does not know answers the correct 404 (huawei) or 202 (nova) but, a delay later, starts detaching (so it leaves after two delays) the most recently attached non-primary NIC of the server named that is not detaching already (one no request named): in a run that overlaps its work, the effect lands during other specs' detaches"},
	{Name: DevBusy409, Kind: Variant, Rule: "DETACH-ACCEPTED", Advisory: "nic-operations-queued",
		Description: "a NIC attach, or a detach the mock would accept, on a server while a detach of another of its NICs is in flight answers 409 (a busy server, as ECS answers): no rule breaks for a client that queues its NIC operations on a server, and the suite must detect it and queue (its reports raise an advisory)"},
	{Name: DevOtherServerNICDetached, Kind: BreaksRule, Rule: "DETACH-ISOLATION", Description: "when a detach completes on a server, the most recently attached non-primary NIC of the next server in seed order that has one is detached too (no difference with a single server)"},
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
