#!/bin/sh
# Makes the INT8 versions of the demo model the split-inference tests use:
#   OUT/fashion_mnist_int8/model.onnx   every Conv/Gemm quantized (QDQ)
#   OUT/fashion_mnist_mixed/model.onnx  INT8 head up to the cut
#                                       /stage2/relu2/Relu_output_0, FP32 tail
# calibrated on 200 training images of Debian's dataset-fashion-mnist.
#   make_int8_demo.sh SEAM OUT
set -eu
SEAM=$1
OUT=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODEL=$ROOT/examples/fashion_mnist/model.onnx
mkdir -p "$OUT/fashion_mnist_int8" "$OUT/fashion_mnist_mixed"
rm -rf "$OUT/calib"
/usr/bin/python3 "$ROOT/examples/fashion_mnist/make_calibset.py" "$OUT/calib" --count 200
"$SEAM" quantize --model "$MODEL" --calib "$OUT/calib" --out "$OUT/fashion_mnist_int8/model.onnx"
"$SEAM" quantize --model "$MODEL" --calib "$OUT/calib" \
  --fp32-after /stage2/relu2/Relu_output_0 --out "$OUT/fashion_mnist_mixed/model.onnx"
