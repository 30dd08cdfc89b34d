"""Word reading metrics: edit distance, exact match, character error rate, and their running totals."""

from __future__ import annotations

import pytest

from handwriting.words.metrics import WordScore, character_error_rate, edit_distance, exact_match


@pytest.mark.parametrize("a, b, distance", [("", "", 0), ("KITE", "KITE", 0), ("KITE", "", 4), ("", "AB", 2),
                                            ("KITE", "KITES", 1), ("KITE", "BITE", 1), ("KITTEN", "SITTING", 3),
                                            ("AB", "BA", 2)])
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance == edit_distance(b, a)


def test_exact_match_and_character_error_rate():
    truths, readings = ["KITE", "HOUSE", "AB"], ["KITE", "MOUSE", "ABC"]
    assert exact_match(truths, readings) == pytest.approx(1 / 3)
    assert character_error_rate(truths, readings) == pytest.approx(2 / 11)
    assert character_error_rate(["AB"], ["ABCDEF"]) == 2.0  # extra letters can take it past 1
    assert exact_match([], []) == 0.0 and character_error_rate([], []) == 0.0
    with pytest.raises(ValueError):
        exact_match(["A"], [])


def test_word_score_adds_up_as_the_functions_do():
    truths, readings = ["KITE", "HOUSE", "AB"], ["KITE", "MOUSE", "ABC"]
    score = WordScore("test")
    for t, r in zip(truths, readings):
        score.add(t, r)
    assert (score.words, score.exact, score.errors, score.letters, score.right_length) == (3, 1, 2, 11, 2)
    assert score.exact_rate == exact_match(truths, readings)
    assert score.character_error_rate == character_error_rate(truths, readings)
    assert score.line() == "test: 1/3 exact (33.3 %), letters 81.8 %, right number of letters 66.7 %"
