"""Where the word model's letters sit on a line that no cut of the pieces reads as its text.

Pen letters that overlap fuse into one blob no split of the pieces separates, yet the word model
reads them along the line. Each letter of its text is placed at the column where the word model
reads it (its greedy reading's columns, or spread evenly for a beam text of another length), the
line is cut half-way between neighbouring letters, and each letter gets the word model's
probabilities in its column. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handwriting.imaging.letter import letter_from_ink
from handwriting.words.line import Line
from handwriting.words.model import greedy
from handwriting.words.reading import StripView


@dataclass
class PlacedLetter:
    """One letter of the word model's text on the line."""
    box: tuple[int, int, int, int]  # (left, top, right, bottom) in working pixels
    probs: np.ndarray               # the word model's 26 letter probabilities in the letter's column
    image: np.ndarray | None        # the box's ink as a 28x28 letter, None when it holds no ink


def place_letters(line: Line, view: StripView, text: str) -> list[PlacedLetter]:
    """Each letter of `text` (read by the word model in `view`) placed where the word model reads it."""
    log_probs = view.log_probs
    ink_left = min(p.left for p in line.pieces)
    ink_right = max(p.right for p in line.pieces)
    y0, y1 = min(p.top for p in line.pieces), max(p.bottom for p in line.pieces)
    # The best path's columns, case-insensitive or as written, where it spells the text ...
    columns = next((found[1] for found in (greedy(log_probs), greedy(view.cased)) if found[0].upper() == text), None)
    if columns is None:  # ... else (a beam text) its letters spread evenly over the columns the ink fills
        columns = list(np.linspace(0, view.columns - 1, len(text) + 2)[1:-1].round().astype(int))
    # A pen model's columns follow the pen, which goes back for a dot or a bar: keep them in order.
    xs = np.maximum.accumulate([view.column_x[c] for c in columns])
    middles = [int(np.clip((a + b) / 2, ink_left, ink_right)) for a, b in zip(xs, xs[1:])]
    edges = [ink_left] + middles + [ink_right]
    placed = []
    for a in range(len(text)):
        probs = np.exp(log_probs[columns[a], 1:])
        probs = (probs / probs.sum()).astype(np.float32)
        box = (int(edges[a]), y0, int(max(edges[a + 1], edges[a] + 1)), y1)
        try:
            image = letter_from_ink(view.ink[box[1]:box[3], box[0]:box[2]])[0]
        except ValueError:
            image = None
        placed.append(PlacedLetter(box, probs, image))
    return placed
