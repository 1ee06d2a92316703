#!/usr/bin/env bash
# Makes the seed corpora of the fuzz targets (nothing here is committed):
#
#   tests/fuzz/make_seeds.sh BUILD_DIR OUT_DIR
#
# OUT_DIR/model_load  the ONNX conformance models, with their test inputs as
#                     initializers too, and small CNN blocks (make_model_seeds.py);
#                     OUT_DIR/model_load.dict their operator and attribute names
# OUT_DIR/npy         .npy files written by NumPy (make_npy_seeds.py)
# OUT_DIR/cloud       recorded requests of the demo model, every codec
# OUT_DIR/codec       their tensor messages, and RAW tensors of every dtype
#                     (both from BUILD_DIR/tests/fuzz/fuzz_make_requests)
# OUT_DIR/plan        empty: the plan target's seeds are committed
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$1
out=$2
python=/usr/bin/python3
mkdir -p "$out"
rm -rf "$out/model_load" "$out/npy" "$out/cloud" "$out/codec" "$out/plan"
"$python" "$here/make_model_seeds.py" "$out/model_load" --dict "$out/model_load.dict"
"$python" "$here/make_npy_seeds.py" "$out/npy"
"$build/tests/fuzz/fuzz_make_requests" "$root/examples/fashion_mnist/model.onnx" \
  "$root/examples/fashion_mnist/samples.npy" "$out" >/dev/null
# plan: the committed plans (tests/fuzz/seeds/plan) are its seeds; nothing to make.
mkdir -p "$out/plan"
for t in model_load npy cloud codec plan; do
  echo "make_seeds: $t: $(find "$out/$t" -type f | wc -l) seeds"
done
