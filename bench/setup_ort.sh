#!/bin/sh
# Installs ONNX Runtime for Node.js (npm onnxruntime-node, CPU execution
# provider) into bench/.ort/, a scratch folder git ignores, for the
# comparison benchmarks in bench/run_benchmarks.py. Idempotent: does nothing
# when the pinned version is already there.
#
# Needs node (>= 18) and npm: scripts/install-deps.sh --bench installs them
# (Debian's nodejs and npm) when they are missing.
#
# --ignore-scripts: the package's install script downloads GPU (CUDA/TensorRT)
# binaries and fails offline; the CPU library ships inside the package itself.
set -eu

ORT_VERSION=1.30.0
here=$(cd "$(dirname "$0")" && pwd)
dest="$here/.ort"

"$here/../scripts/install-deps.sh" --bench

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "setup_ort.sh: '$tool' not found; install Debian's nodejs and npm packages" >&2
    exit 1
  fi
done

installed=$(node -e "try { console.log(require('$dest/node_modules/onnxruntime-node/package.json').version) } catch (e) { }" 2>/dev/null || true)
if [ "$installed" = "$ORT_VERSION" ]; then
  echo "onnxruntime-node $ORT_VERSION already in $dest"
  exit 0
fi

mkdir -p "$dest"
# Our own package.json pins the version; copy it so npm installs into .ort/.
cp "$here/ort/package.json" "$dest/package.json"
(cd "$dest" && npm install --ignore-scripts --no-audit --no-fund "onnxruntime-node@$ORT_VERSION")
node -e "require('$dest/node_modules/onnxruntime-node'); console.log('onnxruntime-node ' + require('$dest/node_modules/onnxruntime-node/package.json').version + ' ready in $dest')"
