#!/usr/bin/python3
"""Inspect the models written by make_models.py and cross-check their references.

Usage: check_models.py OUT_DIR [--only NAME ...] [--no-eval]

For every model this prints the opset, file size and op-type histogram, then
the union of op types over all models, flagging any op outside the set seam is
meant to support.  Unless --no-eval is given it also runs each exported graph
with a small float64 numpy interpreter (written here, independent of torch) and
compares with the torch reference output, using the same criterion as
tests/models/test_models.py.  That proves the ONNX files compute what the
references say, so a mismatch in seam is seam's bug, not the exporter's.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

import numpy as np
import onnx
from numpy.lib.stride_tricks import sliding_window_view
from onnx import numpy_helper

# Ops the seam runtime plans to support (the ONNX spellings).
SUPPORTED_OPS = set("""
Conv ConvTranspose Gemm MatMul BatchNormalization Relu Clip LeakyRelu PRelu Sigmoid
HardSigmoid HardSwish Tanh Erf Exp Log Sqrt Pow Neg Abs Reciprocal Add Sub Mul Div Max
Min Sum Mean MaxPool AveragePool GlobalAveragePool GlobalMaxPool ReduceMean ReduceSum
ReduceMax Softmax LogSoftmax Concat Split Slice Gather Flatten Reshape Transpose Squeeze
Unsqueeze Expand Tile Pad Resize DepthToSpace SpaceToDepth Shape Constant ConstantOfShape
Cast Range Where Equal Less Greater Not And Or Identity Dropout
""".split())

RTOL = 1e-4


def max_error(y: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    """Return (max abs error, allowed error) for the norm-relative criterion."""
    err = float(np.abs(y.astype(np.float64) - ref.astype(np.float64)).max())
    return err, RTOL * max(1.0, float(np.abs(ref).max()))


# --------------------------------------------------------------------------
# A minimal numpy ONNX interpreter for the ops these models use
# --------------------------------------------------------------------------


def _pads(attrs: dict, spatial: int) -> list[int]:
    if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise NotImplementedError("auto_pad")
    return list(attrs.get("pads", [0] * (2 * spatial)))


def _windows(x: np.ndarray, kernel, strides, dilations) -> np.ndarray:
    """[N, C, H, W] -> [N, C, OH, OW, KH, KW] view of (already padded) x."""
    span = [(k - 1) * d + 1 for k, d in zip(kernel, dilations)]
    win = sliding_window_view(x, span, axis=(2, 3))
    win = win[:, :, :: strides[0], :: strides[1], :: dilations[0], :: dilations[1]]
    return win


def op_conv(attrs, x, w, b=None):
    kernel = w.shape[2:]
    strides = attrs.get("strides", [1, 1])
    dilations = attrs.get("dilations", [1, 1])
    group = attrs.get("group", 1)
    p = _pads(attrs, 2)
    x = np.pad(x, ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])))
    win = _windows(x, kernel, strides, dilations)
    n, c, oh, ow = win.shape[:4]
    m = w.shape[0]
    win = win.reshape(n, group, c // group, oh, ow, *kernel)
    wg = w.reshape(group, m // group, c // group, *kernel)
    y = np.einsum("ngchwij,gmcij->ngmhw", win, wg, optimize=True).reshape(n, m, oh, ow)
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y


def op_convtranspose(attrs, x, w, b=None):
    if attrs.get("group", 1) != 1 or "output_shape" in attrs:
        raise NotImplementedError("ConvTranspose group/output_shape")
    strides = attrs.get("strides", [1, 1])
    dilations = attrs.get("dilations", [1, 1])
    out_pad = attrs.get("output_padding", [0, 0])
    p = _pads(attrs, 2)
    n, _, h, wd = x.shape
    kh, kw = w.shape[2:]
    full_h = (h - 1) * strides[0] + (kh - 1) * dilations[0] + 1 + out_pad[0]
    full_w = (wd - 1) * strides[1] + (kw - 1) * dilations[1] + 1 + out_pad[1]
    y = np.zeros((n, w.shape[1], full_h, full_w), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            contrib = np.einsum("nchw,co->nohw", x, w[:, :, i, j])
            r0, c0 = i * dilations[0], j * dilations[1]
            y[:, :, r0 : r0 + (h - 1) * strides[0] + 1 : strides[0],
              c0 : c0 + (wd - 1) * strides[1] + 1 : strides[1]] += contrib
    y = y[:, :, p[0] : full_h - p[2], p[1] : full_w - p[3]]
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y


def op_maxpool(attrs, x):
    if attrs.get("storage_order", 0):
        raise NotImplementedError("MaxPool storage_order")
    kernel = attrs["kernel_shape"]
    strides = attrs.get("strides", [1, 1])
    dilations = attrs.get("dilations", [1, 1])
    p = _pads(attrs, 2)
    extra = [0, 0]
    if attrs.get("ceil_mode", 0):
        # Grow the end padding so a last partial window fits; a window may not
        # start inside the end padding (same rule as PyTorch / onnxruntime).
        for a in range(2):
            size = x.shape[2 + a] + p[a] + p[a + 2]
            span = (kernel[a] - 1) * dilations[a] + 1
            out = -(-(size - span) // strides[a]) + 1
            if (out - 1) * strides[a] >= x.shape[2 + a] + p[a]:
                out -= 1
            extra[a] = max(0, (out - 1) * strides[a] + span - size)
    x = np.pad(x, ((0, 0), (0, 0), (p[0], p[2] + extra[0]), (p[1], p[3] + extra[1])),
               constant_values=-np.inf)
    return _windows(x, kernel, strides, dilations).max(axis=(4, 5))


def op_batchnorm(attrs, x, scale, bias, mean, var):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    inv = scale / np.sqrt(var + attrs.get("epsilon", 1e-5))
    return (x - mean.reshape(shape)) * inv.reshape(shape) + bias.reshape(shape)


def op_gemm(attrs, a, b, c=None):
    a = a.T if attrs.get("transA", 0) else a
    b = b.T if attrs.get("transB", 0) else b
    y = attrs.get("alpha", 1.0) * (a @ b)
    if c is not None:
        y = y + attrs.get("beta", 1.0) * c
    return y


def op_softmax(attrs, x):
    axis = attrs.get("axis", -1)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def op_div(attrs, a, b):
    if np.issubdtype(a.dtype, np.integer):
        q = np.abs(a) // np.abs(b)  # ONNX integer Div truncates toward zero
        return (np.sign(a) * np.sign(b) * q).astype(a.dtype)
    return a / b


def op_reshape(attrs, x, shape):
    shape = [x.shape[i] if d == 0 and not attrs.get("allowzero", 0) else int(d)
             for i, d in enumerate(shape)]
    return x.reshape(shape)


def op_slice(attrs, x, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        index[int(a)] = slice(int(s), int(e), int(st))
    return x[tuple(index)]


def op_unsqueeze(attrs, x, axes):
    out_rank = x.ndim + len(axes)
    for a in sorted(int(a) % out_rank for a in axes):
        x = np.expand_dims(x, a)
    return x


def op_clip(attrs, x, lo=None, hi=None):
    if lo is not None:
        x = np.maximum(x, lo)
    if hi is not None:
        x = np.minimum(x, hi)
    return x


def _source_coords(mode: str, out_size: int, in_size: int, scale: float) -> np.ndarray:
    """Map output pixel indices to input coordinates (ONNX Resize semantics)."""
    i = np.arange(out_size, dtype=np.float64)
    if mode == "asymmetric":
        return i / scale
    if mode == "half_pixel":
        return (i + 0.5) / scale - 0.5
    if mode == "pytorch_half_pixel":
        return (i + 0.5) / scale - 0.5 if out_size > 1 else np.zeros(1)
    if mode == "align_corners":
        return i * (in_size - 1) / (out_size - 1) if out_size > 1 else np.zeros(1)
    raise NotImplementedError(f"Resize coordinate_transformation_mode={mode}")


def op_resize(attrs, x, roi=None, scales=None, sizes=None):
    mode = attrs.get("mode", "nearest")
    coord_mode = attrs.get("coordinate_transformation_mode", "half_pixel")
    if sizes is not None and sizes.size:
        out_shape = [int(s) for s in sizes]
        scales = [o / i for o, i in zip(out_shape, x.shape)]
    else:
        out_shape = [int(np.floor(i * s)) for i, s in zip(x.shape, scales)]
    for axis, (in_size, out_size, scale) in enumerate(zip(x.shape, out_shape, scales)):
        if in_size == out_size and scale == 1:
            continue
        src = _source_coords(coord_mode, out_size, in_size, float(scale))
        if mode == "nearest":
            if attrs.get("nearest_mode", "round_prefer_floor") != "floor":
                raise NotImplementedError("Resize nearest_mode")
            idx = np.clip(np.floor(src).astype(np.int64), 0, in_size - 1)
            x = np.take(x, idx, axis=axis)
        elif mode == "linear":
            src = np.clip(src, 0, in_size - 1)
            lo = np.floor(src).astype(np.int64)
            hi = np.minimum(lo + 1, in_size - 1)
            frac = (src - lo).reshape([-1 if a == axis else 1 for a in range(x.ndim)])
            x = np.take(x, lo, axis=axis) * (1 - frac) + np.take(x, hi, axis=axis) * frac
        else:
            raise NotImplementedError(f"Resize mode={mode}")
    return x


OPS = {
    "Conv": op_conv,
    "ConvTranspose": op_convtranspose,
    "MaxPool": op_maxpool,
    "BatchNormalization": op_batchnorm,
    "Gemm": op_gemm,
    "Softmax": op_softmax,
    "Div": op_div,
    "Reshape": op_reshape,
    "Slice": op_slice,
    "Unsqueeze": op_unsqueeze,
    "Clip": op_clip,
    "Resize": op_resize,
    "Add": lambda attrs, a, b: a + b,
    "Sub": lambda attrs, a, b: a - b,
    "Mul": lambda attrs, a, b: a * b,
    "MatMul": lambda attrs, a, b: a @ b,
    "Relu": lambda attrs, x: np.maximum(x, 0),
    "Sigmoid": lambda attrs, x: 1 / (1 + np.exp(-x)),
    "HardSigmoid": lambda attrs, x: np.clip(
        attrs.get("alpha", 0.2) * x + attrs.get("beta", 0.5), 0, 1),
    "HardSwish": lambda attrs, x: x * np.clip(x / 6 + 0.5, 0, 1),
    "Identity": lambda attrs, x: x,
    "Dropout": lambda attrs, x, *rest: x,
    "Flatten": lambda attrs, x: x.reshape(
        int(np.prod(x.shape[: attrs.get("axis", 1)])), -1),
    "GlobalAveragePool": lambda attrs, x: x.mean(axis=tuple(range(2, x.ndim)), keepdims=True),
    "ReduceMean": lambda attrs, x: x.mean(
        axis=tuple(attrs["axes"]) if "axes" in attrs else None,
        keepdims=bool(attrs.get("keepdims", 1))),
    "Concat": lambda attrs, *xs: np.concatenate(xs, axis=attrs["axis"]),
    "Transpose": lambda attrs, x: np.transpose(x, attrs.get("perm")),
    "Shape": lambda attrs, x: np.array(x.shape, dtype=np.int64),
    "Gather": lambda attrs, x, idx: np.take(x, idx, axis=attrs.get("axis", 0)),
    "Constant": lambda attrs: attrs["value"],
}


def _attributes(node: onnx.NodeProto) -> dict:
    attrs = {}
    for a in node.attribute:
        value = onnx.helper.get_attribute_value(a)
        if isinstance(value, onnx.TensorProto):
            value = numpy_helper.to_array(value)
        elif isinstance(value, bytes):
            value = value.decode()
        attrs[a.name] = value
    return attrs


def _to_f64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64) if a.dtype == np.float32 else a


def run_graph(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Evaluate the graph in float64 and return its outputs as float32."""
    values: dict[str, np.ndarray] = {
        t.name: _to_f64(numpy_helper.to_array(t)) for t in model.graph.initializer
    }
    values.update({k: _to_f64(v) for k, v in feeds.items()})
    for node in model.graph.node:
        op = OPS.get(node.op_type)
        if op is None:
            raise NotImplementedError(f"numpy interpreter lacks {node.op_type}")
        args = [values[name] if name else None for name in node.input]
        while args and args[-1] is None:
            args.pop()
        result = op(_attributes(node), *args)
        values[node.output[0]] = _to_f64(np.asarray(result))
    return [values[o.name].astype(np.float32) for o in model.graph.output]


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------


def inspect_model(model_dir: Path, evaluate: bool) -> tuple[collections.Counter, bool]:
    """Print the summary for one model directory; return (histogram, all cases ok)."""
    meta = json.loads((model_dir / "meta.json").read_text())
    model_path = model_dir / meta["model"]
    model = onnx.load(str(model_path))
    onnx.checker.check_model(model)
    hist = collections.Counter(node.op_type for node in model.graph.node)
    opsets = ",".join(f"{o.domain or 'ai.onnx'}:{o.version}" for o in model.opset_import)
    n_params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    print(f"== {meta['name']}: opset {opsets}, {model_path.stat().st_size / 2**20:.1f} MiB, "
          f"{n_params / 1e6:.2f} M params, {len(model.graph.node)} nodes")
    print("   ops: " + ", ".join(f"{op} {n}" for op, n in sorted(hist.items())))
    unsupported = sorted(set(hist) - SUPPORTED_OPS)
    if unsupported:
        print(f"   NOT IN SUPPORTED SET: {', '.join(unsupported)}")
    ok = not unsupported
    if evaluate:
        for case in meta["cases"]:
            x = np.load(model_dir / case["input"])
            ref = np.load(model_dir / case["output"])
            start = time.perf_counter()
            y = run_graph(model, {meta["input_name"]: x})[0]
            err, allowed = max_error(y, ref)
            good = y.shape == ref.shape and err <= allowed
            ok &= good
            print(f"   numpy check {case['input']}: {'ok  ' if good else 'FAIL'} "
                  f"shape {list(y.shape)} max_abs_err {err:.3g} (allowed {allowed:.3g}, "
                  f"max|ref| {np.abs(ref).max():.3g}) {time.perf_counter() - start:.1f} s")
    return hist, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="directory written by make_models.py")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="check only these models")
    parser.add_argument("--no-eval", action="store_true", help="skip the numpy evaluation")
    args = parser.parse_args(argv)

    dirs = sorted(p.parent for p in args.out_dir.glob("*/meta.json"))
    if args.only:
        dirs = [d for d in dirs if d.name in args.only]
    if not dirs:
        print(f"no models found in {args.out_dir}", file=sys.stderr)
        return 1
    union: collections.Counter = collections.Counter()
    all_ok = True
    for model_dir in dirs:
        hist, ok = inspect_model(model_dir, not args.no_eval)
        union.update(hist)
        all_ok &= ok
    print(f"== union of op types ({len(union)}): " + ", ".join(sorted(union)))
    outside = sorted(set(union) - SUPPORTED_OPS)
    print("== ops outside the supported set: " + (", ".join(outside) if outside else "none"))
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
