// Package overlap is the engine of an overlapped run: the bookkeeping that
// lets the waits of a run against a live target (the refusals' settle
// windows, the primary NIC's watch, each detach's completion) run side by
// side on one server without blaming one rule for another's change. It
// holds, per server, the NIC gate (Gate: at most MaxNICs attached at once,
// slots taken in arrival order, NIC operations queued once the target
// answers a busy 409, exclusive windows) and the snapshots a look compares
// (Snapshot, Change). It judges nothing and calls no Ginkgo: it returns
// errors and evidence, and internal/fixtures (the world a spec builds, the
// plan that runs the work) uses it. It keeps no package-level mutable
// state: everything belongs to a value of one run.
package overlap
