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
// parallel, a run against a target that does what it answers stops within
// a few calls (the undo and its read-back) and one detach (docs/design.md,
// "Stopping a run"); Bounds.Total bounds the rest.
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

// Attempts is how many times an undo that did not take effect (a port
// still there after its delete answered success, a server still locked
// after its unlock did) is sent before it is named in the leaks.
const Attempts = 3

// Total is the most one undo may take: the unlock that goes before the
// ports, and each of its Attempts read back; a port's deletes and their
// read-backs; the wait for the port to come free of its server, the wait
// for its NIC to leave the server, and a detach and its wait when it did
// not.
//
// Each call may be sent Attempts times (see bounded): Total bounds what a
// target that answers does; the context of an undo bounds the rest.
func (b Bounds) Total() time.Duration {
	b = b.withDefaults()
	return (4*Attempts+3)*b.Request + 3*b.Detach + 2*Attempts*b.Poll
}

// bounded runs one call of an undo, each attempt with its own bound. An
// attempt that got no answer (a *client.TransportError: the connection
// closed or reset, or no answer within the bound) is sent again, up to
// Attempts times, after a backoff of Poll doubled each time: every call
// of an undo is idempotent (a delete or detach of what is gone answers
// 404, which the undo takes as done; an unlock of an unlocked server, 202;
// a read, a read), so an answer lost on the way back loses no undo.
func bounded[T any](ctx context.Context, b Bounds, call func(context.Context) (T, error)) (T, error) {
	b = b.withDefaults()
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, b.Request)
		v, err := call(actx)
		cancel()
		var te *client.TransportError
		if err == nil || !errors.As(err, &te) || attempt >= Attempts || ctx.Err() != nil {
			return v, err
		}
		if pause(ctx, b.Poll<<attempt) != nil {
			return v, err
		}
	}
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
// delete is retried within the detach bound.
//
// Nothing is taken on the target's word: once a delete answered success
// (or 404), the port is read back, and a port still there is deleted
// again, up to Attempts times; then the NIC it backed (on serverHint, or
// the server it named) is awaited off the server within the detach bound
// (Nova drops it asynchronously, on Neutron's network-vif-deleted event:
// nova/compute/manager.py, external_instance_event), and a NIC still
// listed then is detached and awaited again. Errors name the port, the
// call or the check that failed, and how to remove what is left by hand.
func RemovePort(ctx context.Context, c *client.Client, portID, serverHint string, b Bounds) error {
	b = b.withDefaults()
	server := serverHint
	for attempt := 1; ; attempt++ {
		s, err := deletePort(ctx, c, portID, server, b)
		if err != nil {
			return err
		}
		if s != "" {
			server = s
		}
		p, ex, err := portState(ctx, c, portID, b)
		if err != nil {
			return fmt.Errorf("port %s: its delete answered success, and reading it back failed: %w; if it is still there: %s", portID, err, DeleteHint(portID))
		}
		if p == nil {
			break
		}
		if p.DeviceID != "" && strings.HasPrefix(p.DeviceOwner, "compute:") {
			server = p.DeviceID
		}
		if attempt >= Attempts {
			return fmt.Errorf("port %s is still there after %d deletes the target answered as done (%s); remove it by hand: %s", portID, attempt, ex, DeleteHint(portID))
		}
		if err := pause(ctx, b.Poll<<attempt); err != nil {
			return fmt.Errorf("port %s is still there after its delete: %w; remove it by hand: %s", portID, err, DeleteHint(portID))
		}
	}
	if server == "" {
		return nil
	}
	return offServer(ctx, c, portID, server, b)
}

// DeleteHint tells a person how to delete a port by hand.
func DeleteHint(portID string) string {
	return fmt.Sprintf("DELETE …/v2.0/ports/%s (openstack port delete %s)", portID, portID)
}

// DetachHint tells a person how to detach a NIC by hand.
func DetachHint(serverID, portID string) string {
	return fmt.Sprintf("DELETE …/v2.1/{project_id}/servers/%s/os-interface/%s (openstack server remove port %s %s)", serverID, portID, serverID, portID)
}

// pause waits d, or until ctx ends (its error).
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// portState reads a port back: nil when the target says it is gone
// (404), the port and the exchange that shows it when it is there, an
// error when the target did not say.
func portState(ctx context.Context, c *client.Client, portID string, b Bounds) (*client.Port, *client.Exchange, error) {
	type shown struct {
		p  client.Port
		ex *client.Exchange
	}
	s, err := bounded(ctx, b, func(ctx context.Context) (shown, error) {
		p, ex, err := c.GetPort(ctx, portID)
		return shown{p, ex}, err
	})
	switch {
	case errors.Is(err, client.ErrNotFound):
		return nil, s.ex, nil
	case err != nil:
		return nil, s.ex, fmt.Errorf("show port %s: %w", portID, err)
	}
	return &s.p, s.ex, nil
}

// offServer awaits port's NIC off server within the detach bound, and
// detaches a NIC still listed then, and awaits it again.
func offServer(ctx context.Context, c *client.Client, portID, server string, b Bounds) error {
	off := func(what string) error {
		w := Wait{What: what, Timeout: b.Detach, Interval: b.Poll, Progress: b.Progress}
		return Until(ctx, w, func(g gomega.Gomega) {
			ok, why, err := Detached(ctx, c, server, portID)
			g.Expect(err).NotTo(gomega.HaveOccurred())
			g.Expect(ok).To(gomega.BeTrue(), why)
		})
	}
	err := off(fmt.Sprintf("the NIC of deleted port %s to leave server %s", portID, server))
	if err == nil {
		return nil
	}
	dex, derr := bounded(ctx, b, func(ctx context.Context) (*client.Exchange, error) { return c.Detach(ctx, server, portID) })
	if derr != nil && !errors.Is(derr, client.ErrNotFound) {
		return fmt.Errorf("port %s was deleted and its NIC is still listed on server %s (%v), and detaching it failed: %w; detach it by hand: %s", portID, server, err, derr, DetachHint(server, portID))
	}
	if err := off(fmt.Sprintf("the NIC of deleted port %s to leave server %s after its detach (%s)", portID, server, dex)); err != nil {
		return fmt.Errorf("port %s was deleted and its NIC is still listed on server %s after a detach: %w; detach it by hand: %s", portID, server, err, DetachHint(server, portID))
	}
	return nil
}

// deletePort deletes a port by the removal policy of RemovePort (delete
// first; on 409 detach, then delete within the detach bound), and returns
// the server it learnt the port was bound to, if any.
func deletePort(ctx context.Context, c *client.Client, portID, serverHint string, b Bounds) (string, error) {
	ex, err := bounded(ctx, b, func(ctx context.Context) (*client.Exchange, error) { return c.DeletePort(ctx, portID) })
	if err == nil || errors.Is(err, client.ErrNotFound) {
		return "", nil
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
			return "", nil
		}
	}
	if ex == nil || ex.Status != http.StatusConflict {
		return "", fmt.Errorf("delete port %s: %w", portID, err)
	}
	server := serverHint
	if p, err := bounded(ctx, b, func(ctx context.Context) (client.Port, error) {
		p, _, err := c.GetPort(ctx, portID)
		return p, err
	}); err == nil && p.DeviceID != "" && strings.HasPrefix(p.DeviceOwner, "compute:") {
		server = p.DeviceID
	}
	if server == "" {
		return "", fmt.Errorf("delete port %s: the target keeps it (409), and it names no server to detach it from: %s", portID, ex)
	}
	if _, err := bounded(ctx, b, func(ctx context.Context) (client.Interface, error) {
		n, _, err := c.GetInterface(ctx, server, portID)
		return n, err
	}); err == nil {
		dex, err := bounded(ctx, b, func(ctx context.Context) (*client.Exchange, error) { return c.Detach(ctx, server, portID) })
		switch {
		case err != nil:
			return server, fmt.Errorf("detach port %s from server %s: %w", portID, server, err)
		case dex.Status >= 300 && dex.Status != http.StatusNotFound:
			return server, fmt.Errorf("detach port %s from server %s: %s", portID, server, dex)
		}
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
		return server, fmt.Errorf("remove port %s: %w", portID, err)
	}
	return server, nil
}
