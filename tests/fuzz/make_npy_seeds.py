#!/usr/bin/python3
"""Writes .npy seed files for the npy fuzz target with NumPy's own writer:
every dtype seam reads, scalars, empty arrays, ranks 1 to 8, format versions
1.0, 2.0 and 3.0, and files seam refuses (Fortran order, big-endian,
unsupported dtypes, too high a rank).

    make_npy_seeds.py OUT_DIR
"""
import io
import os
import sys

import numpy as np
from numpy.lib import format as npy_format


def save(out_dir, name, array, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, array, allow_pickle=False)
    else:
        npy_format.write_array(buf, array, version=version, allow_pickle=False)
    with open(os.path.join(out_dir, name + ".npy"), "wb") as f:
        f.write(buf.getvalue())


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(7)
    dtypes = ["<f4", "<f8", "<f2", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "|b1"]
    for dt in dtypes:
        a = (rng.standard_normal((2, 3)) * 50).astype(dt)
        tag = np.dtype(dt).name
        save(out_dir, f"dtype_{tag}", a)
        save(out_dir, f"scalar_{tag}", np.array(a.flat[0], dtype=dt))
        save(out_dir, f"empty_{tag}", np.zeros((0, 4), dtype=dt))
    for rank in range(1, 9):
        save(out_dir, f"rank{rank}", np.ones((2,) * rank, dtype=np.float32))
    for version in [(1, 0), (2, 0), (3, 0)]:
        save(out_dir, f"version{version[0]}", np.arange(6, dtype=np.float32).reshape(2, 3), version)
    save(out_dir, "image", rng.standard_normal((1, 1, 28, 28)).astype(np.float32))
    # Refused by seam: each must be a clear error.
    save(out_dir, "refused_fortran", np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
    save(out_dir, "refused_big_endian", np.ones((2, 3), dtype=">f4"))
    save(out_dir, "refused_complex", np.ones((2,), dtype=np.complex64))
    save(out_dir, "refused_rank9", np.ones((1,) * 9, dtype=np.float32))
    save(out_dir, "refused_unicode", np.array(["ab", "c"]))


if __name__ == "__main__":
    main()
