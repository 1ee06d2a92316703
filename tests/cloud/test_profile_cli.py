#!/usr/bin/python3
"""`seam profile --remote` against a real seam-cloud on 127.0.0.1: its
`--json` parses and lists the same nodes (name, op, outputs, inputs,
output_bytes, macs, fused_activation) as the local `seam profile --json` of
the same file, with the same top-level keys; the table has the same rows; a
repeated request says it was the worker's cached result; an unknown model
name, a file the worker does not serve and local-only options fail with a
clear message.

Usage: test_profile_cli.py --seam PATH --seam-cloud PATH --model M.onnx.
Ends with `N passed, N failed`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(cmd: list) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=120)


def node_key(n: dict) -> tuple:
    return (n["name"], n["op"], n["outputs"], n["inputs"], n["output_bytes"], n["macs"], n.get("fused_activation"))


def table_rows(stdout: str) -> list[str]:
    """The per-node rows without the timing columns (#, node, op, out KB, MMACs)."""
    rows = []
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 7 and parts[0].isdigit():
            rows.append(" ".join(parts[:3] + parts[5:]))
    return rows


def start_worker(seam_cloud: Path, repo: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([str(seam_cloud), "--models", str(repo), "--listen", "127.0.0.1:0", "--threads", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 10
    line = ""
    while time.monotonic() < deadline and "listening on" not in line:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
    if "listening on" not in line:
        proc.kill()
        proc.wait(timeout=10)
        raise SystemExit(f"the worker did not start: {line!r}")
    return proc, line.strip().rsplit(" ", 1)[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seam", type=Path, required=True)
    parser.add_argument("--seam-cloud", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True)
    args = parser.parse_args()
    results: list[tuple[bool, str]] = []

    with tempfile.TemporaryDirectory(prefix="seam_profile_cli_") as tmp_dir:
        tmp = Path(tmp_dir)
        (tmp / "repo" / "demo").mkdir(parents=True)
        model = tmp / "repo" / "demo" / "model.onnx"
        shutil.copyfile(args.model, model)
        worker, endpoint = start_worker(args.seam_cloud, tmp / "repo")
        try:
            local = run([args.seam, "profile", "--model", model, "--runs", "3", "--json", tmp / "local.json"])
            remote = run([args.seam, "profile", "--remote", endpoint, "--model", model, "--runs", "3",
                          "--json", tmp / "remote.json"])
            try:
                a = json.loads((tmp / "local.json").read_text())
                b = json.loads((tmp / "remote.json").read_text())
            except (OSError, ValueError):
                a, b = {}, {}
            a_nodes, b_nodes = a.get("nodes", []), b.get("nodes", [])
            ok = (local.returncode == 0 and remote.returncode == 0 and len(a_nodes) >= 10
                  and list(a.keys()) == list(b.keys()) and b.get("model") == str(model)
                  and b.get("runs") == 3 and b.get("warmup") == 2
                  and [node_key(n) for n in a_nodes] == [node_key(n) for n in b_nodes]
                  and all(n["median_ms"] >= 0 for n in b_nodes))
            results.append((ok, f"--remote --json: {len(b_nodes)} nodes, the same as the local "
                                f"{len(a_nodes)} ({remote.stderr.strip()[:200]})"))
            ok = table_rows(local.stdout) == table_rows(remote.stdout) and len(table_rows(remote.stdout)) == len(a_nodes)
            results.append((ok, "--remote prints the same table rows"))
            results.append(("cached" not in remote.stdout.splitlines()[0] if remote.stdout else False,
                            "the first request is not cached"))

            again = run([args.seam, "profile", "--remote", endpoint, "--model", model, "--runs", "3"])
            results.append((again.returncode == 0 and "(its cached result)" in again.stdout.splitlines()[0],
                            "a repeated request is the worker's cached result"))

            other = tmp / "other.onnx"
            other.write_bytes(model.read_bytes() + b"\0")  # a different file, hence another hash
            cases = [
                (["--model", model, "--model-name", "nope"], 1, "NOT_FOUND"),
                (["--model", other, "--model-name", "demo"], 1, "FAILED_PRECONDITION"),
                (["--model", model, "--runs", "5000"], 1, "INVALID_ARGUMENT"),
                (["--model", model, "--dim", "no_such_dim=3"], 1, "no_such_dim"),
                (["--model", model, "--input", "x.npy"], 2, "--input is not available with --remote"),
                (["--model", model, "--threads", "2"], 2, "--threads is not available with --remote"),
            ]
            for extra, want_rc, says in cases:
                proc = run([args.seam, "profile", "--remote", endpoint, *extra])
                results.append((proc.returncode == want_rc and says in proc.stderr,
                                f"{' '.join(map(str, extra[2:]))}: exit {proc.returncode}, {proc.stderr.strip()[:160]}"))
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)
        results.append((worker.returncode == 0, f"the worker exits with status {worker.returncode}"))

    for ok, what in results:
        print(("ok   " if ok else "FAIL ") + what)
    failed = sum(1 for ok, _ in results if not ok)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
