#!/usr/bin/python3
"""Compression of the cut tensors of every example model, per wire encoding.

Usage (from the repository root, after building and generating the models):
  /usr/bin/python3 bench/run_cut_codec.py --tool build/bench/cut_codec_bench \\
      --models build/models --csv build/cut_codec/cuts.csv \\
      [--md build/cut_codec/cuts.md] [--doc docs/benchmarks.md] [--only NAME ...] [--runs N]

For the demo model (its first sample image) and every model of
examples/models/make_models.py (a deterministic image-like input from
bench/image_inputs.py, written next to the CSV), runs cut_codec_bench: every
candidate cut, every encoding (RAW FP32, F16, INT8, INT8+zstd 1 and 3). Writes
all cuts of all models to --csv (one row per cut), and Markdown to --md and/or
into this script's marked block of --doc (bench/doc_section.py; the rest of
the file stays byte for byte): an overview per model and a few representative
cuts each (the cut with the fewest FP32 bytes in each quarter of the network
by multiply-adds; the one with the fewest INT8+zstd 1 bytes; and the graph
input for reference). Overview and picks count the cuts that split the work:
after the first multiply-add and before the graph outputs. Builds nothing; generates missing models with
make_models.py. Progress goes to the terminal.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import doc_section
import image_inputs
import run_benchmarks

REPO = Path(__file__).resolve().parent.parent
OWNER = "bench/run_cut_codec.py"
DEMO = "fashion_mnist"
TITLES = {
    DEMO: "Fashion-MNIST demo model (trained weights, a real test image)",
    "mobilenet_v2": "MobileNetV2",
    "resnet18": "ResNet-18",
    "squeezenet1_1": "SqueezeNet 1.1",
    "shufflenet_v2_x0_5": "ShuffleNetV2 x0.5",
    "efficientnet_b0": "EfficientNet-B0",
    "mobilenet_v3_small": "MobileNetV3-Small",
    "ocr_rec_dynamic": "OCR recognizer (text line 32x100)",
    "ocr_det_dynamic": "OCR detector (page 64x96)",
}
log = run_benchmarks.log
MODELS = list(TITLES)
ENCODINGS = [("raw", "FP32"), ("f16", "F16"), ("int8", "INT8"), ("int8_zstd1", "INT8+zstd1"),
             ("int8_zstd3", "INT8+zstd3")]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tool", required=True, type=Path, help="build/bench/cut_codec_bench")
    p.add_argument("--models", required=True, type=Path, help="folder of <name>/model.onnx (build/models)")
    p.add_argument("--csv", required=True, type=Path, help="CSV of every cut of every model (under build/)")
    p.add_argument("--md", type=Path, help="write the Markdown here")
    p.add_argument("--doc", type=Path, help="rewrite this script's block of this Markdown file")
    p.add_argument("--runs", type=int, default=5, help="encode/decode runs per tensor (default 5)")
    p.add_argument("--only", nargs="+", choices=MODELS, metavar="MODEL", help="a subset of the models")
    p.add_argument("--timeout", type=float, default=900, help="seconds per model (default 900)")
    a = p.parse_args(argv)
    if a.runs < 1:
        p.error("--runs must be >= 1")
    return a


def model_input(name: str, models: Path, work: Path) -> tuple[Path, Path, list[str]]:
    """(model.onnx, input .npy, extra tool arguments) of one model."""
    if name == DEMO:
        demo = REPO / "examples" / "fashion_mnist"
        return demo / "model.onnx", demo / "samples.npy", ["--sample", "0"]
    meta = json.loads((models / name / "meta.json").read_text())
    shape = tuple(meta["cases"][0]["input_shape"])
    path = work / "inputs" / f"{name}.npy"
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, image_inputs.make(name, shape))
    return models / name / "model.onnx", path, []


def run_model(a: argparse.Namespace, name: str, work: Path) -> list[dict]:
    model, inp, extra = model_input(name, a.models, work)
    out = work / "per_model" / f"{name}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(a.tool), "--model", str(model), "--input", str(inp), "--csv", str(out), "--name", name,
           "--runs", str(a.runs), "--image", *extra]
    subprocess.run(cmd, check=True, timeout=a.timeout)  # its progress goes straight to the terminal
    with out.open(newline="") as f:
        return list(csv.DictReader(f))


def num(row: dict, key: str) -> float:
    return float(row[key])


def split_cuts(rows: list[dict]) -> list[dict]:
    """The cuts that split the work: after the first multiply-add, before the graph outputs."""
    last = max(int(r["position"]) for r in rows)
    return [r for r in rows if 0 < int(r["position"]) < last and num(r, "head_macs") > 0]


def pick(rows: list[dict]) -> list[tuple[dict, str]]:
    """The representative cuts of one model, in network order, with why each was picked."""
    interior = split_cuts(rows)
    chosen: dict[int, list[str]] = {0: ["graph input"]}
    for q in range(4):
        lo, hi = 25 * q, 25 * (q + 1)
        part = [r for r in interior if lo <= num(r, "head_macs_pct") < hi or (q == 3 and num(r, "head_macs_pct") >= hi)]
        if part:
            best = min(part, key=lambda r: (num(r, "raw_bytes"), num(r, "int8_zstd1_bytes"), int(r["position"])))
            chosen.setdefault(int(best["position"]), []).append(f"fewest FP32 bytes in {lo}–{hi} % of MACs")
    if interior:
        best = min(interior, key=lambda r: (num(r, "int8_zstd1_bytes"), int(r["position"])))
        chosen.setdefault(int(best["position"]), []).append("fewest INT8+zstd1 bytes")
    by_pos = {int(r["position"]): r for r in rows}
    return [(by_pos[p], "; ".join(why)) for p, why in sorted(chosen.items())]


def short(name: str, width: int = 38) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1):]


def cut_label(row: dict) -> str:
    if int(row["position"]) == 0:
        return "(graph input: cloud only)"
    return f"`{short(row['after_node'])}`"


def shapes(row: dict) -> str:
    parts = row["shapes"].split(";")
    return " + ".join(parts) if len(parts) <= 2 else f"{parts[0]} + {len(parts) - 1} more"


def model_table(name: str, rows: list[dict]) -> list[str]:
    first = rows[0]
    image, f32 = int(num(first, "input_image_bytes")), int(num(first, "input_f32_bytes"))
    lines = [f"### {TITLES[name]}", "",
             f"Input {first['shapes']}: {f32} B as FP32, {image} B as an 8-bit image; {len(rows)} candidate cuts.",
             "",
             "| cut after node | head MACs | tensors | " + " | ".join(f"{label} B" for _, label in ENCODINGS)
             + " | INT8+zstd1 ÷ FP32 input | ÷ 8-bit image | INT8+zstd1 enc / dec µs | picked as |",
             "| --- | ---: | --- | " + " | ".join("---:" for _ in ENCODINGS) + " | ---: | ---: | ---: | --- |"]
    for r, why in pick(rows):
        cells = [cut_label(r), f"{num(r, 'head_macs_pct'):.1f} %", shapes(r)]
        cells += [f"{int(num(r, key + '_bytes'))}" for key, _ in ENCODINGS]
        cells += [f"{num(r, 'int8_zstd1_vs_f32_input'):.3f}", f"{num(r, 'int8_zstd1_vs_image'):.3f}",
                  f"{num(r, 'int8_zstd1_encode_us'):.0f} / {num(r, 'int8_zstd1_decode_us'):.0f}", why]
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


def overview_row(name: str, rows: list[dict]) -> str:
    interior = split_cuts(rows)
    image = num(rows[0], "input_image_bytes")
    best = min(interior, key=lambda r: (num(r, "int8_zstd1_bytes"), int(r["position"])))
    below = [r for r in interior if num(r, "int8_zstd1_bytes") < image]
    first_below = f"{num(below[0], 'head_macs_pct'):.1f} %" if below else "none"
    zstd_gain = statistics.median(num(r, "int8_zstd1_bytes") / num(r, "int8_bytes") for r in interior)
    level3 = statistics.median(num(r, "int8_zstd3_bytes") / num(r, "int8_zstd1_bytes") for r in interior)
    return (f"| {name} | {int(num(rows[0], 'input_f32_bytes'))} / {int(image)} | {len(rows)} |"
            f" {int(num(best, 'int8_zstd1_bytes'))} ({num(best, 'int8_zstd1_vs_image'):.3f}) at"
            f" {num(best, 'head_macs_pct'):.1f} % | {first_below} | {len(below)} of {len(interior)} |"
            f" {zstd_gain:.2f} | {level3:.3f} |")


def markdown(a: argparse.Namespace, results: dict[str, list[dict]], started: datetime.datetime) -> str:
    command = shlex.join(["/usr/bin/python3", *[str(x) for x in sys.argv]])
    lines = [
        f"- Date: {started.strftime('%Y-%m-%d %H:%M UTC')}; machine: {run_benchmarks.cpu_model()};"
        f" seam `{run_benchmarks.seam_version()}`; {a.runs} encode/decode runs per tensor, medians",
        f"- Command: `{command}`",
        "",
        "| model | input B (FP32 / 8-bit image) | cuts | fewest INT8+zstd1 B (÷ image) at head MACs |"
        " first cut under the image (head MACs) | cuts under the image |"
        " INT8+zstd1 ÷ INT8 (median) | zstd3 ÷ zstd1 (median) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [overview_row(name, rows) for name, rows in results.items()]
    lines.append("")
    for name, rows in results.items():
        lines += model_table(name, rows)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    names = a.only or MODELS
    if a.doc:
        try:
            doc_section.check_file(a.doc, OWNER)
        except (doc_section.MarkerError, OSError, UnicodeDecodeError) as e:
            log(f"run_cut_codec.py: refusing to write {a.doc}: {e}")
            return 2
    if not a.tool.is_file():
        log(f"run_cut_codec.py: {a.tool} does not exist; build it first (cmake --build build)")
        return 2
    run_benchmarks.ensure_models(a.models, [n for n in names if n != DEMO], a.timeout * 4)
    work = a.csv.parent
    results: dict[str, list[dict]] = {}
    for i, name in enumerate(names, 1):
        t0 = time.monotonic()
        log(f"[{i}/{len(names)}] {name}")
        results[name] = run_model(a, name, work)
        log(f"[{i}/{len(names)}] {name}: {len(results[name])} cuts in {time.monotonic() - t0:.1f} s")
    with a.csv.open("w", newline="") as f:
        fields = list(next(iter(results.values()))[0])
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for rows in results.values():
            w.writerows(rows)
    log(f"wrote {sum(len(r) for r in results.values())} cuts to {a.csv}")
    text = markdown(a, results, started)
    if a.md:
        a.md.parent.mkdir(parents=True, exist_ok=True)
        a.md.write_text(text)
        log(f"wrote {a.md}")
    if a.doc:
        doc_section.rewrite_file(a.doc, OWNER, text)
        log(f"wrote the section of {a.doc} between its markers")
    if not a.md and not a.doc:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
