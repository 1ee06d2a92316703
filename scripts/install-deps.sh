#!/usr/bin/env bash
# Installs every Debian package that building, testing and demonstrating seam
# needs. Idempotent: when everything is present it changes nothing.
#
#   scripts/install-deps.sh            build + tests + demo (default)
#   scripts/install-deps.sh --bench    also Node.js and npm, for bench/ (ONNX Runtime)
#   scripts/install-deps.sh --fuzz     also clang, its fuzzer and sanitizer
#                                      runtimes and llvm-symbolizer (scripts/fuzz.sh)
#   scripts/install-deps.sh --runtime  only what the cloud worker image needs to run
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config git ca-certificates
  protobuf-c-compiler libprotobuf-c-dev
  libonnx-dev
  libzstd-dev libcjson-dev libssl-dev
  libgrpc-dev libwebsockets-dev
  libxnnpack-dev libpthreadpool-dev libcpuinfo-dev
  libcunit1-dev
)
test_packages=(
  libonnx-testdata
  python3 python3-numpy python3-onnx python3-torch python3-torchvision
  dataset-fashion-mnist
  iproute2 nftables
)
# Benchmarks against ONNX Runtime run it from npm (onnxruntime-node).
bench_packages=(nodejs npm)
# libFuzzer and the sanitizer runtimes ship in libclang-rt-14-dev; llvm
# provides llvm-symbolizer for readable crash stacks.
fuzz_packages=(clang libclang-rt-14-dev llvm)
runtime_packages=(
  libprotobuf-c1 libzstd1 libcjson1 libssl3 libgrpc29 libwebsockets17
  libxnnpack0 libpthreadpool0 libcpuinfo0 ca-certificates
)

case "${1:-}" in
  --runtime) wanted=("${runtime_packages[@]}") ;;
  "") wanted=("${build_packages[@]}" "${test_packages[@]}") ;;
  --fuzz) wanted=("${build_packages[@]}" "${test_packages[@]}" "${fuzz_packages[@]}") ;;
  --bench)
    wanted=("${build_packages[@]}" "${test_packages[@]}")
    # A machine may already have Node.js from elsewhere (with npm inside);
    # Debian's npm package would conflict with it.
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
      wanted+=("${bench_packages[@]}")
    fi
    ;;
  *) echo "usage: $0 [--bench | --fuzz | --runtime]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
