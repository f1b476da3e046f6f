#!/usr/bin/env bash
# prism-example.sh: a worked example of pointing the suite at a third-party
# mock: Stoplight Prism (https://github.com/stoplightio/prism) serving
# spec/openapi.yaml. Prism answers from the document alone and keeps no
# state; its static answer to GET server says "locked": true, so the run
# stops at its preflight with every rule an error (see docs/prism.md): the
# point is the verdict table, not a green run.
#
#   scripts/prism-example.sh            # report in reports/prism
#
# Needs npm (Prism 5.16.0 is installed once into
# ${XDG_CACHE_HOME:-$HOME/.cache}/nicconform/prism). Environment:
# PRISM_DYNAMIC=1 runs Prism with --dynamic (random answers from the
# schemas instead of the static examples). Exits non-zero for its own
# errors (npm, Prism not starting, no report) and, in static mode, when the
# verdicts are not those docs/prism.md documents (21 errors at the
# preflight, the server locked); never because rules fail or error.
# Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/hermetic.sh

prism_version=5.16.0
prism_dir=${XDG_CACHE_HOME:-$HOME/.cache}/nicconform/prism
prism=$prism_dir/node_modules/.bin/prism
dir=$PWD/reports/prism

log() { echo "prism-example: $*" >&2; }

installed_version() {
	sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$prism_dir/node_modules/@stoplight/prism-cli/package.json" 2>/dev/null | head -1
}
if [ ! -x "$prism" ] || [ "$(installed_version)" != "$prism_version" ]; then
	command -v npm >/dev/null || { log "npm is needed to install Prism"; exit 1; }
	log "installing @stoplight/prism-cli@$prism_version into $prism_dir"
	mkdir -p "$prism_dir"
	npm install --prefix "$prism_dir" --no-audit --no-fund --loglevel=error "@stoplight/prism-cli@$prism_version" >&2
fi
[ -x "$prism" ] || { log "no prism binary at $prism after npm install"; exit 1; }

# A free port: bind port 0, read it back, release it.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
	echo $((20000 + RANDOM % 20000)))
url=http://127.0.0.1:$port

# Fixed, well-formed ids: Prism accepts any id of the right format.
project=0123456789abcdef0123456789abcdef
server=6f1b1b62-8f3c-4bd4-9b1e-6d1c5e0d8a11
network=9a1c5e7e-1f0b-4a9c-8b4b-2a8e3b2f4c11

mkdir -p "$dir"
rm -f "$dir/conformance.json" "$dir/conformance.md" "$dir/exchanges.har" "$dir/junit.xml"
doc=spec/openapi.yaml
flags=(mock -h 127.0.0.1 -p "$port" -v silent)
[ "${PRISM_DYNAMIC:-}" = 1 ] && flags+=(--dynamic)
"$prism" "${flags[@]}" "$doc" >"$dir/prism.log" 2>&1 &
prism_pid=$!
cleanup() {
	kill "$prism_pid" 2>/dev/null || true
	wait "$prism_pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Wait until Prism answers (any HTTP status), at most 60 s.
ready=
for _ in $(seq 1 300); do
	if ! kill -0 "$prism_pid" 2>/dev/null; then
		break
	fi
	if curl -s -o /dev/null -m 1 "$url/v2.1/$project/servers/$server" 2>/dev/null; then
		ready=1
		break
	fi
	sleep 0.2
done
if [ -z "$ready" ]; then
	log "Prism did not answer on $url within 60 s:"
	cat "$dir/prism.log" >&2
	exit 1
fi
log "Prism $prism_version on $url serving $doc ${PRISM_DYNAMIC:+(--dynamic)}"


export NICCONFORM_COMPUTE_URL=$url
export NICCONFORM_PROJECT_ID=$project
export NICCONFORM_SERVER_ID=$server
export NICCONFORM_NETWORK_ID=$network
# The primary NIC is discovered as on any target: static Prism lists one NIC.
export NICCONFORM_AUTH_TOKEN=x
# A mock: the primary-NIC probe cannot cut anything off.
export NICCONFORM_ALLOW_PRIMARY_PROBE=true
export NICCONFORM_DETACH_TIMEOUT=3s
export NICCONFORM_POLL_INTERVAL=100ms
export NICCONFORM_REPORT_DIR=$dir

rc=0
$GINKGO --no-color ./suites/detach >"$dir/suite.log" 2>&1 || rc=$?
if [ ! -f "$dir/conformance.md" ]; then
	log "the suite wrote no report (exit $rc); its output:"
	tail -n 60 "$dir/suite.log" >&2
	exit 1
fi
log "suite exit status $rc (non-zero is expected: the run stops at the preflight); output in $dir/suite.log"
echo
cat "$dir/conformance.md"
echo
echo "reports: $dir/{conformance.md,conformance.json,junit.xml,exchanges.har,suite.log,prism.log}"

# docs/prism.md and the README document the static result: hold them to it.
if [ "${PRISM_DYNAMIC:-}" != 1 ]; then
	errors=$(grep -c '"verdict": "error"' "$dir/conformance.json" || true)
	locked=$(grep -c '"reason": "the run could not start: .* is locked (locked_reason' "$dir/conformance.json" || true)
	if [ "$errors" != 21 ] || [ "$locked" != 21 ]; then
		log "docs/prism.md is out of date: want 21 errors at the preflight, each naming the lock; got $errors error(s), $locked naming the lock"
		exit 1
	fi
	log "as docs/prism.md says: 21 errors at the preflight (Prism's static server is locked)"
fi
