#!/usr/bin/python3
"""`seam quantize` and `seam eval` on the Fashion-MNIST demo model.

Makes a calibration set (200 training images in 4 .npy batches) from Debian's
dataset-fashion-mnist, quantizes examples/fashion_mnist/model.onnx, checks the
QDQ model with onnx.checker, runs it with `seam run` against FP32 on the 16
committed sample images, checks the mixed-precision options and the report,
checks that bad calibration data is refused with a clear message, and, when
bench/setup_ort.sh has installed onnxruntime-node, runs the QDQ model in
ONNX Runtime and compares with seam. A missing ONNX Runtime is reported as
SKIP and never counted as a pass.

Usage: test_quantize.py --seam PATH_TO_SEAM
Ends with `N passed, N failed, N skipped`; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "fashion_mnist"
ORT_PACKAGE = ROOT / "bench" / ".ort" / "node_modules" / "onnxruntime-node"

# INT8 against FP32 logits. Each int8 tensor carries a rounding error of about
# step/sqrt(12), i.e. 0.1-0.4 % of its range; through 10 quantized tensors the
# report measures about 2 % relative RMS error at the logits (35 dB SQNR).
# 5 % relative RMS (26 dB) and 10 % of the largest logit for any single value
# leave a 2.5x margin, yet catch a wrong scale, zero point or axis, which
# gives errors of 30 % and more.
INT8_REL_RMS = 0.05
INT8_MAX_ABS_FRACTION = 0.10
# seam against ONNX Runtime on the same QDQ model. Both dequantize and
# compute in float; only the order of float sums differs (about 1e-6
# relative), so most samples agree to 1e-4 of the logit scale. A value that
# lands on a rounding boundary can flip by one int8 step in one engine and
# not the other; such a flip moved one sample's logits by 0.4 % of the
# largest logit when measured. Hence: at least 14 of 16 samples within
# 1e-4, every sample within 2 %, and the same top-1 class on 15 of 16.
ENGINE_TIGHT = 1e-4
ENGINE_LOOSE = 0.02


class Results:
    def __init__(self) -> None:
        self.passed = self.failed = self.skipped = 0

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        print(f"{'PASS' if ok else 'FAIL'} {what}{': ' + detail if detail else ''}")
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok

    def skip(self, what: str, reason: str) -> None:
        print(f"SKIP {what}: {reason}")
        self.skipped += 1


def run(cmd: list[str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout)


def seam_logits(seam: Path, model: Path, out: Path, *extra: str) -> np.ndarray | None:
    proc = run([seam, "run", "--model", model, "--input", DEMO / "samples.npy", "--output", out, *extra])
    if proc.returncode != 0:
        print(proc.stderr)
        return None
    return np.load(out)


def compare_engines(r: Results, what: str, a: np.ndarray, b: np.ndarray) -> None:
    scale = max(1.0, float(np.abs(a).max()))
    per_sample = np.abs(a - b).max(axis=1)
    tight = int((per_sample <= ENGINE_TIGHT * scale).sum())
    agree = int((a.argmax(1) == b.argmax(1)).sum())
    ok = tight >= 14 and float(per_sample.max()) <= ENGINE_LOOSE * scale and agree >= 15
    r.check(ok, what, f"{tight}/16 samples within {ENGINE_TIGHT:g} of scale {scale:.3g}, "
            f"max abs diff {per_sample.max():.3g} (bound {ENGINE_LOOSE * scale:.3g}), top-1 agreement {agree}/16")


def test_ort(r: Results, tmp: Path, qdq: Path, seam_fast: np.ndarray, seam_ref: np.ndarray) -> None:
    if not ORT_PACKAGE.is_dir():
        r.skip("ONNX Runtime runs seam's QDQ model", f"{ORT_PACKAGE} is missing (run bench/setup_ort.sh)")
        return
    if not shutil.which("node"):
        r.skip("ONNX Runtime runs seam's QDQ model", "node is not installed")
        return
    samples = np.load(DEMO / "samples.npy").astype("<f4")
    raw = tmp / "samples.f32"
    samples.tofile(raw)
    shape = ",".join(str(d) for d in samples.shape)
    for level, ours, name in (("disabled", seam_ref, "seam --reference"), ("all", seam_fast, "seam")):
        out = tmp / f"ort_{level}.f32"
        proc = run(["node", ROOT / "tests" / "quant" / "ort_run.js", "--model", qdq, "--input", raw,
                    "--shape", shape, "--output", out, "--optimization", level])
        if not r.check(proc.returncode == 0, f"ONNX Runtime loads and runs the QDQ model (optimization {level})",
                       proc.stdout.strip() or proc.stderr.strip()):
            continue
        logits = np.fromfile(out, "<f4").reshape(ours.shape)
        compare_engines(r, f"ONNX Runtime (optimization {level}) agrees with {name}", logits, ours)


def test_bad_calibration(r: Results, seam: Path, tmp: Path) -> None:
    model = DEMO / "model.onnx"
    cases = []
    empty = tmp / "bad_empty"
    empty.mkdir()
    cases.append(("empty folder", empty, "holds no .npy files"))
    shape = tmp / "bad_shape"
    shape.mkdir()
    np.save(shape / "a.npy", np.zeros((3, 28, 28), np.float32))
    cases.append(("wrong shape", shape, "has shape [3,28,28]"))
    dtype = tmp / "bad_dtype"
    dtype.mkdir()
    np.save(dtype / "a.npy", np.zeros((2, 1, 28, 28), np.float64))
    cases.append(("wrong dtype", dtype, "holds float64"))
    nan = tmp / "bad_nan"
    nan.mkdir()
    x = np.zeros((4, 1, 28, 28), np.float32)
    x[2, 0, 5, 5] = np.nan
    np.save(nan / "a.npy", np.zeros((2, 1, 28, 28), np.float32))
    np.save(nan / "b.npy", x)
    cases.append(("NaN in a sample", nan, "sample 2 holds NaN"))
    inf = tmp / "bad_inf"
    inf.mkdir()
    x = np.zeros((1, 28, 28), np.float32)
    x[0, 0, 0] = np.inf
    np.save(inf / "a.npy", x)
    cases.append(("Inf in a sample", inf, "holds Inf"))
    other = tmp / "bad_other"
    other.mkdir()
    np.save(other / "a.npy", np.zeros((1, 1, 28, 28), np.float32))
    (other / "notes.txt").write_text("not a sample\n")
    cases.append(("a file that is not .npy", other, "'notes.txt', which is not a .npy file"))
    cases.append(("missing folder", tmp / "no_such_dir", "cannot open calibration folder"))
    for what, calib, expect in cases:
        out = tmp / "bad.onnx"
        proc = run([seam, "quantize", "--model", model, "--calib", calib, "--out", out])
        message = proc.stderr.strip().splitlines()
        ok = proc.returncode != 0 and len(message) == 1 and expect in message[0] and not out.exists()
        r.check(ok, f"refuses {what}", f"exit {proc.returncode}: {proc.stderr.strip()}")


def node_inputs(model: onnx.ModelProto, name: str) -> list[str]:
    return next(list(n.input) for n in model.graph.node if n.name == name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seam", type=Path, required=True)
    args = parser.parse_args()
    seam = args.seam
    r = Results()
    with tempfile.TemporaryDirectory(prefix="seam_quant_") as tmp_name:
        tmp = Path(tmp_name)
        calib = tmp / "calib"
        proc = run([sys.executable, DEMO / "make_calibset.py", calib, "--count", "200", "--per-file", "50"])
        if not r.check(proc.returncode == 0, "calibration set from dataset-fashion-mnist",
                       proc.stdout.strip() or proc.stderr.strip()):
            print(f"{r.passed} passed, {r.failed} failed, {r.skipped} skipped")
            return 1

        qdq = tmp / "model.int8.onnx"
        proc = run([seam, "quantize", "--model", DEMO / "model.onnx", "--calib", calib, "--out", qdq, "--report"])
        r.check(proc.returncode == 0 and qdq.is_file(), "seam quantize writes the QDQ model",
                proc.stderr.strip().splitlines()[-1] if proc.returncode else "")
        if not qdq.is_file():
            print(f"{r.passed} passed, {r.failed} failed, {r.skipped} skipped")
            return 1
        r.check("calibration: 200 samples from 4 files" in proc.stdout, "all 200 samples of the 4 batches used")
        r.check("calibrating 200/200" in proc.stderr, "progress bar on stderr")
        report_rows = [line for line in proc.stdout.splitlines() if line.startswith("/") and "Conv" in line
                       or line.startswith("/head/fc/Gemm")]
        r.check(len(report_rows) == 8, "--report has one row per quantized node", f"{len(report_rows)} rows")
        try:
            model = onnx.load(str(qdq))
            onnx.checker.check_model(model, full_check=True)
            r.check(True, "onnx.checker accepts the QDQ model")
        except Exception as e:  # noqa: BLE001 - any checker complaint is the failure
            r.check(False, "onnx.checker accepts the QDQ model", str(e))
            model = onnx.load(str(qdq))
        ops = [n.op_type for n in model.graph.node]
        inits = {i.name: i for i in model.graph.initializer}
        r.check(ops.count("QuantizeLinear") == 10 and ops.count("DequantizeLinear") == 10 + 16,
                "10 activation Q/DQ pairs, 16 weight/bias DequantizeLinear",
                f"{ops.count('QuantizeLinear')} Q, {ops.count('DequantizeLinear')} DQ")
        w = inits.get("stem.conv.weight_quantized")
        b = inits.get("stem.conv.bias_quantized")
        ws = inits.get("stem.conv.weight_scale")
        r.check(w is not None and w.data_type == onnx.TensorProto.INT8 and b is not None
                and b.data_type == onnx.TensorProto.INT32 and ws is not None and list(ws.dims) == [16]
                and "stem.conv.weight" not in inits,
                "weights int8 per output channel, bias int32, float weights dropped")

        fp32 = seam_logits(seam, DEMO / "model.onnx", tmp / "fp32.npy")
        int8 = seam_logits(seam, qdq, tmp / "int8.npy")
        int8_ref = seam_logits(seam, qdq, tmp / "int8_ref.npy", "--reference")
        if r.check(fp32 is not None and int8 is not None and int8_ref is not None, "seam run takes the QDQ model"):
            agree = int((fp32.argmax(1) == int8.argmax(1)).sum())
            r.check(agree >= 15, "INT8 top-1 agrees with FP32 on >= 15/16 samples", f"{agree}/16")
            rel = float(np.sqrt(((int8 - fp32) ** 2).mean() / (fp32 ** 2).mean()))
            max_abs = float(np.abs(int8 - fp32).max())
            bound = INT8_MAX_ABS_FRACTION * float(np.abs(fp32).max())
            r.check(rel <= INT8_REL_RMS and max_abs <= bound, "INT8 logits close to FP32",
                    f"relative RMS {rel:.4f} (bound {INT8_REL_RMS}), max abs {max_abs:.3g} (bound {bound:.3g})")
            compare_engines(r, "seam fast kernels agree with seam --reference on the QDQ model", int8, int8_ref)
            test_ort(r, tmp, qdq, int8, int8_ref)

        # Methods and options.
        for method in ("percentile", "entropy"):
            out = tmp / f"{method}.onnx"
            proc = run([seam, "quantize", "--model", DEMO / "model.onnx", "--calib", calib, "--out", out,
                        "--method", method])
            r.check(proc.returncode == 0 and f"ranges by {method}" in proc.stdout, f"--method {method}",
                    proc.stderr.strip().splitlines()[-1] if proc.returncode else "")
        out = tmp / "per_tensor.onnx"
        proc = run([seam, "quantize", "--model", DEMO / "model.onnx", "--calib", calib, "--out", out, "--per-tensor"])
        if r.check(proc.returncode == 0, "--per-tensor"):
            m = onnx.load(str(out))
            scale = next(i for i in m.graph.initializer if i.name == "stem.conv.weight_scale")
            r.check(list(scale.dims) == [], "--per-tensor writes one weight scale", str(list(scale.dims)))
        out = tmp / "mixed.onnx"
        proc = run([seam, "quantize", "--model", DEMO / "model.onnx", "--calib", calib, "--out", out,
                    "--exclude", "/stem/conv/Conv", "--fp32-after", "/stage2/relu1/Relu_output_0"])
        if r.check(proc.returncode == 0, "--exclude and --fp32-after", proc.stderr.strip() if proc.returncode else ""):
            m = onnx.load(str(out))
            onnx.checker.check_model(m)
            stem = node_inputs(m, "/stem/conv/Conv")
            conv2 = node_inputs(m, "/stage2/conv2/Conv")
            gemm = node_inputs(m, "/head/fc/Gemm")
            conv1 = node_inputs(m, "/stage2/conv1/Conv")
            ok = (stem[1] == "stem.conv.weight" and conv2[0] == "/stage2/relu1/Relu_output_0"
                  and conv2[1] == "stage2.conv2.weight" and gemm[1] == "head.fc.weight"
                  and conv1[1].endswith("_dequantized"))
            r.check(ok, "excluded and downstream nodes stay FP32, the head stays INT8",
                    f"stem {stem}, stage2.conv2 {conv2}, gemm {gemm}")
            # FP32: the stem (excluded), stage2.conv2 and the Gemm (downstream);
            # INT8: stage1's three convolutions, stage2.conv1 and stage2's shortcut.
            r.check("quantized 5 of 8" in proc.stdout, "5 of 8 nodes quantized with the mixed options",
                    proc.stdout.splitlines()[2].strip())
        proc = run([seam, "quantize", "--model", DEMO / "model.onnx", "--calib", calib, "--out", tmp / "x.onnx",
                    "--exclude", "no_such_node"])
        r.check(proc.returncode != 0 and "no node named 'no_such_node'" in proc.stderr, "unknown --exclude refused",
                proc.stderr.strip())

        # seam eval on the 16 committed samples.
        proc = run([seam, "eval", "--model", DEMO / "model.onnx", "--compare", qdq, "--images", DEMO / "samples.npy",
                    "--labels", DEMO / "sample_labels.npy", "--batch", "5"])
        if r.check(proc.returncode == 0, "seam eval --compare runs", proc.stderr.strip() if proc.returncode else ""):
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            labels = np.load(DEMO / "sample_labels.npy")
            want_acc = float((np.load(DEMO / "sample_logits.npy").argmax(1) == labels).mean())
            want_agree = float((fp32.argmax(1) == int8.argmax(1)).mean()) if fp32 is not None else -1
            r.check(result["n"] == 16 and abs(result["accuracy"] - want_acc) < 1e-9
                    and abs(result["agreement"] - want_agree) < 1e-9 and "accuracy_2" in result,
                    "seam eval's JSON: accuracy and agreement as computed here", json.dumps(result))

        test_bad_calibration(r, seam, tmp)
    print(f"{r.passed} passed, {r.failed} failed, {r.skipped} skipped")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
