"""Not-letters: made from letters (for outlier-exposure training) or from nothing (junk), fitted and
centred like letters."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from handwriting.data.explore import ink_amount, layout
from handwriting.data.not_letters import FROM_LETTERS, FROM_NOTHING, from_letters, from_nothing
from handwriting.data.synthetic import generate


def bars(count: int = 20) -> np.ndarray:
    """28x28 images of one upright bar each (an I without serifs), fitted like the training data."""
    images = np.zeros((count, 28, 28), np.uint8)
    images[:, 4:24, 12:16] = 255
    return images


def test_count_shape_and_seeded():
    letters = generate(260, seed=3).x
    a, b = from_letters(letters, 50, seed=1), from_letters(letters, 50, seed=1)
    assert a.images.shape == (50, 28, 28) and a.images.dtype == np.uint8
    assert np.array_equal(a.images, b.images) and a.kinds.tolist() == b.kinds.tolist()
    assert set(a.kinds) == set(FROM_LETTERS)
    assert not np.array_equal(a.images, from_letters(letters, 50, seed=2).images)


def test_fitted_and_centred_like_a_letter():
    for image in from_letters(generate(260, seed=3).x, 40, seed=0).images:
        rows, cols = np.flatnonzero(image.max(axis=1) > 40), np.flatnonzero(image.max(axis=0) > 40)
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (19, 20, 21)  # the 20-pixel box
        cy, cx = ndimage.center_of_mass(image.astype(float))
        assert abs(cy - 14) <= 2.5 and abs(cx - 14) <= 2.5


def test_made_of_more_than_one_letter():
    # From single bars, every not-letter holds two bars (or a bar and a sliver of one) side by
    # side, so it is wider for its height than any one bar is.
    def aspect(image):
        rows, cols = np.flatnonzero(image.max(axis=1) > 40), np.flatnonzero(image.max(axis=0) > 40)
        return (cols[-1] - cols[0] + 1) / (rows[-1] - rows[0] + 1)

    one_bar = aspect(bars(1)[0])
    assert all(aspect(image) > 1.3 * one_bar for image in from_letters(bars(), 30, seed=0).images)


def test_blank_images_are_refused():
    with pytest.raises(ValueError, match="blank"):
        from_letters(np.zeros((5, 28, 28), np.uint8), 10)


def test_from_nothing_gives_reproducible_inked_28x28_pictures_of_each_kind_in_turn():
    made = from_nothing(12, seed=5)
    assert made.images.shape == (12, 28, 28) and made.images.dtype == np.uint8
    assert made.kinds.tolist() == list(FROM_NOTHING) * 3
    assert (ink_amount(made.images, level=64) > 0).all()
    assert np.array_equal(made.images, from_nothing(12, seed=5).images)
    assert not np.array_equal(made.images, from_nothing(12, seed=6).images)
    # Normalised like any input: the ink box's longer side is 20 pixels.
    sides = layout(made.images)["longer_side"]
    assert np.all((sides >= 18) & (sides <= 21))


def test_from_nothing_makes_only_the_kinds_asked_for():
    assert from_nothing(3, kinds=("blot",)).kinds.tolist() == ["blot"] * 3
    with pytest.raises(ValueError, match="kinds"):
        from_nothing(3, kinds=("smudge",))
