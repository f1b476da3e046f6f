package detach_test

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/cases"
	"github.com/nicconform/nicconform/internal/client"
	. "github.com/nicconform/nicconform/internal/fixtures"
	"github.com/nicconform/nicconform/spec"
)

// detachCases are the malformed path cases of the detach operation, derived
// from its parameters in spec/openapi.yaml when the spec tree is built.
func detachCases() []TableEntry {
	s, err := spec.Load()
	if err != nil {
		panic(err) // the embedded spec is checked by spec's own tests
	}
	cs, err := cases.Malformed(s.Detach())
	if err != nil {
		panic(err)
	}
	entries := make([]TableEntry, 0, len(cs))
	for _, c := range cs {
		entries = append(entries, Entry(c.Name(), c))
	}
	return entries
}

var _ = Describe("Path parameters", TargetDecorators(), func() {
	It("answers 404 for an unknown server and changes nothing", Rule("PATH-UNKNOWN-SERVER"), func(ctx SpecContext) {
		nic := env.Witness(ctx)

		env.ExpectNoEffect(ctx, "PATH-UNKNOWN-SERVER", func() (*client.Exchange, error) {
			return env.Client.Detach(ctx, UnknownUUID(), nic.PortID)
		}, nic.PortID)
	})

	Describe("a port not attached to the server", func() {
		It("changes nothing for an unknown port", Rule("PATH-UNKNOWN-PORT"), func(ctx SpecContext) {
			env.Witness(ctx)

			env.ExpectNoEffect(ctx, "PATH-UNKNOWN-PORT", func() (*client.Exchange, error) {
				return env.Client.Detach(ctx, env.ServerID, UnknownUUID())
			})
		})

		It("changes nothing for a port that exists but is attached nowhere", Rule("PATH-UNKNOWN-PORT"), func(ctx SpecContext) {
			port := env.CreatePort(ctx, "unattached")

			env.ExpectNoEffect(ctx, "PATH-UNKNOWN-PORT", func() (*client.Exchange, error) {
				return env.Client.Detach(ctx, env.ServerID, port.ID)
			}, port.ID)
		})

		It("changes nothing for a port attached to another server", Rule("PATH-UNKNOWN-PORT"), func(ctx SpecContext) {
			other := env.OtherServer(ctx)
			nic := other.AttachByPort(ctx, "other-server")

			other.ExpectNoEffect(ctx, "PATH-UNKNOWN-PORT", func() (*client.Exchange, error) {
				return env.Client.Detach(ctx, env.ServerID, nic.PortID)
			}, nic.PortID)
		})
	})

	It("refuses a project other than the caller's", Rule("PATH-FOREIGN-PROJECT"), func(ctx SpecContext) {
		nic := env.Witness(ctx)

		env.ExpectNoEffect(ctx, "PATH-FOREIGN-PROJECT", func() (*client.Exchange, error) {
			return env.Client.WithProject(UnknownProjectID()).Detach(ctx, env.ServerID, nic.PortID)
		}, nic.PortID)
	})

	// Each table below aims its cases at the witness NIC: every case is
	// checked at once, and a last spec watches the settle time once for a
	// delayed effect of any of them.
	Describe("malformed ids", Ordered, ContinueOnFailure, func() {
		var (
			nic    NIC
			series *Refusals
		)
		BeforeAll(func(ctx SpecContext) {
			nic = env.Witness(ctx)
			series = env.Refusals(ctx, "PATH-MALFORMED", nic.PortID)
		})

		DescribeTable("answer 4xx and change nothing", Rule("PATH-MALFORMED"),
			func(ctx SpecContext, c cases.Case) {
				valid := map[string]string{"project_id": env.ProjectID, "server_id": env.ServerID, "port_id": nic.PortID}
				value, err := c.Value(env.Spec, valid[c.Param])
				Expect(err).NotTo(HaveOccurred())
				valid[c.Param] = value

				series.Expect(ctx, c.Name(), func() (*client.Exchange, error) {
					return env.Probe(ctx, http.MethodDelete, NICPath(valid["project_id"], valid["server_id"], valid["port_id"]), "PATH-MALFORMED "+c.Name()), nil
				})
			},
			detachCases(),
		)

		It("change nothing once they have settled", Rule("PATH-MALFORMED"), func(ctx SpecContext) { series.Settle(ctx) })
	})

	Describe("a path without the port", Ordered, ContinueOnFailure, func() {
		var series *Refusals
		BeforeAll(func(ctx SpecContext) { series = env.Refusals(ctx, "PATH-MISSING-PORT", env.Witness(ctx).PortID) })

		DescribeTable("answers 4xx when the port is missing from the path", Rule("PATH-MISSING-PORT"),
			func(ctx SpecContext, trailingSlash bool) {
				path := InterfacesPath(env.ProjectID, env.ServerID)
				if trailingSlash {
					path = append(path, "")
				}
				series.Expect(ctx, "DELETE "+strings.Join(path, "/"), func() (*client.Exchange, error) {
					return env.Probe(ctx, http.MethodDelete, path, "PATH-MISSING-PORT"), nil
				})
			},
			Entry("…/os-interface", false),
			Entry("…/os-interface/", true),
		)

		It("changes nothing once the requests have settled", Rule("PATH-MISSING-PORT"), func(ctx SpecContext) { series.Settle(ctx) })
	})

	Describe("other methods on the NIC", Ordered, ContinueOnFailure, func() {
		var (
			nic    NIC
			series *Refusals
		)
		BeforeAll(func(ctx SpecContext) {
			nic = env.Witness(ctx)
			series = env.Refusals(ctx, "METHOD-NOT-ALLOWED", nic.PortID)
		})

		DescribeTable("answers 405 to other methods on the NIC", Rule("METHOD-NOT-ALLOWED"),
			func(ctx SpecContext, method string) {
				ex := series.Expect(ctx, method, func() (*client.Exchange, error) {
					return env.Probe(ctx, method, NICPath(env.ProjectID, env.ServerID, nic.PortID), "METHOD-NOT-ALLOWED "+method), nil
				})
				if ex.Status == http.StatusMethodNotAllowed {
					Expect(ex.ResponseHeader.Get("Allow")).To(ContainSubstring("DELETE"), "METHOD-NOT-ALLOWED: a 405 names the allowed methods: %s", ex)
				}
			},
			Entry("PUT", http.MethodPut),
			Entry("PATCH", http.MethodPatch),
			Entry("POST", http.MethodPost),
		)

		It("changes nothing once the requests have settled", Rule("METHOD-NOT-ALLOWED"), func(ctx SpecContext) { series.Settle(ctx) })
	})
})
