#!/usr/bin/env bash
# down.sh: stop every process up.sh started, by the process group ids it
# recorded under $NICCONFORM_OPENSTACK_STATE/run (reverse start order). The
# state (databases, configs, logs) stays, so the next up.sh is quicker;
# `down.sh --purge` removes it too. Idempotent.
#   Usage: scripts/openstack/down.sh [--purge]
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
S=${NICCONFORM_OPENSTACK_STATE:-/tmp/nicconform-openstack}
. "$HERE/lib.sh"
for name in nova-compute nova-scheduler nova-conductor nova-api fake-l2-agent neutron-server placement glance keystone rabbitmq epmd mariadb; do
  stop "$S/run" "$name" | sed 's/^/down.sh: /'
done
rm -f "$S/run/fake-l2-agent.poll"
if [ "${1:-}" = "--purge" ]; then
  case "$S" in /|"") echo "down.sh: refusing to remove '$S'" >&2; exit 2 ;; esac
  rm -rf "$S"; echo "down.sh: removed $S"
fi
