#!/usr/bin/python3
"""Write a calibration set for `seam quantize`: training images as .npy batches.

Usage: make_calibset.py OUT_DIR [--count 200] [--per-file 50] [--data DIR]

Takes the first --count images of the Fashion-MNIST *training* set (Debian's
`dataset-fashion-mnist`; the test set stays unseen for evaluation) and writes
them as OUT_DIR/calib_000.npy, calib_001.npy, ... : float32 [k,1,28,28] batches
of --per-file images, pixels in [0,1], the input model.onnx expects.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_testset import DEFAULT_DATA, read_idx  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--per-file", type=int, default=50)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args()
    images = read_idx(args.data / "train-images-idx3-ubyte.gz")[: args.count]
    images = (images.astype(np.float32) / 255.0)[:, None, :, :]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for k, start in enumerate(range(0, len(images), args.per_file)):
        np.save(args.out_dir / f"calib_{k:03d}.npy", np.ascontiguousarray(images[start:start + args.per_file]))
    print(f"wrote {len(images)} images in {k + 1} files to {args.out_dir}")


if __name__ == "__main__":
    main()
