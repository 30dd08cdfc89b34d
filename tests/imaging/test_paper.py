"""Words drawn from pen strokes (`handwriting.imaging.paper`): their ink, each stroke's own ink, and
the same word as dark ink on light paper, which the word model trains and is measured on."""

from __future__ import annotations

import numpy as np
import pytest

from handwriting.imaging.paper import INK, PAPER, draw_word, on_paper, strokes_on_paper
from tests.pictures import strokes_word


def test_a_word_is_drawn_one_line_high_with_each_stroke_apart():
    strokes = strokes_word("KITE")
    drawn = draw_word(strokes, letter_height=64)
    page = drawn.page
    rows = np.flatnonzero(page.mask.any(axis=1))
    assert abs((rows[-1] - rows[0] + 1) - (64 + 0.11 * 64)) <= 2  # the letters and the pen's width
    assert len(drawn.strokes) == len(strokes)
    assert np.array_equal(np.logical_or.reduce(drawn.strokes), page.mask)
    assert set(np.unique(page.ink)) == {0.0, 1.0} and page.stroke_width == pytest.approx(0.11 * 64)


def test_on_paper_is_dark_ink_on_light_paper():
    picture = strokes_on_paper(strokes_word("TIE"))
    assert picture.dtype == np.uint8
    assert set(np.unique(picture)) == {int((PAPER - INK) * 255), int(PAPER * 255)}
    ink = np.linspace(0, 1, 50, dtype=np.float32)[None]
    grainy = on_paper(ink, grain=0.015, rng=np.random.default_rng(0))
    assert np.abs(grainy.astype(int) - on_paper(ink)).max() <= 20  # paper grain, not a new picture


def test_strokes_that_draw_nothing_or_are_malformed():
    with pytest.raises(ValueError):
        draw_word([[[0, 0], [float("nan"), 1]]])
    with pytest.raises(ValueError):
        draw_word([])
