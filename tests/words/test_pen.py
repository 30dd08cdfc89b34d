"""The pen model's parts: a word's trajectory as it reads it, where its columns read, the distorted
copies it learns from, composed and real words as trajectories, and a tiny training that saves a
card of its own kind. (Its reading inside the Recognizer: tests/recognize/test_reader.py.)"""

from __future__ import annotations

import json

import numpy as np
import pytest

from handwriting import LETTERS
from handwriting.words.corpus import composed_words
from handwriting.words.model import CHARSET
from handwriting.words.pen import FEATURES, FRAMES, POINTS, STEP, PenInput, distort, pen_input
from tests.pictures import strokes_word
from tests.words.test_model import alphabet_letters, real_words, write_json

DX, DY, LIFTED, ABOVE = range(FEATURES)


def arc_length(strokes) -> float:
    """The strokes' total path length, in their own units."""
    return sum(float(np.hypot(*np.diff(np.asarray(s, float), axis=0).T).sum()) for s in strokes)


# ------------------------------------------------------------------------------ the trajectory as read

def test_the_features_do_not_depend_on_where_or_how_large_the_word_is_drawn():
    strokes = strokes_word("KITE")
    given = pen_input(strokes)
    assert given.features.shape == (POINTS, FEATURES) and given.features.dtype == np.float32
    for scale, shift in ((3.0, (7, -11)), (0.01, (-500, 200)), (40.0, (0, 0))):
        moved = pen_input([[[scale * x + shift[0], scale * y + shift[1]] for x, y in s] for s in strokes])
        assert moved.length == given.length
        assert np.allclose(moved.features, given.features, atol=1e-5)
        assert np.allclose(moved.points, scale * given.points + shift)   # the points stay in the strokes' units


def test_the_pen_is_lifted_at_each_strokes_first_point_and_rows_past_the_word_are_zero():
    strokes = strokes_word("KITE")
    given = pen_input(strokes)
    lifted = np.flatnonzero(given.features[:, LIFTED])
    assert len(lifted) == len(strokes) and lifted[0] == 0
    for k, row in enumerate(lifted):            # each lift is where that stroke starts, in drawing order
        assert np.allclose(given.points[row], strokes[k][0])
    assert set(np.unique(given.features[:, LIFTED])) <= {0.0, 1.0}
    assert 0 < given.length < POINTS and len(given.points) == given.length
    assert not given.features[given.length:].any()
    assert given.features[1:given.length].any(axis=1).all()  # every point's row says something
    assert not given.features[0, [DX, DY]].any()             # the first point moves from nowhere


def test_a_word_longer_than_the_model_reads_is_resampled_to_fit_keeping_every_pen_lift():
    zigzags = [[[k, 0], [k + 0.3, 1], [k + 0.6, 0], [k + 0.9, 1]] for k in range(20)]   # 20 strokes
    height = max(1.0, 19.9 / 15)              # the ink's height, or a flat line's least height (pen.WIDE)
    assert arc_length(zigzags) / height / STEP > 2 * POINTS   # more than twice the points it reads
    given = pen_input(zigzags)
    assert given.length == POINTS and len(given.points) == POINTS
    assert given.features[:, LIFTED].sum() == len(zigzags) and given.features[0, LIFTED] == 1
    assert given.columns == FRAMES
    xs = given.points[:, 0]
    assert xs[0] == 0 and xs[-1] == pytest.approx(19.9)       # still the whole word, first point to last
    lifts = np.flatnonzero(given.features[:, LIFTED])
    assert np.array_equal(np.floor(xs[lifts]), np.arange(20))  # each lift at its own stroke


def test_a_point_above_the_words_middle_has_a_positive_height():
    given = pen_input([[[0, 0], [0, 10]], [[5, 10], [5, 5]]])   # y grows downwards: y = 0 is the top
    assert given.features[0, ABOVE] == pytest.approx(0.5)
    assert given.features[given.length - 1, ABOVE] == pytest.approx(0.0)   # the second stroke ends at the middle
    last_of_first = np.flatnonzero(given.features[:, LIFTED])[1] - 1
    assert given.features[last_of_first, ABOVE] == pytest.approx(-0.5)    # the bottom
    downwards = given.features[1:last_of_first + 1]
    assert (downwards[:, DY] > 0).all() and (downwards[:, DX] == 0).all()  # dy as the strokes' y: down is +


@pytest.mark.parametrize("strokes, message", [
    ([], "no strokes"),
    ([[]], "stroke 0 is not a non-empty list"),
    ([[[0, 0], [1, 1]], [[0, 0, 0], [1, 1, 1]]], "stroke 1 is not a non-empty list of"),
    ([[[0, 0], [1, "x"]]], "stroke 0 is not a list of"),
    ([[[0, 0], [np.nan, 1]]], "stroke 0 has a coordinate that is not a finite number"),
    ([[[0, 0], [np.inf, 1]]], "not a finite number"),
])
def test_malformed_strokes_are_refused(strokes, message):
    with pytest.raises(ValueError, match=message):
        pen_input(strokes)


def test_the_columns_of_a_stroke_written_left_to_right_read_left_to_right():
    wave = [[[x, 50 + 30 * np.sin(x / 20)] for x in range(0, 400, 4)]]
    given = pen_input(wave)
    xs = given.column_x()
    assert xs.shape == (FRAMES,) and given.columns == -(-given.length // 4)
    assert (np.diff(xs) >= 0).all() and (np.diff(xs[:given.columns - 1]) > 0).all()
    assert xs[0] < 10 and xs[-1] == pytest.approx(396)  # columns past the word sit at its last point
    assert np.allclose(xs[given.columns:], 396)


def test_a_distorted_word_is_the_same_strokes_drawn_otherwise():
    strokes = strokes_word("KITE")
    rng = np.random.default_rng(0)
    once, again = distort(strokes, rng), distort(strokes, rng)
    assert [len(s) for s in once] == [len(s) for s in strokes] == [len(s) for s in again]
    original = np.concatenate([np.asarray(s, float) for s in strokes])
    for copy in (once, again):
        moved = np.concatenate(copy)
        assert not np.allclose(moved, original, atol=1.0)
        assert 0.7 < np.ptp(moved[:, 0]) / np.ptp(original[:, 0]) < 1.4   # another writer, not another word
    assert not np.allclose(np.concatenate(once), np.concatenate(again))
    repeat = distort(strokes, np.random.default_rng(0))
    assert all(np.array_equal(a, b) for a, b in zip(repeat, once))


# ------------------------------------------------------------------------------ words as trajectories

def test_composed_words_as_trajectories_are_strokes_in_every_style():
    words, texts = composed_words(40, pen_letters=alphabet_letters(), seed=2, trajectories=True)
    assert isinstance(words, list) and len(words) == len(texts) == 40
    assert len(set(texts)) > 30
    long = [t for t in texts if len(t) > 1]
    assert any(t.isupper() for t in long) and any(t.islower() for t in long)
    assert any(t[0].isupper() and t[1:].islower() for t in long)
    for strokes, text in zip(words, texts):
        assert len(strokes) == len(text)              # the test letters are one stroke each
        assert all(isinstance(s, np.ndarray) and s.ndim == 2 and s.shape[1] == 2 for s in strokes)
        assert isinstance(pen_input(strokes), PenInput)
    again = composed_words(40, pen_letters=alphabet_letters(), seed=2, trajectories=True)
    assert again[1] == texts and all(np.array_equal(a, b) for a, b in zip(again[0][0], words[0]))


def test_composed_trajectories_need_pen_letters_and_never_take_pictures():
    from handwriting.data.synthetic import generate

    letters = generate(260, seed=0)
    with pytest.raises(ValueError, match="needs pen letters for trajectories"):
        composed_words(5, images=letters.x, labels=letters.y, trajectories=True)
    with pytest.raises(ValueError, match="needs pen letters"):
        composed_words(5, trajectories=True)
    # Letter images given too, even all of the share: every word still strokes.
    words, _ = composed_words(20, pen_letters=alphabet_letters(letters=LETTERS), images=letters.x,
                              labels=letters.y, picture_share=1.0, trajectories=True)
    assert all(isinstance(w, list) and all(isinstance(s, np.ndarray) for s in w) for w in words)


def test_real_words_become_distorted_trajectories_and_a_bad_one_is_named():
    from handwriting.words.train import pen_words, unseen_inputs

    words = real_words(labs=("aa",), writers_per_lab=1, texts=("take", "Kite", "LATE"))
    x, texts = pen_words(words, copies=2, seed=0)
    assert x.shape == (6, POINTS, FEATURES) and x.dtype == np.float16
    assert texts == ["take", "take", "Kite", "Kite", "LATE", "LATE"]       # the case kept
    assert not np.array_equal(x[0], x[1])                                   # each copy drawn otherwise
    as_written, same = unseen_inputs(words, "pen")                            # the test: undistorted
    assert same == ["take", "Kite", "LATE"]
    assert np.allclose(as_written[1], pen_input(words[1]["strokes"]).features, atol=1e-3)
    bad = [dict(w) for w in words]
    bad[2]["label"] = "LA TE"
    with pytest.raises(ValueError, match=r"word 2 \(writer 'unipen:aa/aa0'\): label 'LA TE' is not 1-18 letters"):
        pen_words(bad, copies=1)
    bad[2] = dict(words[2], strokes=[[[0, 0], [1, 1]], [[0, 0], [1, "x"]]])
    with pytest.raises(ValueError, match=r"word 2 \(writer 'unipen:aa/aa0'\): stroke 1 is not a list"):
        pen_words(bad, copies=1)
    bad[2] = dict(words[2], strokes=[])
    with pytest.raises(ValueError, match=r"word 2 \(writer 'unipen:aa/aa0'\): no strokes"):
        pen_words(bad, copies=1)


# ------------------------------------------------------------------------------ training and loading

def test_a_tiny_pen_model_trains_and_saves_a_pen_card(tmp_path):
    from handwriting.words.pen import PenModel
    from handwriting.words.train import SEEN_AS, TASKS, WordTrainConfig, train_words

    words = real_words(labs=("aa", "bb"))
    words_file = write_json(tmp_path / "real_words.json", words)
    letters_file = write_json(tmp_path / "pen_letters.json",
                              alphabet_letters(writers=("unipen:aa/aa0", "unipen:bb/bb0")))
    out = tmp_path / "pen.keras"
    lines = []
    config = WordTrainConfig(reads="pen", letters=[], pen_letters=[letters_file], real_words=[words_file],
                             held_out_labs=("aa",), words=32, validation_words=8, epochs=1, words_per_epoch=32,
                             batch_size=16, real_copies=2, model_path=str(out))
    _, card = train_words(config, log=lines.append, command="handwriting ship pen")
    assert out.is_file() and any("epoch 1/1" in line for line in lines)
    saved = json.loads(out.with_suffix(".json").read_text())
    assert saved["kind"] == card["kind"] == "pen" and saved["task"] == TASKS["pen"] != TASKS["strips"]
    assert saved["params"]["reads"] == "pen" and saved["command"] == "handwriting ship pen"
    trained = [w for w in words if "/bb" in w["writer"]]
    real = next(d for d in saved["data"] if d["name"].startswith("real pen-written words"))
    assert real["name"].endswith("distorted") and real["count"] == 2 * len(trained)   # no paper for the pen
    pen = next(d for d in saved["data"] if d["name"].startswith("pen letters"))
    assert pen["count"] == len(CHARSET)                              # bb's letters only
    assert not any("synthetic" in d["name"] for d in saved["data"])  # no letter images: it reads no pictures
    held = [k for k in saved["metrics"] if "never learnt from" in k]
    assert sorted(held) == sorted(f"real pen-written words of labs it never learnt from (aa), {case}, "
                                  f"{SEEN_AS['pen']}" for case in ("lower", "mixed", "capitals"))
    assert SEEN_AS["pen"] == "their trajectories" and not any("drawn on paper" in k for k in saved["metrics"])
    model = PenModel(out, runtime="keras")
    log_probs = model.log_probs(np.zeros((2, POINTS, FEATURES), np.float32))
    assert log_probs.shape == (2, FRAMES, len(CHARSET) + 1)
    assert np.allclose(np.exp(log_probs).sum(axis=-1), 1.0, atol=1e-5)


def test_an_unknown_reading_is_refused_before_any_training(tmp_path, monkeypatch):
    from handwriting.words import train

    def no_training(*_):
        raise AssertionError("training started")

    monkeypatch.setattr(train, "make_strategy", no_training)   # the first thing a training does
    out = tmp_path / "words.keras"
    with pytest.raises(ValueError, match=r"reads: 'pictures' is not one of strips, pen"):
        train.train_words(train.WordTrainConfig(reads="pictures", model_path=str(out)))
    assert not any(tmp_path.iterdir())


def test_a_file_that_is_not_a_pen_model_is_refused(tmp_path):
    from handwriting.letters.model import build_model
    from handwriting.words.pen import PenModel

    with pytest.raises(FileNotFoundError, match="handwriting ship pen"):
        PenModel(tmp_path / "pen.keras")
    path = tmp_path / "letters.keras"
    build_model().save(path)
    with pytest.raises(ValueError, match=f"a pen model takes {POINTS} x {FEATURES} trajectories"):
        PenModel(path, runtime="keras")
