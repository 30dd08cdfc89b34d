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


def group_keys(data: Dataset) -> np.ndarray:
    """The unit a split must not cut: the writer where known, else the source."""
    return np.where(data.writer != "", data.writer, data.source)


def split_by_group(data: Dataset, fraction: float = 0.1, seed: int = 0,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation): about `fraction` of the samples in validation, whole groups only.

    With a single group (no writer or source information), falls back to a stratified random
    split so every letter is in both parts.
    """
    rng = np.random.default_rng(seed)
    keys = group_keys(data)
    groups = np.unique(keys)
    if len(groups) < 2:
        return stratified_split(data.y, fraction, seed)
    rng.shuffle(groups)
    sizes = {g: int(n) for g, n in zip(*np.unique(keys, return_counts=True))}
    chosen, total, target = [], 0, fraction * len(data)
    for g in groups:
        if total >= target:
            break
        chosen.append(g)
        total += sizes[g]
    in_val = np.isin(keys, chosen)
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
