#!/usr/bin/python3
"""The committed demo model (examples/fashion_mnist) through `seam run`,
against the logits PyTorch computed for the committed sample images; and
with one NaN pixel in a sample, whose logits must all be NaN (NaN propagates
through Conv, Relu, MaxPool and Gemm in NumPy, ONNX and PyTorch) while the
other sample of the batch keeps its logits.

Usage: test_demo_model.py --seam PATH_TO_SEAM [--seam-arg ARG ...]
Ends with `N passed, N failed`; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

DEMO = Path(__file__).resolve().parents[2] / "examples" / "fashion_mnist"
RTOL = 1e-4


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seam", type=Path, required=True)
    parser.add_argument("--seam-arg", action="append", default=[], metavar="ARG")
    args = parser.parse_args()
    reference = np.load(DEMO / "sample_logits.npy")
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="seam_demo_") as tmp:
        out = Path(tmp) / "logits.npy"
        proc = subprocess.run([str(args.seam), "run", "--model", str(DEMO / "model.onnx"),
                               "--input", str(DEMO / "samples.npy"), "--output", str(out),
                               "--labels", str(DEMO / "classes.txt"), *args.seam_arg],
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0 or not out.is_file():
            print(f"FAIL seam run: exit {proc.returncode}: {proc.stderr.strip()}")
            failed += 1
        else:
            logits = np.load(out)
            err = float(np.abs(logits - reference).max()) if logits.shape == reference.shape else float("inf")
            allowed = RTOL * max(1.0, float(np.abs(reference).max()))
            ok = err <= allowed
            print(f"{'PASS' if ok else 'FAIL'} logits of 16 samples: max_abs_err {err:.3g} (tol {allowed:.3g})")
            passed, failed = passed + ok, failed + (not ok)
            ok = bool((logits.argmax(1) == reference.argmax(1)).all())
            print(f"{'PASS' if ok else 'FAIL'} top-1 classes equal PyTorch's")
            passed, failed = passed + ok, failed + (not ok)
            # The --labels lines name each sample's top class.
            classes = (DEMO / "classes.txt").read_text().splitlines()
            named = [line.split(":", 1)[1].split(" p=")[0].strip()
                     for line in proc.stdout.splitlines() if line.strip().startswith("sample")]
            ok = named == [classes[k] for k in reference.argmax(1)]
            print(f"{'PASS' if ok else 'FAIL'} --labels names the top classes")
            passed, failed = passed + ok, failed + (not ok)
        samples = np.load(DEMO / "samples.npy")
        batch = samples[:2].copy()
        batch[0, 0, 14, 14] = np.nan
        nan_in, nan_out = Path(tmp) / "nan.npy", Path(tmp) / "nan_logits.npy"
        np.save(nan_in, batch)
        proc = subprocess.run([str(args.seam), "run", "--model", str(DEMO / "model.onnx"), "--input", str(nan_in),
                               "--output", str(nan_out), *args.seam_arg], capture_output=True, text=True, timeout=120)
        logits = np.load(nan_out) if proc.returncode == 0 and nan_out.is_file() else None
        ok = logits is not None and logits.shape == (2, 10) and bool(np.isnan(logits[0]).all())
        print(f"{'PASS' if ok else 'FAIL'} one NaN pixel: every logit of that sample is NaN "
              f"({None if logits is None else logits[0].tolist()})")
        passed, failed = passed + ok, failed + (not ok)
        ok = logits is not None and bool(np.abs(logits[1] - reference[1]).max() <= RTOL * max(1.0, float(np.abs(reference).max())))
        print(f"{'PASS' if ok else 'FAIL'} the other sample of the batch keeps its logits")
        passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
