"""What the model sees and why: the split, the weights for imbalance, and the augmentation settings.

The split holds whole writers (or sources) out, because samples of one writer look alike and a
random split would flatter the model. Class weights answer the imbalance of the Kaggle data
(about 1,100 images of the rarest letter, 57,000 of the commonest). The notebooks and training
call these same functions. Nothing here imports TensorFlow (the augmentation ops are in augment.py).
"""

from __future__ import annotations

import numpy as np

from handwriting import LETTERS
from handwriting.dataset import Dataset


def split_by_group(data: Dataset, fraction: float = 0.1, seed: int = 0,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) with about `fraction` of each source in validation.

    Within a source that names its writers, whole writers go to validation; a source without
    writer information (one Kaggle CSV, the synthetic set) is split at random, stratified by letter.
    """
    rng = np.random.default_rng(seed)
    in_val = np.zeros(len(data), dtype=bool)
    for source in np.unique(data.source):
        members = np.flatnonzero(data.source == source)
        writers = data.writer[members]
        groups, sizes = np.unique(writers, return_counts=True)
        if len(groups) < 5 or "" in groups:
            _, val = stratified_split(data.y[members], fraction, seed)
            in_val[members[val]] = True
            continue
        order = rng.permutation(len(groups))
        chosen = groups[order][np.cumsum(sizes[order]) <= max(fraction * len(members), sizes.min())]
        in_val[members[np.isin(writers, chosen)]] = True
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
