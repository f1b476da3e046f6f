#!/usr/bin/env bash
# A target whose detach never completes: `nicconform mock -deviation
# never-completes` started as its own process, configured as a target, and
# `nicconform run` against it (the default poll). Prints the run's wall time
# and its exit (1: DETACH-COMPLETES fails); the run must end within 2 × the
# detach bound + 1 minute (issue 21).
# Usage: scripts/bench-never-completes.sh [detach bound, default 20s]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/hermetic.sh
bound=${1:-20s}
out=$(mktemp -d)
mock=
trap '[ -n "$mock" ] && { kill $mock 2>/dev/null || true; wait $mock 2>/dev/null || true; }; rm -rf "$out"' EXIT
go build -o "$out/nicconform" ./cmd/nicconform

"$out/nicconform" mock -addr 127.0.0.1:0 -deviation never-completes >"$out/ids" 2>"$out/mock.log" &
mock=$!
for _ in $(seq 100); do grep -q '^IDS ' "$out/ids" 2>/dev/null && break; sleep 0.05; done
field() { grep '^IDS ' "$out/ids" | sed -n 1p | tr ' ' '\n' | sed -n "s/^$1=//p"; }
url=$(sed -n 's/^LISTEN //p' "$out/ids")
[ -n "$url" ] || { echo "nicconform mock did not start:"; cat "$out/mock.log"; exit 1; }
start=$(date +%s.%N)
status=0
env NICCONFORM_COMPUTE_URL="$url" NICCONFORM_PROJECT_ID="$(field project)" NICCONFORM_NETWORK_ID="$(field network)" \
  NICCONFORM_SERVER_ID="$(field server)" NICCONFORM_AUTH_TOKEN=nicconform-dev-token NICCONFORM_DETACH_TIMEOUT="$bound" \
  NICCONFORM_REPORT_DIR="$out/reports" "$out/nicconform" run >"$out/run.log" 2>&1 || status=$?
end=$(date +%s.%N)
grep -h '^nicconform: [0-9]* pass' "$out/run.log" | tail -1 || true
python3 -c "import sys; print(f'never-completes, detach bound {sys.argv[3]}: wall {float(sys.argv[2])-float(sys.argv[1]):.1f} s, exit {sys.argv[4]}')" "$start" "$end" "$bound" "$status"
