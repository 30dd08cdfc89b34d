"""Figures of notebook 02: what the model sees (normalisation, the split, class weights, augmentation)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from handwriting import LETTERS
from handwriting.plots.common import (
    COMMON,
    NEUTRAL,
    RARE,
    TRAIN,
    VALIDATION,
    counts26,
    figure,
    letter_ticks,
    show_image,
)


def normalisation(picture: np.ndarray, model_input: np.ndarray,
                  box: Sequence[int] | None = None,
                  title: str = "From a picture to the model's 28x28 input") -> Figure:
    """The picture as given (with the ink box found in it), the 28x28 it becomes with the 20x20
    box and the centre of mass, and the 0-1 values the network's first layer receives."""
    fig = figure(11, 4.0)
    left, middle, right = fig.subplots(1, 3, width_ratios=[1.35, 1, 1])
    left.imshow(picture, cmap="gray" if picture.ndim == 2 else None)
    left.set_title(f"as given: {picture.shape[1]} x {picture.shape[0]} px, dark on light", fontsize=10)
    left.set_xlabel("x (pixels)")
    left.set_ylabel("y (pixels)")
    if box is not None:
        x0, y0, x1, y1 = box
        left.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, ec=RARE, lw=1.5,
                                 ls="--", label="the letter's ink, cropped"))
        left.legend(fontsize=8, loc="upper right")
    show_image(middle, model_input, "model input: 28 x 28, white on black", fontsize=10)
    rows = np.flatnonzero(model_input.max(axis=1) > 25)
    cols = np.flatnonzero(model_input.max(axis=0) > 25)
    if len(rows):
        middle.add_patch(Rectangle((cols[0] - 0.5, rows[0] - 0.5), cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1,
                                   fill=False, ec=RARE, lw=1.5, ls="--", label="scaled: longer side 20 px"))
    weights = model_input.astype(float)
    if weights.sum() > 0:
        yy, xx = np.mgrid[0:28, 0:28]
        cy, cx = (weights * yy).sum() / weights.sum(), (weights * xx).sum() / weights.sum()
        middle.plot([cx], [cy], "+", color=COMMON, ms=14, mew=2.5, label="centre of mass")
    middle.plot([13.5], [13.5], "x", color=TRAIN, ms=8, mew=2, label="centre of the frame")
    middle.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncols=1, frameon=False)
    image = right.imshow(model_input / 255.0, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    right.set_xticks([])
    right.set_yticks([])
    right.set_title("first layer of the network: pixel / 255", fontsize=10)
    fig.colorbar(image, ax=right, shrink=0.8, label="value the network sees")
    fig.suptitle(title, fontweight="bold")
    return fig


def split_counts(train_counts, validation_counts,
                 title: str = "Training and validation images per letter") -> Figure:
    """Stacked bars of each letter's training and validation images, and the validation share."""
    train = counts26(train_counts)
    val = counts26(validation_counts)
    fig = figure(10, 5.4)
    top, bottom = fig.subplots(2, 1, height_ratios=[1.6, 1], sharex=True)
    top.bar(range(len(LETTERS)), train, color=TRAIN, label="training")
    top.bar(range(len(LETTERS)), val, bottom=train, color=VALIDATION, label="validation")
    top.set_ylabel("images")
    top.set_ylim(0, 1.2 * max((train + val).max(), 1))
    top.legend(fontsize=8, loc="upper right", ncols=2)
    top.grid(axis="y", alpha=0.3)
    top.set_axisbelow(True)
    total = train + val
    share = np.divide(val, total, out=np.zeros_like(val), where=total > 0)
    overall = val.sum() / max(total.sum(), 1)
    bottom.bar(range(len(LETTERS)), 100 * share, color=VALIDATION)
    bottom.axhline(100 * overall, color="black", lw=1, ls="--", label=f"all letters: {overall:.1%}")
    bottom.set_ylim(0, 1.25 * max(100 * share.max(), 100 * overall, 1))
    bottom.set_ylabel("validation share (%)")
    bottom.set_xlabel("letter")
    bottom.legend(fontsize=8, loc="upper right")
    bottom.grid(axis="y", alpha=0.3)
    bottom.set_axisbelow(True)
    letter_ticks(bottom)
    missing = [LETTERS[i] for i in range(len(LETTERS)) if total[i] > 0 and (train[i] == 0 or val[i] == 0)]
    note = f"; missing from one side: {', '.join(missing)}" if missing else "; every letter on both sides"
    top.set_title(f"{train.sum():,.0f} training, {val.sum():,.0f} validation images{note}", fontsize=10)
    fig.suptitle(title, fontweight="bold")
    return fig


def class_weights(panels: Mapping[str, Mapping[int, float]],
                  title: str = "Class weights: rarer letters count for more") -> Figure:
    """Bars of the loss weight of each letter, one panel per data set ({name: {label: weight}})."""
    fig = figure(10, 2.7 * len(panels) + 0.4)
    axes = np.atleast_1d(fig.subplots(len(panels), 1, sharex=True))
    for ax, (name, weights) in zip(axes, panels.items()):
        values = np.array([weights.get(i, 0.0) for i in range(len(LETTERS))])
        colours = [RARE if v > 1.5 else COMMON if 0 < v < 0.67 else NEUTRAL for v in values]
        ax.bar(range(len(LETTERS)), values, color=colours)
        ax.axhline(1.0, color="black", lw=1, ls="--")
        ax.set_ylabel("weight")
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        present = values > 0
        ax.set_title(f"{name}: weights {values[present].min():.2f} to {values[present].max():.2f} "
                     "(dashed: 1 = an average letter)", fontsize=10)
        letter_ticks(ax)
    axes[-1].set_xlabel("letter")
    fig.suptitle(title, fontweight="bold")
    return fig


def augmentation_grid(originals: np.ndarray, columns: Mapping[str, np.ndarray],
                      labels: np.ndarray | None = None,
                      title: str = "Augmentation: the same letters, changed as a hand might") -> Figure:
    """Rows of examples: the original, then one column per augmentation ({name: images})."""
    n = len(originals)
    names = ["original", *columns]
    fig = figure(1.3 * len(names) + 0.4, 1.3 * n + 0.8)
    fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02, wspace=0.03, hspace=0.03)
    axes = np.array(fig.subplots(n, len(names), squeeze=False))
    for row in range(n):
        sets = [originals, *columns.values()]
        for col, images in enumerate(sets):
            show_image(axes[row, col], images[row], names[col] if row == 0 else None, fontsize=9,
                    colour=RARE if col == 0 else "black")
        if labels is not None:
            axes[row, 0].set_ylabel(LETTERS[labels[row]], rotation=0, fontsize=12, fontweight="bold",
                                    labelpad=12, va="center")
    fig.suptitle(title, fontweight="bold")
    return fig
