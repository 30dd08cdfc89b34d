"""Pen-written words drawn as pictures: white ink for the readers, dark ink on light paper as a scan.

A word's pen trajectories (the dashboard's drawing pad, UNIPEN's words) are drawn with one pen,
as wide relative to the letters as the letter renderer's (`handwriting.imaging.strokes`), about
64 pixels high. `draw_word` gives the word's ink, as extracting ink from a picture would, and each
stroke's own ink (the pieces a reader can cut it into). `on_paper` turns any ink into what a scan
of it written with a ballpoint looks like; the word model trains and is measured on
`strokes_on_paper`, so these constants are part of what it learnt: change them and retrain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from handwriting.imaging.ink import InkImage, NoInkError
from handwriting.imaging.strokes import Strokes, as_arrays, draw_path

PEN = 0.11            # pen width / letter height: a ballpoint's 0.5 mm line on 4-5 mm capitals
                      # (and the letter renderer's 2.2 px of 20)
LETTER_HEIGHT = 64    # pixels: a line of capitals drawn from strokes
PAPER = 0.93          # the paper's brightness, 0-1 (a scan's paper is not quite white) ...
INK = 0.85            # ... and how much full ink darkens it (a ballpoint is not quite black)


@dataclass
class DrawnWord:
    """A word drawn from its pen strokes."""

    page: InkImage               # the word's ink (0 or 1, white on black), as `extract_ink` gives a picture's
    strokes: list[np.ndarray]    # bool, each stroke's own ink, the page's size
    paths: list[np.ndarray]      # each stroke's points (x, y) in the page's pixels


def draw_word(strokes: Strokes, letter_height: float = LETTER_HEIGHT, pen_ratio: float = PEN) -> DrawnWord:
    """Pen trajectories of a word (one line of capitals) -> its ink, `letter_height` pixels high.

    Raises ValueError for malformed strokes and NoInkError when they draw nothing.
    """
    arrays = as_arrays(strokes)
    points = np.concatenate(arrays)
    lo = points.min(axis=0)
    extent = points.max(axis=0) - lo
    scale = letter_height / max(float(extent[1]), float(extent[0]) / 30, 1e-6)  # one line of capitals
    pen = pen_ratio * letter_height
    margin = int(pen) + 2
    width, height = (int(v) for v in np.ceil(extent * scale) + 2 * margin + 1)
    layers, paths = [], [(stroke - lo) * scale + margin for stroke in arrays]
    for path in paths:
        canvas = Image.new("L", (width, height), 0)
        draw_path(ImageDraw.Draw(canvas), path, pen)
        layers.append(np.asarray(canvas) > 127)
    mask = np.logical_or.reduce(layers)
    if not mask.any():
        raise NoInkError("nothing to read: the strokes draw no ink")
    page = InkImage(mask.astype(np.float32), mask, (1.0, 1.0), False, 0.5, "drawing", pen, ["rendered pen strokes"])
    return DrawnWord(page, layers, paths)


def on_paper(ink: np.ndarray, grain: float = 0.0, rng: np.random.Generator | None = None) -> np.ndarray:
    """Ink (0 = none, 1 = full) as dark ink on light paper: a grey uint8 picture.

    `grain` > 0 adds the paper's grain and a scanner's noise (its standard deviation, 0-1), drawn
    from `rng`.
    """
    paper = PAPER - INK * ink
    if grain:
        paper = paper + rng.normal(0, grain, ink.shape)
    return (np.clip(paper, 0, 1) * 255).astype(np.uint8)


def strokes_on_paper(strokes: Strokes, height: int = LETTER_HEIGHT, pen: float = PEN) -> np.ndarray:
    """Pen strokes of a word drawn as dark ink on light paper (a grey uint8 image), about `height`
    pixels high: what a scan of the same word written with a ballpoint looks like."""
    return on_paper(draw_word(strokes, letter_height=height, pen_ratio=pen).page.ink)
