"""Training batches read from the data's own arrays, memory-mapped or not, never copied whole.

The training images come in parts (a cached Kaggle CSV or EMNIST set memory-mapped from its
`.npy` file, the letters of other sources, the pictures made from them); `tf.data`'s
`from_tensor_slices` would copy every part into one tensor, which is the whole set in memory once
more (and a held-out split, a concatenation, each another copy). Here a part may name the rows
it takes from its images, so that the training writers of a source are row numbers, not a new
array (`handwriting.data.dataset.Rows`, what `handwriting.letters.train` streams). Each epoch draws
one shuffled order of the sample numbers (from the seed and the epoch alone, so the same seed gives
the same batches), and each batch gathers only its own rows from the parts, its numbers sorted
first, so that a memory-mapped part is read page by page in file order. So a process holds the
batches in flight, the labels, weights and row numbers (4 + 4 + 8 bytes a sample), and the pages of
the mapped files the kernel keeps, which it can drop again: far less than a copy of the images.

Batches are what training wants: float32 images 0-255, target distributions (one-hot; uniform for
the label -1, a picture that is no letter) and sample weights, augmented in the pipeline if asked.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from handwriting import LETTERS
from handwriting.letters.augment import Augmentation, augment_batch


class Part(NamedTuple):
    """Samples of one array of images: its rows `rows` (all of them, in order, when None), each
    with its label (-1: no letter) and weight. A plain (images, labels, weights) tuple is a Part too."""
    images: np.ndarray   # uint8 N x 28 x 28, memory-mapped or not
    labels: np.ndarray
    weights: np.ndarray
    rows: np.ndarray | None = None


def _checked(parts: Sequence[Part | tuple]) -> list[Part]:
    """The parts with labels as int32 and weights as float32 (small copies; images untouched)."""
    checked = []
    for number, part in enumerate(parts):
        x, y, w, rows = Part(*part)
        if x.ndim != 3 or x.shape[1:] != (28, 28) or x.dtype != np.uint8:
            raise ValueError(f"part {number}: images must be uint8 N x 28 x 28, got {x.dtype} {x.shape}")
        if rows is not None:
            rows = np.asarray(rows, np.int64)
            if len(rows) and (rows.min() < 0 or rows.max() >= len(x)):
                raise ValueError(f"part {number}: row numbers must be within 0-{len(x) - 1}")
        count = len(x) if rows is None else len(rows)
        if np.shape(y) != (count,) or np.shape(w) != (count,):
            raise ValueError(f"part {number}: {count} images but labels {np.shape(y)} and weights {np.shape(w)}")
        checked.append(Part(x, np.asarray(y, np.int32), np.asarray(w, np.float32), rows))
    if not checked or not sum(len(p.labels) for p in checked):
        raise ValueError("no images to train on")
    return checked


def epoch_order(total: int, seed: int, epoch: int, shuffle: bool) -> np.ndarray:
    """The sample numbers of one epoch, in the order they are served."""
    if not shuffle:
        return np.arange(total)
    return np.random.default_rng([seed, epoch]).permutation(total)


def gather(parts: Sequence[Part], starts: np.ndarray, numbers: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images, labels and weights of the given sample numbers (ascending), part by part."""
    images = np.empty((len(numbers), 28, 28), np.uint8)
    labels = np.empty(len(numbers), np.int32)
    weights = np.empty(len(numbers), np.float32)
    cuts = np.searchsorted(numbers, starts)
    for (x, y, w, rows), start, lo, hi in zip(parts, starts, cuts[:-1], cuts[1:]):
        if lo < hi:
            taken = numbers[lo:hi] - start
            np.take(x, taken if rows is None else rows[taken], axis=0, out=images[lo:hi])
            labels[lo:hi], weights[lo:hi] = y[taken], w[taken]
    return images, labels, weights


def batches(parts: Sequence[Part | tuple], batch_size: int, augmentation: Augmentation | None, seed: int,
            shuffle: bool, epoch: int = 0):
    """A `tf.data.Dataset` of (float32 images, N x 26 targets, weights) batches over `parts`.

    Each pass over the dataset is an epoch; the first is `epoch` (a resumed run can start later),
    each next one is shuffled anew (when `shuffle`). Without `shuffle`, the samples come in order,
    part after part, as `from_tensor_slices` of the joined arrays would give them.
    """
    import tensorflow as tf

    parts = _checked(parts)
    sizes = [len(p.labels) for p in parts]
    starts = np.concatenate([[0], np.cumsum(sizes)])
    total = int(starts[-1])
    steps = -(-total // batch_size)
    epochs = itertools.count(epoch)

    def one_epoch():
        order = epoch_order(total, seed, next(epochs), shuffle)
        for step in range(steps):
            numbers = order[step * batch_size:(step + 1) * batch_size]
            if shuffle:
                numbers = np.sort(numbers)   # a batch is a set: read the files forwards
            yield gather(parts, starts, numbers)

    ds = tf.data.Dataset.from_generator(one_epoch, output_signature=(
        tf.TensorSpec((None, 28, 28), tf.uint8), tf.TensorSpec((None,), tf.int32),
        tf.TensorSpec((None,), tf.float32)))
    ds = ds.apply(tf.data.experimental.assert_cardinality(steps))
    ds = ds.map(_prepare, num_parallel_calls=tf.data.AUTOTUNE)
    if augmentation is not None:
        ds = ds.map(lambda a, b, w: (augment_batch(a, augmentation), b, w), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def _prepare(images, labels, weights):
    """uint8 images -> float32; labels -> target distributions, uniform for -1 (not a letter)."""
    import tensorflow as tf

    target = tf.where(labels[:, None] >= 0, tf.one_hot(labels, len(LETTERS)), 1.0 / len(LETTERS))
    return tf.cast(images, tf.float32), target, weights
