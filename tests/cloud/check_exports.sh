#!/bin/sh
# A shared library of seam exports only the public seam_ API: no protobuf-c,
# gRPC or other dependency symbol, and the functions an app needs are there.
#   check_exports.sh LIB SYMBOL...
set -eu
LIB=$1
shift
SYMS=$(nm -D --defined-only "$LIB" | awk '{print $3}')
OTHER=$(printf '%s\n' "$SYMS" | grep -v '^seam_' || true)
if [ -n "$OTHER" ]; then
  echo "FAIL: $LIB exports symbols outside the seam_ API:" >&2
  printf '%s\n' "$OTHER" | head -20 >&2
  exit 1
fi
for s in "$@"; do
  printf '%s\n' "$SYMS" | grep -qx "$s" || { echo "FAIL: $LIB does not export $s" >&2; exit 1; }
done
echo "$LIB: $(printf '%s\n' "$SYMS" | wc -l) symbols, all seam_; $# required ones present"
