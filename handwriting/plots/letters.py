"""Figures of notebooks 03 and 04: training curves and the letter model's evaluation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from handwriting import LETTERS
from handwriting.plots.common import (
    NEUTRAL,
    RARE,
    TRAIN,
    VALIDATION,
    figure,
    letter_ticks,
    show_image,
)


def learning_curves(history: Mapping[str, Sequence[float]], best_epoch: int | None = None,
                    title: str = "Learning curves") -> Figure:
    """Loss and accuracy per epoch on the training data and on the held-out validation writers."""
    fig = figure(10, 3.6)
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
    fig = figure(12, 10.5)
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
    fig = figure(11, 3.8)
    ax = fig.subplots()
    x = np.arange(len(LETTERS))
    ax.bar(x - 0.2, recall, width=0.4, color=TRAIN, label="recall: true X read as X")
    ax.bar(x + 0.2, precision, width=0.4, color=VALIDATION, label="precision: answers X that are X")
    letter_ticks(ax)
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
        fig = figure(6, 1.5)
        ax = fig.subplots()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "nothing to show", ha="center", va="center", fontsize=12)
        fig.suptitle(title, fontweight="bold")
        return fig
    columns = min(columns, n)
    rows = int(np.ceil(n / columns))
    fig = figure(1.45 * columns, 1.65 * rows + 0.5)
    axes = np.array(fig.subplots(rows, columns, squeeze=False))
    for k, ax in enumerate(axes.ravel()):
        if k < n:
            show_image(ax, images[k], titles[k], fontsize=8, colour=colours[k] if colours else "black")
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
    fig = figure(10, 4)
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
    fig = figure(11, 3.8)
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
    fig = figure(max(6, 1.6 * len(names) + 2), 3.8)
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
