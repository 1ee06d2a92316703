#!/usr/bin/env bash
# Runs the loopback test suites while every core is kept busy, RUNS times,
# and prints pass/fail per run: timing bounds in tests must hold on a loaded
# machine (2x oversubscribed on 2 cores).
#
#   scripts/test-under-load.sh [RUNS] [--all]
#
# RUNS defaults to 3. Without --all: the optimized build (build/) and the
# CTest tests matching TEST_REGEX (default: the worker, edge and stream
# suites, '^(cloud|edge|stream)'); with --all: the whole scripts/test.sh.
# One busy loop per online core runs at this script's own priority (run it
# under nice and the loops are niced alike); they are stopped on every exit
# path. Logs: build/under-load/run-N.log.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
all=0
for a in "$@"; do
  case "$a" in
    --all) all=1 ;;
    ''|*[!0-9]*) echo "usage: $0 [RUNS] [--all]" >&2; exit 2 ;;
    *) runs=$a ;;
  esac
done
regex=${TEST_REGEX:-'^(cloud|edge|stream)'}

if [ "$all" -eq 0 ]; then
  scripts/install-deps.sh
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSEAM_WERROR=ON >/dev/null
  cmake --build build -j "$(nproc)" >/dev/null
fi

loops=()
stop_loops() {
  for pid in "${loops[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${loops[@]}"; do wait "$pid" 2>/dev/null || true; done
  loops=()
}
trap stop_loops EXIT
trap 'stop_loops; exit 130' INT
trap 'stop_loops; exit 143' TERM

cores=$(nproc)
for _ in $(seq "$cores"); do
  (while :; do :; done) &
  loops+=("$!")
done
echo "test-under-load: $cores busy loops (pids ${loops[*]}), $runs run(s) of" \
     "$([ "$all" -eq 1 ] && echo 'scripts/test.sh' || echo "ctest -R '$regex'")"

mkdir -p build/under-load
failed_runs=0
for run in $(seq "$runs"); do
  log=build/under-load/run-$run.log
  start=$(date +%s)
  rc=0
  if [ "$all" -eq 1 ]; then
    scripts/test.sh >"$log" 2>&1 || rc=$?
  else
    ctest --test-dir build --output-on-failure -j "$cores" -R "$regex" >"$log" 2>&1 || rc=$?
  fi
  took=$(( $(date +%s) - start ))
  summary=$(grep -E 'tests passed, [0-9]+ tests failed' "$log" | tail -n 1 || true)
  if [ "$rc" -eq 0 ]; then
    echo "run $run: PASS in ${took}s ($summary)"
  else
    failed_runs=$((failed_runs + 1))
    echo "run $run: FAIL in ${took}s ($summary); log $log"
    # The failed tests, and the failure lines their programs printed.
    sed -n '/The following tests FAILED/,/^Errors while running/p' "$log" | grep -E '^\s+[0-9]+ - ' || true
    grep -E '^(FAIL|not ok)|FAIL |Error|error:' "$log" | grep -v 'event=request' | head -n 20 | sed 's/^/    /' || true
  fi
done
echo "test-under-load: $((runs - failed_runs))/$runs runs passed"
[ "$failed_runs" -eq 0 ]
