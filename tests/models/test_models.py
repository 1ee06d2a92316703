#!/usr/bin/python3
"""Run seam on the realistic test models and compare with torch's reference outputs.

Usage: test_models.py --seam PATH_TO_SEAM --models OUT_DIR [--make] [--only NAME ...]

The models and references come from examples/models/make_models.py, which is
run first when --make is given or when a model's files are missing.  Every
input/output pair listed in OUT_DIR/<name>/meta.json is run through
`seam run --model M.onnx --input X.npy --output Y.npy`; a case passes when the
shapes and dtypes match and max|y - ref| <= 1e-4 * max(1, max|ref|).

Prints one line per case and ends with `N passed, N failed` (plus `, N skipped`
when models could not be generated because torch is unavailable).  Exits 1 on
any failure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# Keep in sync with MODELS in examples/models/make_models.py.
EXPECTED_MODELS = [
    "mobilenet_v2",
    "resnet18",
    "squeezenet1_1",
    "shufflenet_v2_x0_5",
    "efficientnet_b0",
    "mobilenet_v3_small",
    "ocr_rec_dynamic",
    "ocr_det_dynamic",
    "inception_mini",
]
MAKE_MODELS = Path(__file__).resolve().parents[2] / "examples" / "models" / "make_models.py"
RTOL = 1e-4
SEAM_ARGS: list[str] = []  # extra `seam run` options (--seam-arg)
MAKE_TIMEOUT_S = 600


def model_is_complete(model_dir: Path) -> bool:
    """True when meta.json and every file it names exist."""
    meta_path = model_dir / "meta.json"
    if not meta_path.is_file():
        return False
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return False
    files = [meta.get("model", "model.onnx")]
    for case in meta.get("cases", []):
        files += [case["input"], case["output"]]
    return bool(meta.get("cases")) and all((model_dir / f).is_file() for f in files)


def torch_available() -> bool:
    """Whether this Python can run make_models.py (torch, torchvision, onnx)."""
    probe = subprocess.run([sys.executable, "-c", "import torch, torchvision, onnx"],
                           capture_output=True, timeout=120)
    return probe.returncode == 0


def generate(models_dir: Path, names: list[str]) -> bool:
    """Run make_models.py for `names`; return True on success."""
    cmd = [sys.executable, str(MAKE_MODELS), str(models_dir), "--only", *names]
    print(f"generating: {' '.join(names)}", flush=True)
    try:
        proc = subprocess.run(cmd, timeout=MAKE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        print(f"make_models.py timed out after {MAKE_TIMEOUT_S} s", flush=True)
        return False
    return proc.returncode == 0


def run_case(seam: Path, model_dir: Path, meta: dict, case: dict, tmp: Path,
             timeout: float) -> tuple[bool, str]:
    """Run one input/output pair through seam; return (passed, detail)."""
    ref = np.load(model_dir / case["output"])
    out_path = tmp / f"{meta['name']}__{Path(case['output']).name}"
    out_path.unlink(missing_ok=True)
    cmd = [str(seam), "run", "--model", str(model_dir / meta["model"]),
           "--input", str(model_dir / case["input"]), "--output", str(out_path), *SEAM_ARGS]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:.0f} s"
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        tail = " | ".join(lines[-3:]) if lines else "(no output)"
        return False, f"exit code {proc.returncode}: {tail}"
    if not out_path.is_file():
        return False, "seam wrote no output file"
    try:
        y = np.load(out_path)
    except (OSError, ValueError) as exc:
        return False, f"unreadable output .npy: {exc}"
    if y.shape != ref.shape:
        return False, f"shape {list(y.shape)} != reference {list(ref.shape)}"
    if y.dtype != ref.dtype:
        return False, f"dtype {y.dtype} != reference {ref.dtype}"
    diff = np.abs(y.astype(np.float64) - ref.astype(np.float64))
    if not np.all(np.isfinite(diff)):
        return False, "output contains NaN/Inf"
    err = float(diff.max()) if diff.size else 0.0
    allowed = RTOL * max(1.0, float(np.abs(ref).max()) if ref.size else 0.0)
    detail = f"max_abs_err {err:.3g} (tol {allowed:.3g}) {elapsed:.2f} s"
    return err <= allowed, detail


def run_seam(seam: Path, model: Path, x: np.ndarray, tmp: Path, tag: str,
             timeout: float) -> np.ndarray | None:
    """`seam run` on an array; the output array, or None when seam fails."""
    x_path, y_path = tmp / f"{tag}_in.npy", tmp / f"{tag}_out.npy"
    np.save(x_path, x)
    proc = subprocess.run([str(seam), "run", "--model", str(model), "--input", str(x_path),
                           "--output", str(y_path), *SEAM_ARGS], capture_output=True, text=True,
                          timeout=timeout)
    return np.load(y_path) if proc.returncode == 0 and y_path.is_file() else None


def batch_cases(seam: Path, model_dir: Path, meta: dict, tmp: Path,
                timeout: float) -> list[tuple[str, bool, str]]:
    """The CLI's batch handling on a model whose batch dimension is fixed to 1:
    a file without the batch dimension, and a batch of two different samples
    (run sample by sample) must give what single runs give."""
    case = meta["cases"][0]
    x = np.load(model_dir / case["input"])
    ref = np.load(model_dir / case["output"])
    model = model_dir / meta["model"]
    other = np.ascontiguousarray(x[..., ::-1])  # a second, different sample
    results = []
    y = run_seam(seam, model, x[0], tmp, "unbatched", timeout)
    ok = y is not None and y.shape == ref.shape and np.allclose(y, ref, rtol=0, atol=RTOL * max(1.0, float(np.abs(ref).max())))
    results.append(("input without batch dim", ok, "" if y is not None else "seam failed"))
    single = run_seam(seam, model, other, tmp, "other", timeout)
    both = run_seam(seam, model, np.concatenate([x, other]), tmp, "batch2", timeout)
    ok = (both is not None and single is not None and y is not None and both.shape[0] == 2
          and np.array_equal(both[1:], single) and np.array_equal(both[:1], y))
    results.append(("batch of 2 on a batch-1 model", ok, "" if both is not None else "seam failed"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seam", type=Path, required=True, help="path to the seam binary")
    parser.add_argument("--models", type=Path, required=True,
                        help="directory of generated models (make_models.py OUT_DIR)")
    parser.add_argument("--make", action="store_true", help="regenerate all models first")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=EXPECTED_MODELS,
                        help="test only these models")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds allowed per seam run (default 120)")
    parser.add_argument("--seam-arg", action="append", default=[], metavar="ARG",
                        help="extra option for every `seam run` (e.g. --seam-arg=--reference)")
    args = parser.parse_args(argv)
    SEAM_ARGS[:] = args.seam_arg

    if not (args.seam.is_file() and args.seam.stat().st_mode & 0o111):
        print(f"error: seam binary not found or not executable: {args.seam}", file=sys.stderr)
        return 2
    seam = args.seam.resolve()
    names = args.only or EXPECTED_MODELS

    to_make = names if args.make else [n for n in names if not model_is_complete(args.models / n)]
    skipped: list[str] = []
    failed_models: list[str] = []
    if to_make:
        if not torch_available():
            print(f"cannot generate models: {sys.executable} lacks torch/torchvision/onnx")
            skipped = [n for n in to_make if not model_is_complete(args.models / n)]
        elif not generate(args.models, to_make):
            failed_models = [n for n in to_make if not model_is_complete(args.models / n)]
            if args.make:  # stale files from an earlier run must not be trusted
                failed_models = list(to_make)

    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="seam_models_") as tmp_name:
        tmp = Path(tmp_name)
        for name in names:
            if name in skipped:
                print(f"SKIP {name}: model files missing and cannot be generated", flush=True)
                continue
            if name in failed_models:
                print(f"FAIL {name}: model generation failed", flush=True)
                failed += 1
                continue
            model_dir = args.models / name
            meta = json.loads((model_dir / "meta.json").read_text())
            for case in meta["cases"]:
                ok, detail = run_case(seam, model_dir, meta, case, tmp, args.timeout)
                label = f"{name}/{case['input']}"
                print(f"{'PASS' if ok else 'FAIL'} {label:40s} {detail}", flush=True)
                passed += ok
                failed += not ok
            if name == "mobilenet_v3_small":
                for label, ok, detail in batch_cases(seam, model_dir, meta, tmp, args.timeout):
                    print(f"{'PASS' if ok else 'FAIL'} {name}/{label:30s} {detail}", flush=True)
                    passed += ok
                    failed += not ok

    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {len(skipped)} skipped"
    print(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
