#!/usr/bin/env bash
# conformance.sh: the suite against the cloud up.sh brought up, with the nova
# profile, once per auth form (token, then password login), each run's
# verdicts checked against the ground truth (expected.json, by verdicts/),
# and the cloud checked for what a run left: the NICs of both servers must
# be the ones they had before, and no port of the run (named nicconform-…)
# may be left in the project. First, the upstream behaviours the reference
# mock models under the nova profile (internal/upstream) are observed on
# the cloud (observe/). `make conformance-openstack` runs it.
#
#   Usage: scripts/openstack/conformance.sh [token|password]...   (default: token password)
#   NICCONFORM_OPENSTACK_STATE  the state folder up.sh used (default /tmp/nicconform-openstack)
#   REPORT_DIR                  reports go to $REPORT_DIR/openstack/<auth> (default reports)
#
# Exit status: 0 every verdict right, every upstream behaviour seen and
# nothing left; 1 a wrong verdict, a behaviour not seen or something left
# on the cloud; 2 the cloud is not up (run up.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=scripts/openstack
S=${NICCONFORM_OPENSTACK_STATE:-/tmp/nicconform-openstack}
REPORTS=$(mkdir -p "${REPORT_DIR:-reports}" && cd "${REPORT_DIR:-reports}" && pwd)/openstack
[ -f "$S/password.env" ] || { echo "conformance.sh: no $S/password.env: run scripts/openstack/up.sh first" >&2; exit 2; }
[ -x bin/nicconform ] || { echo "conformance.sh: no bin/nicconform: make build" >&2; exit 2; }
go build -o bin/openstack-verdicts ./$HERE/verdicts
go build -o bin/openstack-observe ./$HERE/observe
auths=("$@")
[ ${#auths[@]} -gt 0 ] || auths=(token password)

# The run's environment: only what up.sh wrote (hermetic.sh forgets the rest).
world() {
  . scripts/hermetic.sh
  # shellcheck disable=SC1091
  . "$S/password.env"
}
# nics SERVER: the server's NIC port ids, sorted; ports: the project's ports named nicconform-*.
api() { curl -sS -m 60 -H "X-Auth-Token: $TOKEN" "$@"; }
nics() { api "$NICCONFORM_COMPUTE_URL/v2.1/servers/$1/os-interface" | /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(a["port_id"] for a in json.load(sys.stdin)["interfaceAttachments"])))'; }
ports() { api "$NICCONFORM_NETWORK_URL/v2.0/ports?project_id=$NICCONFORM_PROJECT_ID" | /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(p["id"]+"("+p["name"]+")" for p in json.load(sys.stdin)["ports"] if p["name"].startswith("nicconform-"))))'; }

status=0
echo "== the mock's upstream behaviours (internal/upstream), on the cloud"
( world; NICCONFORM_AUTH_TOKEN=$("$HERE/token.sh") bin/openstack-observe ) || status=1
for auth in "${auths[@]}"; do
  (
    world
    TOKEN=$("$HERE/token.sh")
    case "$auth" in
      token) unset OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_USER_DOMAIN_NAME OS_PROJECT_ID; export NICCONFORM_AUTH_TOKEN=$TOKEN ;;
      password) ;;
      *) echo "conformance.sh: unknown auth form $auth (token or password)" >&2; exit 2 ;;
    esac
    before_a=$(nics "$NICCONFORM_SERVER_ID"); before_b=$(nics "$NICCONFORM_OTHER_SERVER_ID")
    echo "== $auth auth: agent poll $(cat "$S/run/fake-l2-agent.poll" 2>/dev/null || echo ?)s; NICs before: a=[$before_a] b=[$before_b]"
    start=$(date +%s)
    rc=0; bin/nicconform run -report-dir "$REPORTS/$auth" >"$REPORTS.$auth.log" 2>&1 || rc=$?
    echo "nicconform run: exit $rc in $(( $(date +%s) - start ))s (log $REPORTS.$auth.log)"
    bad=0
    bin/openstack-verdicts -expected "$HERE/expected.json" -report "$REPORTS/$auth" || bad=1
    after_a=$(nics "$NICCONFORM_SERVER_ID"); after_b=$(nics "$NICCONFORM_OTHER_SERVER_ID"); left=$(ports)
    if [ "$after_a" != "$before_a" ] || [ "$after_b" != "$before_b" ] || [ -n "$left" ]; then
      echo "LEFT ON THE CLOUD: NICs a=[$after_a] b=[$after_b] (were [$before_a] [$before_b]); ports of the run: [$left]"
      bad=1
    else
      echo "nothing left on the cloud: NICs as before, no port named nicconform-*"
    fi
    exit $bad
  ) || status=1
done
exit $status
