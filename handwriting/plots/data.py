"""Figures of notebook 01: the data as it is (counts, samples, means, pixels, ink, duplicates, projections)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from handwriting import LETTERS
from handwriting.plots.common import (
    NEUTRAL,
    RARE,
    count_bars,
    figure,
    letter_colours,
    letter_ticks,
    mosaic,
    show_image,
)


def letter_counts(counts, title: str = "Images per letter") -> Figure:
    """Images per letter: a {letter: n} mapping or 26 numbers, or {source: 26 numbers} stacked.

    The rarest and commonest letters are coloured and named with their ratio, so imbalance shows.
    """
    fig = figure(10, 3.6)
    ax = fig.subplots()
    count_bars(ax, counts)
    fig.suptitle(title, fontweight="bold")
    return fig


def compare_letter_counts(panels: Mapping[str, object], title: str = "Images per letter") -> Figure:
    """One bar panel per data set ({name: counts}), each on its own scale, one above the other."""
    fig = figure(10, 2.9 * len(panels) + 0.4)
    axes = np.atleast_1d(fig.subplots(len(panels), 1))
    for ax, (name, counts) in zip(axes, panels.items()):
        count_bars(ax, counts, name)
    fig.suptitle(title, fontweight="bold")
    return fig


def sample_grid(images: np.ndarray, y: np.ndarray, per_letter: int = 10, seed: int = 0,
                title: str = "Random samples of each letter") -> Figure:
    """A row of random samples per letter, the letter named on the left."""
    rng = np.random.default_rng(seed)
    present = [i for i in range(len(LETTERS)) if (y == i).any()]
    tiles = []
    for label in present:
        idx = np.flatnonzero(y == label)
        pick = rng.choice(idx, size=min(per_letter, len(idx)), replace=False)
        tiles.append([images[i] for i in pick])
    picture = mosaic(tiles)
    fig = figure(0.5 * per_letter + 0.8, 0.5 * len(present) + 0.8)
    ax = fig.subplots()
    ax.imshow(picture, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_yticks([r * 30 + 13.5 for r in range(len(present))], [LETTERS[i] for i in present],
                  fontsize=11, fontweight="bold")
    ax.set_xticks([])
    ax.tick_params(left=False)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_xlabel(f"{per_letter} random images per letter", fontsize=9)
    fig.suptitle(title, fontweight="bold")
    return fig


def mean_letters(means: np.ndarray, counts: Sequence[int] | None = None,
                 title: str = "Mean image of each letter") -> Figure:
    """The average of each letter's images: where its ink usually is, and how much it varies."""
    fig = figure(11, 2.4)
    axes = fig.subplots(2, 13)
    vmax = max(float(means.max()), 1.0)
    for i, ax in enumerate(axes.ravel()):
        ax.imshow(means[i], cmap="magma", vmin=0, vmax=vmax, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        label = LETTERS[i] if counts is None else f"{LETTERS[i]} ({counts[i]:,})"
        ax.set_title(label, fontsize=9 if counts is None else 7)
    fig.suptitle(title, fontweight="bold")
    return fig


def pixel_histogram(images: np.ndarray, title: str = "Pixel intensities") -> Figure:
    """How often each grey level occurs: mostly black background, a peak at full ink, edges between."""
    values = np.asarray(images).ravel()
    counts = np.bincount(values, minlength=256)
    fig = figure(7, 3.4)
    ax = fig.subplots()
    ax.bar(np.arange(256), counts, width=1.0, color=NEUTRAL)
    ax.set_yscale("log")
    ax.set_xlim(-2, 257)
    ax.set_xlabel("pixel value (0 = background, 255 = full ink)")
    ax.set_ylabel("pixels (log scale)")
    zero = counts[0] / max(values.size, 1)
    full = counts[-1] / max(values.size, 1)
    ax.set_title(f"{zero:.0%} of pixels are background (0), {full:.1%} are full ink (255)", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    fig.suptitle(title, fontweight="bold")
    return fig


def ink_amount(ink: np.ndarray, y: np.ndarray, title: str = "Ink per image") -> Figure:
    """Ink pixels per image: overall distribution, then per letter (box = middle half, line = median)."""
    fig = figure(12, 3.6)
    left, right = fig.subplots(1, 2, width_ratios=[1, 2.6])
    left.hist(ink, bins=40, color=NEUTRAL)
    left.set_xlabel("ink pixels per image (of 784)")
    left.set_ylabel("images")
    left.set_title(f"all letters: median {np.median(ink):.0f}", fontsize=10)
    groups = [ink[y == i] for i in range(len(LETTERS))]
    present = [i for i, g in enumerate(groups) if len(g)]
    right.boxplot([groups[i] for i in present], positions=present, widths=0.6, showfliers=False,
                  medianprops={"color": RARE})
    letter_ticks(right)
    right.set_xlabel("letter")
    right.set_ylabel("ink pixels per image")
    right.set_title("per letter (whiskers: 1.5x the box height)", fontsize=10)
    for ax in (left, right):
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    fig.suptitle(title, fontweight="bold")
    return fig


def duplicate_pairs(images: np.ndarray, duplicates, labels: np.ndarray | None = None,
                    max_pairs: int = 8, title: str = "Near-duplicates") -> Figure:
    """The closest pairs found by `explore.near_duplicates`: the earlier image above its repeat."""
    pairs = np.asarray(duplicates.pairs)
    order = np.argsort(duplicates.distances)[:max_pairs]
    shown = max(len(order), 1)
    fig = figure(max(1.25 * shown, 5), 3.2)
    heading = (f"{duplicates.near:,} of {duplicates.total:,} images ({duplicates.fraction:.1%}) repeat an "
               f"earlier one within RMS {duplicates.tolerance:g}; {duplicates.exact:,} exactly")
    if not len(order):
        ax = fig.subplots()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no near-duplicates within the tolerance", ha="center", va="center", fontsize=12)
        fig.suptitle(f"{title}\n{heading}", fontweight="bold", fontsize=10)
        return fig
    axes = np.array(fig.subplots(2, shown, squeeze=False))
    for col, k in enumerate(order):
        first, repeat = pairs[k]
        name = (lambda i: f"{LETTERS[labels[i]]} #{i}") if labels is not None else (lambda i: f"#{i}")
        show_image(axes[0, col], images[first], name(first), fontsize=8)
        show_image(axes[1, col], images[repeat], f"{name(repeat)}\nRMS {duplicates.distances[k]:.1f}", fontsize=8)
    axes[0, 0].set_ylabel("earlier", fontsize=9)
    axes[1, 0].set_ylabel("repeat", fontsize=9)
    fig.suptitle(f"{title}\n{heading}", fontweight="bold", fontsize=10)
    return fig


def projection(points: np.ndarray, y: np.ndarray, explained: Sequence[float] | None = None,
               title: str = "Images projected on their two main directions (PCA)",
               max_points: int = 6000, seed: int = 0) -> Figure:
    """A 2-D scatter coloured by letter, each letter written at the middle of its cloud."""
    points = np.asarray(points)
    rng = np.random.default_rng(seed)
    show = np.arange(len(points))
    if len(show) > max_points:
        show = np.sort(rng.choice(len(points), max_points, replace=False))
    colours = letter_colours()
    fig = figure(8.5, 7)
    ax = fig.subplots()
    for i, letter in enumerate(LETTERS):
        sel = show[y[show] == i]
        if len(sel):
            ax.scatter(points[sel, 0], points[sel, 1], s=7, alpha=0.6, color=colours[i],
                       label=letter, linewidths=0)
    present = [i for i in range(len(LETTERS)) if (y == i).any()]
    centres = np.array([np.median(points[y == i], axis=0) for i in present]).reshape(-1, 2)
    for i, (cx, cy) in zip(present, _spread(centres, points)):
        ax.text(cx, cy, LETTERS[i], fontsize=12, fontweight="bold", ha="center", va="center",
                color="black", bbox={"boxstyle": "round,pad=0.2", "fc": colours[i], "ec": "black",
                                     "lw": 0.6, "alpha": 0.9})
    if explained is not None and len(explained) >= 2:
        ax.set_xlabel(f"component 1 ({explained[0]:.1%} of pixel variance)")
        ax.set_ylabel(f"component 2 ({explained[1]:.1%} of pixel variance)")
    else:
        ax.set_xlabel("component 1")
        ax.set_ylabel("component 2")
    ax.legend(ncols=2, fontsize=7, markerscale=2.5, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              title="letter", frameon=False)
    ax.set_title(f"{len(show):,} images; letters at the median of their points", fontsize=10)
    fig.suptitle(title, fontweight="bold")
    return fig


def _spread(labels: np.ndarray, points: np.ndarray, gap: float = 0.04, rounds: int = 50) -> np.ndarray:
    """Label positions pushed apart until none is within `gap` (fraction of the plot) of another."""
    if len(labels) < 2:
        return labels
    span = np.ptp(points, axis=0).astype(float)
    span[span == 0] = 1.0
    # A tiny different nudge for each label, so that labels on the very same spot separate too.
    angle = np.arange(len(labels)) * 2.399963
    pos = labels / span + 1e-3 * gap * np.column_stack([np.cos(angle), np.sin(angle)])
    for _ in range(rounds):
        diff = pos[:, None, :] - pos[None, :, :]
        dist = np.hypot(diff[..., 0], diff[..., 1])
        np.fill_diagonal(dist, 1e9)
        close = dist < gap
        if not close.any():
            break
        # Each crowded label moves away from its neighbours by half the missing distance.
        push = np.where(close[..., None], diff / np.maximum(dist, 1e-9)[..., None] * (gap - dist)[..., None] / 2, 0)
        pos = pos + push.sum(axis=1)
    return pos * span
