"""Behaviour of the shipped model on real handwriting from writers it never saw.

The floors are the issue's: >= 97 % on tessalonica_alfabet and >= 94 % on singleletter_base. The
behavioural checks ask what a reader of handwriting must survive: a letter moved by a pixel or two,
drawn with a thicker or thinner pen, its strokes a little apart, slanted, or broken where the pen
skipped, keeps its label.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import ndimage

from handwriting.cards import file_sha256, load_card
from handwriting.data.shared import unseen_writer_sets
from handwriting.letters.evaluate import probabilities
from handwriting.letters.reader import load_keras_model
from handwriting.paths import default_model_path

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def model():
    path = default_model_path()
    if not path.is_file():
        pytest.fail(f"the shipped model {path} is missing")
    return load_keras_model(path)


@pytest.fixture(scope="module")
def real(shared_data):
    return unseen_writer_sets(shared_data)


def test_card_describes_this_model_file():
    path = default_model_path()
    card = load_card(path)
    assert card["sha256"] == file_sha256(path), "model card was written for another model file"
    assert card["letters"] == "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    names = " ".join(item["name"] for item in card["data"])
    assert "unipen" in names and "synthetic" in names
    assert all(item["licence"] for item in card["data"])
    # never trained on the unlicensed sets it is tested on
    assert "real_letters" not in names and "kenan" not in names
    assert 0.2 <= card["uncertainty_threshold"] <= 0.95


@pytest.mark.parametrize("name, floor", [("real_letters/tessalonica_alfabet", 0.97),
                                         ("real_letters/singleletter_base", 0.94)])
def test_accuracy_floors_on_unseen_writers(model, real, name, floor):
    data = real[name]
    accuracy = float((probabilities(model, data.x).argmax(1) == data.y).mean())
    print(f"{name}: {accuracy:.4f} on {len(data)} images")
    assert accuracy >= floor


def test_card_numbers_are_this_models_numbers(model, real):
    card = load_card(default_model_path())
    data = real["real_letters/tessalonica_alfabet"]
    accuracy = float((probabilities(model, data.x).argmax(1) == data.y).mean())
    assert card["metrics"]["real_letters/tessalonica_alfabet"]["accuracy"] == pytest.approx(accuracy, abs=1e-3)


def _correct(model, data):
    keep = probabilities(model, data.x).argmax(1) == data.y
    return data.x[keep], data.y[keep]


def _agreement(model, x, y):
    return float((probabilities(model, x).argmax(1) == y).mean())


@pytest.mark.parametrize("dy, dx", [(1, 0), (0, 1), (-1, -1), (2, 0), (0, -2)])
def test_a_shifted_letter_keeps_its_label(model, real, dy, dx):
    x, y = _correct(model, real["touchscreen (kenan, 22 writers)"])
    shifted = np.roll(x, (dy, dx), axis=(1, 2))
    assert _agreement(model, shifted, y) >= 0.97


@pytest.mark.parametrize("pen_width", [1.5, 3.0])
def test_a_letter_drawn_with_a_thinner_or_thicker_pen_keeps_its_label(model, shared_data, pen_width):
    """The touchscreen trajectories, drawn again with another pen than the 2.2 px default."""
    from handwriting.data.formats import load
    from handwriting.imaging.strokes import DEFAULT_PEN_WIDTH

    source = f"{shared_data / 'strokes_letters.json'}?flag=ok&writer=kenan:*"
    default = load(source, pen_widths=(DEFAULT_PEN_WIDTH,))
    keep = probabilities(model, default.x).argmax(1) == default.y
    other = load(source, pen_widths=(pen_width,))
    assert _agreement(model, other.x[keep], other.y[keep]) >= 0.97


@pytest.fixture(scope="module")
def touchscreen_strokes(shared_data):
    from handwriting.data.strokes_json import read_strokes_json

    return [r for r in read_strokes_json(shared_data / "strokes_letters.json")
            if r.get("flag") == "ok" and r["writer"].startswith("kenan:")]


@pytest.mark.parametrize("change", ["strokes a little apart", "slanted", "a skipping pen"])
def test_a_letter_written_a_little_differently_keeps_its_label(model, touchscreen_strokes, change):
    """The touchscreen trajectories redrawn (handwriting.imaging.redraw) one way at a time."""
    from handwriting.imaging.redraw import Redraw, redraw
    from handwriting.imaging.strokes import render_strokes

    records = touchscreen_strokes
    still = Redraw(stroke_shift=0, slant=0, aspect=0, wobble=0, tick=0, skip=0)
    how = {"strokes a little apart": replace(still, stroke_shift=0.03), "slanted": replace(still, slant=0.25),
           "a skipping pen": replace(still, skip=1.0)}[change]
    y = np.array([ord(r["label"]) - ord("A") for r in records])
    x = np.stack([render_strokes(r["strokes"]) for r in records])
    keep = probabilities(model, x).argmax(1) == y
    rng = np.random.default_rng(0)
    redrawn = np.stack([render_strokes(redraw(r["strokes"], rng, how)) for r in records])
    assert _agreement(model, redrawn[keep], y[keep]) >= 0.97


def test_a_thicker_28x28_letter_keeps_its_label(model, real):
    x, y = _correct(model, real["real_letters/tessalonica_alfabet"])
    thicker = np.stack([ndimage.grey_dilation(i, size=(2, 2)) for i in x])
    assert _agreement(model, thicker, y) >= 0.95


def test_noise_is_marked_uncertain_far_more_often_than_real_letters(model, real):
    rng = np.random.default_rng(0)
    noise = (rng.uniform(size=(200, 28, 28)) > 0.8).astype(np.uint8) * 255
    threshold = load_card(default_model_path())["uncertainty_threshold"]
    noise_confident = (probabilities(model, noise).max(1) >= threshold).mean()
    letters = real["touchscreen (kenan, 22 writers)"]
    letters_confident = (probabilities(model, letters.x).max(1) >= threshold).mean()
    print(f"confident answers: random speckle {noise_confident:.1%}, real letters {letters_confident:.1%}")
    assert letters_confident >= 0.95 and noise_confident <= 0.5
