"""The split, the class weights and the augmentation that training uses."""

from __future__ import annotations

import numpy as np
import pytest

from handwriting.data.dataset import Dataset
from handwriting.letters.augment import Augmentation, preview
from handwriting.letters.split import class_weights, imbalance, split_by_group, stratified_split
from tests.helpers import letter_images


def _data(n=600):
    x, y = letter_images(n)
    source = np.where(np.arange(n) < n // 2, "pen", "kaggle")
    writer = np.where(source == "pen", [f"w{i % 20}" for i in range(n)], "")
    return Dataset(x, y, source, writer)


def test_split_keeps_every_writer_on_one_side_and_covers_every_source():
    data = _data()
    train, val = split_by_group(data, fraction=0.2, seed=1)
    assert len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == len(data)
    assert not set(data.writer[train]) & set(data.writer[val]) - {""}
    for source in ("pen", "kaggle"):
        share = (data.source[val] == source).sum() / (data.source == source).sum()
        assert 0.1 <= share <= 0.25
    # the writerless source is stratified: every letter appears on both sides
    kaggle_val = val[data.source[val] == "kaggle"]
    assert set(data.y[kaggle_val]) == set(range(26))


def test_single_letter_groups_are_held_out_letter_by_letter():
    """Glyph variants (synthetic) or crops of one original: whole groups out, yet every letter on both sides."""
    x, y = letter_images(26 * 40)
    writer = np.array([f"variant-{label}-{i % 4}" for i, label in enumerate(y)])
    data = Dataset(x, y, "synthetic", writer)
    train, val = split_by_group(data, 0.2, seed=0)
    assert set(data.y[val]) == set(range(26)) == set(data.y[train])
    assert not set(data.writer[train]) & set(data.writer[val])


def test_split_is_reproducible_and_seed_dependent():
    data = _data()
    a, b, c = (split_by_group(data, 0.2, seed)[1] for seed in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_stratified_split_fraction():
    y = np.repeat(np.arange(26), 50)
    train, val = stratified_split(y, 0.1, 0)
    assert np.bincount(y[val]).tolist() == [5] * 26


def test_class_weights_undo_imbalance():
    y = np.array([0] * 100 + [1] * 10 + [2] * 1)
    w = class_weights(y)
    assert w[0] * 100 == pytest.approx(w[1] * 10) == pytest.approx(w[2] * 1)
    assert np.mean([w[c] for c in y]) == pytest.approx(1.0)
    assert imbalance(y)[:2] == ("D", 0)  # letters with no samples are the rarest


def test_augmentation_moves_pixels_but_keeps_the_letter_in_frame():
    x, _ = letter_images(64)
    out = preview(x, Augmentation(), seed=0)
    assert out.shape == x.shape and out.dtype == np.uint8
    assert (out != x).any(axis=(1, 2)).mean() > 0.9
    ink_before, ink_after = x.astype(float).sum(axis=(1, 2)), out.astype(float).sum(axis=(1, 2))
    assert np.all(ink_after > 0.4 * ink_before)     # nothing wiped out
    assert np.all(ink_after < 2.5 * ink_before)     # nor smeared over the frame
    np.testing.assert_array_equal(out, preview(x, Augmentation(), seed=0))


def test_no_augmentation_is_identity():
    x, _ = letter_images(8)
    none = Augmentation(shift=0, rotation=0, zoom=0, shear=0, thickness=0, elastic=0)
    np.testing.assert_array_equal(preview(x, none), x)
