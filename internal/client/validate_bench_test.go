package client

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// A list answer of 1 MiB of junk items ({} each: every item breaks its
// schema several ways) costs a bounded validation: the errors of an
// answer over multiErrorBody are not all collected.
//
//	go test -run '^$' -bench ValidateJunkList -benchmem -benchtime 3x ./internal/client
//
// Measured (2 cores, shared): before the cap 1.97 GB and 20 s per
// exchange; after it 228 MB and 1.5 s, nearly all of it decoding the
// 350,000 items into []Interface.
func BenchmarkValidateJunkList(b *testing.B) {
	body := `{"interfaceAttachments":[{}` + strings.Repeat(",{}", (MaxBody-40)/3) + `]}`
	tg := newTarget(b, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, "application/json", body)
	})
	c := newClient(b, tg.URL)
	ctx := context.Background()
	for b.Loop() {
		if _, _, err := c.ListInterfaces(ctx, server); err == nil {
			b.Fatal("a junk list was accepted")
		}
	}
}
