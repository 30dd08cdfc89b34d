"""Every figure the notebooks draw, as functions that return a matplotlib Figure.

The notebooks stay a sequence of calls; the figures get titles, labelled axes and letters as
tick labels in one place, and tests can check them. Figures are made without pyplot (no global
figure list, no backend needed: papermill and CI run headless); a notebook shows a Figure that
ends a cell, and `fig.savefig(...)` writes it. Images are drawn as the model sees them: white ink
on black. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from handwriting import LETTERS

RARE = "#d95f02"
COMMON = "#1b9e77"
NEUTRAL = "#7f8c9a"
TRAIN = "#4c72b0"
VALIDATION = "#dd8452"


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _letter_ticks(ax, axis: str = "x", letters: str = LETTERS) -> None:
    if axis == "x":
        ax.set_xticks(range(len(letters)), list(letters))
        ax.set_xlim(-0.6, len(letters) - 0.4)
    else:
        ax.set_yticks(range(len(letters)), list(letters))
        ax.set_ylim(len(letters) - 0.4, -0.6)


def _counts(values) -> np.ndarray:
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


def _images(ax, image, title: str | None = None, fontsize: float = 9, colour: str = "black") -> None:
    ax.imshow(image, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=fontsize, color=colour)


# --------------------------------------------------------------------------- 01: the data as it is

def _count_bars(ax, counts, name: str | None = None) -> None:
    """Bars of images per letter (stacked per series for a {series: 26 counts} mapping)."""
    stacked = isinstance(counts, Mapping) and counts and not set(counts) <= set(LETTERS)
    if stacked:
        bottom = np.zeros(len(LETTERS))
        colours = letter_colours()
        for i, (series, values) in enumerate(counts.items()):
            values = _counts(values)
            ax.bar(range(len(LETTERS)), values, bottom=bottom, label=str(series),
                   color=colours[(3 * i) % len(colours)])
            bottom = bottom + values
        total = bottom
        ax.legend(title="source", fontsize=8, title_fontsize=8, loc="upper right")
    else:
        total = _counts(counts)
        colours = [NEUTRAL] * len(LETTERS)
        present = np.flatnonzero(total > 0)
        if len(present):
            lo = present[np.argmin(total[present])]
            hi = int(np.argmax(total))
            if total[lo] != total[hi]:
                colours[lo], colours[hi] = RARE, COMMON
        ax.bar(range(len(LETTERS)), total, color=colours)
    _letter_ticks(ax)
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


def letter_counts(counts, title: str = "Images per letter") -> Figure:
    """Images per letter: a {letter: n} mapping or 26 numbers, or {source: 26 numbers} stacked.

    The rarest and commonest letters are coloured and named with their ratio, so imbalance shows.
    """
    fig = _figure(10, 3.6)
    ax = fig.subplots()
    _count_bars(ax, counts)
    fig.suptitle(title, fontweight="bold")
    return fig


def compare_letter_counts(panels: Mapping[str, object], title: str = "Images per letter") -> Figure:
    """One bar panel per data set ({name: counts}), each on its own scale, one above the other."""
    fig = _figure(10, 2.9 * len(panels) + 0.4)
    axes = np.atleast_1d(fig.subplots(len(panels), 1))
    for ax, (name, counts) in zip(axes, panels.items()):
        _count_bars(ax, counts, name)
    fig.suptitle(title, fontweight="bold")
    return fig


def _mosaic(tiles: list[list[np.ndarray | None]], gap: int = 2) -> np.ndarray:
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
    mosaic = _mosaic(tiles)
    fig = _figure(0.5 * per_letter + 0.8, 0.5 * len(present) + 0.8)
    ax = fig.subplots()
    ax.imshow(mosaic, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
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
    fig = _figure(11, 2.4)
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
    fig = _figure(7, 3.4)
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
    fig = _figure(12, 3.6)
    left, right = fig.subplots(1, 2, width_ratios=[1, 2.6])
    left.hist(ink, bins=40, color=NEUTRAL)
    left.set_xlabel("ink pixels per image (of 784)")
    left.set_ylabel("images")
    left.set_title(f"all letters: median {np.median(ink):.0f}", fontsize=10)
    groups = [ink[y == i] for i in range(len(LETTERS))]
    present = [i for i, g in enumerate(groups) if len(g)]
    right.boxplot([groups[i] for i in present], positions=present, widths=0.6, showfliers=False,
                  medianprops={"color": RARE})
    _letter_ticks(right)
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
    fig = _figure(max(1.25 * shown, 5), 3.2)
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
        _images(axes[0, col], images[first], name(first), fontsize=8)
        _images(axes[1, col], images[repeat], f"{name(repeat)}\nRMS {duplicates.distances[k]:.1f}", fontsize=8)
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
    fig = _figure(8.5, 7)
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


# --------------------------------------------------------------------------- 02: what the model sees

def normalisation(picture: np.ndarray, model_input: np.ndarray,
                  box: Sequence[int] | None = None,
                  title: str = "From a picture to the model's 28x28 input") -> Figure:
    """The picture as given (with the ink box found in it), the 28x28 it becomes with the 20x20
    box and the centre of mass, and the 0-1 values the network's first layer receives."""
    fig = _figure(11, 4.0)
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
    _images(middle, model_input, "model input: 28 x 28, white on black", fontsize=10)
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
    train = _counts(train_counts)
    val = _counts(validation_counts)
    fig = _figure(10, 5.4)
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
    _letter_ticks(bottom)
    missing = [LETTERS[i] for i in range(len(LETTERS)) if total[i] > 0 and (train[i] == 0 or val[i] == 0)]
    note = f"; missing from one side: {', '.join(missing)}" if missing else "; every letter on both sides"
    top.set_title(f"{train.sum():,.0f} training, {val.sum():,.0f} validation images{note}", fontsize=10)
    fig.suptitle(title, fontweight="bold")
    return fig


def class_weights(panels: Mapping[str, Mapping[int, float]],
                  title: str = "Class weights: rarer letters count for more") -> Figure:
    """Bars of the loss weight of each letter, one panel per data set ({name: {label: weight}})."""
    fig = _figure(10, 2.7 * len(panels) + 0.4)
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
        _letter_ticks(ax)
    axes[-1].set_xlabel("letter")
    fig.suptitle(title, fontweight="bold")
    return fig


def augmentation_grid(originals: np.ndarray, columns: Mapping[str, np.ndarray],
                      labels: np.ndarray | None = None,
                      title: str = "Augmentation: the same letters, changed as a hand might") -> Figure:
    """Rows of examples: the original, then one column per augmentation ({name: images})."""
    n = len(originals)
    names = ["original", *columns]
    fig = _figure(1.3 * len(names) + 0.4, 1.3 * n + 0.8)
    fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02, wspace=0.03, hspace=0.03)
    axes = np.array(fig.subplots(n, len(names), squeeze=False))
    for row in range(n):
        sets = [originals, *columns.values()]
        for col, images in enumerate(sets):
            _images(axes[row, col], images[row], names[col] if row == 0 else None, fontsize=9,
                    colour=RARE if col == 0 else "black")
        if labels is not None:
            axes[row, 0].set_ylabel(LETTERS[labels[row]], rotation=0, fontsize=12, fontweight="bold",
                                    labelpad=12, va="center")
    fig.suptitle(title, fontweight="bold")
    return fig


# --------------------------------------------------------------------------- 03: training

def learning_curves(history: Mapping[str, Sequence[float]], best_epoch: int | None = None,
                    title: str = "Learning curves") -> Figure:
    """Loss and accuracy per epoch on the training data and on the held-out validation writers."""
    fig = _figure(10, 3.6)
    axes = fig.subplots(1, 2)
    for ax, metric, label in ((axes[0], "loss", "loss (cross-entropy)"), (axes[1], "accuracy", "accuracy")):
        for key, name, colour in ((metric, "training", TRAIN), (f"val_{metric}", "validation", VALIDATION)):
            values = history.get(key)
            if values:
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, values, "o-", color=colour, label=name, ms=4)
        if best_epoch:
            ax.axvline(best_epoch, color="black", ls=":", lw=1, label=f"best epoch ({best_epoch})")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_title("lower is better", fontsize=10)
    axes[1].set_title("higher is better (training accuracy is measured on augmented images)", fontsize=9)
    if history.get("accuracy"):
        axes[1].yaxis.set_major_formatter("{x:.0%}")
    fig.suptitle(title, fontweight="bold")
    return fig


# --------------------------------------------------------------------------- 04: evaluation

def confusion_heatmap(matrix: np.ndarray, title: str = "Confusion matrix") -> Figure:
    """Seaborn heatmap of the confusion matrix, rows normalised to % of each true letter."""
    import seaborn as sns

    matrix = np.asarray(matrix)
    rows = matrix.sum(axis=1, keepdims=True)
    percent = np.divide(100.0 * matrix, rows, out=np.zeros(matrix.shape), where=rows > 0)
    # Write the percentage in every cell that holds at least one image (rounded; "<1" for rare).
    text = np.where(matrix == 0, "", np.where(percent < 0.5, "<1", np.round(percent).astype(int).astype(str)))
    fig = _figure(12, 10.5)
    ax = fig.subplots()
    # Empty cells stay white (masked), so the few real confusions stand out.
    sns.heatmap(percent, ax=ax, mask=matrix == 0, cmap="rocket_r", vmin=0, vmax=100, square=True,
                linewidths=0.3, linecolor="#dddddd", annot=text, fmt="", annot_kws={"fontsize": 6.5},
                cbar_kws={"label": "% of the true letter's images", "shrink": 0.7},
                xticklabels=list(LETTERS), yticklabels=list(LETTERS))
    ax.set_xlabel("predicted letter")
    ax.set_ylabel("true letter")
    ax.tick_params(axis="y", rotation=0)
    ax.tick_params(axis="x", rotation=0)
    ax.xaxis.set_ticks_position("top")
    ax.xaxis.set_label_position("top")
    correct = np.trace(matrix) / max(matrix.sum(), 1)
    ax.set_facecolor("white")
    ax.set_title(f"{matrix.sum():,} images, {correct:.1%} read right (the diagonal); "
                 "each row sums to 100 %", fontsize=10, pad=28)
    fig.suptitle(title, fontweight="bold")
    return fig


def precision_recall(per_letter: Mapping[str, Mapping[str, float | None]],
                     title: str = "Precision and recall per letter") -> Figure:
    """Grouped bars: recall (of the true X, how many were read as X) and precision (of the X read)."""
    recall = np.array([(per_letter.get(l) or {}).get("recall") or 0.0 for l in LETTERS])
    precision = np.array([(per_letter.get(l) or {}).get("precision") or 0.0 for l in LETTERS])
    fig = _figure(11, 3.8)
    ax = fig.subplots()
    x = np.arange(len(LETTERS))
    ax.bar(x - 0.2, recall, width=0.4, color=TRAIN, label="recall: true X read as X")
    ax.bar(x + 0.2, precision, width=0.4, color=VALIDATION, label="precision: answers X that are X")
    _letter_ticks(ax)
    ax.set_xlabel("letter")
    ax.yaxis.set_major_formatter("{x:.0%}")
    low = max(0.0, min(recall.min(), precision.min()) - 0.1)
    ax.set_ylim(round(low, 2), 1.0)  # zoomed on the differences: the axis says where it starts
    ax.set_ylabel("fraction" if low == 0 else f"fraction (axis from {low:.0%})")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=9, frameon=False)
    worst = LETTERS[int(np.argmin(np.where(recall > 0, recall, 2)))]
    ax.set_title(f"lowest recall: {worst}", fontsize=10)
    fig.suptitle(title, fontweight="bold")
    return fig


def gallery(images: np.ndarray, titles: Sequence[str], title: str, columns: int = 8,
            colours: Sequence[str] | None = None) -> Figure:
    """Images in a grid with a caption above each (e.g. mistakes, or pictures that are not letters)."""
    n = len(images)
    if n == 0:
        fig = _figure(6, 1.5)
        ax = fig.subplots()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "nothing to show", ha="center", va="center", fontsize=12)
        fig.suptitle(title, fontweight="bold")
        return fig
    columns = min(columns, n)
    rows = int(np.ceil(n / columns))
    fig = _figure(1.45 * columns, 1.65 * rows + 0.5)
    axes = np.array(fig.subplots(rows, columns, squeeze=False))
    for k, ax in enumerate(axes.ravel()):
        if k < n:
            _images(ax, images[k], titles[k], fontsize=8, colour=colours[k] if colours else "black")
        else:
            ax.set_axis_off()
    fig.suptitle(title, fontweight="bold")
    return fig


def mistakes(images: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, confidence: np.ndarray,
             max_images: int = 24, columns: int = 8, title: str = "Mistakes, most confident first") -> Figure:
    """The wrong answers the model was surest of: true letter -> answer (confidence)."""
    wrong = np.flatnonzero(y_true != y_pred)
    wrong = wrong[np.argsort(-confidence[wrong])][:max_images]
    titles = [f"{LETTERS[y_true[i]]} -> {LETTERS[y_pred[i]]} ({confidence[i]:.0%})" for i in wrong]
    total = int((y_true != y_pred).sum())
    return gallery(images[wrong], titles, f"{title}: {len(wrong)} of {total:,} (true -> answer, confidence)",
                   columns=columns)


def reliability(table: Sequence[Mapping[str, float]], title: str = "Is the confidence honest?") -> Figure:
    """Reliability diagram from `evaluate.calibration`: accuracy per confidence bin vs the diagonal."""
    fig = _figure(10, 4)
    left, right = fig.subplots(1, 2)
    lows = np.array([row["low"] for row in table])
    highs = np.array([row["high"] for row in table])
    mids = (lows + highs) / 2
    width = (highs - lows) * 0.9
    acc = np.array([row["accuracy"] for row in table])
    conf = np.array([row["confidence"] for row in table])
    count = np.array([row["count"] for row in table])
    left.bar(mids, acc, width=width, color=TRAIN, label="accuracy of the answers in the bin")
    left.plot(conf, acc, "o", color="black", ms=4, label="(mean confidence, accuracy)")
    left.plot([0, 1], [0, 1], "--", color=RARE, lw=1.2, label="perfectly calibrated")
    left.set_xlim(0, 1)
    left.set_ylim(0, 1.02)
    left.set_xlabel("model confidence (highest probability)")
    left.set_ylabel("accuracy")
    left.xaxis.set_major_formatter("{x:.0%}")
    left.yaxis.set_major_formatter("{x:.0%}")
    left.legend(fontsize=8, loc="upper left")
    left.grid(alpha=0.3)
    left.set_title("bars below the diagonal: over-confident", fontsize=10)
    right.bar(mids, count, width=width, color=NEUTRAL)
    right.set_yscale("log")
    right.set_xlim(0, 1)
    right.set_xlabel("model confidence (highest probability)")
    right.set_ylabel("answers (log scale)")
    right.xaxis.set_major_formatter("{x:.0%}")
    right.grid(axis="y", alpha=0.3)
    total = count.sum()
    ece = float((count * np.abs(acc - conf)).sum() / total) if total else 0.0
    right.set_title(f"how many answers per bin; expected calibration error {ece:.1%}", fontsize=10)
    fig.suptitle(title, fontweight="bold")
    return fig


def rejection(letter_confidence: np.ndarray, other_confidence: np.ndarray, threshold: float,
              other_kinds: np.ndarray | None = None,
              title: str = "Rejecting what is not a letter") -> Figure:
    """Confidence of real letters vs non-letters, the model card's threshold, and what it flags."""
    fig = _figure(11, 3.8)
    left, right = fig.subplots(1, 2, width_ratios=[1.6, 1])
    bins = np.linspace(0, 1, 41)
    flagged_letters = float((letter_confidence < threshold).mean()) if len(letter_confidence) else 0.0
    flagged_other = float((other_confidence < threshold).mean()) if len(other_confidence) else 0.0
    left.hist(letter_confidence, bins=bins, density=True, alpha=0.5, color=TRAIN,
              label=f"letters ({flagged_letters:.1%} flagged)")
    left.hist(other_confidence, bins=bins, density=True, histtype="step", lw=2, color=RARE,
              label=f"not letters ({flagged_other:.1%} flagged)")
    left.axvline(threshold, color="black", ls="--", lw=1.2, label=f"threshold {threshold:.2f}")
    left.set_yscale("log")
    left.set_xlabel("model confidence (highest probability)")
    left.set_ylabel("density (log scale)")
    left.xaxis.set_major_formatter("{x:.0%}")
    left.legend(fontsize=8, loc="upper left")
    left.set_title("below the threshold, the answer is marked uncertain", fontsize=10)
    groups = {"letters": letter_confidence}
    if other_kinds is not None:
        for kind in dict.fromkeys(np.asarray(other_kinds).tolist()):
            groups[str(kind)] = other_confidence[np.asarray(other_kinds) == kind]
    else:
        groups["not letters"] = other_confidence
    names = list(groups)
    rates = [100 * float((groups[k] < threshold).mean()) if len(groups[k]) else 0.0 for k in names]
    right.barh(range(len(names)), rates, color=[TRAIN] + [RARE] * (len(names) - 1))
    right.set_yticks(range(len(names)), names)
    right.invert_yaxis()
    right.set_xlim(0, 100)
    right.set_xlabel("flagged as uncertain (%)")
    for i, rate in enumerate(rates):
        inside = rate > 85
        right.text(rate - 2 if inside else rate + 2, i, f"{rate:.0f}%", va="center", fontsize=9,
                   ha="right" if inside else "left", color="white" if inside else "black")
    right.set_title("flagged: few letters, most non-letters is the goal", fontsize=10)
    right.grid(axis="x", alpha=0.3)
    right.set_axisbelow(True)
    fig.suptitle(title, fontweight="bold")
    return fig


def per_source(per_source: Mapping[str, Mapping[str, float]], title: str = "Accuracy per source") -> Figure:
    """Top-1 and top-3 accuracy of each data source, with its number of images."""
    names = list(per_source)
    top1 = np.array([per_source[n].get("accuracy") or 0.0 for n in names])
    top3 = np.array([per_source[n].get("top3_accuracy") or 0.0 for n in names])
    fig = _figure(max(6, 1.6 * len(names) + 2), 3.8)
    ax = fig.subplots()
    x = np.arange(len(names))
    ax.bar(x - 0.2, top1, width=0.4, color=TRAIN, label="top-1")
    ax.bar(x + 0.2, top3, width=0.4, color=VALIDATION, label="top-3")
    for i in x:
        ax.text(i - 0.2, top1[i] + 0.01, f"{top1[i]:.0%}", ha="center", fontsize=8)
        ax.text(i + 0.2, top3[i] + 0.01, f"{top3[i]:.0%}", ha="center", fontsize=8)
    ax.set_xticks(x, [f"{n}\n({per_source[n].get('count', 0):,} images)" for n in names], fontsize=8)
    ax.set_xlabel("source")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.08)
    ax.yaxis.set_major_formatter("{x:.0%}")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=9, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    fig.suptitle(title, fontweight="bold")
    return fig


# --------------------------------------------------------------------------- 05: whole words

def strips(images: np.ndarray, captions: Sequence[str], title: str = "What the word model reads",
           columns: int = 2) -> Figure:
    """Word-model strips (uint8 N x 32 x 256, white ink on black), a caption under each."""
    n = len(images)
    columns = max(1, min(columns, n))
    rows = max(1, int(np.ceil(n / columns)))
    fig = _figure(4.2 * columns, 0.95 * rows + 0.5)
    axes = np.array(fig.subplots(rows, columns, squeeze=False))
    for k, ax in enumerate(axes.ravel()):
        if k < n:
            _images(ax, images[k])
            ax.set_xlabel(captions[k], fontsize=9)
        else:
            ax.set_axis_off()
    fig.suptitle(title, fontweight="bold")
    return fig
