package detach

import (
	"context"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/cases"
	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
	"github.com/nicconform/nicconform/internal/paths"
	"github.com/nicconform/nicconform/spec"
)

// malformedCases are the malformed path cases of the detach operation,
// derived from its parameters in spec/openapi.yaml when the spec tree is
// built. The server_id that is not a UUID is one of the error probes.
func malformedCases() []Case[cases.Case] {
	s, err := spec.Load()
	if err != nil {
		panic(err) // the embedded spec is checked by spec's own tests
	}
	cs, err := cases.Malformed(s.Detach())
	if err != nil {
		panic(err)
	}
	out := make([]Case[cases.Case], 0, len(cs))
	for _, c := range cs {
		k := Case[cases.Case]{Name: c.Name(), Value: c}
		if c.Param == "server_id" && c.Kind == cases.NotFormat {
			k.Exhibit, k.Users = errorProbes, errorRules
		}
		out = append(out, k)
	}
	return out
}

// detachAt is the refusal of a detach of the aimed NIC's port through c,
// on server (the run's, unless given).
func detachAt(c func() *client.Client, server func() string) func(ctx context.Context, nic NIC) (*client.Exchange, error) {
	return func(ctx context.Context, nic NIC) (*client.Exchange, error) {
		return c().Detach(ctx, server(), nic.PortID)
	}
}

func runClient() *client.Client { return env().Client }
func runServer() string         { return env().ServerID }

// Every refusal below is sent with the others at the start of the run and
// judged at once on its answer and an immediate look; one shared watch then
// looks for a delayed effect of any of them, and a change is attributed by
// sending the requests implicated in it again, one at a time.
var _ = Describe("Path parameters", TargetDecorators(), func() {
	run.RefusalIt("PATH-UNKNOWN-SERVER", Refusal{Aim: AimWitness, Exhibit: errorProbes, Users: errorRules,
		Send: detachAt(runClient, UnknownUUID)})

	Describe("a port not attached to the server", func() {
		run.RefusalCase("PATH-UNKNOWN-PORT", "changes nothing for an unknown port", Refusal{Aim: AimServer,
			Send: func(ctx context.Context, _ NIC) (*client.Exchange, error) {
				return env().Client.Detach(ctx, env().ServerID, UnknownUUID())
			}})

		run.RefusalCase("PATH-UNKNOWN-PORT", "changes nothing for a port that exists but is attached nowhere", Refusal{Aim: AimFreePort,
			Send: detachAt(runClient, runServer)})

		run.RefusalCase("PATH-UNKNOWN-PORT", "changes nothing for a port attached to another server", Refusal{Aim: AimOtherNIC,
			Send: detachAt(runClient, runServer)})
	})

	run.RefusalIt("PATH-FOREIGN-PROJECT", Refusal{Aim: AimWitness,
		Send: detachAt(func() *client.Client { return env().Client.WithProject(UnknownProjectID()) }, runServer)})

	RefusalSeries(run.Suite, "PATH-MALFORMED", "malformed ids answer 4xx and change nothing", malformedCases(),
		func(ctx context.Context, nic NIC, c cases.Case) (*client.Exchange, error) {
			valid := map[string]string{"project_id": env().ProjectID, "server_id": env().ServerID, "port_id": nic.PortID}
			value, err := c.Value(env().Spec, valid[c.Param])
			if err != nil {
				return nil, err
			}
			valid[c.Param] = value
			return env().Probe(ctx, http.MethodDelete, paths.Interface.Segments(valid["project_id"], valid["server_id"], valid["port_id"]), "PATH-MALFORMED "+c.Name())
		}, nil)

	RefusalSeries(run.Suite, "PATH-MISSING-PORT", "a path without the port answers 4xx and changes nothing",
		[]Case[bool]{{Name: "DELETE …/os-interface", Value: false}, {Name: "DELETE …/os-interface/", Value: true}},
		func(ctx context.Context, _ NIC, trailingSlash bool) (*client.Exchange, error) {
			path := paths.Interfaces.Segments(env().ProjectID, env().ServerID)
			if trailingSlash {
				path = append(path, "")
			}
			return env().Probe(ctx, http.MethodDelete, path, "PATH-MISSING-PORT DELETE "+strings.Join(path, "/"))
		}, nil)

	RefusalSeries(run.Suite, "METHOD-NOT-ALLOWED", "other methods on the NIC answer 405 and change nothing",
		[]Case[string]{{Name: "PUT", Value: http.MethodPut, Exhibit: errorProbes, Users: errorRules}, {Name: "PATCH", Value: http.MethodPatch}, {Name: "POST", Value: http.MethodPost}},
		func(ctx context.Context, nic NIC, method string) (*client.Exchange, error) {
			return env().Probe(ctx, method, paths.Interface.Segments(env().ProjectID, env().ServerID, nic.PortID), "METHOD-NOT-ALLOWED "+method)
		},
		func(r *Rule, ex *client.Exchange) {
			if ex.Status == http.StatusMethodNotAllowed {
				r.Expect(ex.ResponseHeader.Get("Allow")).To(ContainSubstring("DELETE"), "a 405 names the allowed methods: %s", ex)
			}
		})
})
