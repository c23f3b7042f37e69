#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite: first the release build (every
# label but "slow" and "slurm"), then the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage: scripts/test.sh [--no-sanitizers] [--slow]
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers=1
exclude="slow|slurm"  # a regular expression
for a in "$@"; do
  case "$a" in
    --no-sanitizers) sanitizers=0 ;;
    --slow) exclude="" ;;
    *) echo "usage: scripts/test.sh [--no-sanitizers] [--slow]" >&2; exit 2 ;;
  esac
done

bash scripts/setup.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the checkout, so a fresh clone in another folder reuses the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

start=$(date +%s)
cmake --preset ci >/dev/null
cmake --build --preset ci
ctest --preset ci ${exclude:+-LE "$exclude"}
echo "test.sh: release suite took $(( $(date +%s) - start )) s"

if [ "$sanitizers" = 1 ]; then
  start=$(date +%s)
  cmake --preset debug >/dev/null
  cmake --build --preset debug
  ctest --preset debug -L unit
  echo "test.sh: sanitizer suite took $(( $(date +%s) - start )) s"
fi
