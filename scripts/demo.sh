#!/usr/bin/env bash
# Installs what is missing, builds seam, and runs the bundled Fashion-MNIST
# classifier on its sample images.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"

seam=build/cli/seam
model=examples/fashion_mnist/model.onnx
samples=examples/fashion_mnist/samples.npy
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

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
