#!/usr/bin/env bash
# matrix.sh: the agent-speed matrix of docs/openstack.md: for each agent poll
# (default 0.2 1 3 s), up.sh at that poll (only the agent restarts), then
# RUNS runs of conformance.sh with token auth (default 3); one summary line
# per run. Exit status 1 when any run had a wrong verdict or left something.
#   Usage: [RUNS=3] scripts/openstack/matrix.sh [poll...]
set -uo pipefail
cd "$(dirname "$0")/../.."
polls=("$@")
[ ${#polls[@]} -gt 0 ] || polls=(0.2 1 3)
make -s build >/dev/null || { echo "matrix.sh: make build failed" >&2; exit 2; }
status=0
for poll in "${polls[@]}"; do
  NICCONFORM_OPENSTACK_AGENT_POLL=$poll scripts/openstack/up.sh >/dev/null 2>&1 || { echo "poll $poll: up.sh failed"; status=1; continue; }
  for i in $(seq 1 "${RUNS:-3}"); do
    out=$(REPORT_DIR=${REPORT_DIR:-reports}/matrix-$poll-$i scripts/openstack/conformance.sh token 2>&1); rc=$?
    [ $rc = 0 ] || status=1
    echo "poll ${poll}s run $i: exit $rc; $(grep -E '^[0-9]+ rules' <<<"$out"); $(grep -E '^cost:' <<<"$out"); $(grep -E '^(nothing left|LEFT)' <<<"$out")"
    grep -E 'WRONG|error naming' <<<"$out" | sed 's/^/    /'
  done
done
exit $status
