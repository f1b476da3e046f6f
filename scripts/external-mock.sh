#!/usr/bin/env bash
# Starts `nicconform mock` as its own process and runs the suite against it
# through the target contract alone (NICCONFORM_* from the printed ids), then
# checks that the verdicts are the embedded run's: every rule passes.
# Usage: [EXTERNAL_AUTH=token|aksk|password] scripts/external-mock.sh [report-dir] [extra mock flags…]
# EXTERNAL_AUTH picks the credentials, given to the suite as users give them
# (NICCONFORM_AUTH_TOKEN; HW_ACCESS_KEY/HW_SECRET_KEY; HW_USER_NAME,
# HW_USER_PASSWORD, HW_DOMAIN_NAME, HW_AUTH_URL: the mock's /identity).
# EXTERNAL_COMPUTE picks the compute URL's form: root (the LISTEN URL, with
# NICCONFORM_PROJECT_ID), endpoints (the ENDPOINTS line's compute=…/v2.1/<project>,
# the project id taken from it) or projectless (…/v2.1: the suite sends
# /v2.1/servers/…, and skips PATH-FOREIGN-PROJECT, which needs a project in the path).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/hermetic.sh
dir=${1:-reports/external}; shift || true
mkdir -p bin "$dir"
go build -o bin/nicconform ./cmd/nicconform

ids=$(mktemp)
auth=${EXTERNAL_AUTH:-token}
secret=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
case $auth in
  token) creds=() ;;
  aksk) creds=(-aksk "NICCONFORMEXT:$secret") ;;
  password) creds=(-iam-user "alice:$secret@acme") ;;
  *) echo "EXTERNAL_AUTH=$auth: want token, aksk or password"; exit 2 ;;
esac
bin/nicconform mock -addr 127.0.0.1:0 -servers 2 "${creds[@]}" "$@" >"$ids" 2>"$dir/mock.log" &
mock=$!
trap 'kill $mock 2>/dev/null || true; wait $mock 2>/dev/null || true; rm -f "$ids"' EXIT
for _ in $(seq 100); do grep -q '^ENDPOINTS ' "$ids" 2>/dev/null && [ "$(grep -c '^IDS ' "$ids")" -ge 2 ] && break; sleep 0.05; done
url=$(sed -n 's/^LISTEN //p' "$ids")
[ -n "$url" ] || { echo "nicconform mock did not start:"; cat "$dir/mock.log"; exit 1; }
field() { grep '^IDS ' "$ids" | sed -n "${1}p" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

compute=${EXTERNAL_COMPUTE:-root}
case $compute in
  root) export NICCONFORM_COMPUTE_URL=$url NICCONFORM_PROJECT_ID=$(field 1 project) ;;
  endpoints) export NICCONFORM_COMPUTE_URL=$(grep '^ENDPOINTS ' "$ids" | tr ' ' '\n' | sed -n 's/^compute=//p') ;;
  projectless) export NICCONFORM_COMPUTE_URL=$url/v2.1 NICCONFORM_PROJECT_ID=$(field 1 project) ;;
  *) echo "EXTERNAL_COMPUTE=$compute: want root, endpoints or projectless"; exit 2 ;;
esac
[ -n "$NICCONFORM_COMPUTE_URL" ] || { echo "no compute URL from the mock's output"; exit 1; }
export NICCONFORM_NETWORK_ID=$(field 1 network)
export NICCONFORM_SERVER_ID=$(field 1 server)
export NICCONFORM_OTHER_SERVER_ID=$(field 2 server)
export NICCONFORM_ALLOW_PRIMARY_PROBE=true
case $auth in
  token) export NICCONFORM_AUTH_TOKEN=nicconform-dev-token ;;
  aksk) export HW_ACCESS_KEY=NICCONFORMEXT HW_SECRET_KEY=$secret ;;
  password) export HW_USER_NAME=alice HW_USER_PASSWORD=$secret HW_DOMAIN_NAME=acme HW_AUTH_URL=$url/identity ;;
esac
export NICCONFORM_DETACH_TIMEOUT=3s NICCONFORM_POLL_INTERVAL=10ms
export NICCONFORM_REPORT_DIR=$dir
echo "target $NICCONFORM_COMPUTE_URL server $NICCONFORM_SERVER_ID auth $auth"
$GINKGO --randomize-all --no-color --succinct ./suites/detach

skips=0
[ "$compute" = projectless ] && skips=1 # PATH-FOREIGN-PROJECT, with its reason
if ! grep -q '"fail": 0,' "$dir/conformance.json" || ! grep -q "\"skip\": $skips" "$dir/conformance.json"; then
  echo "not every rule passed against the external mock:"; cat "$dir/conformance.md"; exit 1
fi
if [ "$compute" = projectless ] && ! grep -q 'PATH-FOREIGN-PROJECT.*names none' "$dir/conformance.md"; then
  echo "PATH-FOREIGN-PROJECT was not skipped for the project-less endpoint:"; cat "$dir/conformance.md"; exit 1
fi
if grep -rqF "$secret" "$dir" --exclude=mock.log 2>/dev/null; then echo "a secret reached the reports"; exit 1; fi
echo "external mock ($auth, compute URL $compute): every rule passes"
