#!/usr/bin/env bash
# interrupt.sh: a run stopped part way, and nothing left on the cloud after it
# (docs/openstack.md): `interrupt.sh INT 90` sends SIGINT to `nicconform run`
# 90 s in and checks the cloud once it has ended; `interrupt.sh KILL 90`
# SIGKILLs the run's whole process group, runs `nicconform sweep` (with the
# run's journal) and checks the cloud after it. Token auth.
# Exit status: 0 nothing left, 1 something left, 2 bad usage.
set -uo pipefail
cd "$(dirname "$0")/../.."
sig=${1:-INT}; after=${2:-90}
case "$sig" in INT|KILL) ;; *) echo "usage: $0 INT|KILL [seconds]" >&2; exit 2 ;; esac
S=${NICCONFORM_OPENSTACK_STATE:-/tmp/nicconform-openstack}
dir=$(mkdir -p "${REPORT_DIR:-reports}/openstack-$sig" && cd "${REPORT_DIR:-reports}/openstack-$sig" && pwd)
. scripts/hermetic.sh
. "$S/password.env"
TOKEN=$(scripts/openstack/token.sh)
unset OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_USER_DOMAIN_NAME OS_PROJECT_ID
export NICCONFORM_AUTH_TOKEN=$TOKEN
api() { curl -sS -m 60 -H "X-Auth-Token: $TOKEN" "$@"; }
nics() { api "$NICCONFORM_COMPUTE_URL/v2.1/servers/$1/os-interface" | /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(a["port_id"] for a in json.load(sys.stdin)["interfaceAttachments"])))'; }
ports() { api "$NICCONFORM_NETWORK_URL/v2.0/ports?project_id=$NICCONFORM_PROJECT_ID" | /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(p["id"]+"("+p["name"]+")" for p in json.load(sys.stdin)["ports"] if p["name"].startswith("nicconform-"))))'; }
locked() { api "$NICCONFORM_COMPUTE_URL/v2.1/servers/$1" -H 'OpenStack-API-Version: compute 2.9' | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["server"].get("locked"))'; }
before_a=$(nics "$NICCONFORM_SERVER_ID"); before_b=$(nics "$NICCONFORM_OTHER_SERVER_ID")
setsid bin/nicconform run -report-dir "$dir" >"$dir.log" 2>&1 </dev/null &
pid=$!
sleep "$after"
if [ "$sig" = INT ]; then kill -INT "$pid"; else kill -KILL -- "-$pid"; fi
start=$(date +%s); wait "$pid"; rc=$?
echo "SIG$sig at ${after}s: nicconform run ended (exit $rc) $(( $(date +%s) - start ))s after the signal"
if [ "$sig" = KILL ]; then
  bin/nicconform sweep -journal "$dir/journal.jsonl" 2>&1 | tail -5
fi
after_a=$(nics "$NICCONFORM_SERVER_ID"); after_b=$(nics "$NICCONFORM_OTHER_SERVER_ID"); left=$(ports)
lock=$(locked "$NICCONFORM_SERVER_ID")
if [ "$after_a" != "$before_a" ] || [ "$after_b" != "$before_b" ] || [ -n "$left" ] || [ "$lock" != False ]; then
  echo "LEFT ON THE CLOUD: NICs a=[$after_a] b=[$after_b] (were [$before_a] [$before_b]); ports [$left]; server locked: $lock"
  exit 1
fi
echo "nothing left on the cloud: NICs as before, no port named nicconform-*, server unlocked"
