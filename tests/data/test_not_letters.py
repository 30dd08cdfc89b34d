"""Not-letters for outlier-exposure training: made from letters, fitted and centred like letters."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from handwriting.data.not_letters import not_letters
from handwriting.data.synthetic import generate


def bars(count: int = 20) -> np.ndarray:
    """28x28 images of one upright bar each (an I without serifs), fitted like the training data."""
    images = np.zeros((count, 28, 28), np.uint8)
    images[:, 4:24, 12:16] = 255
    return images


def test_count_shape_and_seeded():
    letters = generate(260, seed=3).x
    a, b = not_letters(letters, 50, seed=1), not_letters(letters, 50, seed=1)
    assert a.shape == (50, 28, 28) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert not np.array_equal(a, not_letters(letters, 50, seed=2))


def test_fitted_and_centred_like_a_letter():
    for image in not_letters(generate(260, seed=3).x, 40, seed=0):
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
    assert all(aspect(image) > 1.3 * one_bar for image in not_letters(bars(), 30, seed=0))


def test_blank_images_are_refused():
    with pytest.raises(ValueError, match="blank"):
        not_letters(np.zeros((5, 28, 28), np.uint8), 10)
