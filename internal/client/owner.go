package client

import "context"

// ownerKey is the context key of an exchange's owner.
type ownerKey struct{}

// WithOwner returns a context whose requests are recorded with owner as
// their Exchange.Owner: a caller that runs several pieces of work at once
// on one client (nicconform's overlapped run) tells their exchanges apart
// by it. The empty owner is the default.
func WithOwner(ctx context.Context, owner string) context.Context {
	return context.WithValue(ctx, ownerKey{}, owner)
}

// OwnerOf returns the owner WithOwner put in ctx, or "".
func OwnerOf(ctx context.Context) string {
	owner, _ := ctx.Value(ownerKey{}).(string)
	return owner
}
