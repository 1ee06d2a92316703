#!/usr/bin/env bash
# Installs what is missing, builds seam and runs the whole test suite.
#
#   scripts/test.sh              optimized build in build/
#   scripts/test.sh --sanitize   AddressSanitizer + UBSan build in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."

"scripts/install-deps.sh"
# ONNX Runtime (npm) is the peer some tests compare with; without it those
# comparisons print SKIP with the reason and count as skipped, never passed.
bench/setup_ort.sh || echo "test.sh: ONNX Runtime could not be installed; comparisons with it will be skipped" >&2

build_dir=build
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DSEAM_WERROR=ON)
if [ "${1:-}" = "--sanitize" ]; then
  build_dir=build-asan
  cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEAM_WERROR=ON -DSEAM_SANITIZE=ON)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

cmake -S . -B "$build_dir" "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"
