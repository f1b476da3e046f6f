#!/usr/bin/env bash
# Peak RSS of a whole run against each size fault of the fault proxy
# (issue 26): the suite binary against the reference mock behind
# internal/faultproxy in mode huge-body (2 GiB bodies), gzip-bomb (1 GiB
# inflated), huge-headers (8 MiB header) or junk-list ({} items to 1 MiB),
# by the fidelity test TestSizeFaultsBounded (which bounds it loosely).
# Prints, per mode, the run's exit status (its report's), wall time, peak
# RSS (getrusage ru_maxrss of the suite process) and whether it meets the
# goal, 256 MiB. Exits with the test's status.
# Usage: scripts/bench-hostile-rss.sh [mode, a regexp; default every one]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/hermetic.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
go test -count=1 -v -timeout 30m -run "^TestSizeFaultsBounded\$/${1:-.}" ./internal/fidelity >"$log" 2>&1 || status=$?
printf '%-13s %3s %8s %10s  %s\n' mode rc wall 'peak RSS' 'goal <= 256 MiB'
sed -n 's/.*size fault \([a-z-]*\) *rc \([0-9-]*\) wall *\([0-9.]*s\) peak RSS *\([0-9]*\) MiB.*/\1 \2 \3 \4/p' "$log" |
  while read -r mode rc wall rss; do
    verdict=met
    [ "$rss" -le 256 ] || verdict=over
    printf '%-13s %3s %8s %6s MiB  %s\n' "$mode" "$rc" "$wall" "$rss" "$verdict"
  done
if [ "$status" -ne 0 ]; then
  tail -40 "$log"
fi
exit "$status"
