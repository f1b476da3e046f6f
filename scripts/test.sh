#!/usr/bin/env bash
# make test: static checks, the Go tests (race detector on; they include the
# kill matrix that proves every rule's specs can fail), the suite against the
# embedded mock in both profiles with -p --randomize-all, and the suite
# against `nicconform mock` started as a separate process.
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
trap 'rm -rf "$out"' EXIT

echo "== go test -race ./..."
NICCONFORM_REPORT_DIR="$out/go-test" go test -race -count=1 -timeout 15m ./...
echo "== explore: the faithful mock against itself, the explore kill matrix, 3 seeds × 10 s against internal/emulator (without -race, which they skip under)"
go test -count=1 -timeout 10m -run 'TestFaithfulAgainstItself|TestExploreKillMatrix|TestAgainstTheEmulator' ./internal/explore
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
