"""Splits of a line's pieces into letters: the reader's own best split and the split as a given text."""

from __future__ import annotations

import math

import numpy as np
import pytest

from handwriting import LETTERS
from handwriting.words.alignment import align, align_scored, best_split


def probs_for(**letters) -> np.ndarray:
    p = np.full(26, 1e-4)
    for letter, value in letters.items():
        p[LETTERS.index(letter)] = value
    return p


def test_best_split_takes_the_best_total_and_skips_what_is_not_a_letter():
    # Two pieces read better together (a broken letter) than apart.
    assert best_split({(0, 1): -2.0, (1, 2): -2.0, (0, 2): -1.0}, 2) == [(0, 2)]
    assert best_split({(0, 1): -0.5, (1, 2): -0.5, (0, 2): -3.0}, 2) == [(0, 1), (1, 2)]
    # A run missing from the scores (no picture) is never chosen.
    assert best_split({(0, 1): -0.5, (1, 2): -0.5}, 2) == [(0, 1), (1, 2)]


def test_align_scored_gives_the_split_and_its_score_for_the_text():
    spans = [(0, 1), (1, 2), (0, 2)]
    probs = [probs_for(I=0.9), probs_for(N=0.5, V=0.4), probs_for(W=0.2, N=0.3)]
    runs, score = align_scored(lambda k: probs[k], spans, [0.0, 0.0, -1.0], 2, "IV", letter_cost=0.1)
    assert runs == [(0, 1), (1, 2)]
    assert score == pytest.approx(math.log(0.9) + math.log(0.4) - 0.2)
    runs, score = align_scored(lambda k: probs[k], spans, [0.0, 0.0, -1.0], 2, "W", letter_cost=0.1)
    assert runs == [(0, 2)] and score == pytest.approx(math.log(0.2) - 1.0 - 0.1)
    assert align_scored(lambda k: probs[k], spans, [0.0] * 3, 2, "IVX") is None  # 3 letters of 2 pieces
    assert align_scored(lambda k: probs[k], spans, [0.0] * 3, 2, "") is None
    assert align(lambda k: probs[k], spans, [0.0] * 3, 2, "IV") == [(0, 1), (1, 2)]
