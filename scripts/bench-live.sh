#!/usr/bin/env bash
# The whole catalog against a live-like target: `nicconform mock` started as
# its own process with a detach latency, configured as a target (so the
# specs run serially on one server, as against a region), the primary probe
# allowed. Prints the wall time of the suite binary, its ratio to the detach
# bound, and what the run cost: HTTP calls, ports created, net_id NICs, and
# the most NICs the server's list showed at once (the primary included).
# Usage: scripts/bench-live.sh [delay, default 2s] [detach bound, default 30s] [poll, default 500ms]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/hermetic.sh
delay=${1:-2s} bound=${2:-30s} poll=${3:-500ms}
out=$(mktemp -d)
mock=
trap '[ -n "$mock" ] && { kill $mock 2>/dev/null || true; wait $mock 2>/dev/null || true; }; rm -rf "$out"' EXIT
go build -o "$out/nicconform" ./cmd/nicconform
go test -c -o "$out/suite.test" ./suites/detach

"$out/nicconform" mock -addr 127.0.0.1:0 -servers 2 -delay "$delay" >"$out/ids" 2>"$out/mock.log" &
mock=$!
for _ in $(seq 100); do [ "$(grep -c '^IDS ' "$out/ids" 2>/dev/null)" -ge 2 ] && break; sleep 0.05; done
field() { grep '^IDS ' "$out/ids" | sed -n "${1}p" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
url=$(sed -n 's/^LISTEN //p' "$out/ids")
[ -n "$url" ] || { echo "nicconform mock did not start:"; cat "$out/mock.log"; exit 1; }
server=$(field 1 server)

start=$(date +%s.%N)
status=0
(cd "$out" && env NICCONFORM_COMPUTE_URL="$url" NICCONFORM_PROJECT_ID="$(field 1 project)" \
  NICCONFORM_NETWORK_ID="$(field 1 network)" NICCONFORM_SERVER_ID="$server" \
  NICCONFORM_OTHER_SERVER_ID="$(field 2 server)" NICCONFORM_AUTH_TOKEN=nicconform-dev-token \
  NICCONFORM_ALLOW_PRIMARY_PROBE=true NICCONFORM_DETACH_TIMEOUT="$bound" NICCONFORM_POLL_INTERVAL="$poll" \
  NICCONFORM_REPORT_DIR="$out/reports" ./suite.test -test.run='^TestDetach$' -ginkgo.randomize-all -ginkgo.no-color >"$out/suite.log" 2>&1) || status=$?
end=$(date +%s.%N)
if [ $status -ne 0 ]; then echo "the suite failed (exit $status):"; tail -40 "$out/suite.log"; cat "$out/reports/conformance.md" 2>/dev/null; exit 1; fi
grep -h '^nicconform: ' "$out/suite.log" | tail -1 || true
python3 - "$out/reports/exchanges.har" "$start" "$end" "$delay" "$bound" "$server" "$out/reports/conformance.json" <<'PY'
import json, sys, re
har, start, end, delay, bound, server, conf = sys.argv[1:8]
def secs(s):
    m = re.fullmatch(r"([0-9.]+)(ms|s|m)", s)
    return float(m[1]) * {"ms": 1e-3, "s": 1, "m": 60}[m[2]]
wall = float(end) - float(start)
entries = json.load(open(har))["log"]["entries"]
ports = sum(1 for e in entries if e.get("_operation") == "createPort")
nets = sum(1 for e in entries if e.get("_operation") == "attachInterface"
           and '"net_id"' in (e["request"].get("postData") or {}).get("text", ""))
peak = 0
for e in entries:
    if e.get("_operation") == "listInterfaces" and "/servers/" + server + "/" in e["request"]["url"]:
        try:
            peak = max(peak, len(json.loads(e["response"]["content"].get("text") or "{}").get("interfaceAttachments", [])))
        except ValueError:
            pass
c = json.load(open(conf))
s = c["summary"]
cost = (c.get("cost") or {}).get("peakNICs", "not reported")
print(f"verdicts: {s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['skip']} skip; {len(c['leaks'])} left on the target")
print(f"delay {delay}, bound {bound}: wall time {wall:.1f} s = {wall / secs(bound):.2f} x the bound; "
      f"HTTP calls {len(entries)}; ports created {ports}; net_id NICs {nets}; "
      f"NICs at once: the run's count {cost}, the most a list showed {peak} (primary included); servers created 0")
PY
