package overlap

import (
	"sync"

	"github.com/nicconform/nicconform/internal/client"
)

// Assigned are the exchanges of a run already assigned to a report entry:
// each exchange is attached once (exchanges.har holds every one exactly
// once), whichever spec or suite node attaches it. The zero value holds
// none; safe for concurrent use.
type Assigned struct {
	mu    sync.Mutex
	taken map[*client.Exchange]bool
}

// Take assigns the exchanges of from that keep selects and nobody has
// taken yet, in from's order, and returns them.
func (c *Assigned) Take(from []*client.Exchange, keep func(*client.Exchange) bool) []*client.Exchange {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.taken == nil {
		c.taken = map[*client.Exchange]bool{}
	}
	var out []*client.Exchange
	for _, ex := range from {
		if !c.taken[ex] && keep(ex) {
			c.taken[ex] = true
			out = append(out, ex)
		}
	}
	return out
}
