#!/usr/bin/env bash
# The suite's own figures: wall time against the embedded mock (serial and
# -p), and against a mock with a live-like detach latency, where the wall
# time is compared with the unavoidable critical path (the detaches that must
# complete one after another on the one server), with the calls and ports a
# run costs. Usage: scripts/bench-suite.sh [live-like delay, default 2s]
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
  (cd "$out" && env "$@" ./suite.test -ginkgo.randomize-all >"$out/$label.log" 2>&1) || { echo "$label: the suite failed"; tail -30 "$out/$label.log"; exit 1; }
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

echo "== a mock with a live-like detach latency of $delay (serial, as against a live target)"
wall=$(run live NICCONFORM_REPORT_DIR="$out/live" NICCONFORM_MOCK_DELAY="$delay" NICCONFORM_DETACH_TIMEOUT=60s NICCONFORM_POLL_INTERVAL=100ms)
python3 - "$out/live/exchanges.har" "$wall" "$delay" <<'PY'
import json, sys, re
har, wall, delay = sys.argv[1], float(sys.argv[2]), sys.argv[3]
d = float(re.sub("ms$", "e-3", re.sub("s$", "", delay))) if not delay.endswith("ms") else float(delay[:-2]) / 1000
entries = json.load(open(har))["log"]["entries"]
ops = {}
for e in entries:
    ops[e.get("_operation") or "(probe)"] = ops.get(e.get("_operation") or "(probe)", 0) + 1
accepted = [e for e in entries if e.get("_operation") == "detachInterface" and 200 <= e["response"]["status"] < 300]
ports = ops.get("createPort", 0)
nets = sum(1 for e in entries if e.get("_operation") == "attachInterface" and '"net_id"' in (e["request"].get("postData") or {}).get("text", ""))
print(f"wall time: {wall:.1f} s; HTTP calls: {len(entries)}; ports created: {ports}; net_id NICs: {nets}; servers created: 0")
print(f"accepted detaches: {len(accepted)} (each completes {d:g} s later)")
PY
echo "the critical path and the ratio are worked out in the README's Performance section"
