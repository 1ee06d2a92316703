#!/usr/bin/env bash
# Checks that seam's includes follow the dependency graph of
# docs/architecture.md ("Dependency rules"): common at the bottom, runtime
# on it, protocol and partitioner on the runtime, edge on both, cloud on
# protocol, cli on top. Every `#include "..."` in the C sources of common/,
# runtime/, protocol/, partitioner/, edge/, cloud/, cli/, bench/, tests/ and
# include/seam/ is checked against the rules below, and a few `#include <...>`
# lines too (gRPC stays in protocol/; no network headers below protocol/;
# the public headers include only seam/ and the C library).
#
#   scripts/check-includes.sh [ROOT]     ROOT: the checkout (default: this one)
#
# Prints each include that points the wrong way as `file:line: #include
# "x": rule` and exits 1; exits 0 with a one-line summary when all follow.
set -euo pipefail

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

folders=(common runtime protocol partitioner edge cloud cli bench tests include/seam)
mapfile -t files < <(find "${folders[@]}" -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | LC_ALL=C sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "check-includes: no C sources under $root" >&2
  exit 1
fi

awk '
BEGIN {
  # Which folders each folder may include. "seam" is include/seam/ (the
  # public headers); "onnx" is the runtime'"'"'s generated ONNX bindings.
  allow["common"]      = "common seam"
  allow["runtime"]     = "common runtime onnx seam"
  allow["protocol"]    = "common runtime protocol seam"
  allow["partitioner"] = "common runtime partitioner seam"
  allow["edge"]        = "common runtime protocol partitioner edge seam"
  allow["cloud"]       = "common runtime protocol cloud seam"
  allow["cli"]         = "common runtime protocol partitioner edge cli seam"
  allow["bench"]       = "common runtime onnx protocol partitioner edge cloud cli bench tests seam"
  allow["tests"]       = "common runtime onnx protocol partitioner edge cloud cli bench tests seam"
  allow["include"]     = "seam"
  why["common"]      = "common/ is the bottom: only common/ and the public seam/ headers"
  why["runtime"]     = "runtime/ knows no network and no folder above it: only common/, runtime/, seam/"
  why["protocol"]    = "protocol/ sits on the runtime: only common/, runtime/, protocol/, seam/"
  why["partitioner"] = "partitioner/ is pure (no network code): only common/, runtime/, partitioner/, seam/"
  why["edge"]        = "edge/ uses protocol/ and partitioner/, never cloud/ or cli/"
  why["cloud"]       = "cloud/ uses protocol/ and runtime/, never edge/, partitioner/ or cli/"
  why["cli"]         = "cli/ may use every library but the worker'"'"'s internals (cloud/)"
  why["include"]     = "public headers include only seam/ headers"
  # The C library headers a public header may include.
  split("assert.h complex.h ctype.h errno.h fenv.h float.h inttypes.h iso646.h limits.h locale.h math.h setjmp.h signal.h stdalign.h stdarg.h stdatomic.h stdbool.h stddef.h stdint.h stdio.h stdlib.h stdnoreturn.h string.h tgmath.h threads.h time.h uchar.h wchar.h wctype.h", std, " ")
  for (i in std) stdc[std[i]] = 1
  bad = 0; checked = 0
}
FNR == 1 {
  file = FILENAME
  split(file, parts, "/")
  from = parts[1]
  open_comment = 0
}
{
  line = $0
  # Skip block comments (enough for the commented-out includes of a file).
  if (open_comment) { if (index(line, "*/")) open_comment = 0; next }
  if (line ~ /^[ \t]*\/\*/ && !index(line, "*/")) { open_comment = 1; next }
  if (line !~ /^[ \t]*#[ \t]*include[ \t]*[<"]/) next
  checked++
  if (match(line, /"[^"]+"/)) {
    target = substr(line, RSTART + 1, RLENGTH - 2)
    if (index(target, "/") == 0) {
      to = (from == "include") ? "seam" : from   # next to the including file
    } else {
      split(target, t, "/"); to = t[1]
    }
    if (from == "include" && to == "include") to = "seam"
    if (!((from, to) in ok)) {
      ok_list = " " allow[from] " "
      ok[from, to] = index(ok_list, " " to " ") > 0
    }
    if (!ok[from, to]) {
      rule = (from in why) ? why[from] : from "/ is not a folder this check knows"
      if (!(to in allow) && to != "seam" && to != "onnx") rule = "\"" to "/\" is not a seam folder"
      printf "%s:%d: #include \"%s\": %s\n", file, FNR, target, rule
      bad++
    }
    # Kernel internals belong to the runtime (design: nothing in edge
    # reaches into kernel internals); bench/ and tests/ may look.
    if (target ~ /^runtime\/(ops|xnn)\// && from != "runtime" && from != "bench" && from != "tests") {
      printf "%s:%d: #include \"%s\": kernel internals (runtime/ops/, runtime/xnn/) are the runtime'"'"'s own\n", file, FNR, target
      bad++
    }
  } else if (match(line, /<[^>]+>/)) {
    target = substr(line, RSTART + 1, RLENGTH - 2)
    if (target ~ /^grpc\// && from != "protocol" && from != "tests" && from != "bench") {
      printf "%s:%d: #include <%s>: gRPC core is called only from protocol/ (its headers expose no gRPC type)\n", file, FNR, target
      bad++
    }
    if ((from == "common" || from == "runtime" || from == "partitioner") &&
        target ~ /^(sys\/socket\.h|netinet\/|arpa\/|netdb\.h|sys\/un\.h|libwebsockets\.h|grpc\/)/) {
      printf "%s:%d: #include <%s>: %s/ has no network code\n", file, FNR, target, from
      bad++
    }
    if (from == "include" && !(target in stdc)) {
      printf "%s:%d: #include <%s>: a public header must not leak a dependency (C library headers only)\n", file, FNR, target
      bad++
    }
  }
}
END {
  if (bad) {
    printf "check-includes: %d include(s) break the dependency rules of docs/architecture.md\n", bad
    exit 1
  }
  printf "check-includes: %d includes in %d files follow the dependency rules\n", checked, ARGC - 1
}
' "${files[@]}"
