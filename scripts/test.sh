#!/usr/bin/env bash
# make test: static checks, the Go tests (race detector on; they include the
# kill matrix that proves every rule's specs can fail), the suite against the
# embedded mock in both profiles with -p --randomize-all, and the suite
# against `nicconform mock` started as a separate process.
#
# Most of it waits on targets (detach bounds, a crashed target's retries,
# agents that settle), not on the CPU: three streams run side by side, the
# fidelity tests in the foreground, the other packages' tests and the suite
# runs as background jobs whose output is printed whole when they end; then
# explore, alone. Any failure fails the whole.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/hermetic.sh

echo "== gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted"; exit 1; fi
go vet ./...
echo "== make build: static binaries, no build path"
scripts/check-binaries.sh

out=$(mktemp -d)
jobs_pids=()
trap 'for p in "${jobs_pids[@]}"; do kill -- -"$p" 2>/dev/null || true; done; rm -rf "$out"' EXIT

# job NAME CMD…: runs CMD in the background (its own process group, so an
# interrupt of make test stops all of it), its output to $out/NAME.log.
job() {
  local name=$1; shift
  set -m
  ( start=$SECONDS; rc=0; "$@" >"$out/$name.log" 2>&1 || rc=$?; echo "$rc $((SECONDS - start))" >"$out/$name.rc" ) &
  set +m
  jobs_pids+=($!)
  names+=("$name")
}
names=()

explore_stream() {
  echo "== explore: the faithful mock against itself, the explore kill matrix, 3 seeds × 10 s against internal/emulator (without -race, which they skip under)"
  go test -count=1 -timeout 10m -run 'TestFaithfulAgainstItself|TestExploreKillMatrix|TestAgainstTheEmulator' ./internal/explore
}

suite_stream() {
  for profile in huawei nova; do
    echo "== suite, embedded mock, profile $profile (-p --randomize-all)"
    NICCONFORM_PROFILE=$profile NICCONFORM_REPORT_DIR="$out/$profile" \
      $GINKGO -p --randomize-all --no-color --succinct ./suites/detach
  done
  for auth in aksk password; do
    echo "== suite, embedded mock, $auth authentication"
    NICCONFORM_MOCK_AUTH=$auth NICCONFORM_REPORT_DIR="$out/mock-$auth" \
      $GINKGO -p --randomize-all --no-color --succinct ./suites/detach
  done
  for auth in token aksk password; do
    echo "== suite against nicconform mock as a separate process, $auth authentication"
    EXTERNAL_AUTH=$auth scripts/external-mock.sh "$out/external-$auth"
  done
  for compute in endpoints projectless; do
    echo "== suite against nicconform mock, the compute URL as $compute (endpoints: the ENDPOINTS line's …/v2.1/<project>; projectless: …/v2.1)"
    EXTERNAL_COMPUTE=$compute scripts/external-mock.sh "$out/external-$compute"
  done
  echo "== the same, rate-limited: every 5th request answered 429 (Retry-After: 0)"
  scripts/external-mock.sh "$out/external-throttled" -throttle 5
}

unit() {
  echo "== go test -race, every package but internal/fidelity"
  NICCONFORM_REPORT_DIR="$out/go-test" go test -race -count=1 -timeout 15m $(go list ./... | grep -v '/internal/fidelity$')
}

job unit unit
job suite suite_stream

echo "== go test -race ./internal/fidelity (the other packages and the suite runs go on beside it)"
# -parallel 8: its tests run the suite and mostly wait on their targets; 8
# at a time keep both cores busy. (Ginkgo refuses go test's -parallel, so
# suites/detach is not given it.)
status=0
NICCONFORM_REPORT_DIR="$out/fidelity" go test -race -count=1 -parallel 8 -timeout 15m ./internal/fidelity || status=1

for i in "${!names[@]}"; do
  name=${names[$i]}
  wait "${jobs_pids[$i]}" || true
  read -r rc took <"$out/$name.rc"
  cat "$out/$name.log"
  echo "== $name: exit $rc after ${took}s"
  [ "$rc" = 0 ] || status=1
done
# Last and alone: explore's budgets are in seconds of searching, so what it
# finds in them depends on the CPU it gets.
explore_stream || status=1
exit "$status"
