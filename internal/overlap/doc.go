// Package overlap is the engine of an overlapped run: the bookkeeping that
// lets the waits of a run against a live target (the refusals' settle
// windows, the primary NIC's watch, each detach's completion) run side by
// side on one server without blaming one rule for another's change. It
// holds a server's NIC gate (Gate: at most MaxNICs attached at once,
// slots taken in arrival order, NIC operations queued once the target
// answers a busy 409, exclusive windows); the ledger of expectations
// (Expectations: what the run expects of every NIC and port it knows, the
// causes of change in time, the anomalies a look found, and the comparison
// of what a look read with it, CompareNICs and ComparePort, and the causes
// that overlapped a change, Overlapping); the binding of
// the ports the run attached (Binding: DOWN or BUILD read as the attach
// finishing); the snapshots a look compares (Snapshot, Difference); and the
// exchanges already assigned to a report entry (Assigned: each in one). It
// judges nothing and calls no Ginkgo: it returns errors and evidence, and
// internal/fixtures (the world a spec builds, the plan that runs the work)
// uses it; it never imports internal/fixtures. It keeps no package-level
// mutable state: everything belongs to a value of one run.
package overlap
