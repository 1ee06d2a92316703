"""Deterministic, image-like inputs for the generated example models.

Activation sparsity and entropy, hence what zstd makes of a cut tensor,
depend on the input: N(0, 1) noise (the models' reference inputs) is the
worst case, a real photograph compresses much better. Without a data set
for every model, these images stand in for real ones:

- scene(h, w): a 3-channel picture in [0, 1]: a smooth, tinted background
  (bilinear interpolation of coarse random grids), 3 to 5 soft-edged
  ellipses of random colour (objects), fine texture and pixel noise
  (sigma 0.02), quantized to 8 bits.
- text(h, w, lines): dark glyph-like strokes (vertical, horizontal and
  diagonal bars in character cells) on a light, slightly uneven page, with
  pixel noise, quantized to 8 bits.

Both are then normalized as the model family expects: torchvision
classifiers (x - ImageNet mean) / ImageNet std, about -2.1..2.6; the OCR
models (x - 0.5) / 0.5, -1..1. The same name always gives the same image
(the seed is the name's CRC-32).
"""

from __future__ import annotations

import zlib

import numpy as np

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def _smooth(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """A smooth field in [0, 1]: a random (cells+1)^2 grid, bilinearly upsampled to h x w."""
    grid = rng.random((cells + 1, cells + 1))
    ys, xs = np.linspace(0, cells, h), np.linspace(0, cells, w)
    y0 = np.minimum(ys.astype(int), cells - 1)
    x0 = np.minimum(xs.astype(int), cells - 1)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x0 + 1] * fx
    bottom = grid[y0 + 1][:, x0] * (1 - fx) + grid[y0 + 1][:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def _to_8bit(img: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    img = img + rng.normal(0.0, noise, img.shape)
    return np.round(np.clip(img, 0.0, 1.0) * 255.0) / 255.0


def scene(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """[3, h, w] in [0, 1], 8-bit levels: background, objects, texture, noise."""
    tint = rng.uniform(0.6, 1.0, size=(3, 1, 1))
    light = 0.25 + 0.5 * _smooth(rng, h, w, 2)
    img = tint * (light + 0.15 * (_smooth(rng, h, w, 8) - 0.5))
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(rng.integers(3, 6)):
        cy, cx = rng.uniform(0.15, 0.85) * h, rng.uniform(0.15, 0.85) * w
        ry, rx = rng.uniform(0.08, 0.3) * h, rng.uniform(0.08, 0.3) * w
        d = np.sqrt(((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2)
        mask = 1.0 / (1.0 + np.exp((d - 1.0) * 12.0))  # soft edge
        colour = rng.uniform(0.0, 1.0, size=(3, 1, 1))
        shade = 0.8 + 0.4 * _smooth(rng, h, w, 3)
        img = img * (1 - mask) + colour * shade * mask
    img = img + 0.06 * (_smooth(rng, h, w, max(4, w // 6)) - 0.5)
    return _to_8bit(img, rng, 0.02)


def text(h: int, w: int, lines: int, rng: np.random.Generator) -> np.ndarray:
    """[3, h, w] in [0, 1], 8-bit levels: dark strokes in rows of character cells."""
    page = 0.8 + 0.15 * _smooth(rng, h, w, 3)
    ink = np.zeros((h, w))
    line_h = h / lines
    for li in range(lines):
        top = int(li * line_h + 0.2 * line_h)
        glyph_h = max(4, int(0.6 * line_h))
        x = int(rng.integers(1, 6))
        while x + glyph_h // 2 < w - 2:
            gw = max(3, int(glyph_h * rng.uniform(0.4, 0.7)))
            for _ in range(rng.integers(2, 4)):
                kind = rng.integers(0, 3)
                if kind == 0:  # vertical bar
                    c = x + int(rng.integers(0, gw))
                    ink[top:top + glyph_h, c:c + 2] = 1
                elif kind == 1:  # horizontal bar
                    r = top + int(rng.integers(0, glyph_h))
                    ink[r:r + 2, x:x + gw] = 1
                else:  # diagonal
                    for k in range(glyph_h):
                        c = x + int(k * gw / glyph_h)
                        ink[top + k, c:c + 2] = 1
            x += gw + int(rng.integers(2, 5)) + (int(rng.integers(4, 9)) if rng.random() < 0.2 else 0)
    img = page * (1 - 0.85 * ink)
    colour = rng.uniform(0.85, 1.0, size=(3, 1, 1))
    return _to_8bit(colour * img[None], rng, 0.03)


def make(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """The normalized float32 input of one model, for an NCHW shape with 3 channels."""
    n, c, h, w = shape
    if c != 3:
        raise ValueError(f"{name}: expected 3 channels, got shape {shape}")
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    if name.startswith("ocr_"):
        lines = 1 if h <= 48 else max(2, h // 24)
        imgs = np.stack([text(h, w, lines, rng) for _ in range(n)])
        return ((imgs - 0.5) / 0.5).astype(np.float32)
    imgs = np.stack([scene(h, w, rng) for _ in range(n)])
    return ((imgs - IMAGENET_MEAN[:, None, None]) / IMAGENET_STD[:, None, None]).astype(np.float32)
