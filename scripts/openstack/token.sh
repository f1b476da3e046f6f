#!/usr/bin/env bash
# token.sh: print a fresh Keystone token of the test user, scoped to its
# project (valid 1 h), from the password login up.sh wrote. The token goes to
# stdout only: pass it on, never log it.
#   Usage: NICCONFORM_AUTH_TOKEN=$(scripts/openstack/token.sh)
set -euo pipefail
S=${NICCONFORM_OPENSTACK_STATE:-/tmp/nicconform-openstack}
# shellcheck disable=SC1091
. "$S/password.env"
body=$(printf '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"%s","domain":{"name":"%s"},"password":"%s"}}},"scope":{"project":{"id":"%s"}}}}' \
  "$OS_USERNAME" "$OS_USER_DOMAIN_NAME" "$OS_PASSWORD" "$OS_PROJECT_ID")
token=$(curl -sS -m 30 -D - -o /dev/null -H 'Content-Type: application/json' -d @- "$OS_AUTH_URL/auth/tokens" <<<"$body" \
  | tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p')
[ -n "$token" ] || { echo "token.sh: Keystone at $OS_AUTH_URL gave no token" >&2; exit 1; }
echo "$token"
