#!/usr/bin/env bash
# Installs what is missing, builds seam, starts a local seam-cloud worker on
# 127.0.0.1 and classifies the bundled Fashion-MNIST sample images four ways:
# all on the device, all on the worker, and split (head here, tail there)
# with the FP32 head and with the head quantized to INT8; then lets the
# partitioner choose (seam partition against the worker, seam run --plan).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"

seam=build/cli/seam
model=examples/fashion_mnist/model.onnx
samples=examples/fashion_mnist/samples.npy
out=$(mktemp -d)
worker_pid=
stop_worker() {
  if [ -n "$worker_pid" ]; then
    kill "$worker_pid" 2>/dev/null || true
    wait "$worker_pid" 2>/dev/null || true
  fi
  rm -rf "$out"
}
trap stop_worker EXIT

echo
echo "== the model"
"$seam" info --model "$model"
echo
echo "== classifying 16 sample images on the CPU"
"$seam" run --model "$model" --input "$samples" --output "$out/logits.npy" \
  --labels examples/fashion_mnist/classes.txt
/usr/bin/python3 - "$out/logits.npy" <<'PY'
import sys
import numpy as np
logits = np.load(sys.argv[1])
labels = np.load("examples/fashion_mnist/sample_labels.npy")
reference = np.load("examples/fashion_mnist/sample_logits.npy")
correct = int((logits.argmax(1) == labels).sum())
print(f"  {correct}/{len(labels)} correct against the true labels; "
      f"max |seam - PyTorch| = {np.abs(logits - reference).max():.2e}")
PY

cut=/stage2/relu2/Relu_output_0
echo
echo "== quantizing the device head to INT8 (up to $cut; the tail stays FP32)"
mkdir -p "$out/repo/fashion_mnist" "$out/repo/fashion_mnist_int8_head"
cp "$model" "$out/repo/fashion_mnist/model.onnx"
/usr/bin/python3 examples/fashion_mnist/make_calibset.py "$out/calib" --count 200 >/dev/null
int8_model=$out/repo/fashion_mnist_int8_head/model.onnx
"$seam" quantize --model "$model" --calib "$out/calib" --fp32-after "$cut" --out "$int8_model" 2>&1 |
  tail -n 2

echo
echo "== starting a seam-cloud worker on 127.0.0.1 (model repository in $out/repo)"
mkfifo "$out/worker.out"
build/cloud/seam-cloud --models "$out/repo" --listen 127.0.0.1:0 \
  >"$out/worker.out" 2>"$out/worker.log" &
worker_pid=$!
exec 3<"$out/worker.out"
if ! read -r -t 10 first <&3; then
  echo "seam-cloud did not start; its log:" >&2
  cat "$out/worker.log" >&2
  exit 1
fi
endpoint=${first##* }
echo "  $first"

classify() {
  local title=$1 with_model=$2
  shift 2
  echo
  echo "== $title"
  "$seam" run --model "$with_model" --input "$samples" --labels examples/fashion_mnist/classes.txt \
    --remote "$endpoint" --deadline-ms 5000 "$@"
}
classify "local only: every layer on the device" "$model" --cut local
classify "cloud only: the images go to the worker" "$model" --cut cloud
classify "split at $cut: FP32 head on the device, INT8+zstd tensors up, tail on the worker" \
  "$model" --cut "$cut" --codec int8 --zstd 1
classify "split at $cut: INT8 head on the device, INT8+zstd tensors up, FP32 tail on the worker" \
  "$int8_model" --cut "$cut" --codec int8 --zstd 1

echo
echo "== letting seam choose: seam partition profiles this device, asks the worker for its"
echo "   profile, measures the link with Echo probes and writes a plan for every condition"
/usr/bin/python3 -c "import numpy as np, sys; np.save(sys.argv[1], np.load(sys.argv[2])[:1])" \
  "$out/sample.npy" "$samples"
"$seam" partition --model "$model" --cloud "$endpoint" --input "$out/sample.npy" --runs 5 \
  --out "$out/plan.json" 2>/dev/null | grep -v '^{'
echo
echo "== ten requests with the plan: the cut per request from the live network estimate"
"$seam" run --model "$model" --input "$out/sample.npy" --remote "$endpoint" --plan "$out/plan.json" \
  --deadline-ms 5000 --repeat 10 --interval-ms 20
