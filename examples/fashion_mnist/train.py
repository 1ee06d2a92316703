#!/usr/bin/python3
"""Train seam's demo model, a small residual CNN for Fashion-MNIST, and export it.

Usage: train.py [--out DIR] [--epochs N] [--seed S] [--batch B] [--lr LR] [--data DIR]

Reads the IDX files of Debian's `dataset-fashion-mnist` package (no download),
trains on the 60 000 training images on one CPU thread, evaluates on the
10 000 test images after every epoch, and writes into DIR
(default: the folder holding this script):

  model.onnx          opset 13, input `image` float32 [N,1,28,28] in [0,1],
                      output `logits` float32 [N,10], dynamic batch dimension
  samples.npy         the first 16 test images, float32 [16,1,28,28] in [0,1]
  sample_labels.npy   their labels, int64 [16]
  sample_logits.npy   torch's eval-mode logits for them, float32 [16,10]

The network is built for splitting between a device and a server, so it is a
plain chain of named stages; every stage output is a clean cut point:

  image [N,1,28,28] in [0,1]
  norm     (x - 0.2860) / 0.3530                      -> Sub, Div
  stem     conv3x3 1->16 + BN + ReLU       [N,16,28,28]
  stage1   residual block 16->32, stride 2 [N,32,14,14]
  stage2   residual block 32->64, stride 2 [N,64,7,7]
  head     global average pool + Linear 64->10       -> logits [N,10]

Each residual block is conv3x3(stride)+BN+ReLU, conv3x3+BN, plus a
conv1x1(stride)+BN projection shortcut, then Add and ReLU.  In eval mode the
exporter folds every BatchNorm into the preceding Conv; the Conv weights it
creates are renamed after their node (`stage1.conv1.weight`), and intermediate
shapes are recorded (ONNX shape inference) so cut sizes can be read off the file.

Training: SGD (Nesterov momentum 0.9, weight decay 5e-4 on weights only),
batch 128, one-cycle learning rate peaking at 0.2, random horizontal flips,
10 epochs, NHWC tensors, one thread, fully deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import gzip
import time
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from torch import nn

MEAN = 0.2860
STD = 0.3530
NUM_SAMPLES = 16
OPSET = 13
DEFAULT_DATA = Path("/usr/share/datasets/fashion-mnist")
HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- data

def read_idx(path: Path) -> np.ndarray:
    """Read a (gzipped) IDX file into a NumPy array of its native shape."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = data[0] << 8 | data[1], data[2], data[3]
    if zero != 0 or dtype_code != 0x08:  # 0x08: unsigned byte
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {dims}, got {arr.size} bytes")
    return arr.reshape(dims)


def load_split(data_dir: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images as float32 [N,1,28,28] in [0,1] and labels as int64 [N]."""
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(data_dir / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(data_dir / f"{prefix}-labels-idx1-ubyte.gz")
    images = (images.astype(np.float32) / 255.0)[:, None, :, :]
    return np.ascontiguousarray(images), labels.astype(np.int64)


# -------------------------------------------------------------------------- model

class Normalize(nn.Module):
    """(x - mean) / std inside the graph, so the model takes raw [0,1] pixels."""

    def __init__(self, mean: float, std: float):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class ConvBNReLU(nn.Sequential):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)


class ResidualBlock(nn.Module):
    """Basic ResNet block with a projection shortcut when the shape changes."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential()
            self.shortcut.add_module("conv", nn.Conv2d(cin, cout, 1, stride, 0, bias=False))
            self.shortcut.add_module("bn", nn.BatchNorm2d(cout))
        else:
            self.shortcut = nn.Identity()
        self.relu2 = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu1(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu2(y + self.shortcut(x))


class Head(nn.Module):
    def __init__(self, cin: int, num_classes: int):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)  # -> GlobalAveragePool
        self.fc = nn.Linear(cin, num_classes)  # -> Gemm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.pool(x), 1))


class FashionNet(nn.Module):
    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.norm = Normalize(MEAN, STD)
        self.stem = ConvBNReLU(1, 16)
        self.stage1 = ResidualBlock(16, 32, stride=2)
        self.stage2 = ResidualBlock(32, 64, stride=2)
        self.head = Head(64, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        # Start each residual branch near identity: helps short schedules.
        for block in (self.stage1, self.stage2):
            nn.init.zeros_(block.bn2.weight)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = self.norm(image)
        x = self.stem(x)
        x = self.stage1(x)
        x = self.stage2(x)
        return self.head(x)


# ----------------------------------------------------------------------- training

def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random horizontal flip (it keeps the label of every class).  The net
    underfits in this short schedule (train and test accuracy stay within about
    two points), so no heavier augmentation is used."""
    flip = torch.rand(x.shape[0], generator=gen) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(3), x)


@torch.no_grad()
def evaluate(model: nn.Module, images: torch.Tensor, labels: torch.Tensor,
             batch: int = 1000) -> tuple[float, float]:
    model.eval()
    loss_sum, correct = 0.0, 0
    for i in range(0, len(images), batch):
        logits = model(images[i:i + batch])
        loss_sum += F.cross_entropy(logits, labels[i:i + batch], reduction="sum").item()
        correct += (logits.argmax(1) == labels[i:i + batch]).sum().item()
    return loss_sum / len(images), correct / len(images)


def train(model: nn.Module, train_x: torch.Tensor, train_y: torch.Tensor,
          test_x: torch.Tensor, test_y: torch.Tensor, epochs: int, seed: int,
          batch: int, lr: float, t0: float) -> float:
    gen = torch.Generator().manual_seed(seed)
    steps_per_epoch = (len(train_x) + batch - 1) // batch
    decay, no_decay = [], []
    for p in model.parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)  # no weight decay on BN / bias
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=lr, momentum=0.9, nesterov=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, epochs=epochs, steps_per_epoch=steps_per_epoch,
        pct_start=0.25, div_factor=10.0, final_div_factor=100.0)
    # NHWC is about 1.4x faster than NCHW for these convolutions on one CPU thread.
    model.to(memory_format=torch.channels_last)
    test_x = test_x.contiguous(memory_format=torch.channels_last)
    acc = 0.0
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(len(train_x), generator=gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, len(train_x), batch):
            idx = perm[i:i + batch]
            x = augment(train_x[idx], gen).contiguous(memory_format=torch.channels_last)
            y = train_y[idx]
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == y).sum().item()
        test_loss, acc = evaluate(model, test_x, test_y)
        print(f"epoch {epoch:2d}/{epochs}  train loss {loss_sum / len(train_x):.4f} "
              f"acc {correct / len(train_x):.4f}  test loss {test_loss:.4f} acc {acc:.4f}  "
              f"elapsed {time.time() - t0:6.1f}s", flush=True)
    model.to(memory_format=torch.contiguous_format)
    return acc


# ------------------------------------------------------------------------- export

def rename_folded_weights(proto: onnx.ModelProto) -> None:
    """Give the Conv weights that BN folding created (`onnx::Conv_74`) readable
    names derived from their node (`/stage1/conv1/Conv` -> `stage1.conv1.weight`)."""
    inits = {t.name: t for t in proto.graph.initializer}
    used = set(inits)
    for node in proto.graph.node:
        if node.op_type != "Conv":
            continue
        scope = ".".join(p for p in node.name.split("/")[:-1] if p)
        for slot, suffix in ((1, "weight"), (2, "bias")):
            if slot >= len(node.input):
                continue
            old, new = node.input[slot], f"{scope}.{suffix}"
            if not old.startswith("onnx::") or old not in inits or new in used:
                continue
            if sum(old in n.input for n in proto.graph.node) != 1:
                continue  # shared initializer: leave it alone
            inits[old].name = new
            node.input[slot] = new
            used.add(new)


def export(model: nn.Module, path: Path) -> None:
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(
        model, dummy, str(path),
        opset_version=OPSET,
        input_names=["image"], output_names=["logits"],
        dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}},
        do_constant_folding=True,
        export_params=True,
        training=torch.onnx.TrainingMode.EVAL,
    )
    proto = onnx.load(str(path))
    rename_folded_weights(proto)
    proto = onnx.shape_inference.infer_shapes(proto, strict_mode=True)
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(path))
    ops: dict[str, int] = {}
    for node in proto.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    print(f"exported {path} ({path.stat().st_size} bytes), "
          f"{len(proto.graph.node)} nodes: "
          + ", ".join(f"{k} x{v}" for k, v in sorted(ops.items())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: %(default)s)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.2, help="peak learning rate (one-cycle)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="folder with the Fashion-MNIST IDX .gz files (default: %(default)s)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)

    t0 = time.time()
    train_x, train_y = (torch.from_numpy(a) for a in load_split(args.data, "train"))
    test_np, test_labels_np = load_split(args.data, "test")
    test_x, test_y = torch.from_numpy(test_np), torch.from_numpy(test_labels_np)
    print(f"data: train {tuple(train_x.shape)}, test {tuple(test_x.shape)} "
          f"({time.time() - t0:.1f}s)", flush=True)

    model = FashionNet()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: FashionNet, {n_params} parameters; {args.epochs} epochs, "
          f"batch {args.batch}, peak lr {args.lr}, seed {args.seed}", flush=True)

    t_train = time.time()
    acc = train(model, train_x, train_y, test_x, test_y, args.epochs, args.seed,
                args.batch, args.lr, t_train)
    train_s = time.time() - t_train

    args.out.mkdir(parents=True, exist_ok=True)
    model.eval()
    export(model, args.out / "model.onnx")
    samples = test_np[:NUM_SAMPLES].copy()
    with torch.no_grad():
        logits = model(torch.from_numpy(samples)).numpy().astype(np.float32)
    np.save(args.out / "samples.npy", samples)
    np.save(args.out / "sample_labels.npy", test_labels_np[:NUM_SAMPLES].copy())
    np.save(args.out / "sample_logits.npy", logits)
    print(f"samples: {NUM_SAMPLES} images, {int((logits.argmax(1) == test_labels_np[:NUM_SAMPLES]).sum())}"
          f"/{NUM_SAMPLES} correct")
    print(f"training time {train_s:.1f}s on {torch.get_num_threads()} thread(s)")
    print(f"final test accuracy {acc * 100:.2f}% ({round(acc * len(test_x))}/{len(test_x)})")


if __name__ == "__main__":
    main()
