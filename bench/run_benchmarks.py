#!/usr/bin/python3
"""Compare seam with ONNX Runtime (CPU) on four CNNs and write their section of docs/benchmarks.md.

Usage:
  bench/run_benchmarks.py --seam build/cli/seam --models build/models \\
      --out docs/benchmarks.md [--threads 1 2] [--runs N] [--rounds K]

Only the block between this script's two marker lines in --out is rewritten
(bench/doc_section.py); the rest of the file stays byte for byte. A file
without the markers is refused before anything runs; a missing file is
created holding only the block.

Builds nothing: --seam is an existing `seam` binary; ONNX Runtime comes from
bench/setup_ort.sh (npm onnxruntime-node in bench/.ort/). Models missing from
--models are generated with examples/models/make_models.py.

For every model and thread count the two engines run as separate processes,
alternating for --rounds rounds (the order flips every round); each process
does its own warm-up and timed runs and prints one JSON line. An engine's
figure is the median of its per-process medians (and of its p90s); its peak
RSS is the largest any of its processes reached. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

import doc_section

REPO = Path(__file__).resolve().parent.parent
OWNER = "bench/run_benchmarks.py"
MODELS = ["mobilenet_v2", "resnet18", "squeezenet1_1", "efficientnet_b0"]
ORT_VERSION = "1.30.0"
ORT_SCRIPT = REPO / "bench" / "ort" / "ort_bench.js"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seam", required=True, type=Path, help="the seam binary (build/cli/seam)")
    p.add_argument("--models", required=True, type=Path, help="folder of <name>/model.onnx")
    p.add_argument("--out", required=True, type=Path, help="Markdown report to write")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts (default 1 2)")
    p.add_argument("--runs", type=int, default=20, help="timed runs per process (default 20)")
    p.add_argument("--warmup", type=int, default=3, help="warm-up runs per process (default 3)")
    p.add_argument("--rounds", type=int, default=3, help="processes per engine, alternating (default 3)")
    p.add_argument("--timeout", type=float, default=900, help="seconds one process may take (default 900)")
    p.add_argument("--node", default="node", help="Node.js executable (default: node)")
    p.add_argument("--reference", action="store_true", help="run seam with its portable kernels only")
    p.add_argument("--only", nargs="+", choices=MODELS, metavar="MODEL", help="a subset of the models")
    a = p.parse_args(argv)
    if a.runs < 1 or a.rounds < 1 or a.warmup < 0 or any(t < 1 for t in a.threads):
        p.error("--runs, --rounds and --threads must be >= 1, --warmup >= 0")
    return a


def ensure_models(models_dir: Path, names: list[str], timeout: float) -> None:
    missing = [n for n in names if not (models_dir / n / "model.onnx").is_file()]
    if not missing:
        return
    log(f"generating {', '.join(missing)} into {models_dir}")
    subprocess.run([sys.executable, str(REPO / "examples" / "models" / "make_models.py"), str(models_dir),
                    "--only", *missing], check=True, timeout=timeout, stdout=sys.stderr)


def run_json(cmd: list[str], timeout: float) -> dict | str:
    """Runs cmd and returns the JSON object on its last stdout line, or an error text."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout:.0f} s"
    except OSError as e:
        return str(e)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return f"exit {proc.returncode}: {err}"
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError:
        return f"last line is not JSON: {lines[-1][:120]}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def seam_version() -> str:
    try:
        out = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty", "--tags"],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def summarize(results: list[dict]) -> dict | None:
    if not results:
        return None
    return {
        "median_ms": statistics.median(r["median_ms"] for r in results),
        "p90_ms": statistics.median(r["p90_ms"] for r in results),
        "peak_rss_mb": max(r["peak_rss_kb"] for r in results) / 1024.0,
        "processes": len(results),
        "kernels": results[0].get("kernels"),
        "version": results[0].get("version"),
    }


def fmt(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def report(a: argparse.Namespace, names: list[str], table: dict, errors: list[str],
           started: datetime.datetime, ort_version: str | None, load_at_start: str) -> str:
    """The Markdown of this script's block."""
    cores = os.cpu_count() or 0
    online = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    command = shlex.join([sys.executable, *sys.argv])
    kernels = {s["kernels"] for per_model in table.values() for s, _ in per_model.values() if s and s["kernels"]}
    lines = [
        "## seam and ONNX Runtime",
        "",
        "Produced by `bench/run_benchmarks.py`; see `bench/README.md`. Each engine runs in its own",
        "processes, alternating with the other for several rounds; each process warms up, then times",
        "its runs. An engine's figure is the median of its per-process medians (p90: the median of",
        "the per-process p90s); peak RSS is the largest of its processes (`getrusage` /",
        "`process.resourceUsage()`, so ORT's includes the Node.js runtime). Inputs are the",
        "declared shapes (1×3×224×224) filled with the same deterministic pseudo-random values in",
        "both engines. Models: `examples/models/make_models.py` (torchvision architectures,",
        "random weights, opset 13).",
        "",
        f"- Date: {started.strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {cpu_model()}, {cores} logical cores ({online} usable by this process),"
        f" {platform.system()} {platform.release()}; load average at start {load_at_start}",
        f"- seam: `{seam_version()}` (git describe), kernels requested:"
        f" {', '.join(sorted(kernels)) or 'unknown'} (fast: XNNPACK for the ops it covers where the"
        " build has the backend, portable kernels for the rest; reference: portable kernels only)",
        f"- ONNX Runtime: npm onnxruntime-node {ort_version or ORT_VERSION}, CPU execution provider,"
        " graph optimization 'all', sequential execution, inter-op threads 1, intra-op threads = the"
        " thread count",
        f"- Per process: {a.warmup} warm-up + {a.runs} timed runs; {a.rounds} processes per engine"
        " and configuration",
        f"- Command: `{command}`",
        "",
    ]
    for threads in a.threads:
        lines += [
            f"### {threads} thread{'s' if threads != 1 else ''}",
            "",
            "| model | seam median ms | ORT median ms | seam / ORT | seam p90 ms | ORT p90 ms |"
            " seam peak RSS MB | ORT peak RSS MB |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name in names:
            s, o = table[threads][name]
            ratio = s["median_ms"] / o["median_ms"] if s and o and o["median_ms"] > 0 else None
            lines.append(
                f"| {name} | {fmt(s and s['median_ms'])} | {fmt(o and o['median_ms'])} | {fmt(ratio)} |"
                f" {fmt(s and s['p90_ms'])} | {fmt(o and o['p90_ms'])} |"
                f" {fmt(s and s['peak_rss_mb'], 1)} | {fmt(o and o['peak_rss_mb'], 1)} |")
        lines.append("")
    if errors:
        lines += ["### Failed processes", ""] + [f"- {e}" for e in errors] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_at_start = " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1 / 5 / 15 min)"
    names = a.only or MODELS
    if not os.access(a.seam, os.X_OK):
        log(f"run_benchmarks.py: {a.seam} is not an executable seam binary")
        return 2
    try:
        doc_section.check_file(a.out, OWNER)
    except (doc_section.MarkerError, OSError, UnicodeDecodeError) as e:
        log(f"run_benchmarks.py: refusing to write {a.out}: {e}")
        return 2
    ensure_models(a.models, names, a.timeout * 4)
    table: dict[int, dict[str, tuple]] = {}
    errors: list[str] = []
    ort_version = None
    total = len(a.threads) * len(names) * a.rounds * 2
    done = 0
    for threads in a.threads:
        table[threads] = {}
        for name in names:
            model = str(a.models / name / "model.onnx")
            common = ["--model", model, "--threads", str(threads), "--runs", str(a.runs),
                      "--warmup", str(a.warmup)]
            cmds = {
                "seam": [str(a.seam), "bench", *common, *(["--reference"] if a.reference else [])],
                "ort": [a.node, str(ORT_SCRIPT), *common],
            }
            results: dict[str, list[dict]] = {"seam": [], "ort": []}
            for rnd in range(a.rounds):
                order = ["seam", "ort"] if rnd % 2 == 0 else ["ort", "seam"]
                for engine in order:
                    done += 1
                    r = run_json(cmds[engine], a.timeout)
                    if isinstance(r, dict):
                        results[engine].append(r)
                        ort_version = r.get("version", ort_version) if engine == "ort" else ort_version
                        log(f"[{done}/{total}] {name} threads={threads} round {rnd + 1}/{a.rounds}"
                            f" {engine:4}: median {r['median_ms']:.2f} ms, p90 {r['p90_ms']:.2f} ms")
                    else:
                        msg = f"{name}, {threads} thread(s), round {rnd + 1}, {engine}: {r}"
                        errors.append(msg)
                        log(f"[{done}/{total}] FAILED {msg}")
            table[threads][name] = (summarize(results["seam"]), summarize(results["ort"]))
            s, o = table[threads][name]
            if s and o:
                log(f"  {name} threads={threads}: seam {s['median_ms']:.2f} ms, ORT {o['median_ms']:.2f} ms,"
                    f" ratio {s['median_ms'] / o['median_ms']:.2f}")
    body = report(a, names, table, errors, started, ort_version, load_at_start)
    try:
        doc_section.rewrite_file(a.out, OWNER, body)
    except (doc_section.MarkerError, OSError, UnicodeDecodeError) as e:
        log(f"run_benchmarks.py: cannot write {a.out}: {e}; the section follows\n{body}")
        return 2
    log(f"wrote the section of {a.out} between its markers")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
