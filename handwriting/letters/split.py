"""What the model sees and why: the split, the weights for imbalance, and the augmentation settings.

The split holds whole writers (or sources) out, because samples of one writer look alike and a
random split would flatter the model. Class weights answer the imbalance of the Kaggle data
(about 1,100 images of the rarest letter, 57,000 of the commonest). The notebooks and training
call these same functions. Nothing here imports TensorFlow (the augmentation ops are in augment.py).
"""

from __future__ import annotations

import numpy as np

from handwriting import LETTERS
from handwriting.data.dataset import Dataset, Rows
from handwriting.imaging.redraw import original_source


def split_by_group(data: Dataset | Rows, fraction: float = 0.1, seed: int = 0,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) with about `fraction` of each source in validation.

    Within a source that tags its samples by writer, whole writers go to validation. Where most
    groups hold one letter only (the glyph variants of the synthetic set, the near-identical crops
    of one original file), whole groups are held out letter by letter, so every letter is on both
    sides. A source without tags (one Kaggle CSV) is split at random, stratified by letter.
    """
    rng = np.random.default_rng(seed)
    in_val = np.zeros(len(data), dtype=bool)
    sources = original_source(data.source)  # a writer's redrawn letters go where the writer goes
    for source in np.unique(sources):
        members = np.flatnonzero(sources == source)
        writers = data.writer[members]
        groups = np.unique(writers)
        if len(groups) < 5 or "" in groups:
            _, val = stratified_split(data.y[members], fraction, seed)
            in_val[members[val]] = True
            continue
        labels = data.y[members]
        pair_writers = np.unique(np.stack([writers, labels.astype(str)]), axis=1)[0]
        _, letters_per_group = np.unique(pair_writers, return_counts=True)
        if np.mean(letters_per_group == 1) < 0.5:  # people who wrote many letters
            parts = [(members, writers)]
        else:  # glyph variants or crops: (group, letter) is the unit, chosen letter by letter
            parts = [(members[labels == letter], writers[labels == letter]) for letter in np.unique(labels)]
        for part, keys in parts:
            names, sizes = np.unique(keys, return_counts=True)
            if len(names) < 2:
                continue
            order = rng.permutation(len(names))
            chosen = names[order][np.cumsum(sizes[order]) <= max(fraction * len(part), sizes[order][0])]
            in_val[part[np.isin(keys, chosen)]] = True
    return np.flatnonzero(~in_val), np.flatnonzero(in_val)


def stratified_split(y: np.ndarray, fraction: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) with about `fraction` of each letter in validation."""
    rng = np.random.default_rng(seed)
    val = []
    for letter in np.unique(y):
        idx = np.flatnonzero(y == letter)
        rng.shuffle(idx)
        val.extend(idx[:max(1, round(fraction * len(idx)))] if len(idx) > 1 else [])
    val = np.sort(np.array(val, dtype=np.int64))
    train = np.setdiff1d(np.arange(len(y)), val)
    return train, val


def class_weights(y: np.ndarray) -> dict[int, float]:
    """Weights inversely proportional to letter frequency, mean 1 over the samples (for `fit`)."""
    counts = np.bincount(y, minlength=len(LETTERS)).astype(np.float64)
    present = counts > 0
    weights = np.zeros_like(counts)
    weights[present] = len(y) / (present.sum() * counts[present])
    return {i: float(w) for i, w in enumerate(weights) if present[i]}


def imbalance(y: np.ndarray) -> tuple[str, int, str, int]:
    """(rarest letter, its count, commonest letter, its count)."""
    counts = np.bincount(y, minlength=len(LETTERS))
    lo, hi = int(np.argmin(counts)), int(np.argmax(counts))
    return LETTERS[lo], int(counts[lo]), LETTERS[hi], int(counts[hi])
