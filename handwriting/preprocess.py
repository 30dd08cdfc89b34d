"""One pipeline from any picture of a letter to the 28x28 input the model was trained on.

The Kaggle A-Z / MNIST convention: white ink on black, the letter's bounding box scaled so its
longer side is 20 pixels (keeping the aspect ratio), then placed in 28x28 so that its centre of
mass is at the centre. Stroke renders, image folders, canvas drawings and photos all end in
`fit_and_center`, so training data and user input look alike.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

SIZE = 28
BOX = 20
INK_LEVEL = 0.1  # fraction of full ink below which a pixel counts as background when cropping


class NoInkError(ValueError):
    """The picture has nothing to read (a blank canvas or an empty page)."""


@dataclass
class Preprocessed:
    """The 28x28 model input and what the pipeline decided on the way, for "what the model sees"."""

    image: np.ndarray                      # uint8 28x28, white ink on black
    inverted: bool = False                 # was the picture dark ink on a light background?
    bbox: tuple[int, int, int, int] | None = None  # ink box (left, top, right, bottom) in the input
    threshold: float | None = None         # ink threshold used, 0-1 on the ink scale
    notes: list[str] = field(default_factory=list)


def fit_and_center(ink: np.ndarray, level: float = INK_LEVEL) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Crop `ink` (H x W, larger = more ink) to its ink, fit it in 20x20 and centre it by mass.

    Returns the uint8 28x28 image and the crop box (left, top, right, bottom) in `ink`'s pixels.
    Raises NoInkError when there is no ink.
    """
    ink = np.asarray(ink, dtype=np.float32)
    peak = float(ink.max()) if ink.size else 0.0
    if peak <= 0:
        raise NoInkError("nothing to read: the picture has no ink")
    mask = ink > peak * level
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    crop = ink[top:bottom, left:right] / peak
    h, w = crop.shape
    scale = BOX / max(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    # Pillow's filters widen their support when shrinking, so this is an area-averaging resize.
    small = np.asarray(Image.fromarray(crop).resize((new_w, new_h), Image.Resampling.BILINEAR))
    small = np.clip(small, 0.0, None)
    if small.max() > 0:
        small = small / small.max()
    total = small.sum()
    cy = float(small.sum(axis=1) @ np.arange(new_h)) / total
    cx = float(small.sum(axis=0) @ np.arange(new_w)) / total
    # Integer shift, as MNIST did; clamp so the 20x20 box stays inside the 28x28 frame.
    oy = int(np.clip(round(SIZE / 2 - 0.5 - cy), 0, SIZE - new_h))
    ox = int(np.clip(round(SIZE / 2 - 0.5 - cx), 0, SIZE - new_w))
    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    out[oy:oy + new_h, ox:ox + new_w] = small
    return np.round(out * 255).astype(np.uint8), (int(left), int(top), int(right), int(bottom))


def open_image(source: str | Path | bytes | Image.Image) -> Image.Image:
    """Open a picture from a path, bytes or a PIL image, upright (EXIF orientation applied)."""
    if isinstance(source, Image.Image):
        return source
    if isinstance(source, (bytes, bytearray, memoryview)):
        image = Image.open(io.BytesIO(bytes(source)))
    else:
        image = Image.open(source)
    image.load()
    return ImageOps.exif_transpose(image)


def ink_from_image(image: Image.Image) -> tuple[np.ndarray, bool]:
    """Grey levels as ink (0 = background, 1 = full ink) and whether the picture was inverted.

    A picture whose ink lives only in the alpha channel (as some drawing apps save) reads as ink.
    Otherwise the background is the brighter or darker side by the border's median.
    """
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
        alpha = rgba[..., 3]
        if alpha.min() < 0.99:
            grey = rgba[..., :3].mean(axis=2)
            opaque = alpha > 0.5
            # Ink is what is opaque and differs from the opaque background; if everything opaque is
            # ink (transparent background), alpha alone is the ink.
            if opaque.mean() < 0.5 or np.ptp(grey[opaque]) < 0.2 if opaque.any() else True:
                return alpha, False
            background = np.median(grey[opaque])
            ink = np.abs(grey - background) * alpha
            return ink, bool(background > 0.5)
    grey = np.asarray(image.convert("F"), dtype=np.float32)
    grey = grey / (65535.0 if grey.max() > 255 else 255.0)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    inverted = bool(np.median(border) > 0.5)
    ink = 1.0 - grey if inverted else grey
    return ink, inverted


def preprocess_image(source: str | Path | bytes | Image.Image) -> Preprocessed:
    """Any picture of one letter -> the 28x28 model input plus what was decided."""
    image = open_image(source)
    ink, inverted = ink_from_image(image)
    background = float(np.median(ink))
    ink = np.clip(ink - background, 0.0, None)
    threshold = INK_LEVEL
    x, bbox = fit_and_center(ink, threshold)
    return Preprocessed(x, inverted=inverted, bbox=bbox, threshold=threshold)
