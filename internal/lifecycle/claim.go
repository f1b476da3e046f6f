package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/nicconform/nicconform/internal/client"
)

// A claim is how a run (the suite's, or explore's) holds its server
// against other runs, through the API alone: an unattached port on the
// run's network named
//
//	nicconform-<run>-claim-<server id>-<start, unix ns>-<ttl, s>[-r<renewed, unix ns>]
//
// Before it creates anything else a run creates its claim, and Contest
// decides whether it holds the server: its claim must be the first live
// claim for the server by (start, port id), at a first look and again after
// a short pause, so that a run whose claim landed in between is seen.
//
// The claim is a lease: while it lives, the run renames its claim every
// LeaseRenew with the time of the renewal (-r…), which any other machine
// reads in the port listing. A renewed claim is live while its last
// renewal is younger than LeaseFresh; a claim never renewed (the target
// refuses the rename, PUT /v2.0/ports/{id}, or the run is in its first
// seconds) is live until its start plus its ttl (ClaimTTL). A claim that
// is not live is its dead run's, and `nicconform sweep` removes it like
// any other leftover; a live one it spares, unless told -run ID -force.
var claimName = regexp.MustCompile(`^nicconform-(.+)-claim-(.+)-([0-9]+)-([0-9]+)(?:-r([0-9]+))?$`)

// LeaseRenew is how often a run renews its lease; LeaseFresh how long a
// renewal keeps the lease live: 12 renewals, so that a slow or briefly
// failing target and clocks up to half a minute apart (the renewal's time
// is the run's clock, read by a sweep's) do not make a live run's lease
// look expired.
const (
	LeaseRenew = 5 * time.Second
	LeaseFresh = time.Minute
)

// Claim is one parsed claim port.
type Claim struct {
	PortID, Run, ServerID string
	Start                 time.Time
	TTL                   time.Duration
	// Renewed is the lease's last renewal (zero: never renewed).
	Renewed time.Time
}

// Live reports whether the claim's run holds it at now, and why (its
// lease's age, or its ttl for a claim never renewed).
func (c Claim) Live(now time.Time) (bool, string) {
	if !c.Renewed.IsZero() {
		age := now.Sub(c.Renewed).Round(time.Second)
		if age < LeaseFresh {
			return true, fmt.Sprintf("its lease was renewed %s ago (fresh for %s)", age, LeaseFresh)
		}
		return false, fmt.Sprintf("its lease expired: last renewed %s ago (a live run renews it every %s)", age, LeaseRenew)
	}
	if end := c.Start.Add(c.TTL); now.Before(end) {
		return true, fmt.Sprintf("its claim was never renewed (the target refused the renewal, or the run has just started) and lives until its ttl ends, %s", end.UTC().Format(time.RFC3339))
	}
	return false, fmt.Sprintf("its claim was never renewed and its ttl (%s) ended", c.TTL)
}

// Renewal is the claim's name renewed at t.
func (c Claim) Renewal(t time.Time) string {
	return fmt.Sprintf("nicconform-%s-claim-%s-%d-%d-r%d", c.Run, c.ServerID, c.Start.UnixNano(), int64(c.TTL/time.Second), t.UnixNano())
}

// ClaimTTL bounds how long a run can hold a server: the longest a run can
// take, 50 detach bounds (4 h 10 min at the live default of 300 s), and at
// least two hours.
func ClaimTTL(detachTimeout time.Duration) time.Duration {
	return max(2*time.Hour, 50*detachTimeout).Truncate(time.Second)
}

// ClaimName is the name of a run's claim on a server, started now.
func ClaimName(runID, serverID string, start time.Time, detachTimeout time.Duration) string {
	return fmt.Sprintf("nicconform-%s-claim-%s-%d-%d", runID, serverID, start.UnixNano(), int64(ClaimTTL(detachTimeout)/time.Second))
}

// ParseClaim reads a claim port's name; ok is false for any other port.
func ParseClaim(p client.Port) (Claim, bool) {
	m := claimName.FindStringSubmatch(p.Name)
	if m == nil {
		return Claim{}, false
	}
	start, err1 := strconv.ParseInt(m[3], 10, 64)
	ttl, err2 := strconv.ParseInt(m[4], 10, 64)
	if err1 != nil || err2 != nil {
		return Claim{}, false
	}
	c := Claim{PortID: p.ID, Run: m[1], ServerID: m[2], Start: time.Unix(0, start), TTL: time.Duration(ttl) * time.Second}
	if m[5] != "" {
		renewed, err := strconv.ParseInt(m[5], 10, 64)
		if err != nil {
			return Claim{}, false
		}
		c.Renewed = time.Unix(0, renewed)
	}
	return c, true
}

// ClaimHolder returns the first live claim for a server among the ports of
// a network, by (start, port id).
func ClaimHolder(ctx context.Context, c *client.Client, networkID, serverID string) (Claim, error) {
	ports, _, err := c.ListPorts(ctx, client.ListPortsOpts{NetworkID: networkID})
	if err != nil {
		return Claim{}, fmt.Errorf("list the claims on network %s: %w", networkID, err)
	}
	var live []Claim
	for _, p := range ports {
		if cl, ok := ParseClaim(p); ok && cl.ServerID == serverID {
			if alive, _ := cl.Live(time.Now()); alive {
				live = append(live, cl)
			}
		}
	}
	if len(live) == 0 {
		return Claim{}, fmt.Errorf("the claim of server %s is not among the ports of network %s", serverID, networkID)
	}
	sort.Slice(live, func(i, j int) bool {
		if !live[i].Start.Equal(live[j].Start) {
			return live[i].Start.Before(live[j].Start)
		}
		return live[i].PortID < live[j].PortID
	})
	return live[0], nil
}

// Contest decides whether the run whose claim port is mine (created in
// created) holds the server: it returns nil when it does, else an error
// naming the run that holds it and how to remove a dead one's claim. It
// looks twice, the second time after a pause of three creations (at
// least a second), so a claim created while this one was listed is seen.
func Contest(ctx context.Context, c *client.Client, networkID, serverID, mine string, created time.Duration) error {
	for look := range 2 {
		holder, err := ClaimHolder(ctx, c, networkID, serverID)
		if err != nil {
			return err
		}
		if holder.PortID != mine {
			_, why := holder.Live(time.Now())
			return fmt.Errorf("another run holds server %s: run %s, since %s (its claim: port %s; %s). Wait for it to end; if it is dead, remove its claim with `nicconform sweep -run %s -force`",
				serverID, holder.Run, holder.Start.UTC().Format(time.RFC3339), holder.PortID, why, holder.Run)
		}
		if look == 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(max(time.Second, 3*created)):
			}
		}
	}
	return nil
}

// ErrClaimGone is why a lease's renewals end when its claim port is gone
// (404 to the renewal): another client removed it.
var ErrClaimGone = errors.New("the claim is gone")

// Lease renews a claim's lease in the background (KeepLease) until Stop.
type Lease struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	last   time.Time
}

// KeepLease renews cl at once and then every LeaseRenew, renaming its
// port (client.RenamePort) to cl.Renewal(now), until Stop or until the
// renewals end on their own: the claim is gone (ErrClaimGone) or the
// target refuses the rename (a 4xx but 429: the claim keeps its ttl).
// notify is called from the renewing goroutine with each failure, final
// when the renewals end with it; a failure that is not final (no answer,
// a 5xx) is tried again at the next renewal. created is the claim's
// creation, the lease's first renewal. ctx carries the requests' values
// (an owner); its end stops the renewals too.
func KeepLease(ctx context.Context, c *client.Client, cl Claim, created time.Time, notify func(err error, final bool)) *Lease {
	ctx, cancel := context.WithCancel(ctx)
	l := &Lease{cancel: cancel, done: make(chan struct{}), last: created}
	go func() {
		defer close(l.done)
		tick := time.NewTicker(LeaseRenew)
		defer tick.Stop()
		for {
			now := time.Now()
			rctx, rcancel := context.WithTimeout(ctx, CleanupRequest)
			_, ex, err := c.RenamePort(rctx, cl.PortID, cl.Renewal(now))
			rcancel()
			switch {
			case ctx.Err() != nil:
				return
			case err == nil:
				l.mu.Lock()
				l.last = now
				l.mu.Unlock()
			case errors.Is(err, client.ErrNotFound):
				notify(fmt.Errorf("%w: port %s answered 404 to the renewal of its lease", ErrClaimGone, cl.PortID), true)
				return
			case ex != nil && ex.Status >= 400 && ex.Status < 500 && ex.Status != http.StatusTooManyRequests:
				notify(fmt.Errorf("the target refused to renew the lease (rename of claim port %s): %s", cl.PortID, ex), true)
				return
			default:
				notify(fmt.Errorf("renew the lease of claim port %s: %w", cl.PortID, err), false)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return l
}

// Renewed is when the target last took the lease.
func (l *Lease) Renewed() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// Stop ends the renewals and waits for the one in flight.
func (l *Lease) Stop() {
	if l == nil {
		return
	}
	l.cancel()
	<-l.done
}
