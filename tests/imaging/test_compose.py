"""The one composer of letters into words: placing, gaps, the baseline, whose ink is whose."""

from __future__ import annotations

import numpy as np
import pytest

from handwriting.imaging.compose import Box, compose, ink_crop, scaled


def bar(height: int = 20, width: int = 6, value: float = 1.0) -> np.ndarray:
    return np.full((height, width), value, np.float32)


def test_letters_sit_left_to_right_with_their_gaps_and_margins():
    word = compose([bar(), bar(width=10), bar()], [4, 0], margin=3)
    assert word.boxes == [Box(0, 3, 20, 9), Box(0, 13, 20, 23), Box(0, 23, 20, 29)]
    assert word.ink.shape == (20, 32)
    assert np.array_equal(word.owner(), np.where(word.ink > 0.5, np.array([-1] * 3 + [0] * 6 + [-1] * 4 + [1] * 10
                                                                              + [2] * 6 + [-1] * 3), -1))


def test_a_gap_after_the_last_letter_widens_the_paper():
    assert compose([bar(), bar()], [2, 7], margin=1).ink.shape[1] == 1 + 6 + 2 + 6 + 7 + 1


def test_overlap_is_limited_to_a_share_of_the_narrower_neighbour():
    # 10 pixels into a 6-pixel neighbour would hide it: 0.3 of 6 (1 pixel, rounded down) at most.
    word = compose([bar(width=20), bar()], [-10], overlap=0.3)
    assert word.boxes[1].left == 20 - 1
    assert compose([bar(width=20), bar()], [-10]).boxes[1].left == 10  # unlimited


def test_letters_stand_on_the_baseline_or_drop_below_it():
    word = compose([bar(20), bar(10)], [0], [0, 3])
    assert [b.bottom for b in word.boxes] == [20, 23] and word.ink.shape[0] == 23
    lined = compose([bar(20), bar(10)], [0], [0, 3], line=(50, 30))
    assert [(b.top, b.bottom) for b in lined.boxes] == [(10, 30), (23, 33)] and lined.ink.shape[0] == 50
    # kept inside the line's picture
    assert compose([bar(20)], [], [100], line=(50, 30)).boxes[0].bottom == 50


def test_overlapping_ink_keeps_the_stronger_and_belongs_to_it():
    word = compose([bar(value=0.6), bar(value=0.9)], [-3])
    assert word.ink.max() == pytest.approx(0.9) and word.ink[0, 4] == pytest.approx(0.9)
    assert word.owner()[0, 4] == 1 and word.owner()[0, 0] == 0
    assert (word.owner(level=0.7)[:, :3] == -1).all()


def test_scales_and_crops():
    assert scaled(bar(20, 6), 1.5).shape == (30, 9)
    assert compose([bar(20, 6)], [], scales=[0.5]).letters[0].shape == (10, 3)
    image = np.zeros((28, 28), np.uint8)
    assert ink_crop(image, 40) is None
    image[4:24, 10:15] = 255
    crop = ink_crop(image, 40)
    assert crop.shape == (40, 10) and crop.dtype == np.float32 and crop.max() == pytest.approx(1.0)


def test_gaps_must_match_the_letters():
    with pytest.raises(ValueError, match="gaps"):
        compose([bar(), bar(), bar()], [1])
