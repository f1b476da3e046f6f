package mock_test

import (
	"context"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
	"github.com/nicconform/nicconform/internal/mock"
)

// A hold holds the first request it matches before the mock applies it,
// lets the others pass, and applies the held one once released, though
// its client has gone.
func TestHoldsHoldAnOperationUntilReleased(t *testing.T) {
	var holds mock.Holds
	lock := holds.Add(func(op mock.Operation) bool { return op.Name == "lock" })
	create := holds.Add(func(op mock.Operation) bool { return op.Name == "createPort" && op.PortName == "held" })
	srv, err := mock.NewServerWithHolds(mock.Options{}, &holds)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	seed := srv.Mock.Seed()
	server := seed.Servers[0].ServerID
	c, err := client.New(client.Config{ComputeURL: srv.URL, ProjectID: seed.ProjectID, Auth: client.Token(mock.DefaultToken)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := c.CreatePort(ctx, seed.NetworkID, "passes"); err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(ctx)
	go func() { _, _, _ = c.CreatePort(gone, seed.NetworkID, "held") }()
	<-create.Reached()
	if op := create.Held(); op.Name != "createPort" || op.PortName != "held" {
		t.Errorf("held %+v", op)
	}
	cancel() // the client goes away
	time.Sleep(20 * time.Millisecond)
	if n := len(srv.Mock.Ports()); n != 2 {
		t.Fatalf("%d ports before the release, want 2 (the primary and the one that passed)", n)
	}
	create.Release()
	deadline := time.Now().Add(5 * time.Second)
	for len(srv.Mock.Ports()) != 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(srv.Mock.Ports()); n != 3 {
		t.Fatalf("%d ports after the release, want 3", n)
	}
	go func() { _, _ = c.LockWithReason(ctx, server, "why") }()
	<-lock.Reached()
	if locked, _ := srv.Mock.Locked(server); locked {
		t.Error("locked before the release")
	}
	if op := lock.Held(); op.ServerID != server {
		t.Errorf("held %+v", op)
	}
	lock.Release()
	for time.Now().Before(deadline) {
		if locked, reason := srv.Mock.Locked(server); locked && reason != nil && *reason == "why" {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Error("the released lock did not land")
}
