"""The one stroke renderer: pen trajectories -> 28x28 images.

Training data from pen trajectories (UNIPEN, the synthetic stroke fonts) and the dashboard's
drawing pad go through this function, so what the model learned and what it is shown look alike.
Strokes are lists of (x, y) points in any units with y growing downwards.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from handwriting.imaging.letter import BOX, fit_and_center

SUPERSAMPLE = 4          # draw at 4x and let fit_and_center average down: anti-aliased edges
DEFAULT_PEN_WIDTH = 2.2  # in 28x28 pixels; the Kaggle letters' strokes are about 2-3 pixels wide

Strokes = Sequence[Sequence[Sequence[float]]]


def as_arrays(strokes: Strokes) -> list[np.ndarray]:
    """Strokes as float arrays of shape (n, 2); raises ValueError for anything else."""
    arrays = []
    for i, stroke in enumerate(strokes):
        try:
            points = np.asarray(stroke, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"stroke {i} is not a list of [x, y] number pairs") from None
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
            raise ValueError(f"stroke {i} is not a non-empty list of [x, y] points")
        if not np.isfinite(points).all():
            raise ValueError(f"stroke {i} has a coordinate that is not a finite number")
        arrays.append(points)
    if not arrays:
        raise ValueError("no strokes")
    return arrays


def draw_ink(strokes: Strokes, pen_width: float = DEFAULT_PEN_WIDTH,
             supersample: int = SUPERSAMPLE) -> np.ndarray:
    """Draw strokes, scaled so the letter's ink box is 20 (x supersample) pixels, as a uint8 ink image."""
    arrays = as_arrays(strokes)
    allpts = np.concatenate(arrays)
    lo = allpts.min(axis=0)
    extent = float((allpts.max(axis=0) - lo).max())
    width_px = max(1.0, pen_width * supersample)
    span = max(BOX * supersample - width_px, 1.0)
    scale = span / extent if extent > 0 else 1.0
    margin = width_px
    size = int(np.ceil((allpts.max(axis=0) - lo) * scale).max() + 2 * margin + 2)
    canvas = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(canvas)
    for points in arrays:
        draw_path(draw, (points - lo) * scale + margin, width_px)
    return np.asarray(canvas)


def draw_path(draw: ImageDraw.ImageDraw, xy: np.ndarray, width_px: float) -> None:
    """One pen stroke through the points `xy` (pixels), `width_px` wide, in white."""
    flat = [tuple(p) for p in np.asarray(xy, dtype=np.float64).tolist()]
    if len(flat) > 1:
        draw.line(flat, fill=255, width=int(round(width_px)))
    # A disc at every point gives round joins and caps (and a dot for a one-point stroke);
    # it is several times faster than Pillow's joint="curve".
    r = width_px / 2
    for x, y in flat:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)


def render_strokes(strokes: Strokes, pen_width: float = DEFAULT_PEN_WIDTH) -> np.ndarray:
    """Pen trajectories -> uint8 28x28, white ink on black, fitted and centred like the Kaggle data."""
    image, _ = fit_and_center(draw_ink(strokes, pen_width))
    return image
