#!/usr/bin/env bash
# Issue 26's before and after table: the suite once against the mock
# behind internal/faultproxy in each fault mode (BenchmarkHostileFaults,
# password auth with a canary password), printing per mode the exit
# status, wall time, peak RSS of the suite process, what it left on the
# mock (looked at afterwards) against the leaks its report names, and the
# renderings of a credential found in its outputs plus the requests that
# reached the redirect's catcher.
# Usage: scripts/bench-hostile.sh [commit [mode regexp]]
#   commit: run the suite built from that commit instead of this tree's
#   (e.g. 239cf17, before issue 26), under a 4 GiB address-space cap
#   (before the fixes a size fault grew to the machine's limit): a run
#   the cap stops reads "rc 2" with its peak RSS near the cap.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/hermetic.sh
rev=${1:-}
log=$(mktemp)
tmp=$(mktemp -d)
cleanup() {
  [ -z "$rev" ] || git worktree remove --force "$tmp/src" >/dev/null 2>&1 || true
  rm -rf "$tmp" "$log"
}
trap cleanup EXIT
if [ -n "$rev" ]; then
  git worktree add --detach -q "$tmp/src" "$rev"
  (cd "$tmp/src" && go test -c -o "$tmp/suite.test" ./suites/detach)
  printf '#!/bin/sh\nexec prlimit --as=%d "%s" "$@"\n' $((4 << 30)) "$tmp/suite.test" >"$tmp/suite"
  chmod +x "$tmp/suite"
  export NICCONFORM_FIDELITY_SUITE=$tmp/suite
fi
status=0
go test -count=1 -run '^$' -bench "^BenchmarkHostileFaults\$/${2:-.}" -benchtime 1x -timeout 90m ./internal/fidelity >"$log" 2>&1 || status=$?
printf '%-20s %3s %8s %9s %5s %9s %9s\n' mode rc wall 'peak RSS' left reported canaries
sed -n 's/.*hostile \([a-z-]*\) *rc \([0-9-]*\) wall \([0-9.]*s\) peak RSS \([0-9]*\) MiB left \([0-9]*\) reported \([0-9]*\) canaries \([0-9]*\).*/\1 \2 \3 \4 \5 \6 \7/p' "$log" |
  while read -r mode rc wall rss left reported canaries; do
    printf '%-20s %3s %8s %5s MiB %5s %9s %9s\n' "$mode" "$rc" "$wall" "$rss" "$left" "$reported" "$canaries"
  done
if [ "$status" -ne 0 ]; then
  tail -60 "$log"
fi
exit "$status"
