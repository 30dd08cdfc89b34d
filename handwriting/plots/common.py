"""What every figure shares: colours, a constrained Figure, letter ticks, image tiles and count bars."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from handwriting import LETTERS

RARE = "#d95f02"
COMMON = "#1b9e77"
NEUTRAL = "#7f8c9a"
TRAIN = "#4c72b0"
VALIDATION = "#dd8452"


def figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def letter_ticks(ax, axis: str = "x", letters: str = LETTERS) -> None:
    if axis == "x":
        ax.set_xticks(range(len(letters)), list(letters))
        ax.set_xlim(-0.6, len(letters) - 0.4)
    else:
        ax.set_yticks(range(len(letters)), list(letters))
        ax.set_ylim(len(letters) - 0.4, -0.6)


def counts26(values) -> np.ndarray:
    """26 numbers from a {letter: n} mapping or a sequence in A..Z order."""
    if isinstance(values, Mapping):
        return np.array([values.get(letter, 0) or 0 for letter in LETTERS], dtype=float)
    values = np.asarray(values, dtype=float)
    if values.shape != (len(LETTERS),):
        raise ValueError(f"expected 26 numbers (A..Z), got shape {values.shape}")
    return values


@lru_cache(maxsize=1)
def letter_colours() -> tuple:
    """26 distinct colours, so that letters next to each other in a scatter differ."""
    from matplotlib import colormaps

    pool = list(colormaps["tab20"].colors) + list(colormaps["Dark2"].colors)
    # The dark half of tab20, then its light half, then Dark2: neighbours in A..Z contrast.
    order = list(range(0, 20, 2)) + list(range(1, 20, 2)) + list(range(20, 26))
    return tuple(pool[i] for i in order)


def show_image(ax, image, title: str | None = None, fontsize: float = 9, colour: str = "black") -> None:
    ax.imshow(image, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=fontsize, color=colour)


def count_bars(ax, counts, name: str | None = None) -> None:
    """Bars of images per letter (stacked per series for a {series: 26 counts} mapping)."""
    stacked = isinstance(counts, Mapping) and counts and not set(counts) <= set(LETTERS)
    if stacked:
        bottom = np.zeros(len(LETTERS))
        colours = letter_colours()
        for i, (series, values) in enumerate(counts.items()):
            values = counts26(values)
            ax.bar(range(len(LETTERS)), values, bottom=bottom, label=str(series),
                   color=colours[(3 * i) % len(colours)])
            bottom = bottom + values
        total = bottom
        ax.legend(title="source", fontsize=8, title_fontsize=8, loc="upper right")
    else:
        total = counts26(counts)
        colours = [NEUTRAL] * len(LETTERS)
        present = np.flatnonzero(total > 0)
        if len(present):
            lo = present[np.argmin(total[present])]
            hi = int(np.argmax(total))
            if total[lo] != total[hi]:
                colours[lo], colours[hi] = RARE, COMMON
        ax.bar(range(len(LETTERS)), total, color=colours)
    letter_ticks(ax)
    ax.set_xlabel("letter")
    ax.set_ylabel("images")
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    present = np.flatnonzero(total > 0)
    if len(present):
        lo, hi = present[np.argmin(total[present])], present[np.argmax(total[present])]
        ratio = total[hi] / total[lo]
        summary = (f"rarest {LETTERS[lo]} ({total[lo]:,.0f}), commonest {LETTERS[hi]} ({total[hi]:,.0f}): "
                   f"{ratio:.1f}x" if ratio > 1.05 else f"balanced: {total[lo]:,.0f}-{total[hi]:,.0f} per letter")
        ax.set_title(f"{name}: {summary}" if name else summary, fontsize=10)
        ax.set_ylim(0, total.max() * 1.08)


def mosaic(tiles: list[list[np.ndarray | None]], gap: int = 2) -> np.ndarray:
    """Rows of 28x28 tiles in one image, separated by grey lines (one image draws far faster
    than hundreds of axes)."""
    rows, cols = len(tiles), max(len(r) for r in tiles)
    out = np.full((rows * (28 + gap) - gap, cols * (28 + gap) - gap), 90, dtype=np.uint8)
    for r, row in enumerate(tiles):
        for c in range(cols):
            tile = row[c] if c < len(row) else None
            top, left = r * (28 + gap), c * (28 + gap)
            out[top:top + 28, left:left + 28] = 0 if tile is None else tile
    return out
