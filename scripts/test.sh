#!/usr/bin/env bash
# Installs what is missing, builds seam and runs the whole test suite.
#
#   scripts/test.sh              optimized build in build/
#   scripts/test.sh --sanitize   AddressSanitizer + UBSan build in build-asan/
#   scripts/test.sh --tsan       ThreadSanitizer build in build-tsan/, running the
#                                tests that use threads (TSAN_TESTS below)
set -euo pipefail
cd "$(dirname "$0")/.."

"scripts/install-deps.sh"
# ONNX Runtime (npm) is the peer some tests compare with; without it those
# comparisons print SKIP with the reason and count as skipped, never passed.
bench/setup_ort.sh || echo "test.sh: ONNX Runtime could not be installed; comparisons with it will be skipped" >&2

build_dir=build
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DSEAM_WERROR=ON)
ctest_args=()
case "${1:-}" in
  "") ;;
  --sanitize)
    build_dir=build-asan
    cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEAM_WERROR=ON -DSEAM_SANITIZE=ON)
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ;;
  --tsan)
    build_dir=build-tsan
    cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEAM_WERROR=ON -DSEAM_TSAN=ON)
    # Everything that runs threads: the unit tests (thread pools, parallel
    # runs), the worker (its call threads, compute queues, Profile, hostile
    # clients beside a well-behaved one), the edge library (one
    # session from several threads), streams, and the worker's handler.
    TSAN_TESTS='^(unit\..*|cloud|cloud\.profile|cloud\.profile_cli|cloud\.hostile\.(compute|drain|load)|edge|edge\.stress|edge\.policy|stream|fuzz\.cloud)$'
    ctest_args=(-R "$TSAN_TESTS")
    reports=$PWD/$build_dir/tsan-reports
    rm -rf "$reports"
    mkdir -p "$reports"
    # gRPC, absl, pthreadpool and XNNPACK are Debian's, not instrumented: the
    # hand-offs through them are annotated by a preloaded library, interceptors
    # they call are not checked, and what is left inside gRPC and absl is
    # suppressed by library name (tests/tsan/suppressions.txt says why).
    # Each report goes to a file; any file fails the run.
    export TSAN_OPTIONS="suppressions=$PWD/tests/tsan/suppressions.txt:ignore_noninstrumented_modules=1:log_path=$reports/report:second_deadlock_stack=1"
    export LD_PRELOAD=$PWD/$build_dir/tests/tsan/libseam-tsan-annotations.so
    export SEAM_TEST_TIME_SCALE=5
    ;;
  *) echo "usage: $0 [--sanitize | --tsan]" >&2; exit 2 ;;
esac

# The preload library does not exist before the build: build without it.
LD_PRELOAD= cmake -S . -B "$build_dir" "${cmake_args[@]}" >/dev/null
LD_PRELOAD= cmake --build "$build_dir" -j "$(nproc)"
rc=0
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" "${ctest_args[@]}" || rc=$?
if [ "${1:-}" = "--tsan" ]; then
  found=$(find "$reports" -type f | wc -l)
  if [ "$found" -gt 0 ]; then
    echo "test.sh: ThreadSanitizer wrote $found report(s):" >&2
    grep -h -A40 'WARNING: ThreadSanitizer' "$reports"/* | head -n 200 >&2
    grep -h '^SUMMARY' "$reports"/* | sort | uniq -c >&2
    rc=1
  else
    echo "test.sh: ThreadSanitizer reported no race, deadlock or thread leak"
  fi
fi
exit "$rc"
