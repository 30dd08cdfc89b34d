"""The light runtime: LiteRT conversions answer as the Keras models do, are keyed by the model file's
hash, and a reader built on them never imports TensorFlow."""

import json
import subprocess
import sys

import numpy as np
import pytest

from handwriting.paths import default_model_path, default_pen_model_path, default_word_model_path
from handwriting.runtime import (KerasPredictor, LiteRTPredictor, convert, conversion_path, fresh_conversion,
                                 load_predictor, runtime_choice)
from handwriting.words.model import greedy, log_softmax

TOLERANCE = 1e-4


def _shipped(path):
    """The shipped model's Keras and LiteRT predictors (the conversion is shipped beside it)."""
    lite = fresh_conversion(path)
    assert lite is not None, f"no fresh LiteRT conversion beside {path} (run: handwriting litert)"
    return KerasPredictor(path), LiteRTPredictor(lite)


@pytest.mark.shared
def test_shipped_letter_model_answers_the_same_through_litert(shared_data):
    x = np.load(shared_data / "real_letters.npz")["x"][::3]  # ~3,000 real capitals, every lab
    keras_model, lite = _shipped(default_model_path())
    a, b = keras_model(x), lite(x)
    assert a.shape == b.shape == (len(x), 26)
    assert (a.argmax(axis=1) == b.argmax(axis=1)).all()
    assert np.abs(a - b).max() < TOLERANCE


@pytest.mark.shared
def test_shipped_word_model_answers_the_same_through_litert(shared_data):
    from handwriting.data.strokes_json import read_strokes_records
    from handwriting.words.corpus import redrawn_words

    records = read_strokes_records(shared_data / "strokes_words.json")[::5]  # ~280 real pen words
    strips, _ = redrawn_words(records, copies=1)
    keras_model, lite = _shipped(default_word_model_path())
    a, b = log_softmax(keras_model(strips).astype(np.float64)), log_softmax(lite(strips).astype(np.float64))
    assert [greedy(p)[0] for p in a] == [greedy(p)[0] for p in b]
    assert np.abs(np.exp(a) - np.exp(b)).max() < TOLERANCE


@pytest.mark.shared
def test_shipped_pen_model_answers_the_same_through_litert(shared_data):
    from handwriting.words.folds import FOLDS, KEPT_OUT, of_labs
    from handwriting.words.train import trajectories

    words = of_labs(json.loads((shared_data / "unipen" / "words.json").read_text()), FOLDS[KEPT_OUT])[::20]
    x = trajectories([w["strokes"] for w in words]).astype(np.float32)  # ~260 real pen words it never saw
    keras_model, lite = _shipped(default_pen_model_path())
    a, b = log_softmax(keras_model(x).astype(np.float64)), log_softmax(lite(x).astype(np.float64))
    assert a.shape == b.shape == (len(x), 64, 53)
    assert [greedy(p)[0] for p in a] == [greedy(p)[0] for p in b]
    assert np.abs(np.exp(a) - np.exp(b)).max() < TOLERANCE


def _tiny_model(path, seed):
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                              keras.layers.Dense(26, activation="softmax")])
    model.save(path)
    return path


def test_a_conversion_is_keyed_by_the_model_file_and_a_stale_one_never_used(tmp_path):
    model = _tiny_model(tmp_path / "model.keras", seed=1)
    (tmp_path / "model.json").write_text(json.dumps({"version": "tiny"}))
    other = tmp_path / "model.v2.aaaaaaaaaaaa.tflite"  # another model's file: left alone
    other.write_bytes(b"x")
    assert fresh_conversion(model) is None
    assert isinstance(load_predictor(model, "auto"), KerasPredictor)  # nothing converted yet: Keras

    first = convert(model)
    assert first == conversion_path(model) == fresh_conversion(model)
    card = json.loads((tmp_path / "model.json").read_text())
    assert card["litert"]["file"] == first.name and card["version"] == "tiny"
    x = np.random.default_rng(0).integers(0, 256, (5, 28, 28)).astype(np.float32)
    assert isinstance(load_predictor(model, "auto"), LiteRTPredictor)
    assert np.abs(load_predictor(model, "auto")(x) - load_predictor(model, "keras")(x)).max() < TOLERANCE

    _tiny_model(model, seed=2)  # retrained in place: the old conversion is stale
    assert fresh_conversion(model) is None
    assert isinstance(load_predictor(model, "auto"), KerasPredictor)
    lite = load_predictor(model, "litert")  # converts the new one, removes the stale one
    assert lite.path != first and not first.exists() and other.exists()
    assert np.abs(lite(x) - load_predictor(model, "keras")(x)).max() < TOLERANCE


def test_an_unknown_runtime_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HANDWRITING_RUNTIME", "onnx")
    with pytest.raises(ValueError, match="HANDWRITING_RUNTIME='onnx'.*auto, litert, keras"):
        runtime_choice()
    assert runtime_choice("Keras") == "keras"


def test_reading_through_the_conversions_never_imports_tensorflow():
    from handwriting.recognize.reader import Recognizer  # noqa: F401 (the import the child makes)

    assert fresh_conversion(default_model_path()) and fresh_conversion(default_word_model_path())
    assert fresh_conversion(default_pen_model_path())
    script = (
        "import sys\n"
        "from handwriting.recognize.reader import Recognizer\n"
        "from tests.pictures import letter_strokes\n"
        "rec = Recognizer(runtime='litert')\n"
        "word = letter_strokes('K') + [[[x + 150, y] for x, y in s] for s in letter_strokes('T')]\n"
        "print(rec.read_strokes(letter_strokes('A')).letter, rec.read_word(word).raw)\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=default_model_path().parent.parent).stdout.split("\n")
    assert out[0] == "A KT" and out[1] == "[]"
