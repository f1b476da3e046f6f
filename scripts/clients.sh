#!/usr/bin/env bash
# The client scenario with openstacksdk (the SDK of the openstack CLI and of
# Ansible's openstack.cloud modules) against `nicconform mock`, built from
# this checkout and served on a loopback port: the 16 steps of
# internal/mock/gophercloud_test.go (create a port … delete it), in both
# profiles and both error shapes, with a token and with an IAM password
# login. openstacksdk is configured as users configure it: a cloud in
# ~/.config/openstack/clouds.yaml (HOME is a scratch directory) named by
# OS_CLOUD. With a password the cloud gives only the identity URL (the
# mock's /identity: keystoneauth discovers v3, logs in, and finds compute
# and network in the token's catalog, region RegionOne); with a token
# (admin_token, which has no catalog) it gives the endpoints. One
# line per step; a failing step names the call and the answer; the exit
# status is 1 when any step failed. Not part of `make test`: it needs Python.
#
# Usage: [INSTALL=1] [PYTHON=/usr/bin/python3] scripts/clients.sh [extra mock flags…]
#   INSTALL=1  when openstacksdk is missing, install Debian's python3-openstacksdk
#              (apt-get; sudo unless root). Without it the script says so and exits 2.
#   PYTHON     the interpreter that has openstacksdk (default /usr/bin/python3,
#              Debian's, not whatever python3 comes first in PATH).
#   Extra flags go to every mock: `scripts/clients.sh -deviation port-id-deleted`
#   shows a step fail.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/hermetic.sh
PYTHON=${PYTHON:-/usr/bin/python3}

if ! "$PYTHON" -c 'import openstack' 2>/dev/null; then
  if [ "${INSTALL:-}" != 1 ]; then
    echo "openstacksdk is not importable by $PYTHON: INSTALL=1 $0 installs Debian's python3-openstacksdk (apt-get), or set PYTHON" >&2
    exit 2
  fi
  sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-openstacksdk
  "$PYTHON" -c 'import openstack' || { echo "openstacksdk is still not importable by $PYTHON" >&2; exit 2; }
fi

tmp=$(mktemp -d)
mock=
stop() {
  if [ -n "$mock" ]; then
    kill "$mock" 2>/dev/null || true
    wait "$mock" 2>/dev/null || true
    mock=
  fi
}
trap 'stop; rm -rf "$tmp"' EXIT
go build -o "$tmp/nicconform" ./cmd/nicconform

# field LINE NAME: the NAME=value of the mock's first LINE line (IDS, ENDPOINTS).
field() { grep "^$1 " "$tmp/mock.out" | head -1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }

failed=()
for auth in token password; do
  for profile in huawei nova; do
    for errors in nova huawei; do
      label="openstacksdk $profile/$errors-errors/$auth"
      secret=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
      flags=(-addr 127.0.0.1:0 -profile "$profile" -errors "$errors" -delay 50ms -token "tok-$secret")
      [ "$auth" = password ] && flags+=(-iam-user "sdk-user:pw-$secret@sdk-domain")
      "$tmp/nicconform" mock "${flags[@]}" "$@" >"$tmp/mock.out" 2>"$tmp/mock.log" &
      mock=$!
      for _ in $(seq 200); do grep -q '^ENDPOINTS ' "$tmp/mock.out" 2>/dev/null && break; sleep 0.025; done
      if ! grep -q '^ENDPOINTS ' "$tmp/mock.out"; then
        echo "$label: nicconform mock did not start:" >&2
        cat "$tmp/mock.log" >&2
        exit 1
      fi
      url=$(sed -n 's/^LISTEN //p' "$tmp/mock.out")
      project=$(field IDS project)
      if [ "$auth" = token ]; then
        cloud="auth_type: admin_token
    auth: {token: tok-$secret, endpoint: '$url'}
    compute_endpoint_override: '$(field ENDPOINTS compute)'
    network_endpoint_override: '$(field ENDPOINTS network)'"
      else
        cloud="auth_type: password
    auth: {auth_url: '$(field ENDPOINTS identity)', username: sdk-user, password: pw-$secret, user_domain_name: sdk-domain, project_id: '$project'}
    region_name: RegionOne"
      fi
      mkdir -p "$tmp/home/.config/openstack"
      printf 'clouds:\n  nicconform:\n    %s\n' "$cloud" >"$tmp/home/.config/openstack/clouds.yaml"
      if ! env -u OS_CLIENT_CONFIG_FILE -u OS_CLIENT_SECURE_FILE HOME="$tmp/home" OS_CLOUD=nicconform "$PYTHON" scripts/clients/openstacksdk_scenario.py \
        --label "$label" --profile "$profile" --errors "$errors" \
        --server "$(field IDS server)" --primary-port "$(field IDS primary_port)" --network "$(field IDS network)"; then
        failed+=("$label")
      fi
      stop
    done
  done
done

if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "openstacksdk: the scenario passes against nicconform mock in both profiles, both error shapes, token and password auth (OS_CLOUD and clouds.yaml; the password cloud through the mock's catalog)"
