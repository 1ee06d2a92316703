#!/usr/bin/python3
"""The timing and inspection commands on the committed demo model: `seam
bench` ends with one JSON object with the documented keys, `seam profile
--json` writes one record per node whose times add up to about the run,
`seam info` counts the demo model's parameters and every example model's
MACs (from inferred shapes, at once even for huge tensors), and bad options
exit 2. Then what the loaders accept: .npy files as NumPy writes and reads
them (and nothing NumPy refuses), and attribute types as ONNX's schemas give
them (Debian's python3-numpy and python3-onnx are the references).

Usage: test_cli_tools.py --seam PATH_TO_SEAM [--models DIR]. Ends with
`N passed, N failed`.
"""

from __future__ import annotations

import argparse
import json
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MODEL = Path(__file__).resolve().parents[2] / "examples" / "fashion_mnist" / "model.onnx"
BENCH_KEYS = {"model", "threads", "runs", "median_ms", "p90_ms", "min_ms", "mean_ms", "peak_rss_kb", "load_ms"}


# MACs `seam info` printed for the example models when it counted them by
# running the model on the reference kernels; counting from inferred shapes
# must print the same.
EXAMPLE_MACS = {
    "efficientnet_b0": 385814752, "mobilenet_v2": 300774272, "mobilenet_v3_small": 56510400,
    "ocr_det_dynamic": 593392, "ocr_rec_dynamic": 636480, "resnet18": 1814073344,
    "shufflenet_v2_x0_5": 40476448, "squeezenet1_1": 349151936,
}


def run(cmd: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout)


def save(model: onnx.ModelProto, path: Path) -> Path:
    onnx.save(model, str(path))
    return path


def check_info_macs(seam: Path, models: Path | None, tmp: Path) -> list[tuple[bool, str]]:
    results = []
    if models is not None:
        for name, want in EXAMPLE_MACS.items():
            proc = run([seam, "info", "--model", models / name / "model.onnx"])
            results.append((proc.returncode == 0 and f"MACs: {want} " in proc.stdout, f"info: MACs of {name} ({want})"))
    # A Conv with pads of 4000 has a 1x8x8006x8006 output: 8006^2 * 8 * 27
    # MACs. Running it took over 20 s; shapes alone take milliseconds.
    w = numpy_helper.from_array(np.ones((8, 3, 3, 3), np.float32), "W")
    conv = helper.make_node("Conv", ["X", "W"], ["Y"], pads=[4000] * 4)
    graph = helper.make_graph([conv], "big", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], [w])
    path = save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), tmp / "bigpad.onnx")
    start = time.monotonic()
    proc = run([seam, "info", "--model", path], timeout=60)
    took = time.monotonic() - start
    want = 8006 * 8006 * 8 * 27
    results.append((proc.returncode == 0 and f"MACs: {want} " in proc.stdout and took < 10,
                    f"info: MACs of a Conv with pads 4000 ({want}) in {took:.2f} s (limit 10 s)"))
    return results


# ---- .npy files ----

def npy_bytes(header: str, version=(1, 0), data=b"\0" * 12, align=64, newline=True) -> bytes:
    text = header.encode("latin1")
    prefix = 10 if version[0] == 1 else 12
    total = prefix + len(text) + (1 if newline else 0)
    text += b" " * ((-total) % align if align else 0) + (b"\n" if newline else b"")
    length = struct.pack("<H", len(text)) if version[0] == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes(version) + length + text + data


GOOD = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
# Files NumPy's np.load refuses: seam must refuse them too.
NUMPY_REFUSES = {
    "version 1.1": npy_bytes(GOOD, (1, 1)), "version 4.0": npy_bytes(GOOD, (4, 0)),
    "no fortran_order": npy_bytes("{'descr': '<f4', 'shape': (3,), }"),
    "an extra key": npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': 1}"),
    "a list": npy_bytes("['<f4', False, (3,)]"),
    "shape a list": npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': [3], }"),
    "shape (3)": npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3), }"),
    "a float dim": npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3.0,), }"),
    "a nested tuple": npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': ((3,),), }"),
    "two negative dims": npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, -3), }"),
    "fortran_order a string": npy_bytes("{'descr': '<f4', 'fortran_order': 'False', 'shape': (3,), }"),
    "fortran_order 0": npy_bytes("{'descr': '<f4', 'fortran_order': 0, 'shape': (3,), }"),
    "descr an int": npy_bytes("{'descr': 4, 'fortran_order': False, 'shape': (3,), }"),
    "text after the dict": npy_bytes(GOOD + " xyz"),
    "a NUL in the header": npy_bytes(GOOD + "\0"),
    "a header longer than the file": npy_bytes(GOOD)[:8] + struct.pack("<H", 60000) + npy_bytes(GOOD)[10:],
    "a dim over int64": npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }"),
    "data one byte short": npy_bytes(GOOD, data=b"\0" * 11),
    "a 2^63-element shape": npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 2), }"),
}
# Files NumPy reads although the format's specification rules them out:
# seam follows the specification.
SPEC_REFUSES = {
    "a negative dim (NumPy reshapes to fit)": npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }"),
    "data not on a 16-byte boundary": npy_bytes(GOOD, align=0),
    "no final newline": npy_bytes(GOOD, newline=False),
}


def identity_model(dtype: np.dtype, shape: tuple[int, ...]) -> onnx.ModelProto:
    elem = onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(dtype)]
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "id",
                              [helper.make_tensor_value_info("x", elem, list(shape))],
                              [helper.make_tensor_value_info("y", elem, list(shape))])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def check_npy(seam: Path, tmp: Path) -> list[tuple[bool, str]]:
    results = []
    model = save(identity_model(np.dtype(np.float32), (3,)), tmp / "id_f32_3.onnx")
    for group, cases in (("NumPy refuses", NUMPY_REFUSES), ("the format rules out", SPEC_REFUSES)):
        for what, data in cases.items():
            path = tmp / "bad.npy"
            path.write_bytes(data)
            try:
                np.load(path)
                numpy_refuses = False
            except (ValueError, TypeError, OverflowError, EOFError):
                numpy_refuses = True
            proc = run([seam, "run", "--model", model, "--input", path, "--output", tmp / "out.npy"])
            seam_refuses = proc.returncode == 1 and str(path) in proc.stderr
            ok = seam_refuses and numpy_refuses == (cases is NUMPY_REFUSES)
            results.append((ok, f"npy ({group}): {what}: NumPy {'refuses' if numpy_refuses else 'reads it'}, "
                                f"seam exit {proc.returncode} {proc.stderr.strip()[-90:]}"))
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((4,)),
              rng.integers(-9, 9, (1, 2, 3, 4, 5)), rng.integers(-9, 9, (3,)).astype(np.int32),
              rng.integers(-9, 9, (2, 2)).astype(np.int8), rng.integers(0, 200, (7,)).astype(np.uint8),
              rng.integers(0, 2, (3,)).astype(bool), rng.standard_normal((2,)).astype(np.float16),
              np.float32(2.5).reshape(()), np.zeros((0, 5), np.float32)]
    for i, a in enumerate(arrays):
        for version in ((1, 0), (2, 0), (3, 0)):
            path = tmp / f"good_{i}_{version[0]}.npy"
            with open(path, "wb") as f:
                np.lib.format.write_array(f, a, version=version)
            back = np.load(path)  # NumPy reads what it wrote
            model = save(identity_model(a.dtype, a.shape), tmp / f"id_{i}.onnx")
            out = tmp / "out.npy"
            out.unlink(missing_ok=True)
            proc = run([seam, "run", "--model", model, "--input", path, "--output", out])
            got = np.load(out) if proc.returncode == 0 and out.is_file() else None
            ok = got is not None and got.dtype == a.dtype and got.shape == a.shape and np.array_equal(got, back)
            results.append((ok, f"npy: NumPy's {a.dtype}{list(a.shape)} in format {version[0]}.0 read exactly"
                                f"{'' if ok else ': ' + proc.stderr.strip()[-90:]}"))
    return results


# ---- attribute types ----

ATTR = onnx.AttributeProto
# A value of another type for each type: what a wrongly typed attribute holds.
WRONG = {ATTR.FLOAT: ("INT", 2), ATTR.INT: ("FLOAT", 2.0), ATTR.STRING: ("INT", 1), ATTR.TENSOR: ("INT", 1),
         ATTR.FLOATS: ("INTS", [1, 2]), ATTR.INTS: ("FLOAT", 1.0), ATTR.STRINGS: ("INTS", [1])}
TYPE_NAME = {ATTR.FLOAT: "FLOAT", ATTR.INT: "INT", ATTR.STRING: "STRING", ATTR.TENSOR: "TENSOR",
             ATTR.FLOATS: "FLOATS", ATTR.INTS: "INTS", ATTR.STRINGS: "STRINGS"}


def wrong_attribute_model(schema, attr, value) -> onnx.ModelProto:
    n_in = max(1, schema.min_input)
    inputs = [f"i{k}" for k in range(n_in)]
    node = helper.make_node(schema.name, inputs, ["y"], name="the_node")
    node.attribute.append(helper.make_attribute(attr.name, value))
    graph = helper.make_graph([node], "attr", [helper.make_tensor_value_info(i, TensorProto.FLOAT, [1]) for i in inputs],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", schema.since_version)])


def check_attribute_types(seam: Path, tmp: Path) -> list[tuple[bool, str]]:
    """Every attribute of every default-domain schema (all versions) given the
    wrong type: seam refuses it naming node, attribute and the schema's type,
    unless seam does not run the op at all."""
    cases = []
    for schema in onnx.defs.get_all_schemas_with_history():
        if schema.domain not in ("", "ai.onnx") or schema.deprecated:
            continue
        for attr in schema.attributes.values():
            if attr.type in WRONG:
                cases.append((schema, attr))

    def one(k_case):
        k, (schema, attr) = k_case
        wrong_name, value = WRONG[attr.type]
        path = save(wrong_attribute_model(schema, attr, value), tmp / f"attr_{k}.onnx")
        proc = run([seam, "info", "--model", path])
        return schema, attr, wrong_name, proc

    supported = refused = 0
    mismatches = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for schema, attr, wrong_name, proc in pool.map(one, enumerate(cases)):
            if "unsupported operator" in proc.stderr:
                continue
            supported += 1
            want = f"node 'the_node' ({schema.name}): attribute '{attr.name}' is {wrong_name}, expected {TYPE_NAME[attr.type]}"
            if proc.returncode == 1 and want in proc.stderr:
                refused += 1
            else:
                mismatches.append(f"{schema.name}-{schema.since_version}.{attr.name}: {proc.stderr.strip()[-100:]}")
    results = [(supported >= 200 and refused == supported,
                f"attribute types: {refused} of {supported} wrongly typed attributes of ops seam runs refused "
                f"({len(cases) - supported} of ops it does not run not counted)")]
    results += [(False, f"attribute types: {m}") for m in mismatches[:20]]
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seam", type=Path, required=True)
    parser.add_argument("--models", type=Path, help="the generated example models (build/models)")
    args = parser.parse_args()
    seam = args.seam
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

    with tempfile.TemporaryDirectory(prefix="seam_cli_") as tmp:
        results += check_info_macs(seam, args.models, Path(tmp))
        results += check_npy(seam, Path(tmp))
        results += check_attribute_types(seam, Path(tmp))

    for ok, what in results:
        print(f"{'PASS' if ok else 'FAIL'} {what}")
    failed = sum(not ok for ok, _ in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
