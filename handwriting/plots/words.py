"""Figures of notebook 05 and of docs/words.md: whole words as the word model and the reader read them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from handwriting.plots.common import figure, show_image


def _grid(n: int, columns: int, width: float, height: float, extra: float) -> tuple[Figure, np.ndarray]:
    """A figure of n panels in rows of `columns`, each width x height inches (plus `extra` for the title)."""
    columns = max(1, min(columns, n))
    rows = max(1, int(np.ceil(n / columns)))
    fig = figure(width * columns, height * rows + extra)
    return fig, np.array(fig.subplots(rows, columns, squeeze=False)).ravel()


def strips(images: np.ndarray, captions: Sequence[str], title: str = "What the word model reads",
           columns: int = 2) -> Figure:
    """Word-model strips (uint8 N x 32 x 256, white ink on black), a caption under each."""
    n = len(images)
    fig, axes = _grid(n, columns, 4.2, 0.95, 0.5)
    for k, ax in enumerate(axes):
        if k < n:
            show_image(ax, images[k])
            ax.set_xlabel(captions[k], fontsize=9)
        else:
            ax.set_axis_off()
    fig.suptitle(title, fontweight="bold")
    return fig


def read_words(pictures: Sequence[np.ndarray], labels: Sequence[str], readings: Sequence[str],
               right: Sequence[bool], title: str = "Words as the reader saw them", columns: int = 4,
               longest: int = 20) -> Figure:
    """Word pictures as the reader was given them (grey, dark ink on light paper), each captioned
    "label / reading", the words it got wrong in red: real right ones and failures side by side.
    A reading longer than `longest` letters is cut short with "...", so it stays under its picture."""
    if not len(pictures) == len(labels) == len(readings) == len(right):
        raise ValueError(f"read_words: {len(pictures)} pictures, {len(labels)} labels, {len(readings)} readings "
                         f"and {len(right)} right-or-wrong flags: give one of each per word")
    n = len(pictures)
    fig, axes = _grid(n, columns, 3.2, 1.25, 0.6)
    for k, ax in enumerate(axes):
        if k >= n:
            ax.set_axis_off()
            continue
        show_image(ax, pictures[k])
        reading = readings[k] if len(readings[k]) <= longest else readings[k][:longest - 3] + "..."
        ax.set_xlabel(f"{labels[k]} / {reading or '(nothing)'}", fontsize=10,
                      color="black" if right[k] else "#c0392b", fontweight="normal" if right[k] else "bold")
    fig.suptitle(title, fontweight="bold", fontsize=11)
    return fig
