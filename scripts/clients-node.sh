#!/usr/bin/env bash
# The client scenario with Huawei Cloud's official Node SDK core
# (@huaweicloud/huaweicloud-sdk-core, pinned in scripts/clients/node/package.json)
# against `nicconform mock -aksk`, built from this checkout, in both
# profiles: every call signed by the SDK's own AK/SK signer, a text/plain
# body signed UNSIGNED-PAYLOAD authenticated, a wrong secret key refused
# (scripts/clients/node/scenario.js). One line per step; exit 1 when a step
# failed. Not part of `make test`: it needs Node and npm.
#
# Usage: [INSTALL=1] scripts/clients-node.sh [extra mock flags…]
#   INSTALL=1  run `npm ci` for scripts/clients/node/package.json into
#              .cache/clients-node (outside the Go tree: a node_modules among
#              the sources would hold Go packages of its own) when it is
#              missing. Without it the script says so and exits 2.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/hermetic.sh
dir=scripts/clients/node
cache=.cache/clients-node
if [ ! -d "$cache/node_modules/@huaweicloud/huaweicloud-sdk-core" ] || ! cmp -s "$dir/package-lock.json" "$cache/package-lock.json"; then
  if [ "${INSTALL:-}" != 1 ]; then
    echo "the Node SDK is not installed: INSTALL=1 $0 runs npm ci into $cache (needs npm)" >&2
    exit 2
  fi
  mkdir -p "$cache"
  cp "$dir/package.json" "$dir/package-lock.json" "$cache/"
  (cd "$cache" && npm ci --no-audit --no-fund)
fi
export NODE_PATH=$PWD/$cache/node_modules

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
field() { grep "^$1 " "$tmp/mock.out" | head -1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }

failed=()
for profile in huawei nova; do
  secret=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  "$tmp/nicconform" mock -addr 127.0.0.1:0 -profile "$profile" -delay 20ms -aksk "NODESDK:$secret" "$@" >"$tmp/mock.out" 2>"$tmp/mock.log" &
  mock=$!
  for _ in $(seq 200); do grep -q '^ENDPOINTS ' "$tmp/mock.out" 2>/dev/null && break; sleep 0.025; done
  url=$(sed -n 's/^LISTEN //p' "$tmp/mock.out")
  [ -n "$url" ] || { echo "nicconform mock did not start:" >&2; cat "$tmp/mock.log" >&2; exit 1; }
  echo "== Node SDK, $profile profile"
  if ! node "$dir/scenario.js" "$url" "$(field IDS project)" "$(field IDS server)" "$(field IDS network)" NODESDK "$secret" >"$tmp/node.out" 2>&1; then
    failed+=("$profile")
  fi
  grep '^node-sdk' "$tmp/node.out" || cat "$tmp/node.out"
  if grep -qF "$secret" "$tmp/node.out"; then echo "the secret key reached the output" >&2; failed+=("$profile: secret"); fi
  stop
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "Node SDK: the scenario passes against nicconform mock in both profiles (AK/SK, UNSIGNED-PAYLOAD)"
