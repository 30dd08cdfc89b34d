"""Redrawn pen trajectories: new drawings of one letter that differ as people's do, and no more."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from handwriting.data.strokes_json import load_strokes_json
from handwriting.imaging.redraw import Redraw, redraw
from handwriting.imaging.strokes import render_strokes
from tests.helpers import all_letters_strokes, write_strokes

STILL = Redraw(stroke_shift=0, slant=0, aspect=0, wobble=0, tick=0, skip=0)
E = [[[0, 0], [0, 100]], [[0, 0], [60, 0]], [[0, 50], [45, 50]], [[0, 100], [60, 100]]]
LONG_STROKE = [[[x, 50 + 40 * np.sin(x / 15)] for x in range(100)]]


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 100, b > 100
    return float((a & b).sum() / (a | b).sum())


def test_doing_nothing_draws_the_same_letter():
    again = redraw(E, np.random.default_rng(0), STILL)
    assert _iou(render_strokes(again), render_strokes(E)) > 0.95


def test_variants_differ_but_stay_the_letter_they_were():
    rng = np.random.default_rng(1)
    original = render_strokes(E)
    variants = [render_strokes(redraw(E, rng)) for _ in range(20)]
    overlaps = [_iou(v, original) for v in variants]
    assert min(overlaps) < 0.9                 # they are new drawings ...
    assert np.median(overlaps) > 0.35          # ... of the same E, not of something else
    assert _iou(variants[0], variants[1]) < 0.95


def test_the_same_seed_draws_the_same_variant():
    a = redraw(E, np.random.default_rng(7))
    b = redraw(E, np.random.default_rng(7))
    assert len(a) == len(b) and all(np.array_equal(p, q) for p, q in zip(a, b))


def test_strokes_that_meet_still_meet_when_slanted_stretched_and_wobbled():
    """The wobble is one displacement of the page, not one per stroke: the E's arms stay on its stem."""
    how = Redraw(stroke_shift=0, tick=0, skip=0, slant=0.3, aspect=0.3, wobble=0.05)
    for seed in range(10):
        stem, top, middle, bottom = redraw(E, np.random.default_rng(seed), how)
        np.testing.assert_allclose(stem[0], top[0], atol=1e-9)
        np.testing.assert_allclose(stem[-1], bottom[0], atol=1e-9)


def test_strokes_move_apart_only_when_asked():
    apart = Redraw(slant=0, aspect=0, wobble=0, tick=0, skip=0, stroke_shift=0.05)
    gaps = [np.linalg.norm(stem[0] - top[0]) for stem, top, *_ in
            (redraw(E, np.random.default_rng(seed), apart) for seed in range(10))]
    assert max(gaps) > 0.03
    stem, top, *_ = redraw(E, np.random.default_rng(0), replace(apart, stroke_shift=0))
    assert np.linalg.norm(stem[0] - top[0]) < 1e-9


def test_a_skipping_pen_breaks_the_longest_stroke():
    how = replace(STILL, skip=1.0)
    stroke = redraw(LONG_STROKE, np.random.default_rng(3), STILL)[0]
    steps = np.linalg.norm(np.diff(stroke, axis=0), axis=1)
    length, spacing = steps.sum(), 2 * steps.max()  # the gap ends between two points
    for seed in range(10):
        first, second = redraw(LONG_STROKE, np.random.default_rng(seed), how)
        along = length - sum(np.linalg.norm(np.diff(p, axis=0), axis=1).sum() for p in (first, second))
        assert 0.06 * length - spacing < along < 0.14 * length + spacing  # a short gap along the stroke
        assert np.linalg.norm(second[0] - first[-1]) > 0.02


def test_a_short_stroke_is_not_broken():
    how = replace(STILL, skip=1.0)
    assert len(redraw([[[0, 0], [10, 10], [20, 20]]], np.random.default_rng(0), how)) == 1


def test_a_tick_leads_into_a_stroke():
    out = redraw(LONG_STROKE, np.random.default_rng(0), replace(STILL, tick=1.0))
    assert len(out[0]) == len(LONG_STROKE[0]) + 3
    assert 0.03 < np.linalg.norm(out[0][0] - out[0][3]) < 0.11


@pytest.mark.parametrize("strokes", [[[[5, 5]]], [[[0, 0], [0, 0]]], [[[0, 0], [1, 0]]]])
def test_dots_and_tiny_strokes_are_drawn(strokes):
    image = render_strokes(redraw(strokes, np.random.default_rng(0)))
    assert image.max() > 0


def test_the_loader_adds_redrawn_copies_with_their_labels_and_writers(tmp_path):
    path = write_strokes(tmp_path / "s.json", all_letters_strokes())
    plain = load_strokes_json(path, pen_widths=(2.2,))
    data = load_strokes_json(path, pen_widths=(2.2,), redraws=2, seed=0)
    assert len(data) == 3 * 26
    np.testing.assert_array_equal(data.y, np.tile(plain.y, 3))
    np.testing.assert_array_equal(data.writer, np.tile(plain.writer, 3))
    assert set(data.source[:26]) == {"test"} and set(data.source[26:]) == {"test (redrawn)"}
    np.testing.assert_array_equal(data.x[:26], plain.x)
    assert not np.array_equal(data.x[26:52], plain.x) and not np.array_equal(data.x[26:52], data.x[52:])
    np.testing.assert_array_equal(load_strokes_json(path, pen_widths=(2.2,), redraws=2, seed=0).x, data.x)
    assert not np.array_equal(load_strokes_json(path, pen_widths=(2.2,), redraws=2, seed=1).x, data.x)


def test_bad_strokes_are_refused():
    with pytest.raises(ValueError, match="stroke 0"):
        redraw([[[0, float("nan")]]], np.random.default_rng(0))
