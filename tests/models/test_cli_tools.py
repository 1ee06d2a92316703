#!/usr/bin/python3
"""The timing and inspection commands on the committed demo model: `seam
bench` ends with one JSON object with the documented keys, `seam profile
--json` writes one record per node whose times add up to about the run,
`seam info` counts the demo model's parameters, and bad options exit 2.

Usage: test_cli_tools.py --seam PATH_TO_SEAM. Ends with `N passed, N failed`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

MODEL = Path(__file__).resolve().parents[2] / "examples" / "fashion_mnist" / "model.onnx"
BENCH_KEYS = {"model", "threads", "runs", "median_ms", "p90_ms", "min_ms", "mean_ms", "peak_rss_kb", "load_ms"}


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seam", type=Path, required=True)
    seam = parser.parse_args().seam
    results: list[tuple[bool, str]] = []

    for extra in ([], ["--reference"]):
        proc = run([seam, "bench", "--model", MODEL, "--threads", "1", "--runs", "5", *extra])
        last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        try:
            summary = json.loads(last)
        except ValueError:
            summary = {}
        ok = (proc.returncode == 0 and BENCH_KEYS <= summary.keys() and summary["runs"] == 5
              and summary["threads"] == 1 and 0 < summary["min_ms"] <= summary["median_ms"] <= summary["p90_ms"]
              and summary["peak_rss_kb"] > 0)
        results.append((ok, f"bench {' '.join(extra)}: JSON last line {last[:80]}"))

    with tempfile.TemporaryDirectory(prefix="seam_cli_") as tmp:
        out = Path(tmp) / "profile.json"
        proc = run([seam, "profile", "--model", MODEL, "--threads", "1", "--runs", "5", "--json", out])
        try:
            profile = json.loads(out.read_text())
        except (OSError, ValueError):
            profile = {}
        nodes = profile.get("nodes", [])
        node_sum = sum(n.get("median_ms", 0) for n in nodes)
        ok = (proc.returncode == 0 and len(nodes) >= 10
              and all({"name", "op", "median_ms", "output_bytes", "macs"} <= n.keys() for n in nodes)
              and sum(n["macs"] for n in nodes) == 5733248 and node_sum <= 2 * profile.get("total_ms", 0) + 0.05)
        results.append((ok, f"profile: {len(nodes)} nodes, MACs and times in the JSON"))

    proc = run([seam, "info", "--model", MODEL])
    results.append((proc.returncode == 0 and "parameters: 72780" in proc.stdout and "MACs: 5733248" in proc.stdout,
                    "info: parameters and MACs of the demo model"))
    for cmd in (["bench", "--model", MODEL, "--bogus", "1"], ["profile", "--runs", "0", "--model", MODEL],
                ["bench"], ["nonsense"]):
        proc = run([seam, *cmd])
        results.append((proc.returncode == 2 and proc.stderr.strip() != "", f"exit 2 with a message: {cmd[0]} {cmd[1:2]}"))

    for ok, what in results:
        print(f"{'PASS' if ok else 'FAIL'} {what}")
    failed = sum(not ok for ok, _ in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
