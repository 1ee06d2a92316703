#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan, in build-fuzz/) and runs
# each for a bounded time, one after the other, niced:
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, every target)
#
# Targets: model_load npy codec cloud (tests/fuzz/README.md). Seeds are made
# first (tests/fuzz/make_seeds.sh); what a run finds is kept in
# build-fuzz/corpus/<target> for the next run. Prints, per target, the
# executions, the coverage (cov = edges, ft = features) and the crashes;
# a crashing input (or a timeout, an out-of-memory, a leak) is saved under
# build-fuzz/artifacts/<target>/ and the script exits 1; "slow" counts the
# inputs libFuzzer saved for taking over 10 s but within the target's timeout. FUZZ_KEEP_GOING=1 runs in libFuzzer's fork mode and goes on
# after a crash, a timeout or an out-of-memory (for long runs by hand).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(model_load npy codec cloud plan); fi
case "$seconds" in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac

scripts/install-deps.sh --fuzz
build=build-fuzz
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSEAM_WERROR=ON -DSEAM_FUZZ=ON >/dev/null
fuzzers=()
for t in "${targets[@]}"; do fuzzers+=("fuzz_$t"); done
nice cmake --build "$build" -j "$(nproc)" --target "${fuzzers[@]}" fuzz_make_requests >/dev/null
tests/fuzz/make_seeds.sh "$build" "$build/seeds"

# Per target: input size, memory and time bounds. The inputs may be as large
# as the project's own limits need (a 64 KiB model, a request whose tensor
# decompresses to the worker's 4 MiB tensor limit); the malloc limit sits
# above those limits, so an allocation past it is a bug, not a big input.
flags_for() {
  case "$1" in
    # model_load: allocations over 4 GiB fail inside the target (fuzz_model_load.c),
    # so libFuzzer's own malloc limit sits above that.
    model_load) echo "-max_len=65536 -malloc_limit_mb=8192 -timeout=20" ;;
    npy) echo "-max_len=65536 -malloc_limit_mb=128 -timeout=10" ;;
    codec) echo "-max_len=262144 -malloc_limit_mb=128 -timeout=10" ;;
    cloud) echo "-max_len=131072 -malloc_limit_mb=256 -timeout=20" ;;
    plan) echo "-max_len=65536 -malloc_limit_mb=256 -timeout=10" ;;
    *) echo "fuzz.sh: unknown target $1" >&2; return 1 ;;
  esac
}
dict_for() {
  case "$1" in
    model_load) echo "$build/seeds/model_load.dict" ;;
    *) echo "tests/fuzz/$1.dict" ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
summary=()
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  artifacts=$build/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  log=$build/fuzz-$t.log
  # libFuzzer also saves inputs slower than -report_slow_units (10 s) as
  # slow-unit-*: reported, not failures (the per-target -timeout is the bound).
  before=$(find "$artifacts" -type f ! -name 'slow-unit-*' | wc -l)
  slow_before=$(find "$artifacts" -type f -name 'slow-unit-*' | wc -l)
  # shellcheck disable=SC2046 # the flags are words on purpose
  args=($(flags_for "$t") -rss_limit_mb=2048 -max_total_time="$seconds" -print_final_stats=1
        -dict="$(dict_for "$t")" -artifact_prefix="$artifacts/")
  if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
    args+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  dirs=("$corpus" "$build/seeds/$t" "tests/fuzz/seeds/$t")
  if [ -d "tests/fuzz/regressions/$t" ]; then dirs+=("tests/fuzz/regressions/$t"); fi
  echo "fuzz.sh: $t for ${seconds}s (log $log)"
  rc=0
  nice "$build/tests/fuzz/fuzz_$t" "${args[@]}" "${dirs[@]}" >"$log" 2>&1 || rc=$?
  # The last status line: "#N ... cov: C ft: F ..." (fork mode: "#N: cov: C ft: F ...").
  last=$(grep -E '^#[0-9]+:?[[:space:]]' "$log" | tail -n 1 || true)
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | tail -n 1 | awk '{print $2}' || true)
  [ -n "$execs" ] || execs=$(printf '%s\n' "$last" | grep -oE '^#[0-9]+' | tr -d '#' || true)
  cov=$(printf '%s\n' "$last" | grep -oE 'cov: [0-9]+' | awk '{print $2}' || true)
  ft=$(printf '%s\n' "$last" | grep -oE 'ft: [0-9]+' | awk '{print $2}' || true)
  crashes=$(( $(find "$artifacts" -type f ! -name 'slow-unit-*' | wc -l) - before ))
  slow=$(( $(find "$artifacts" -type f -name 'slow-unit-*' | wc -l) - slow_before ))
  line=$(printf '%-11s %5ss  execs %-10s cov %-6s ft %-7s crashes %s  slow %s' "$t" "$seconds" \
         "${execs:-?}" "${cov:-?}" "${ft:-?}" "$crashes" "$slow")
  if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    failed=1
    line="$line  FAILED (exit $rc; see $log and $artifacts/)"
    grep -E 'ERROR: |check failed|SUMMARY: ' "$log" | head -n 5 >&2 || true
  fi
  echo "  $line"
  summary+=("$line")
done
echo "fuzz.sh summary:"
printf '  %s\n' "${summary[@]}"
exit "$failed"
