"""Small files in the exact real formats, made by the tests (the real Kaggle/EMNIST files are not here)."""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from handwriting import LETTERS


def letter_images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n 28x28 white-on-black blobs with labels cycling through A-Z (content is arbitrary but inked)."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28), np.uint8)
    for i in range(n):
        top, left = rng.integers(4, 10, size=2)
        x[i, top:top + 14, left:left + 3] = rng.integers(128, 256)
        x[i, top:top + 3, left:left + 12] = 255
    return x, (np.arange(n) % 26).astype(np.uint8)


def write_idx(path: Path, array: np.ndarray, compress: bool = True) -> Path:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + np.ascontiguousarray(array, np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


def write_emnist(folder: Path, x: np.ndarray, y: np.ndarray) -> Path:
    """EMNIST letters as distributed: images transposed, labels 1-26."""
    images = write_idx(folder / "emnist-letters-test-images-idx3-ubyte.gz", x.transpose(0, 2, 1))
    write_idx(folder / "emnist-letters-test-labels-idx1-ubyte.gz", y + 1)
    return images


def draw_letter_png(path: Path, letter: str, size: int = 64, dark_on_light: bool = True) -> Path:
    """A crude but inked drawing of a letter-like shape (an L with a bar), saved as an image file."""
    bg, fg = (255, 0) if dark_on_light else (0, 255)
    image = Image.new("L", (size, size), bg)
    draw = ImageDraw.Draw(image)
    draw.line([(size * 0.3, size * 0.2), (size * 0.3, size * 0.8), (size * 0.7, size * 0.8)], fill=fg, width=size // 10)
    draw.line([(size * 0.3, size * 0.5), (size * 0.6, size * 0.5)], fill=fg, width=size // 12)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def write_strokes(path: Path, records: list[dict]) -> Path:
    path.write_text(json.dumps(records))
    return path


def stroke_record(label: str = "L", writer: str = "test:1") -> dict:
    return {"label": label, "writer": writer, "strokes": [[[0, 0], [0, 100], [60, 100]], [[0, 50], [40, 50]]]}


def all_letters_strokes() -> list[dict]:
    return [stroke_record(letter, f"test:{i % 3}") for i, letter in enumerate(LETTERS)]
