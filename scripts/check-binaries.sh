#!/usr/bin/env bash
# make build's binaries are static (no glibc to match on the runner) and
# carry no path of the machine that built them (-trimpath). Run by
# scripts/test.sh; exit 1 names the binary and what it found.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s build >/dev/null
status=0
for b in bin/nicconform; do
  desc=$(file -b "$b")
  case "$desc" in
    *"statically linked"*) ;;
    *) echo "$b is not statically linked: $desc"; status=1 ;;
  esac
  for p in "$PWD" "$(go env GOMODCACHE)" "$(go env GOROOT)"; do
    if strings -a "$b" | grep -qF -- "$p"; then
      echo "$b holds the build path $p"
      status=1
    fi
  done
done
[ "$status" = 0 ] && echo "bin/: static, no build path"
exit "$status"
