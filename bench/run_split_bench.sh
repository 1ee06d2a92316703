#!/bin/sh
# Split inference over loopback: starts seam-cloud on 127.0.0.1 (a free port,
# read from its stdout) with one model in a temporary repository, runs
# split_bench for the protocol overhead (RAW and INT8+zstd) and the worker's
# throughput with 1, 8 and 32 clients, stops the worker and writes the section
# "Split inference over loopback" at the end of docs/benchmarks.md (replacing
# that section when it is already the last one). Builds nothing.
#
#   bench/run_split_bench.sh [BUILD_DIR] [MODEL_DIR]
#     BUILD_DIR  default build (needs cloud/seam-cloud and bench/split_bench)
#     MODEL_DIR  default BUILD_DIR/models/resnet18 (model.onnx + input.npy;
#                make it with examples/models/make_models.py DIR --only resnet18)
# Environment: CUT (default /maxpool/MaxPool_output_0), WORKER_THREADS (2),
# REQUESTS (64 per concurrency), SEQUENTIAL (50), OUT (docs/benchmarks.md).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
MODEL_DIR=${2:-$BUILD/models/resnet18}
CUT=${CUT:-/maxpool/MaxPool_output_0}
WORKER_THREADS=${WORKER_THREADS:-2}
REQUESTS=${REQUESTS:-64}
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
cleanup() {
  if [ -n "$WORKER" ]; then kill "$WORKER" 2>/dev/null || true; wait "$WORKER" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
mkdir -p "$TMP/repo/$NAME"
ln -s "$(cd "$MODEL_DIR" && pwd)/model.onnx" "$TMP/repo/$NAME/model.onnx"
mkfifo "$TMP/out"
"$CLOUD" --models "$TMP/repo" --listen 127.0.0.1:0 --threads "$WORKER_THREADS" \
  >"$TMP/out" 2>"$TMP/worker.log" &
WORKER=$!
exec 3<"$TMP/out"
read -r LINE <&3 || { echo "run_split_bench.sh: the worker did not start" >&2; cat "$TMP/worker.log" >&2; exit 1; }
PORT=${LINE##*:}
ENDPOINT=127.0.0.1:$PORT
echo "worker $WORKER on $ENDPOINT ($LINE)" >&2
# Keep draining the worker's stdout so it never blocks.
cat <&3 >/dev/null &

run() { # codec zstd clients
  "$BENCH" --endpoint "$ENDPOINT" --model "$MODEL_DIR/model.onnx" --input "$MODEL_DIR/input.npy" \
    --cut "$CUT" --codec "$1" --zstd "$2" --clients "$3" --requests "$REQUESTS" \
    --sequential "$SEQUENTIAL" --warmup 5 --worker-pid "$WORKER" --concurrent-runs 1
}
: >"$TMP/results.jsonl"
run int8 3 1 >>"$TMP/results.jsonl"
for c in 1 8 32; do run raw 0 "$c" >>"$TMP/results.jsonl"; done

export WORKER_THREADS
CMD="bench/run_split_bench.sh $BUILD $MODEL_DIR  # CUT=$CUT WORKER_THREADS=$WORKER_THREADS REQUESTS=$REQUESTS SEQUENTIAL=$SEQUENTIAL"
/usr/bin/python3 - "$TMP/results.jsonl" "$OUT" "$CMD" "$NAME" "$(git -C "$ROOT" rev-parse --short HEAD)" <<'EOF'
import json, sys, datetime, os
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
out, cmd, name, rev = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
seq = [r for r in rows if r["clients"] == 1]
thr = [r for r in rows if r["codec"] == "raw"]
tail_ms = thr[0]["tail_compute_us"] / 1e3
L = []
L.append("## Split inference over loopback\n")
L.append(f"`bench/split_bench` (libseam-edge) against a real `seam-cloud` on 127.0.0.1, started by "
         f"`bench/run_split_bench.sh` with `--threads {os.environ.get('WORKER_THREADS', '2')}` (threads handling calls) and `{name}` in a temporary "
         f"repository; cut `{rows[0]['cut']}` (the head runs in the bench process, the tail on the worker). "
         f"**The worker and the clients share the same 2 cores** (no second machine): the clients' heads, "
         f"encoding and gRPC threads take CPU from the worker, so the throughput figures are a lower bound "
         f"for a worker with 2 cores of its own.\n")
L.append(f"- Date: {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC; seam `{rev}` plus the uncommitted split benchmark; "
         f"{os.cpu_count()} online cores, shared with other work\n")
L.append(f"- Command (from the repository root, after building and "
         f"`/usr/bin/python3 examples/models/make_models.py build/models --only resnet18`):\n")
L.append("```sh\n" + cmd + "\n```\n")
L.append(f"### Protocol overhead ({seq[0]['sequential']} sequential requests, means)\n")
L.append("Overhead = total − head − the worker's tail compute = encode + network + the worker's queue, "
         "decode and reply encode + client decode.\n")
L.append("| codec | bytes up | head ms | encode ms | network ms | worker queue ms | tail compute ms | decode ms | total ms | overhead ms | overhead ÷ tail compute |")
L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for r in seq:
    codec = "RAW" if r["codec"] == "raw" else f"INT8+zstd {r['zstd']}"
    L.append(f"| {codec} | {r['bytes_up']:.0f} | {r['head_us']/1e3:.2f} | {r['encode_us']/1e3:.2f} | "
             f"{r['network_us']/1e3:.2f} | {r['worker_queue_us']/1e3:.2f} | {r['tail_compute_us']/1e3:.2f} | "
             f"{r['decode_us']/1e3:.2f} | {r['total_us']/1e3:.2f} | {r['overhead_us']/1e3:.2f} | "
             f"{r['overhead_pct']:.1f} % |")
L.append("")
L.append(f"### Worker throughput (RAW, {thr[0]['requests']} requests per row, clients = threads of one session)\n")
L.append("Compute-bound maximum = 1 ÷ the tail's mean compute time in the sequential phase of the "
         "same row (measured on an otherwise idle worker). Not `--threads` ÷ compute time: seam-cloud "
         "loads each model once, and planned runs of one model take turns, each on the model's own "
         "pool of all online cores (the worker's CPU is ~170 % even with one client), so the worker "
         "computes one tail at a time with both cores. The clients' heads (one core each, in the bench "
         "process) compete with it for the same 2 cores.\n")
L.append("| clients | wall s | requests/s | worker CPU s | worker CPU % | compute-bound max req/s | ratio | errors |")
L.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for r in thr:
    L.append(f"| {r['clients']} | {r['wall_s']:.2f} | {r['rps']:.1f} | {r['worker_cpu_s']:.2f} | "
             f"{r['worker_cpu_pct']:.0f} % | {r['max_rps']:.1f} | {r['ratio_pct']:.0f} % | {r['errors']} |")
L.append("")
ov = [r for r in seq if r["codec"] == "raw"][0]["overhead_pct"]
many = max(thr, key=lambda r: r["clients"])["ratio_pct"]
L.append("### Against the targets\n")
L.append(f"- Overhead below 10 % of the tail's compute (ResNet-18-sized tail, RAW): "
         f"{ov:.1f} % — {'met' if ov < 10 else 'not met'}.")
L.append(f"- Throughput with many clients within 90 % of the compute-bound maximum: "
         f"{many:.0f} % with {max(r['clients'] for r in thr)} clients — {'met' if many >= 90 else 'not met'} "
         f"on this machine, where the clients run on the worker's 2 cores.\n")
text = open(out).read()
marker = "\n## Split inference over loopback\n"
if marker in text:
    text = text[:text.index(marker)]
text = text.rstrip("\n") + "\n\n" + "\n".join(L)
open(out, "w").write(text.rstrip("\n") + "\n")
print("\n".join(L))
EOF
