#!/bin/bash
# RTL line and toggle coverage (verilator --coverage-line --coverage-toggle) over the RTL test suites:
# the differential suites (random programs against fsim on every prebuilt configuration), the directed
# tests, the device and fetch-backpressure tests. Not part of the CI run (it builds its own models: about
# an hour on a 2-core machine; the build and the tests run under nice -n 15, two jobs).
#   scripts/rtl_coverage.sh [build-dir]      (default build/coverage)
# DCOC_RTL_DIFF_PROGRAMS=N runs N random programs per configuration instead of the suite's 300.
# Writes <build-dir>/coverage/{*.dat,merged.dat,annotated/} and the per-module table docs/rtl-coverage.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/coverage}
export CCACHE_DIR=${CCACHE_DIR:-/root/.cache/ccache} CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDCOC_RTL_COVERAGE=ON -DDCOC_RTL_PREBUILT_FAST= \
  -DDCOC_WITH_TORCH=OFF > "$build.configure.log" 2>&1 || { tail -20 "$build.configure.log"; exit 1; }
nice -n 15 cmake --build "$build" -j2 --target rtl_sim_test rtl_device_test fetch_backpressure_test
cov="$build/coverage"
rm -rf "$cov"
mkdir -p "$cov"
export DCOC_RTL_COVERAGE_DIR="$PWD/$cov"
# The coverage build has no release (assertion-free) models: the test that looks for one is left out.
for t in rtl_sim_test rtl_device_test fetch_backpressure_test; do
  echo "== $t"
  nice -n 15 "$build/tests/rtl/$t" --gtest_brief=1 --gtest_filter=-RtlAssertions.CheckingAndReleaseModels
done
python3 scripts/rtl_coverage_table.py relocate rtl/sv "$cov"/model-*.dat
verilator_coverage --write "$cov/merged.dat" "$cov"/model-*.dat
verilator_coverage --annotate "$cov/annotated" --annotate-min 1 "$cov/merged.dat" > /dev/null
python3 scripts/rtl_coverage_table.py table "$cov/merged.dat" rtl/sv scripts/rtl_coverage_exceptions.txt > docs/rtl-coverage.md
cat docs/rtl-coverage.md
