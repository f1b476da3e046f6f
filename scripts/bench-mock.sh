#!/usr/bin/env bash
# bench-mock.sh: throughput and latency of the reference mock, against a bare
# net/http ceiling and (BENCH_PRISM=1) Stoplight Prism serving the spec.
#
#   scripts/bench-mock.sh
#
# Environment: BENCH_DURATION (10s), BENCH_THREADS (2), BENCH_CONNS (16),
# BENCH_PRISM=1 to include Prism (installed with npm into
# ${XDG_CACHE_HOME:-$HOME/.cache}/nicconform/prism), BENCH_PRISM_PORT (4010).
#
# The DELETE benchmark runs the mock in the nova profile and detaches a port
# that is not attached: every request walks the full path (auth, routing,
# project and id checks, the locked world) and answers 202 with no effect,
# so each of the N requests does the same work. (In the huawei profile a
# repeated DELETE of one port would answer 404 after the first.) The list
# benchmark lists the seeded server's NICs. Each server is started with
# -delay 0. Prints req/s, p50, p99 and peak RSS (VmHWM) per server and route,
# and the ratios to the ceiling.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
duration=${BENCH_DURATION:-10s}
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNS:-16}
token=nicconform-dev-token
work=$(mktemp -d)
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench: $*" >&2; }

install_wrk() {
	command -v wrk >/dev/null && return
	log "installing wrk with apt-get"
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	"${sudo[@]}" apt-get install -y -qq wrk >/dev/null 2>&1 ||
		{ "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq wrk >/dev/null; }
	command -v wrk >/dev/null || { log "wrk is not available"; exit 1; }
}

# wait_listen FILE: wait for a "LISTEN URL" line and print URL.
wait_listen() {
	local i
	for i in $(seq 1 100); do
		if grep -q '^LISTEN ' "$1" 2>/dev/null; then
			awk '/^LISTEN /{print $2; exit}' "$1"
			return
		fi
		sleep 0.1
	done
	log "no LISTEN line in $1"; cat "$1" >&2; exit 1
}

# peak_rss PID: VmHWM in MiB.
peak_rss() { awk '/^VmHWM:/{printf "%.1f", $2/1024}' "/proc/$1/status"; }

# run_wrk NAME METHOD URL: run wrk, record "NAME req/s p50 p99".
run_wrk() {
	local name=$1 method=$2 url=$3 out=$work/$1.wrk
	cat >"$work/$name.lua" <<LUA
wrk.method = "$method"
wrk.headers["X-Auth-Token"] = "$token"
LUA
	wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "$work/$name.lua" "$url" >"$out"
	if grep -q 'Non-2xx' "$out"; then
		log "$name: some answers were not 2xx:"; grep 'Non-2xx' "$out" >&2
	fi
	local rps p50 p99
	rps=$(awk '/^Requests\/sec:/{print $2}' "$out")
	p50=$(awk '$1=="50%"{print $2}' "$out")
	p99=$(awk '$1=="99%"{print $2}' "$out")
	echo "$name $rps $p50 $p99" >>"$work/results"
}

install_wrk
log "building"
(cd "$root" && go build -o "$work/nicconform" ./cmd/nicconform && go build -o "$work/ceiling" ./scripts/ceiling)

# The mock.
"$work/nicconform" mock -addr 127.0.0.1:0 -delay 0 -profile nova -token "$token" >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
pids+=("$mock_pid")
mock_url=$(wait_listen "$work/mock.out")
ids=$(awk '/^IDS /{print; exit}' "$work/mock.out")
project=$(sed -E 's/.*project=([^ ]+).*/\1/' <<<"$ids")
server=$(sed -E 's/.*server=([^ ]+).*/\1/' <<<"$ids")
unattached=00000000-0000-4000-8000-000000000000
path_delete=/v2.1/$project/servers/$server/os-interface/$unattached
path_list=/v2.1/$project/servers/$server/os-interface

# The ceiling.
"$work/ceiling" -addr 127.0.0.1:0 >"$work/ceiling.out" 2>&1 &
ceiling_pid=$!
pids+=("$ceiling_pid")
ceiling_url=$(wait_listen "$work/ceiling.out")

log "mock $mock_url, ceiling $ceiling_url; wrk -t$threads -c$conns -d$duration"
: >"$work/results"
run_wrk mock-delete DELETE "$mock_url$path_delete"
run_wrk mock-list GET "$mock_url$path_list"
mock_rss=$(peak_rss "$mock_pid")
run_wrk ceiling-delete DELETE "$ceiling_url$path_delete"
run_wrk ceiling-list GET "$ceiling_url$path_list"
ceiling_rss=$(peak_rss "$ceiling_pid")

prism_rss=
if [ "${BENCH_PRISM:-0}" = 1 ]; then
	prism_dir=${XDG_CACHE_HOME:-$HOME/.cache}/nicconform/prism
	prism=$prism_dir/node_modules/.bin/prism
	if [ ! -x "$prism" ]; then
		log "installing @stoplight/prism-cli@5.16.0 into $prism_dir"
		mkdir -p "$prism_dir"
		npm install --silent --no-audit --no-fund --prefix "$prism_dir" @stoplight/prism-cli@5.16.0 >&2
	fi
	prism_port=${BENCH_PRISM_PORT:-4010}
	"$prism" mock -h 127.0.0.1 -p "$prism_port" -v silent "$root/spec/openapi.yaml" >"$work/prism.out" 2>&1 &
	prism_pid=$!
	pids+=("$prism_pid")
	for i in $(seq 1 300); do
		curl -s -o /dev/null "http://127.0.0.1:$prism_port/" && break
		kill -0 "$prism_pid" 2>/dev/null || { log "prism exited"; cat "$work/prism.out" >&2; exit 1; }
		sleep 0.1
	done
	run_wrk prism-delete DELETE "http://127.0.0.1:$prism_port$path_delete"
	run_wrk prism-list GET "http://127.0.0.1:$prism_port$path_list"
	# node's own PID: .bin/prism is a node script, exec'd directly.
	prism_rss=$(peak_rss "$prism_pid")
fi

echo
printf '%-16s %12s %10s %10s %14s\n' target req/s p50 p99 "peak RSS MiB"
while read -r name rps p50 p99; do
	case $name in
	mock-*) rss=$mock_rss ;;
	ceiling-*) rss=$ceiling_rss ;;
	prism-*) rss=$prism_rss ;;
	esac
	printf '%-16s %12s %10s %10s %14s\n' "$name" "$rps" "$p50" "$p99" "$rss"
done <"$work/results"

rps_of() { awk -v n="$1" '$1==n{print $2}' "$work/results"; }
echo
for route in delete list; do
	m=$(rps_of "mock-$route") c=$(rps_of "ceiling-$route")
	awk -v m="$m" -v c="$c" -v r="$route" 'BEGIN{printf "%-7s mock/ceiling throughput: %.2f\n", r, m/c}'
	if [ -n "$prism_rss" ]; then
		p=$(rps_of "prism-$route")
		awk -v m="$m" -v p="$p" -v r="$route" 'BEGIN{printf "%-7s mock/prism throughput:   %.2f\n", r, m/p}'
	fi
done
awk -v m="$mock_rss" -v c="$ceiling_rss" 'BEGIN{printf "peak RSS mock/ceiling:          %.2f\n", m/c}'
if [ -n "$prism_rss" ]; then
	awk -v m="$mock_rss" -v p="$prism_rss" 'BEGIN{printf "peak RSS prism/mock:            %.2f\n", p/m}'
fi
