#!/usr/bin/env bash
# The suite's own figures: wall time against the embedded mock (serial and
# -p), and against `nicconform mock` with a live-like detach latency as a
# configured target (scripts/bench-live.sh), where the wall time is compared
# with the detach bound (the primary NIC's watch, the longest the catalog
# mandates), with the calls, ports and NICs a run costs.
# Usage: scripts/bench-suite.sh [live-like delay, default 2s]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/hermetic.sh
delay=${1:-2s}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go test -c -o "$out/suite.test" ./suites/detach

secs() { python3 -c 'import sys,time; print(f"{float(sys.argv[1]):.2f}")' "$1"; }
run() { # label, env…
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  (cd "$out" && env "$@" ./suite.test -test.run='^TestDetach$' -ginkgo.randomize-all >"$out/$label.log" 2>&1) || { echo "$label: the suite failed"; tail -30 "$out/$label.log"; exit 1; }
  end=$(date +%s.%N)
  echo "$(python3 -c "print(f'{$end-$start:.2f}')")"
}

echo "== embedded mock, default delay (50ms)"
for i in 1 2 3; do echo "serial run $i: $(run serial NICCONFORM_REPORT_DIR="$out/serial") s"; done
go build -o "$out/ginkgo" github.com/onsi/ginkgo/v2/ginkgo
for i in 1 2 3; do
  start=$(date +%s.%N)
  NICCONFORM_REPORT_DIR="$out/p" "$out/ginkgo" -p --randomize-all --no-color --succinct ./suites/detach >"$out/p.log" 2>&1 || { tail -30 "$out/p.log"; exit 1; }
  end=$(date +%s.%N)
  echo "-p (2 processes) run $i: $(python3 -c "print(f'{$end-$start:.2f}')") s (includes ginkgo's own start)"
done

echo "== nicconform mock as a separate process with a live-like detach latency of $delay, configured as a target (serial, one server), bound 30s"
scripts/bench-live.sh "$delay" 30s 500ms
