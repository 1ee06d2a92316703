#!/bin/sh
# Split inference over loopback: for each worker configuration (parallel runs
# x threads per run) starts seam-cloud on 127.0.0.1 (a free port, read from
# its stdout) with one model in a temporary repository, runs split_bench
# (protocol overhead RAW and INT8+zstd, the transport alone, throughput with
# 1, 8 and 32 clients, and the compute-bound maximum of the same
# configuration in process), stops the worker and rewrites the section
# "Split inference over loopback" of docs/benchmarks.md (only that section).
# Builds nothing.
#
#   bench/run_split_bench.sh [BUILD_DIR] [MODEL_DIR]
#     BUILD_DIR  default build (needs cloud/seam-cloud and bench/split_bench)
#     MODEL_DIR  default BUILD_DIR/models/resnet18 (model.onnx + input.npy;
#                make it with examples/models/make_models.py DIR --only resnet18)
# Environment: CUT (default /maxpool/MaxPool_output_0), CONFIGS ("1x2 2x1":
# parallel runs x model threads), REQUESTS (400 per row), SEQUENTIAL (50),
# OUT (docs/benchmarks.md).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
MODEL_DIR=${2:-$BUILD/models/resnet18}
CUT=${CUT:-/maxpool/MaxPool_output_0}
CONFIGS=${CONFIGS:-1x2 2x1}
REQUESTS=${REQUESTS:-400}
SEQUENTIAL=${SEQUENTIAL:-50}
OUT=${OUT:-$ROOT/docs/benchmarks.md}
CLOUD=$BUILD/cloud/seam-cloud
BENCH=$BUILD/bench/split_bench
NAME=$(basename "$MODEL_DIR")
for f in "$CLOUD" "$BENCH" "$MODEL_DIR/model.onnx" "$MODEL_DIR/input.npy"; do
  [ -e "$f" ] || { echo "run_split_bench.sh: missing $f" >&2; exit 2; }
done

TMP=$(mktemp -d /tmp/seam-split-bench-XXXXXX)
WORKER=
stop_worker() {
  if [ -n "$WORKER" ]; then kill "$WORKER" 2>/dev/null || true; wait "$WORKER" 2>/dev/null || true; fi
  WORKER=
}
cleanup() { stop_worker; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM
mkdir -p "$TMP/repo/$NAME"
ln -s "$(cd "$MODEL_DIR" && pwd)/model.onnx" "$TMP/repo/$NAME/model.onnx"

start_worker() { # parallel_runs model_threads
  rm -f "$TMP/out"
  mkfifo "$TMP/out"
  "$CLOUD" --models "$TMP/repo" --listen 127.0.0.1:0 --parallel-runs "$1" --model-threads "$2" \
    >"$TMP/out" 2>"$TMP/worker.log" &
  WORKER=$!
  exec 3<"$TMP/out"
  read -r LINE <&3 || { echo "run_split_bench.sh: the worker did not start" >&2; cat "$TMP/worker.log" >&2; exit 1; }
  ENDPOINT=127.0.0.1:${LINE##*:}
  echo "worker $WORKER on $ENDPOINT: $1 parallel run(s) x $2 thread(s)" >&2
  cat <&3 >/dev/null & # keep draining the worker's stdout
  exec 3<&-
}

bench() { # runs model_threads phases codec zstd clients
  "$BENCH" --endpoint "$ENDPOINT" --model "$MODEL_DIR/model.onnx" --input "$MODEL_DIR/input.npy" \
    --name "$NAME" --cut "$CUT" --phases "$3" --codec "$4" --zstd "$5" --clients "$6" \
    --requests "$REQUESTS" --sequential "$SEQUENTIAL" --warmup 5 --worker-pid "$WORKER" \
    --parallel-runs "$1" --model-threads "$2"
}

: >"$TMP/results.jsonl"
for cfg in $CONFIGS; do
  runs=${cfg%x*}
  threads=${cfg#*x}
  start_worker "$runs" "$threads"
  bench "$runs" "$threads" overhead,echo raw 0 1 >>"$TMP/results.jsonl"
  bench "$runs" "$threads" overhead int8 0 1 >>"$TMP/results.jsonl"
  bench "$runs" "$threads" overhead int8 1 1 >>"$TMP/results.jsonl"
  for c in 1 8 32; do bench "$runs" "$threads" throughput raw 0 "$c" >>"$TMP/results.jsonl"; done
  stop_worker
  # The compute-bound maximum with no worker running, so nothing competes.
  bench "$runs" "$threads" max raw 0 1 >>"$TMP/results.jsonl" 2>>"$TMP/max.log" || {
    cat "$TMP/max.log" >&2; exit 1; }
done

CMD="bench/run_split_bench.sh $BUILD $MODEL_DIR  # CUT=$CUT CONFIGS='$CONFIGS' REQUESTS=$REQUESTS SEQUENTIAL=$SEQUENTIAL"
/usr/bin/python3 "$ROOT/bench/split_report.py" "$TMP/results.jsonl" "$OUT" "$CMD" "$NAME" \
  "$(git -C "$ROOT" rev-parse --short HEAD)"
