package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/onsi/gomega"

	"github.com/nicconform/nicconform/internal/client"
)

// CleanupRequest bounds one call of a cleanup or a sweep (at most the
// client's own per-attempt bound applies too): with the undos of a run in
// parallel, a run stops within about two calls and one detach
// (docs/design.md, "Stopping a run").
const CleanupRequest = 5 * time.Second

// Bounds are how long undoing may take.
type Bounds struct {
	// Request bounds one call (default CleanupRequest).
	Request time.Duration
	// Detach bounds an asynchronous detach: the wait for a port the
	// target still holds bound to come free.
	Detach time.Duration
	// Poll is how often a bounded wait looks (default 1s).
	Poll time.Duration
	// Progress gets the heartbeats of long waits; nil: none.
	Progress *Progress
}

func (b Bounds) withDefaults() Bounds {
	if b.Request <= 0 {
		b.Request = CleanupRequest
	}
	if b.Poll <= 0 {
		b.Poll = time.Second
	}
	return b
}

// Total is the most one undo may take: two calls and a detach, plus a
// call for the unlock that goes before the ports.
func (b Bounds) Total() time.Duration {
	b = b.withDefaults()
	return 3*b.Request + b.Detach
}

// bounded runs one call with its own bound.
func bounded[T any](ctx context.Context, b Bounds, call func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, b.withDefaults().Request)
	defer cancel()
	return call(ctx)
}

// Detached reports whether a port has left a server: it is not in the
// server's NIC list, and showing the NIC answers 404. It is the one such
// check of the run's fixtures, its cleanup and `nicconform sweep`. It
// returns false and why (with the exchange that shows it) when the target
// shows the NIC still there, and an error when the target did not say (the
// listing failed; the show got no answer, or a 5xx).
func Detached(ctx context.Context, c *client.Client, serverID, portID string) (bool, string, error) {
	nics, ex, err := c.ListInterfaces(ctx, serverID)
	if err != nil {
		return false, "", fmt.Errorf("list the NICs of server %s: %w", serverID, err)
	}
	for _, n := range nics {
		if n.PortID == portID {
			return false, fmt.Sprintf("port %s is in the NIC list: %s", portID, ex), nil
		}
	}
	_, ex, err = c.GetInterface(ctx, serverID, portID)
	switch {
	case errors.Is(err, client.ErrNotFound):
		return true, "", nil
	case err != nil && (ex == nil || ex.Status == 0 || ex.Status >= 500):
		return false, "", fmt.Errorf("show NIC %s: %w", portID, err)
	}
	return false, fmt.Sprintf("show NIC %s should answer 404 once detached: %s", portID, ex), nil
}

// RemovePort removes a port the run made, whatever its state, by the one
// removal policy of the run's cleanup and of `nicconform sweep`: delete
// first. A port already gone counts as removed.
//
// Delete first, rather than detach then delete, because the detach is the
// operation under test, which the run may just have found broken (a detach
// that does nothing, or that takes another NIC with it); because a NIC
// whose detach is in flight must not get a second one; and because a cloud
// that lets a bound port go (Neutron) detaches it itself, in one call. A
// target that refuses to delete a bound port (409) gets the detach, from
// the server the port names (serverHint when it names none), then the
// delete is retried within the detach bound, and once it succeeds the NIC
// is awaited off the server. Errors name the port and the call that failed.
func RemovePort(ctx context.Context, c *client.Client, portID, serverHint string, b Bounds) error {
	b = b.withDefaults()
	ex, err := bounded(ctx, b, func(ctx context.Context) (*client.Exchange, error) { return c.DeletePort(ctx, portID) })
	if err == nil || errors.Is(err, client.ErrNotFound) {
		return nil
	}
	if ex == nil || ex.Status == 0 {
		// No answer within the bound: a loaded Neutron may still delete
		// it (a bound port's delete waits on its notifications to Nova).
		// Gone within the detach bound is removed; else the error stands.
		gone := Wait{What: fmt.Sprintf("port %s to be gone after a delete that got no answer", portID), Timeout: b.Detach, Interval: b.Poll, Progress: b.Progress}
		if Until(ctx, gone, func(g gomega.Gomega) {
			_, gerr := bounded(ctx, b, func(ctx context.Context) (client.Port, error) {
				p, _, err := c.GetPort(ctx, portID)
				return p, err
			})
			g.Expect(errors.Is(gerr, client.ErrNotFound)).To(gomega.BeTrueBecause("port %s is still there: %v", portID, gerr))
		}) == nil {
			return nil
		}
	}
	if ex == nil || ex.Status != http.StatusConflict {
		return fmt.Errorf("delete port %s: %w", portID, err)
	}
	server := serverHint
	if p, err := bounded(ctx, b, func(ctx context.Context) (client.Port, error) {
		p, _, err := c.GetPort(ctx, portID)
		return p, err
	}); err == nil && p.DeviceID != "" && strings.HasPrefix(p.DeviceOwner, "compute:") {
		server = p.DeviceID
	}
	if server == "" {
		return fmt.Errorf("delete port %s: the target keeps it (409), and it names no server to detach it from: %s", portID, ex)
	}
	detached := false
	if _, err := bounded(ctx, b, func(ctx context.Context) (client.Interface, error) {
		n, _, err := c.GetInterface(ctx, server, portID)
		return n, err
	}); err == nil {
		dex, err := bounded(ctx, b, func(ctx context.Context) (*client.Exchange, error) { return c.Detach(ctx, server, portID) })
		switch {
		case err != nil:
			return fmt.Errorf("detach port %s from server %s: %w", portID, server, err)
		case dex.Status >= 300 && dex.Status != http.StatusNotFound:
			return fmt.Errorf("detach port %s from server %s: %s", portID, server, dex)
		}
		detached = true
	}
	free := Wait{What: fmt.Sprintf("port %s to come free of server %s for its deletion", portID, server), Timeout: b.Detach, Interval: b.Poll, Progress: b.Progress}
	if err := Until(ctx, free, func(g gomega.Gomega) {
		ex, err := bounded(ctx, b, func(ctx context.Context) (*client.Exchange, error) { return c.DeletePort(ctx, portID) })
		switch {
		case err == nil, errors.Is(err, client.ErrNotFound):
		case ex != nil && ex.Status == http.StatusConflict:
			g.Expect(ex.Status).To(gomega.Equal(http.StatusNoContent), "port %s is still bound: %s", portID, ex)
		default:
			gomega.StopTrying(fmt.Sprintf("delete port %s: %v", portID, err)).Now()
		}
	}); err != nil {
		return fmt.Errorf("remove port %s: %w", portID, err)
	}
	if !detached {
		return nil
	}
	gone := Wait{What: fmt.Sprintf("port %s to leave server %s", portID, server), Timeout: b.Request, Interval: b.Poll, Progress: b.Progress}
	if err := Until(ctx, gone, func(g gomega.Gomega) {
		ok, why, err := Detached(ctx, c, server, portID)
		g.Expect(err).NotTo(gomega.HaveOccurred())
		g.Expect(ok).To(gomega.BeTrue(), why)
	}); err != nil {
		return fmt.Errorf("port %s was deleted but is still a NIC of server %s: %w", portID, server, err)
	}
	return nil
}
