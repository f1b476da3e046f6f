package explore

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Op is one kind of step of a sequence. The names are explore's public
// vocabulary: they appear in explore.json and in replays.
type Op string

// The operations of the endpoint family, and the requests the catalog's
// negative rules send.
const (
	OpCreatePort          Op = "create-port"           // POST /v2.0/ports
	OpDeletePort          Op = "delete-port"           // DELETE /v2.0/ports/{port}
	OpShowPort            Op = "show-port"             // GET /v2.0/ports/{port}
	OpAttachPort          Op = "attach-port"           // POST …/os-interface {"port_id"}
	OpAttachNet           Op = "attach-net"            // POST …/os-interface {"net_id"}
	OpDetach              Op = "detach"                // DELETE of a port the sequence made, from the server it is on (or the main one)
	OpDetachRepeat        Op = "detach-repeat"         // DELETE of a port detached earlier in the sequence
	OpDetachUnknownPort   Op = "detach-unknown-port"   // DELETE of a well-formed port id nobody has
	OpDetachUnknownServer Op = "detach-unknown-server" // DELETE naming a well-formed unknown server
	OpDetachElsewhere     Op = "detach-elsewhere"      // DELETE on the server's path of another server's NIC
	OpDetachPrimary       Op = "detach-primary"        // DELETE of the primary NIC (embedded target, or NICCONFORM_ALLOW_PRIMARY_PROBE)
	OpDetachMalformed     Op = "detach-malformed"      // a malformed id in one position
	OpDetachForeign       Op = "detach-foreign-project"
	OpDetachNoAuth        Op = "detach-no-auth"
	OpDetachBadAuth       Op = "detach-tampered-auth"
	OpDetachMethod        Op = "detach-method"     // PUT, PATCH or POST on a NIC
	OpDetachCollection    Op = "detach-collection" // DELETE …/os-interface (and …/os-interface/)
	OpShowNIC             Op = "show-nic"
	OpListNICs            Op = "list-nics"
	OpLock                Op = "lock"
	OpUnlock              Op = "unlock"
)

// Ops lists every operation.
var Ops = []Op{
	OpCreatePort, OpDeletePort, OpShowPort, OpAttachPort, OpAttachNet,
	OpDetach, OpDetachRepeat, OpDetachUnknownPort, OpDetachUnknownServer,
	OpDetachElsewhere, OpDetachPrimary, OpDetachMalformed, OpDetachForeign,
	OpDetachNoAuth, OpDetachBadAuth, OpDetachMethod, OpDetachCollection,
	OpShowNIC, OpListNICs, OpLock, OpUnlock,
}

// subject reports whether an operation aims at the detach operation (the
// catalog judges it); the others are neighbour calls.
func (o Op) subject() bool { return strings.HasPrefix(string(o), "detach") }

// Server roles: the server the run may use, and a second one (the
// embedded mock seeds one; a configured target names it with
// NICCONFORM_OTHER_SERVER_ID).
const (
	Main  = "server"
	Other = "other-server"
)

// Port references of a step: a port the sequence made ("p1" is the first),
// or a server's primary NIC.
const (
	RefPrimary      = "primary"
	RefOtherPrimary = "other-primary"
)

func handleRef(i int) string { return "p" + strconv.Itoa(i+1) }

// handleIndex returns the index of a handle reference ("p3" → 2), or -1.
func handleIndex(ref string) int {
	if !strings.HasPrefix(ref, "p") {
		return -1
	}
	n, err := strconv.Atoi(ref[1:])
	if err != nil || n < 1 {
		return -1
	}
	return n - 1
}

// Step is one step of a sequence, in abstract terms: ids are references
// that each world resolves to its own (ports by creation order, servers by
// role), so a step means the same in the target and in the model, and a
// recorded sequence replays.
type Step struct {
	Op Op `json:"op"`
	// Server is the server role the request names (Main or Other).
	Server string `json:"server,omitempty"`
	// Port is a port reference: "p<N>", RefPrimary or RefOtherPrimary.
	Port string `json:"port,omitempty"`
	// Method is the method of detach-method.
	Method string `json:"method,omitempty"`
	// Param and Case are detach-malformed's: the path parameter
	// (project_id, server_id, port_id) and the kind of malformed value
	// (internal/cases: empty, not-format, too-long, encoded-slash,
	// non-ascii), derived from the valid id in each world.
	Param string `json:"param,omitempty"`
	Case  string `json:"case,omitempty"`
	// Literal is a value that is the same in both worlds: the unknown port
	// or server id, the foreign project id.
	Literal string `json:"literal,omitempty"`
	// Slash is detach-collection's trailing slash.
	Slash bool `json:"slash,omitempty"`
}

// String says what the step does, in words.
func (s Step) String() string {
	srv := "the server"
	if s.Server == Other {
		srv = "the other server"
	}
	switch s.Op {
	case OpCreatePort:
		return "create a port"
	case OpDeletePort:
		return "delete port " + s.Port
	case OpShowPort:
		return "show port " + s.Port
	case OpAttachPort:
		return fmt.Sprintf("attach port %s to %s (port_id)", s.Port, srv)
	case OpAttachNet:
		return fmt.Sprintf("attach a NIC on the network to %s (net_id)", srv)
	case OpDetach:
		return fmt.Sprintf("detach %s from %s", s.Port, srv)
	case OpDetachRepeat:
		return fmt.Sprintf("detach %s from %s again (it was detached before)", s.Port, srv)
	case OpDetachUnknownPort:
		return fmt.Sprintf("detach an unknown port %s from %s", s.Literal, srv)
	case OpDetachUnknownServer:
		return fmt.Sprintf("detach %s from an unknown server %s", s.Port, s.Literal)
	case OpDetachElsewhere:
		return fmt.Sprintf("detach %s, a NIC of the other server, through %s's path", s.Port, srv)
	case OpDetachPrimary:
		return fmt.Sprintf("detach the primary NIC of %s", srv)
	case OpDetachMalformed:
		return fmt.Sprintf("detach with a malformed %s (%s, derived from %s)", s.Param, s.Case, s.Port)
	case OpDetachForeign:
		return fmt.Sprintf("detach %s from %s in a foreign project %s", s.Port, srv, s.Literal)
	case OpDetachNoAuth:
		return fmt.Sprintf("detach %s from %s without credentials", s.Port, srv)
	case OpDetachBadAuth:
		return fmt.Sprintf("detach %s from %s with tampered credentials", s.Port, srv)
	case OpDetachMethod:
		return fmt.Sprintf("%s on %s's NIC %s (not DELETE)", s.Method, srv, s.Port)
	case OpDetachCollection:
		if s.Slash {
			return fmt.Sprintf("DELETE %s's …/os-interface/ (no port id, trailing slash)", srv)
		}
		return fmt.Sprintf("DELETE %s's …/os-interface (no port id)", srv)
	case OpShowNIC:
		return fmt.Sprintf("show %s's NIC %s", srv, s.Port)
	case OpListNICs:
		return fmt.Sprintf("list %s's NICs", srv)
	case OpLock:
		return "lock " + srv
	case OpUnlock:
		return "unlock " + srv
	}
	return string(s.Op)
}

// validate checks a step read from a record (a replay).
func (s Step) validate() error {
	if !slices.Contains(Ops, s.Op) {
		return fmt.Errorf("unknown op %q", s.Op)
	}
	switch s.Server {
	case "", Main, Other:
	default:
		return fmt.Errorf("%s: unknown server role %q", s.Op, s.Server)
	}
	if s.Port != "" && s.Port != RefPrimary && s.Port != RefOtherPrimary && handleIndex(s.Port) < 0 {
		return fmt.Errorf("%s: unknown port reference %q", s.Op, s.Port)
	}
	return nil
}
