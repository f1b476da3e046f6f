// Package client is the HTTP client every spec and fixture uses to talk to a
// target (the reference mock, or a live cloud region).
//
// It builds URLs with one escaped segment per id, authenticates each
// attempt (an [Authenticator] per way to authenticate, each making its own
// wrong credential for AUTH-INVALID and naming what it redacts), retries 429
// and 503 with backoff (honouring Retry-After), validates every exchange
// against spec/openapi.yaml with kin-openapi (closing kin-openapi's gaps:
// undocumented statuses, bodies and JSON content types on responses that
// document none), and records every attempt, secrets redacted, in a
// [Recorder].
//
// Compute requests carry the client's microversion ([Config.Microversion],
// [Client.WithMicroversion]) in both of Nova's headers; a call that needs a
// later one asks for it ([Client.GetServer] 2.9, [Client.LockWithReason]
// 2.73), and each [Exchange] records the one the target answered at.
//
// The layout follows gophercloud: client.go (Client, Config, Do, retries),
// exchange.go (Exchange, Violation, Recorder, redaction), validate.go
// (kin-openapi validation), auth*.go, requests.go (typed calls), results.go
// (decoded resources) and urls.go (URL building).
package client
