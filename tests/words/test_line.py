"""A line's pieces and their geometry: which pieces can be one letter, and what joining them costs."""

from __future__ import annotations

import numpy as np
import pytest

from handwriting.imaging.paper import draw_word
from handwriting.words.line import JOIN_LETTERS, JOIN_PART, Line, Piece, ink_distance
from handwriting.words.segment import main_line


def test_an_e_drawn_in_separate_strokes_can_be_one_letter():
    # The stem, and three bars that do not touch it.
    strokes = [[[0, 0], [0, 100]], [[22, 0], [70, 0]], [[22, 50], [60, 50]], [[22, 100], [70, 100]]]
    page = draw_word(strokes).page
    line = main_line(page)
    assert len(line.pieces) == 2  # the bars share their columns: merged; the stem apart
    assert line.joinable(0, 2)
    assert line.join_cost(1) < JOIN_PART + 1.0  # a bar beside a letter is cheap to join


def test_ink_distance_is_between_the_nearest_ink_pixels():
    ell = np.zeros((10, 6), bool)
    ell[:, 0] = ell[-1, :] = True           # an L: its stem at column 0, its foot along the bottom
    bar = np.ones((10, 1), bool)
    a = Piece(0, 0, 6, 10, ell)
    assert ink_distance(a, Piece(9, 0, 10, 10, bar)) == 4.0    # foot end (column 5) to column 9
    assert ink_distance(a, Piece(9, 20, 10, 30, bar)) == pytest.approx(np.hypot(4, 11))


def test_a_letter_broken_in_two_is_cheap_to_join_two_letters_are_not():
    # Two stems of the same height: a stroke broken by a faint gap of 3 pixels, or two letters.
    def line_with_gap(gap: int) -> Line:
        left = Piece(0, 0, 6, 60, np.ones((60, 6), bool))
        right = Piece(6 + gap, 0, 12 + gap, 60, np.ones((60, 6), bool))
        return Line([left, right], height=60.0, stroke=6.0)

    assert line_with_gap(3).join_cost(1) < JOIN_PART + 0.5
    assert line_with_gap(30).join_cost(1) > JOIN_LETTERS
