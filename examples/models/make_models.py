#!/usr/bin/python3
"""Build realistic test models for seam, export them to ONNX and save references.

Usage: make_models.py OUT_DIR [--only NAME ...]

For each model NAME this writes OUT_DIR/NAME/:
  model.onnx          opset-13 export (torch.onnx.export, constant folding on)
  input*.npy          float32 inputs drawn from N(0, 1) with a fixed seed
  output*.npy         torch's own eval-mode output for that input (the reference)
  meta.json           graph input/output names and the list of input/output pairs

Weights are randomly initialised with a fixed seed (no pretrained weights are
available offline).  BatchNorm layers get random affine parameters and running
statistics calibrated on random data, so they are not no-ops and activations
stay well scaled through deep networks.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

OPSET = 13
INPUT_NAME = "input"
OUTPUT_NAME = "output"


# --------------------------------------------------------------------------
# Hand-written OCR-style models
# --------------------------------------------------------------------------


def conv_bn_relu(c_in: int, c_out: int, stride=1, kernel: int = 3) -> nn.Sequential:
    """Conv (no bias) + BatchNorm + ReLU, 'same' padding."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class OcrRecognizer(nn.Module):
    """Small CRNN-style text recogniser: [N,3,32,W] -> [N, W/4, classes] probabilities."""

    def __init__(self, num_classes: int = 97, hidden: int = 64) -> None:
        super().__init__()
        self.backbone = nn.Sequential(
            conv_bn_relu(3, 16),                      # 32 x W
            conv_bn_relu(16, 32, stride=2),           # 16 x W/2
            conv_bn_relu(32, 32),
            conv_bn_relu(32, 48, stride=2),           # 8 x W/4
            conv_bn_relu(48, 48),
            conv_bn_relu(48, 64, stride=(2, 1)),      # 4 x W/4
            nn.MaxPool2d(kernel_size=(2, 1), stride=(2, 1)),  # 2 x W/4
        )
        self.neck = nn.Linear(64 * 2, hidden)
        self.head = nn.Linear(hidden, num_classes)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        x = self.backbone(x)
        n, c, h, w = x.shape  # traced: Shape -> Gather chains in the export
        x = x.reshape(n, c * h, w)  # fold height into channels
        x = x.permute(0, 2, 1)  # [N, T, C]
        x = torch.relu(self.neck(x))
        return self.head(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x), dim=-1)

    @torch.no_grad()
    def post_calibrate(self, calib: torch.Tensor, target_std: float = 3.0) -> None:
        """Scale the head so logits have std ~target_std (a peaked softmax)."""
        scale = target_std / self.logits(calib).std()
        self.head.weight.mul_(scale)
        self.head.bias.mul_(scale)


class OcrDetector(nn.Module):
    """Small DBNet-style text detector: [1,3,H,W] -> [1,1,H,W] probability map."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.stem = conv_bn_relu(3, 16)                                            # H
        self.stage2 = nn.Sequential(conv_bn_relu(16, 24, 2), conv_bn_relu(24, 24))  # H/2
        self.stage3 = nn.Sequential(conv_bn_relu(24, 48, 2), conv_bn_relu(48, 48))  # H/4
        self.stage4 = nn.Sequential(conv_bn_relu(48, 64, 2), conv_bn_relu(64, 64))  # H/8
        self.lat2 = nn.Conv2d(24, width, 1)
        self.lat3 = nn.Conv2d(48, width, 1)
        self.lat4 = nn.Conv2d(64, width, 1)
        self.smooth = conv_bn_relu(3 * width, width)
        self.head = nn.Sequential(
            nn.ConvTranspose2d(width, width // 2, kernel_size=2, stride=2),  # back to H
            nn.BatchNorm2d(width // 2),
            nn.ReLU(inplace=True),
            nn.Conv2d(width // 2, 1, kernel_size=3, padding=1),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Everything before the head: the fused FPN map at H/2."""
        c2 = self.stage2(self.stem(x))
        c3 = self.stage3(c2)
        c4 = self.stage4(c3)
        p4 = self.lat4(c4)
        p3 = self.lat3(c3) + F.interpolate(p4, scale_factor=2, mode="nearest")
        p2 = self.lat2(c2) + F.interpolate(
            p3, scale_factor=2, mode="bilinear", align_corners=False
        )
        fused = torch.cat(
            [
                p2,
                F.interpolate(p3, scale_factor=2, mode="nearest"),
                F.interpolate(F.interpolate(p4, scale_factor=2, mode="nearest"),
                              scale_factor=2, mode="nearest"),
            ],
            dim=1,
        )
        return self.smooth(fused)

    @torch.no_grad()
    def post_calibrate(self, calib: torch.Tensor, mean: float = -1.0, std: float = 2.0) -> None:
        """Shift/scale the last conv so pre-sigmoid logits are ~N(mean, std^2)."""
        logits = self.head[:-1](self.features(calib))
        last = self.head[-2]
        scale = std / logits.std()
        last.weight.mul_(scale)
        last.bias.copy_((last.bias - logits.mean()) * scale + mean)


class InceptionMini(nn.Module):
    """A small Inception-style net whose best split is not a prefix of its
    execution order: [1,3,224,224] -> [1,10] logits.

    A full-resolution stem `a` feeds two branches: a heavy one behind an
    early stride-4 reduction (`s`, then h1 -> h2 -> h3 at 256 channels) and
    a light one that stays at full resolution for two convolutions before
    its own reduction (k1 -> k2 -> k3). seam orders nodes breadth first
    (Kahn's algorithm), so the execution order interleaves the branches: a,
    s, k1, h1, k2, h2, k3, ... Running {a, s, k1, k2, k3} on the device and
    the heavy branch on the server sends two small tensors; a prefix of the
    order either stops inside the light branch (and sends a full-resolution
    tensor) or holds h1 and h2 too.
    """

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.a = conv_bn_relu(3, 8)
        self.s = nn.Sequential(nn.Conv2d(8, 8, 4, stride=4), nn.ReLU(inplace=True))
        self.h1 = conv_bn_relu(8, 256)
        self.h2 = conv_bn_relu(256, 256)
        self.h3 = nn.Conv2d(256, 16, 1)
        self.k = nn.Sequential(conv_bn_relu(8, 8), conv_bn_relu(8, 8),
                               nn.Conv2d(8, 8, 4, stride=4), nn.ReLU(inplace=True))
        self.mix = conv_bn_relu(24, 32, kernel=1)
        self.fc = nn.Linear(32, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.a(x)
        h = self.h3(self.h2(self.h1(self.s(a))))
        k = self.k(a)
        y = self.mix(torch.cat([h, k], dim=1))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


# --------------------------------------------------------------------------
# Model registry
# --------------------------------------------------------------------------


@dataclass
class ModelSpec:
    """How to build one model and which inputs to record references for."""

    build: Callable[[], nn.Module]
    # (input file stem, output file stem, input shape) for each reference pair;
    # the first entry is also the shape used for tracing.
    cases: list[tuple[str, str, tuple[int, ...]]]
    dynamic_axes: dict[str, dict[int, str]] | None = None
    calib_shape: tuple[int, ...] | None = None  # BN calibration batch shape


def _torchvision(name: str) -> Callable[[], nn.Module]:
    return lambda: getattr(torchvision.models, name)(weights=None)


IMAGENET_CASES = [("input", "output", (1, 3, 224, 224))]

MODELS: dict[str, ModelSpec] = {
    name: ModelSpec(build=_torchvision(name), cases=IMAGENET_CASES, calib_shape=(4, 3, 224, 224))
    for name in (
        "mobilenet_v2",
        "resnet18",
        "squeezenet1_1",
        "shufflenet_v2_x0_5",
        "efficientnet_b0",
        "mobilenet_v3_small",
    )
}
MODELS["ocr_rec_dynamic"] = ModelSpec(
    build=OcrRecognizer,
    cases=[
        ("input", "output", (1, 3, 32, 100)),
        # batch 2 also exercises the dynamic batch axis
        ("input_w160", "output_w160", (2, 3, 32, 160)),
    ],
    dynamic_axes={INPUT_NAME: {0: "batch", 3: "width"}, OUTPUT_NAME: {0: "batch", 1: "steps"}},
    calib_shape=(8, 3, 32, 128),
)
MODELS["inception_mini"] = ModelSpec(
    build=InceptionMini,
    cases=[("input", "output", (1, 3, 224, 224))],
    calib_shape=(4, 3, 224, 224),
)
MODELS["ocr_det_dynamic"] = ModelSpec(
    build=OcrDetector,
    cases=[
        ("input", "output", (1, 3, 64, 96)),
        ("input_2", "output_2", (1, 3, 96, 128)),
    ],
    dynamic_axes={INPUT_NAME: {2: "height", 3: "width"}, OUTPUT_NAME: {2: "height", 3: "width"}},
    calib_shape=(4, 3, 96, 96),
)


# --------------------------------------------------------------------------
# Building, calibration, export
# --------------------------------------------------------------------------


def model_seed(name: str) -> int:
    """Stable per-model seed, so --only gives the same files as a full run."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


@torch.no_grad()
def randomize_batchnorm(model: nn.Module, calib_input: torch.Tensor) -> None:
    """Give every BatchNorm random affine params and data-derived running stats.

    Running stats are measured on `calib_input` (BN layers in train mode with a
    cumulative average, everything else in eval mode) and then perturbed, so
    BN is a real affine transform while activations stay around unit scale.
    """
    bns = [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    if not bns:
        return
    for bn in bns:
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.normal_(0.0, 0.2)
        bn.reset_running_stats()
        bn.momentum = None  # cumulative moving average: exact batch stats
    model.eval()
    for bn in bns:
        bn.train()
    model(calib_input)
    model.eval()
    for bn in bns:
        bn.running_mean.add_(torch.randn_like(bn.running_mean) * 0.05)
        bn.running_var.mul_(torch.empty_like(bn.running_var).uniform_(0.8, 1.25))
        bn.running_var.clamp_(min=1e-3)
        bn.momentum = 0.1


def make_input(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """A float32 N(0,1) input tensor."""
    return rng.standard_normal(shape, dtype=np.float32)


def export_model(name: str, spec: ModelSpec, out_dir: Path) -> dict:
    """Build, calibrate, export and record references for one model; return meta."""
    seed = model_seed(name)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)

    model = spec.build()
    model.eval()
    if spec.calib_shape is not None:
        calib = torch.from_numpy(make_input(spec.calib_shape, rng))
        randomize_batchnorm(model, calib)
        if hasattr(model, "post_calibrate"):
            model.post_calibrate(calib)

    model_dir = out_dir / name
    model_dir.mkdir(parents=True, exist_ok=True)

    inputs = [make_input(shape, rng) for _, _, shape in spec.cases]
    with torch.no_grad():
        outputs = [model(torch.from_numpy(x)).numpy() for x in inputs]

    onnx_path = model_dir / "model.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            torch.from_numpy(inputs[0]),
            str(onnx_path),
            opset_version=OPSET,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes=spec.dynamic_axes,
            do_constant_folding=True,
        )
    onnx.checker.check_model(onnx.load(str(onnx_path)), full_check=True)

    cases = []
    for (in_stem, out_stem, _), x, y in zip(spec.cases, inputs, outputs):
        np.save(model_dir / f"{in_stem}.npy", x)
        np.save(model_dir / f"{out_stem}.npy", np.ascontiguousarray(y, dtype=np.float32))
        cases.append(
            {
                "input": f"{in_stem}.npy",
                "output": f"{out_stem}.npy",
                "input_shape": list(x.shape),
                "output_shape": list(y.shape),
                "output_max_abs": float(np.abs(y).max()),
            }
        )
    meta = {
        "name": name,
        "model": "model.onnx",
        "opset": OPSET,
        "input_name": INPUT_NAME,
        "output_name": OUTPUT_NAME,
        "dynamic_axes": spec.dynamic_axes or {},
        "seed": seed,
        "torch_version": torch.__version__,
        "cases": cases,
    }
    (model_dir / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="directory to write <name>/ folders into")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=sorted(MODELS),
                        help="build only these models")
    args = parser.parse_args(argv)

    names = args.only or list(MODELS)
    total_start = time.perf_counter()
    for name in names:
        start = time.perf_counter()
        meta = export_model(name, MODELS[name], args.out_dir)
        size_kb = (args.out_dir / name / "model.onnx").stat().st_size / 1024
        shapes = ", ".join("x".join(map(str, c["output_shape"])) for c in meta["cases"])
        print(f"{name:20s} {time.perf_counter() - start:6.2f} s  "
              f"{size_kb:9.0f} KiB  outputs {shapes}", flush=True)
    print(f"total {time.perf_counter() - total_start:.2f} s for {len(names)} models", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
