package lifecycle

import (
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
)

// A claim's name carries its run, server, start and ttl, and reads back;
// other ports are no claims.
func TestClaimNameReadsBack(t *testing.T) {
	start := time.Unix(1795979648, 895504059)
	name := ClaimName("tpa2rkzyho", "76b83c73-76d9-4eee-b0a7-5f0e9af79940", start, 10*time.Second)
	c, ok := ParseClaim(client.Port{ID: "p1", Name: name})
	if !ok || c.Run != "tpa2rkzyho" || c.ServerID != "76b83c73-76d9-4eee-b0a7-5f0e9af79940" || !c.Start.Equal(start) || c.TTL != 2*time.Hour || c.PortID != "p1" {
		t.Errorf("%s → %+v, %v", name, c, ok)
	}
	for _, other := range []string{"nicconform-run-witness", "nicconform-run-claim-s-x-1", "my-port"} {
		if _, ok := ParseClaim(client.Port{Name: other}); ok {
			t.Errorf("%q read as a claim", other)
		}
	}
	if got := ClaimTTL(300 * time.Second); got != 250*time.Minute {
		t.Errorf("ClaimTTL(300s) = %s", got)
	}
}
