"""The word model's parts: the strip it reads, CTC decoding and scoring, composed training words,
training and loading. (Its behaviour on real words: tests/model/test_word_reader.py.)"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from handwriting import LETTERS
from handwriting.words.corpus import composed_words, pen_word, redrawn_words
from handwriting.words.model import (BLANK, FRAMES, HEIGHT, INK_HEIGHT, MAX_LETTERS, WIDTH, beam_search, greedy,
                                    log_softmax, sequence_log_probability, strip, targets)
from tests.pictures import strokes_word


def columns_of(*classes) -> np.ndarray:
    """Log-probabilities, one column per entry: almost surely that class (0 = blank, 1 = A, ...)."""
    z = np.full((len(classes), 27), -9.0)
    for t, k in enumerate(classes):
        z[t, k] = 0.0
    return log_softmax(z)


def collapse(path) -> str:
    return "".join(LETTERS[k - 1] for k, _ in itertools.groupby(path) if k != BLANK)


# ------------------------------------------------------------------------------ decoding

def test_greedy_merges_repeats_and_needs_a_blank_between_double_letters():
    A, B = 1, 2
    assert greedy(columns_of(A, A, BLANK, B, B))[0] == "AB"
    assert greedy(columns_of(A, A, A))[0] == "A"
    assert greedy(columns_of(A, BLANK, A))[0] == "AA"
    text, columns = greedy(columns_of(BLANK, A, BLANK, BLANK, B, BLANK))
    assert text == "AB" and columns == [1, 4]


def test_sequence_probability_sums_every_path_that_reads_as_the_text():
    rng = np.random.default_rng(0)
    log_probs = log_softmax(rng.normal(0, 2, (5, 27)))
    for text in ["AB", "AA", "A", "BAB"]:
        used = sorted({BLANK} | {LETTERS.index(c) + 1 for c in text})  # other classes never collapse to it
        total = -np.inf
        for path in itertools.product(used, repeat=len(log_probs)):
            if collapse(path) == text:
                total = np.logaddexp(total, sum(log_probs[t, k] for t, k in enumerate(path)))
        assert sequence_log_probability(log_probs, text) == pytest.approx(total, abs=1e-9)
    assert sequence_log_probability(log_probs, "ABCDEF") == -np.inf  # 6 letters cannot fit in 5 columns


def test_beam_search_finds_the_most_probable_text_not_the_most_probable_path():
    # Column by column the best path is blank-blank ("" at 0.36), but "A" has more paths: 0.64.
    z = np.log(np.array([[0.6, 0.4], [0.6, 0.4]]))
    log_probs = np.full((2, 27), -50.0)
    log_probs[:, [BLANK, 1]] = z
    assert greedy(log_probs)[0] == ""
    texts = beam_search(log_probs, width=4)
    assert texts[0][0] == "A"
    for text, logp in texts:
        assert logp == pytest.approx(sequence_log_probability(log_probs, text), abs=1e-6)


# ------------------------------------------------------------------------------ the strip

def test_strip_fits_the_line_to_the_model_height_left_aligned():
    ink = np.zeros((200, 300), np.float32)
    ink[50:150, 100:200] = 1.0
    out, scale, origin = strip(ink)
    assert out.shape == (HEIGHT, WIDTH) and out.dtype == np.uint8
    rows, cols = np.flatnonzero(out.max(axis=1) > 127), np.flatnonzero(out.max(axis=0) > 127)
    assert len(rows) == INK_HEIGHT and cols[0] == 2 and len(cols) == pytest.approx(INK_HEIGHT, abs=1)
    assert origin == (100, 50) and scale == pytest.approx(0.28, abs=0.01)
    with pytest.raises(ValueError, match="no ink"):
        strip(np.zeros((50, 50)))
    long_line = np.ones((10, 1000), np.float32)  # wider than the strip holds: squeezed in
    assert np.flatnonzero(strip(long_line)[0].max(axis=0))[-1] < WIDTH


def test_targets_reject_what_the_model_cannot_read():
    rows = targets(["AB", "Z"])
    assert rows.tolist()[0][:4] == [2, 1, 2, 0] and rows[1, 0] == 1 and rows[1, 1] == 26
    for bad in ["", "ab", "A B", "A" * (MAX_LETTERS + 1)]:
        with pytest.raises(ValueError, match="capitals"):
            targets([bad])


# ------------------------------------------------------------------------------ composed words

def pen_letters(writers=("w1", "w2")) -> list[dict]:
    from tests.pictures import STROKES

    return [{"label": c, "writer": w, "strokes": [[[x * 100, y * 100] for x, y in s] for s in STROKES[c]]}
            for w in writers for c in STROKES]


def test_composed_words_are_random_letters_as_strips_and_repeat_with_the_seed():
    from handwriting.data.synthetic import generate

    letters = generate(260, seed=0)
    x, texts = composed_words(40, images=letters.x, labels=letters.y, seed=3)
    assert x.shape == (40, HEIGHT, WIDTH) and x.dtype == np.uint8
    assert all(1 <= len(t) <= MAX_LETTERS and set(t) <= set(LETTERS) for t in texts)
    assert len(set(texts)) > 30 and (x.reshape(40, -1).max(axis=1) > 200).all()  # different words, all inked
    again, same = composed_words(40, images=letters.x, labels=letters.y, seed=3)
    assert same == texts and np.array_equal(again, x)
    assert composed_words(40, images=letters.x, labels=letters.y, seed=4)[1] != texts


def test_composed_words_need_every_letter():
    from handwriting.data.synthetic import generate

    letters = generate(260, seed=0)
    keep = letters.y != LETTERS.index("Q")
    with pytest.raises(ValueError, match="no Q"):
        composed_words(5, images=letters.x[keep], labels=letters.y[keep])
    with pytest.raises(ValueError, match="pen letters have no"):
        composed_words(5, pen_letters=pen_letters())  # the test strokes hold a few letters only
    with pytest.raises(ValueError, match="needs"):
        composed_words(5)
    lower = pen_letters()
    lower[3] = dict(lower[3], label="k")
    with pytest.raises(ValueError, match=r"pen letter 3 \(writer 'w1'\): label 'k' is not one capital"):
        composed_words(5, pen_letters=lower)


def test_a_pen_word_overlaps_its_letters_sometimes_and_is_wider_with_more_letters():
    rng = np.random.default_rng(0)
    one = np.median([pen_word([strokes_word("K")], rng).shape[1] for _ in range(20)])
    four = np.array([pen_word([strokes_word(c) for c in "KITE"], rng).shape[1] for _ in range(40)])
    assert four.min() > 2 * one and four.max() > 1.5 * four.min()  # gaps from overlapping to wide
    assert (four < 3.6 * one).any() and (four > 4.5 * one).any()   # some overlap, some stand apart


def real_words(writers_per_lab: int = 3, texts=("TAKE", "KITE", "LATE", "TEA", "ALE", "TILE")) -> list[dict]:
    """Words as strokes_words.json holds them: every writer of two labs wrote the same list."""
    return [{"label": t, "writer": f"unipen:{lab}/{lab}{k}", "strokes": strokes_word(t)}
            for lab in ("aa", "bb") for k in range(writers_per_lab) for t in texts]


def test_redrawn_real_words_keep_their_text_and_vary_their_drawing():
    words = real_words(1, texts=("TAKE", "IT"))[:2]
    x, texts = redrawn_words(words, copies=3, seed=0)
    assert x.shape == (6, HEIGHT, WIDTH) and texts == ["TAKE"] * 3 + ["IT"] * 3
    assert not np.array_equal(x[0], x[1])             # another size, slant and pen each time
    widths = [np.flatnonzero(s.max(axis=0) > 100).max() for s in x[:3]]
    assert min(widths) > 100                            # a word fills the strip's width, not one letter's
    bad = [dict(words[0]), dict(words[1], label="It")]
    with pytest.raises(ValueError, match=r"word 1 \(writer 'unipen:aa/aa0'\): label 'It' is not 1-12 capitals"):
        redrawn_words(bad, copies=1)
    bad[1] = dict(words[1], strokes=[[[0, 0], [1, "x"]]])
    with pytest.raises(ValueError, match=r"word 1 .*stroke 0"):
        redrawn_words(bad, copies=1)


def test_real_words_held_out_share_no_writer_and_no_text_with_training_words():
    from handwriting.words.train import split_real_words, writer_folds

    words = real_words()
    folds = writer_folds(words, 2)
    assert {folds[w] for w in folds if "/aa" in w} == {0, 1} == {folds[w] for w in folds if "/bb" in w}
    tested = []
    for cell in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        train, test = split_real_words(words, 2, cell)
        assert train and test
        assert not {w["writer"] for w in train} & {w["writer"] for w in test}
        assert not {w["label"] for w in train} & {w["label"] for w in test}
        tested += [(w["writer"], w["label"]) for w in test]
    assert sorted(tested) == sorted((w["writer"], w["label"]) for w in words)  # every word tested once


# ------------------------------------------------------------------------------ training and loading

def test_a_trained_word_model_saves_with_its_card_and_loads_without_custom_code(tmp_path):
    import keras

    from handwriting.words.model import WordModel
    from handwriting.words.train import WordTrainConfig, train_words

    out = tmp_path / "words.keras"
    lines = []
    _, card = train_words(WordTrainConfig(letters=["synthetic:520"], words=300, epochs=1, words_per_epoch=128,
                                          validation_words=20, model_path=str(out)), log=lines.append)
    assert out.is_file() and "epoch 1/1" in lines[-1]
    saved = json.loads(out.with_suffix(".json").read_text())
    assert saved["task"].startswith("words") and saved["sha256"] == card.get("sha256", saved["sha256"])
    assert saved["data"][0]["name"] == "synthetic" and "MIT" in saved["data"][0]["licence"]
    assert "Words read exactly" in out.with_suffix(".md").read_text()
    keras.saving.load_model(out, compile=False)   # plain Keras, no custom objects
    log_probs = WordModel(out).log_probs(np.zeros((3, HEIGHT, WIDTH), np.uint8))
    assert log_probs.shape == (3, FRAMES, 27)
    assert np.allclose(np.exp(log_probs).sum(axis=-1), 1.0, atol=1e-5)

    # It goes on learning with real words mixed in; the held-out ones are its card's test.
    words = tmp_path / "real_words.json"
    words.write_text(json.dumps(real_words()))
    config = WordTrainConfig(letters=["synthetic:520"], words=100, epochs=1, words_per_epoch=128, validation_words=20,
                             real_words=str(words), folds=2, held_out=(1, 0), real_copies=2, init_model=str(out),
                             model_path=str(tmp_path / "tuned.keras"))
    _, tuned = train_words(config, log=lines.append)
    from handwriting.words.train import split_real_words

    train, test = split_real_words(real_words(), 2, (1, 0))
    real = next(d for d in tuned["data"] if d["name"].startswith("real pen-written words"))
    assert real["count"] == 3 * len(train) and "UNIPEN" in real["licence"]
    metric = next(v for k, v in tuned["metrics"].items() if "writers and texts it never saw" in k)
    assert metric["count"] == len(test)
    assert tuned["params"]["init_model"] == str(out) and tuned["params"]["held_out"] == [1, 0]
    assert tuned["training"]["continued from"].startswith("words.keras (version ")  # what it had learnt before
    first, second = (keras.saving.load_model(p, compile=False).get_weights()[0] for p in (out, tmp_path / "tuned.keras"))
    assert 0 < np.abs(second - first).max() < 0.5 * np.abs(first).max()  # went on from it, not afresh
    config.test_words = str(words)
    with pytest.raises(ValueError, match="test_words or real_words"):
        train_words(config)
    config.test_words, config.folds = None, 1  # every writer and every text held out
    with pytest.raises(ValueError, match="no word is left to train on"):
        train_words(config)
    words.write_text(json.dumps(real_words()[:3] + [dict(real_words()[3], label="Take")]))
    with pytest.raises(ValueError, match=r"real_words.json: word 3 \(writer 'unipen:aa/aa0'\): label 'Take'"):
        train_words(config)


def test_a_file_that_is_not_a_word_model_is_refused(tmp_path):
    from handwriting.letters.model import build_model
    from handwriting.words.model import WordModel

    path = tmp_path / "letters.keras"
    build_model().save(path)
    with pytest.raises(ValueError, match="32 x 256 strips"):
        WordModel(path)
