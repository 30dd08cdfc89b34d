"""Training as users run it: `handwriting train` with papermill-style parameters, then `evaluate`.

One small real training run (a few seconds of CPU) shared by the tests of this module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from handwriting.cards import file_sha256, load_card
from handwriting.data.dataset import Dataset
from handwriting.data.formats import save
from handwriting.letters.train import TrainConfig


def _run(*args, tmp_path):
    env = dict(os.environ, HANDWRITING_DATA_DIR=str(tmp_path / "datadir"), TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-m", "handwriting", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=900)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("train")
    model = tmp_path / "m.keras"
    result = _run("train", "-p", "epochs", "2", "-p", "limit", "2600", "-p", "model_path", model,
                  "-p", "seed", "7", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp_path, model, result


def test_train_saves_model_and_card_with_hash(trained):
    _, model, result = trained
    assert model.is_file() and model.with_suffix(".md").is_file()
    card = load_card(model)
    assert card["sha256"] == file_sha256(model)
    assert card["params"]["epochs"] == 2 and card["params"]["seed"] == 7
    assert card["data"][0]["name"] == "synthetic" and "MIT" in card["data"][0]["licence"]
    assert card["training"]["epochs_run"] == 2 and card["training"]["seconds"] > 0
    assert 0.2 <= card["uncertainty_threshold"] <= 0.95
    assert not model.with_name("m.backup").exists()  # a finished run's backup is cleaned up
    # two epochs on 2,340 synthetic images already beat chance (1/26) by far
    assert card["metrics"]["validation (held-out writers)"]["accuracy"] > 0.3


def test_evaluate_json_matches_the_issue_format(trained, tmp_path):
    folder, model, _ = trained
    from handwriting.data.synthetic import generate
    data = save(generate(260, seed=99), tmp_path / "test.npz")
    result = _run("evaluate", data, "--model", model, "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert set(report) >= {"count", "accuracy", "top3_accuracy", "per_letter"}
    assert report["count"] == 260
    assert report["top3_accuracy"] >= report["accuracy"] > 1 / 26
    assert sum(v["count"] for v in report["per_letter"].values()) == 260


def test_evaluate_with_missing_model_is_a_clear_error(tmp_path):
    data = save(Dataset(np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.uint8)), tmp_path / "d.npz")
    result = _run("evaluate", data, "--model", tmp_path / "none.keras", tmp_path=tmp_path)
    assert result.returncode == 2 and "none.keras: no model file" in result.stderr


def test_unknown_training_parameter_is_refused():
    with pytest.raises(ValueError, match="unknown training parameter.*epoch\\b"):
        TrainConfig.from_params(epoch=3)
    assert TrainConfig.from_params(data="x.npz").data == ["x.npz"]


def test_letter_training_never_imports_the_words_stage():
    """Word pieces and aligned words reach letter training as pictures, made by the recipes."""
    code = ("import sys, handwriting.letters.train; "
            "print(sorted(m for m in sys.modules if m.startswith(('handwriting.words', 'handwriting.recognize'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_default_model_path_is_never_the_shipped_model():
    path = TrainConfig().model_path
    assert "models/local/" in path.replace(os.sep, "/")


def test_fine_tuning_starts_from_the_given_model(trained, tmp_path):
    """`-p init_model` continues training a saved model (the dashboard's fine-tuning recipe)."""
    from handwriting.data.synthetic import generate
    from handwriting.letters.evaluate import probabilities
    from handwriting.letters.reader import load_keras_model

    _, model, _ = trained
    tuned = tmp_path / "tuned.keras"
    result = _run("train", "-p", "init_model", model, "-p", "epochs", "1", "-p", "limit", "520",
                  "-p", "learning_rate", "1e-6", "-p", "augment", "false", "-p", "model_path", tuned,
                  tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    probe = generate(260, seed=5).x
    before = probabilities(load_keras_model(model), probe)
    after = probabilities(load_keras_model(tuned), probe)
    # a near-zero learning rate leaves the answers where the starting model had them
    assert (before.argmax(1) == after.argmax(1)).mean() > 0.95
    assert load_card(tuned)["params"]["init_model"] == str(model)


def test_not_letters_get_uniform_targets_and_letters_one_hot():
    from handwriting.letters.stream import batches

    x = np.zeros((3, 28, 28), np.uint8)
    _, targets, weights = next(iter(batches([(x, np.array([2, -1, 0]), np.array([1.0, 1.0, 0.5]))], 3, None, 0,
                                            shuffle=False)))
    targets = np.asarray(targets)
    assert targets[0].argmax() == 2 and targets[0].max() == 1.0 and targets[2].argmax() == 0
    assert np.allclose(targets[1], 1 / 26)
    assert np.allclose(np.asarray(weights), [1.0, 1.0, 0.5])


# Word pieces gain less: their not-letters include parts of letters that look like other letters
# (the left half of an O), which no model can doubt much on their own.
@pytest.mark.parametrize("kind, gain", [("not_letters", 0.1), ("word_pieces", 0.03)])
def test_training_with_made_pictures_teaches_doubt_about_bad_cuts(kind, gain, tmp_path):
    from handwriting.data.not_letters import NOT_A_LETTER, from_letters
    from handwriting.data.synthetic import generate
    from handwriting.letters.evaluate import probabilities
    from handwriting.letters.train import train
    from handwriting.recipes import extra_pictures
    from handwriting.words.pieces import word_pieces

    data = generate(7800, seed=1)  # (fewer, and neither model is sure of anything yet)
    unseen = generate(520, seed=5)  # bad cuts made from letters neither model trained on
    if kind == "not_letters":
        bad = from_letters(unseen.x, 300, seed=9).images
    else:
        pieces, labels = word_pieces(unseen.x, unseen.y, 600, seed=9)
        bad = pieces[labels == NOT_A_LETTER]

    def margin(share: float) -> float:
        config = TrainConfig(epochs=4, seed=0, model_path=str(tmp_path / f"m{share}.keras"),
                             not_letters=share if kind == "not_letters" else 0.0)
        # Word pieces are the word stage's: the recipe hands them to training as extra pictures.
        extras = extra_pictures(word_pieces=share) if kind == "word_pieces" else []
        result = train(config, data=data, verbose=0, extras=extras)
        if share:  # the card names them among the training data
            made = result.card["data"][-1]
            assert made["name"].startswith({"not_letters": "not-letters", "word_pieces": "word pieces"}[kind])
            assert made["count"] == round(share * result.card["data"][0]["count"])
        model = result.model
        return float(probabilities(model, unseen.x).max(axis=1).mean() - probabilities(model, bad).max(axis=1).mean())

    assert margin(0.3) > margin(0.0) + gain


def test_the_same_data_and_seed_give_the_same_model(tmp_path):
    from handwriting.data.synthetic import generate
    from handwriting.letters.evaluate import probabilities
    from handwriting.letters.train import train

    data, probe = generate(7800, seed=1), generate(260, seed=9).x

    def answers(name: str) -> np.ndarray:
        config = TrainConfig(epochs=2, seed=3, not_letters=0.1, model_path=str(tmp_path / f"{name}.keras"))
        return probabilities(train(config, data=data, verbose=0).model, probe)

    assert np.array_equal(answers("first"), answers("second"))


def test_redrawn_letters_train_but_never_validate(tmp_path):
    """Redrawn copies go with their writer in the split, and validation holds letters as written."""
    from handwriting.letters.train import train
    from tests.helpers import all_letters_strokes, write_strokes

    records = [dict(r, writer=f"test:{w}") for w in range(10) for r in all_letters_strokes()]
    path = write_strokes(tmp_path / "s.json", records)
    config = TrainConfig(data=[str(path)], epochs=1, seed=0, redraws=2, validation_fraction=0.2,
                         model_path=str(tmp_path / "m.keras"))
    result = train(config, verbose=0)
    sources = {row["name"]: row["count"] for row in result.card["data"]}
    validation = {row["name"]: row["count"] for row in result.card["validation"]}
    assert set(validation) == {"test"} and "test (redrawn)" not in validation
    assert sources["test (redrawn)"] == 2 * sources["test"]  # the validation writers' copies are gone too


@pytest.mark.parametrize("restore_best", [False, True])
def test_restore_best_keeps_the_best_or_the_last_epochs_weights(tmp_path, restore_best):
    """With a fixed epoch count the last epoch's weights are kept; otherwise the best validation epoch's."""
    import keras

    from handwriting.letters.train import train

    kept = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            kept.append((logs["val_accuracy"], [w.copy() for w in self.model.get_weights()]))

    config = TrainConfig(data=["synthetic:1040"], epochs=4, patience=4, seed=0, restore_best=restore_best,
                         learning_rate=1.0, model_path=str(tmp_path / "m.keras"))  # unstable: peaks early
    result = train(config, verbose=0, callbacks=[Record()])
    best = max(range(len(kept)), key=lambda k: (kept[k][0], -k))  # Keras keeps the first best epoch
    assert best != len(kept) - 1, "this run must peak before its last epoch, or the test proves nothing"
    expected = kept[-1][1] if not restore_best else kept[best][1]
    assert all(np.array_equal(a, b) for a, b in zip(result.model.get_weights(), expected))


@pytest.mark.slow
def test_training_streams_its_cached_sources_without_copying_them(tmp_path):
    """Two EMNIST-format sources, memory-mapped from their cache, train as they are: neither joined
    nor copied (only the validation writers are). When they double, the peak of what training
    allocates (numpy's arrays and Python's objects, as tracemalloc counts them; a mapped file's
    pages are no allocation) grows by far less than a copy of the training images added would take
    (joining the sources and copying the training writers out of them grew it by more than twice that)."""
    import tracemalloc

    from handwriting.data.formats import load_rows
    from handwriting.letters.train import train
    from tests.helpers import letter_images, write_emnist

    def config(count: int) -> TrainConfig:
        sources = []
        for name, seed in (("a", 1), ("b", 2)):
            folder = tmp_path / f"{name}{count}"
            folder.mkdir()
            sources.append(str(write_emnist(folder, *letter_images(count // 2, seed))))
        # parsed once here, outside the counts: the sources are then memory-mapped from their cache
        assert all(isinstance(images.base, np.memmap) for images, _, _ in load_rows(sources).runs())
        return TrainConfig(data=sources, epochs=1, batch_size=512, augment=False, width=8, dense=16,
                           model_path=str(tmp_path / f"m{count}.keras"))

    def peak(config: TrainConfig) -> int:
        tracemalloc.start()
        try:
            result = train(config, verbose=0)
            highest = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        trained = sum(row["count"] for row in result.card["data"])
        assert trained + len(result.validation) == len(load_rows(config.data)) and trained > len(result.validation)
        return highest

    small, large = config(24_000), config(48_000)
    train(small, verbose=0)  # imports and TensorFlow's first traces, outside the counts too
    grown = peak(large) - peak(small)
    copy = 0.9 * 24_000 * 28 * 28     # the training writers of the images added
    assert grown < 0.5 * copy, f"peak allocations grew {grown / 2**20:.1f} MB; a copy is {copy / 2**20:.1f} MB"
