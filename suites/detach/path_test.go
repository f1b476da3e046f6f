package detach_test

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
// built.
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
		out = append(out, Case[cases.Case]{Name: c.Name(), Value: c})
	}
	return out
}

var _ = Describe("Path parameters", TargetDecorators(), func() {
	RuleIt("PATH-UNKNOWN-SERVER", func(ctx SpecContext, r *Rule) {
		nic := env.Witness(ctx)

		env.ExpectNoEffect(ctx, r, func() (*client.Exchange, error) {
			return env.Client.Detach(ctx, UnknownUUID(), nic.PortID)
		}, nic.PortID)
	})

	Describe("a port not attached to the server", func() {
		RuleCase("PATH-UNKNOWN-PORT", "changes nothing for an unknown port", func(ctx SpecContext, r *Rule) {
			env.Witness(ctx)

			env.ExpectNoEffect(ctx, r, func() (*client.Exchange, error) {
				return env.Client.Detach(ctx, env.ServerID, UnknownUUID())
			})
		})

		RuleCase("PATH-UNKNOWN-PORT", "changes nothing for a port that exists but is attached nowhere", func(ctx SpecContext, r *Rule) {
			port := env.CreatePort(ctx, "unattached")

			env.ExpectNoEffect(ctx, r, func() (*client.Exchange, error) {
				return env.Client.Detach(ctx, env.ServerID, port.ID)
			}, port.ID)
		})

		RuleCase("PATH-UNKNOWN-PORT", "changes nothing for a port attached to another server", func(ctx SpecContext, r *Rule) {
			other := env.OtherServer(ctx)
			nic := other.AttachByPort(ctx, "other-server")

			other.ExpectNoEffect(ctx, r, func() (*client.Exchange, error) {
				return env.Client.Detach(ctx, env.ServerID, nic.PortID)
			}, nic.PortID)
		})
	})

	RuleIt("PATH-FOREIGN-PROJECT", func(ctx SpecContext, r *Rule) {
		nic := env.Witness(ctx)

		env.ExpectNoEffect(ctx, r, func() (*client.Exchange, error) {
			return env.Client.WithProject(UnknownProjectID()).Detach(ctx, env.ServerID, nic.PortID)
		}, nic.PortID)
	})

	// Each series below aims its cases at the witness NIC: every case is
	// judged at once, and a last spec watches the settle time once for a
	// delayed effect of any of them.
	RefusalSeries("PATH-MALFORMED", "malformed ids answer 4xx and change nothing", malformedCases(),
		func(ctx context.Context, nic NIC, c cases.Case) (*client.Exchange, error) {
			valid := map[string]string{"project_id": env.ProjectID, "server_id": env.ServerID, "port_id": nic.PortID}
			value, err := c.Value(env.Spec, valid[c.Param])
			if err != nil {
				return nil, err
			}
			valid[c.Param] = value
			return env.Probe(ctx, http.MethodDelete, paths.Interface.Segments(valid["project_id"], valid["server_id"], valid["port_id"]), "PATH-MALFORMED "+c.Name())
		}, nil)

	RefusalSeries("PATH-MISSING-PORT", "a path without the port answers 4xx and changes nothing",
		[]Case[bool]{{Name: "DELETE …/os-interface", Value: false}, {Name: "DELETE …/os-interface/", Value: true}},
		func(ctx context.Context, _ NIC, trailingSlash bool) (*client.Exchange, error) {
			path := paths.Interfaces.Segments(env.ProjectID, env.ServerID)
			if trailingSlash {
				path = append(path, "")
			}
			return env.Probe(ctx, http.MethodDelete, path, "PATH-MISSING-PORT DELETE "+strings.Join(path, "/"))
		}, nil)

	RefusalSeries("METHOD-NOT-ALLOWED", "other methods on the NIC answer 405 and change nothing",
		[]Case[string]{{Name: "PUT", Value: http.MethodPut}, {Name: "PATCH", Value: http.MethodPatch}, {Name: "POST", Value: http.MethodPost}},
		func(ctx context.Context, nic NIC, method string) (*client.Exchange, error) {
			return env.Probe(ctx, method, paths.Interface.Segments(env.ProjectID, env.ServerID, nic.PortID), "METHOD-NOT-ALLOWED "+method)
		},
		func(r *Rule, ex *client.Exchange) {
			if ex.Status == http.StatusMethodNotAllowed {
				r.Expect(ex.ResponseHeader.Get("Allow")).To(ContainSubstring("DELETE"), "a 405 names the allowed methods: %s", ex)
			}
		})
})
