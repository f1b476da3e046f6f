package explore

import (
	"fmt"
	"net/http"
	"slices"

	"pgregory.net/rapid"
)

// An action is what rapid's state machine draws: an operation, or a group
// of them of which it then draws one that can run now. rapid draws an
// action from the sorted list of names and favours the first entries (the
// first two about twice as often as the others), so the steps that build
// and change state come first (detach has two entries); the probes that
// must change nothing share two entries, lock and unlock one.
type action struct {
	name string
	ops  []Op
}

// probes are the requests that aim at a NIC but must not detach it (the
// catalog's negative rules), and the repeated detach.
var probes = []Op{
	OpDetachRepeat, OpDetachUnknownPort, OpDetachElsewhere, OpDetachMalformed,
	OpDetachNoAuth, OpDetachBadAuth, OpDetachForeign, OpDetachUnknownServer,
	OpDetachMethod, OpDetachCollection, OpDetachPrimary,
}

var actions = []action{
	{"0 detach", []Op{OpDetach}},
	{"1 attach-port", []Op{OpAttachPort}},
	{"2 create-port", []Op{OpCreatePort}},
	{"3 probe", probes},
	{"4 attach-net", []Op{OpAttachNet}},
	{"5 detach", []Op{OpDetach}},
	{"6 lock", []Op{OpLock, OpUnlock}},
	{"7 probe", probes},
	{"8 delete-port", []Op{OpDeletePort}},
	{"9 look", []Op{OpShowNIC, OpShowPort, OpListNICs}},
}

// candidates are the references a step may name, by what the model shows,
// each list in order of preference.
type candidates struct {
	mainNICs, otherNICs, unattached, existing, all, repeats []string
	roomy                                                   []string // server roles with room for a NIC under the ceiling
}

func (r *seqRun) candidates(f facts) candidates {
	var c candidates
	var fresh []string
	for i := range f.handles {
		ref := handleRef(i)
		c.all = append(c.all, ref)
		if !f.exists[ref] {
			continue
		}
		c.existing = append(c.existing, ref)
		if f.attached[ref] == "" {
			if f.detached[ref] {
				c.repeats = append(c.repeats, ref)
			} else {
				fresh = append(fresh, ref)
			}
		}
	}
	// The newest NIC first, the port detached last first: sequences that
	// go back and forth on one NIC are the ones the rule suite never makes.
	for _, role := range []string{Main, Other} {
		var nics []string
		for _, ref := range slices.Backward(f.order[role]) {
			if handleIndex(ref) >= 0 {
				nics = append(nics, ref)
			}
		}
		if role == Main {
			c.mainNICs = nics
		} else {
			c.otherNICs = nics
		}
	}
	slices.Reverse(c.repeats)
	c.unattached = append(append([]string(nil), c.repeats...), fresh...)
	for _, role := range r.roles() {
		if f.nics[role] < r.x.cfg.NICCeiling {
			c.roomy = append(c.roomy, role)
		}
	}
	return c
}

// can reports whether op can run now.
func (r *seqRun) can(op Op, c candidates) bool {
	x := r.x
	if !slices.Contains(x.cfg.Ops, op) || x.knownBreak(opRules[op]) {
		return false
	}
	aimed := len(c.existing) > 0 || x.primaryProbe()
	switch op {
	case OpCreatePort:
		return len(c.existing) < x.portCap()
	case OpDeletePort, OpDetach, OpDetachUnknownServer:
		return len(c.existing) > 0
	case OpShowPort:
		return len(c.all) > 0
	case OpAttachPort:
		return len(c.roomy) > 0 && len(c.existing) > 0
	case OpAttachNet:
		return len(c.roomy) > 0 && len(c.existing) < x.portCap()
	case OpDetachRepeat:
		return len(c.repeats) > 0
	case OpDetachElsewhere:
		return len(c.otherNICs) > 0 || (x.t.Embedded && len(r.roles()) > 1)
	case OpDetachPrimary:
		return x.primaryProbe()
	case OpDetachMalformed, OpDetachForeign, OpDetachNoAuth, OpDetachBadAuth, OpDetachMethod:
		return aimed
	}
	return true
}

// choices are what rapid draws for a step, whatever its operation: a
// fixed set, so that a step whose operation or candidates change while
// rapid shrinks the sequence takes as many draws as before, and the steps
// after it keep theirs. Each small choice indexes a list of candidates
// (modulo its length; rapid favours small values, so the first ones).
type choices struct {
	op, port, server, param, kind, method int
	id                                    uint64
	slash                                 bool
}

var (
	smallChoice = rapid.IntRange(0, 63)
	choiceGen   = rapid.Custom(func(t *rapid.T) choices {
		return choices{
			op: smallChoice.Draw(t, "op"), port: smallChoice.Draw(t, "port"), server: smallChoice.Draw(t, "server"),
			param: smallChoice.Draw(t, "param"), kind: smallChoice.Draw(t, "case"), method: smallChoice.Draw(t, "method"),
			id: rapid.Uint64().Draw(t, "id"), slash: rapid.Bool().Draw(t, "slash"),
		}
	})
)

// drawStep draws an operation of the action that can run now, and its
// parameters. It draws as much whether or not one can: an action none of
// whose operations can run is a step that does nothing (it reports false),
// so that every action takes the same draws, and rapid, removing an action
// while it shrinks a sequence, leaves the draws of the ones after it in
// place. (rapid's own way, skipping the action and drawing another, draws
// more for an action that could not run: remove one, and what follows
// reads the wrong draws.)
func (r *seqRun) drawStep(t *rapid.T, a action, f facts) (Step, bool) {
	ch := choiceGen.Draw(t, "step")
	c := r.candidates(f)
	var ops []Op
	for _, op := range a.ops {
		if r.can(op, c) {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		return Step{}, false
	}
	return r.build(ops[ch.op%len(ops)], c, ch), true
}

// build makes a step of kind op (which can run) from rapid's choices: ids
// come from what the sequence made, the preferred ones first.
func (r *seqRun) build(op Op, c candidates, ch choices) Step {
	x := r.x
	st := Step{Op: op, Server: Main}
	pick := func(i int, from ...[]string) string {
		var all []string
		for _, list := range from {
			all = append(all, list...)
		}
		return all[i%len(all)]
	}
	// aimed is a port a request aims at: a NIC of the server first; on the
	// embedded target (or with the primary probe) the primary as a last
	// resort.
	aimed := func() string {
		var last []string
		if x.primaryProbe() {
			last = []string{RefPrimary}
		}
		return pick(ch.port, c.mainNICs, c.otherNICs, c.unattached, last)
	}
	v := ch.id
	uuid := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(v>>32), uint16(v>>16), uint16(v)&0xfff, uint16(v>>4)&0xfff, v&0xffffffffffff)
	switch op {
	case OpDeletePort:
		st.Server, st.Port = "", pick(ch.port, c.unattached, c.mainNICs, c.otherNICs)
	case OpShowPort:
		st.Server, st.Port = "", pick(ch.port, c.existing, c.all)
	case OpAttachPort:
		st.Server = pick(ch.server, c.roomy)
		st.Port = pick(ch.port, c.unattached, c.mainNICs, c.otherNICs)
	case OpAttachNet:
		st.Server = pick(ch.server, c.roomy)
	case OpDetach:
		if st.Port = pick(ch.port, c.mainNICs, c.otherNICs, c.unattached); slices.Contains(c.otherNICs, st.Port) {
			st.Server = Other
		}
	case OpDetachRepeat:
		st.Port = pick(ch.port, c.repeats)
	case OpDetachUnknownPort:
		st.Literal = uuid
	case OpDetachUnknownServer:
		st.Port = pick(ch.port, c.mainNICs, c.otherNICs, c.existing)
		st.Server, st.Literal = "", uuid
	case OpDetachElsewhere:
		var last []string
		if x.t.Embedded && len(r.roles()) > 1 {
			last = []string{RefOtherPrimary}
		}
		st.Port = pick(ch.port, c.otherNICs, last)
	case OpDetachPrimary:
		if x.t.Embedded {
			st.Server = pick(ch.server, r.roles())
		}
	case OpDetachMalformed:
		st.Port = aimed()
		st.Param = pick(ch.param, []string{"port_id", "server_id", "project_id"})
		st.Case = pick(ch.kind, x.caseKinds[st.Param])
	case OpDetachForeign:
		st.Port = aimed()
		st.Literal = fmt.Sprintf("%016x%016x", v, ^v)
		if st.Literal == x.t.ProjectID || st.Literal == r.mdl.project {
			st.Literal = fmt.Sprintf("%016x%016x", v+1, ^v)
		}
	case OpDetachNoAuth, OpDetachBadAuth:
		st.Port = aimed()
	case OpDetachMethod:
		st.Port = aimed()
		st.Method = pick(ch.method, []string{http.MethodPut, http.MethodPatch, http.MethodPost})
	case OpDetachCollection:
		st.Slash = ch.slash
	case OpShowNIC:
		st.Server = pick(ch.server, r.roles())
		primary, nics := []string{RefPrimary}, c.mainNICs
		if st.Server == Other {
			primary, nics = []string{RefOtherPrimary}, c.otherNICs
			if !x.t.Embedded { // a configured target's other primary is not known
				primary = nil
			}
			if len(nics)+len(c.all)+len(primary) == 0 {
				st.Server, primary, nics = Main, []string{RefPrimary}, c.mainNICs
			}
		}
		st.Port = pick(ch.port, nics, c.all, primary)
	case OpListNICs:
		st.Server = pick(ch.server, r.roles())
	}
	return st
}

// portCap bounds the ports a sequence holds at once: twice the NIC ceiling.
func (x *explorer) portCap() int { return 2 * x.cfg.NICCeiling }

// primaryProbe reports whether a request may aim at a server's primary
// NIC: always on the embedded target (a fresh world per sequence); on a
// configured one only with NICCONFORM_ALLOW_PRIMARY_PROBE and under a
// profile that has a primary NIC (PRIMARY-FORBIDDEN pins a refusal). Under
// one that has none (nova) the server's first NIC is its boot NIC, and a
// detach of it cannot be undone: Nova deletes a port it made at boot
// (nova/network/neutron.py, deallocate_port_for_instance) and a server
// left without a NIC loses its network.
func (x *explorer) primaryProbe() bool {
	return x.t.Embedded || (x.t.AllowPrimaryProbe && len(x.rules.expect("PRIMARY-FORBIDDEN").Status) > 0)
}

// opRules are the operations that are cases of one rule whatever the
// state: with that rule's break known (Config.Exclude, Baseline), they are
// not drawn.
var opRules = map[Op]string{
	OpDetachNoAuth: "AUTH-MISSING", OpDetachBadAuth: "AUTH-INVALID", OpDetachForeign: "PATH-FOREIGN-PROJECT",
	OpDetachMalformed: "PATH-MALFORMED", OpDetachMethod: "METHOD-NOT-ALLOWED", OpDetachCollection: "PATH-MISSING-PORT",
	OpDetachUnknownServer: "PATH-UNKNOWN-SERVER",
}
