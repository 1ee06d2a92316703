#!/usr/bin/python3
"""Write the full Fashion-MNIST test set as NumPy files, for accuracy checks.

Usage: make_testset.py OUT_DIR [--data DIR]

Reads the IDX files of Debian's `dataset-fashion-mnist` package and writes
  OUT_DIR/images.npy   float32 [10000,1,28,28], pixels in [0,1]
  OUT_DIR/labels.npy   int64 [10000], class ids (see classes.txt)
These are the exact inputs model.onnx expects (normalization is in the model).
The files are about 31 MB: generate them, do not commit them.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import numpy as np

DEFAULT_DATA = Path("/usr/share/datasets/fashion-mnist")


def read_idx(path: Path) -> np.ndarray:
    """Read a (gzipped) unsigned-byte IDX file into an array of its native shape."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {dims}, got {arr.size} bytes")
    return arr.reshape(dims)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="folder with the Fashion-MNIST IDX .gz files (default: %(default)s)")
    args = ap.parse_args()

    images = read_idx(args.data / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(args.data / "t10k-labels-idx1-ubyte.gz")
    if images.shape != (10000, 28, 28) or labels.shape != (10000,):
        raise SystemExit(f"unexpected shapes {images.shape}, {labels.shape}")
    images = np.ascontiguousarray((images.astype(np.float32) / 255.0)[:, None, :, :])
    labels = labels.astype(np.int64)

    args.out_dir.mkdir(parents=True, exist_ok=True)
    np.save(args.out_dir / "images.npy", images)
    np.save(args.out_dir / "labels.npy", labels)
    print(f"wrote {args.out_dir / 'images.npy'} {images.dtype} {list(images.shape)} and "
          f"{args.out_dir / 'labels.npy'} {labels.dtype} {list(labels.shape)}")


if __name__ == "__main__":
    main()
