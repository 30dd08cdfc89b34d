"""The word reader with the shipped word model, on real pen-written words nobody on the team wrote.

The word model reads along the line; the reader weighs its texts against the letter model's cuts
(`handwriting.words.reading`, `Weighing.choose`). It must read real words better than the letters
alone, and a text it reads where no cut of the picture gives it (letters fused into one blob) must
still come back as letters with boxes, probabilities and top-k, like any other reading.

The shipped word model learnt most of these words too (`handwriting ship words`); the tests read
only those whose writer and text it never saw, as its card names them.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from handwriting.cards import load_card
from handwriting.imaging.paper import strokes_on_paper
from handwriting.paths import default_word_model_path
from handwriting.words.train import split_real_words

pytestmark = pytest.mark.shared
SAMPLE = 160  # words, when the word model learnt no real words
FRAME_NOTE = "cut where the word model reads it"


@pytest.fixture(scope="module")
def letters_only(rec):
    from handwriting.recognize.reader import Recognizer

    return Recognizer(rec.path, word_model=None)


@pytest.fixture(scope="module")
def words(shared_data, rec):
    """Real pen-written words whose writer and text the word model never saw."""
    assert rec.word_model is not None, f"the shipped word model {default_word_model_path()} is missing"
    every = json.loads((shared_data / "strokes_words.json").read_text())
    params = load_card(rec.word_model.path)["params"]
    if not params.get("real_words"):
        return [every[i] for i in np.random.default_rng(0).choice(len(every), SAMPLE, replace=False)]
    train, held = split_real_words(every, params["folds"], tuple(params["held_out"]))
    assert len(held) >= 100 and len(train) >= 3 * len(held)
    return held


@pytest.fixture(scope="module")
def readings(rec, letters_only, words):
    """(label, picture, reading with the word model, reading with letters alone) per word."""
    out = []
    for w in words:
        picture = strokes_on_paper(w["strokes"])
        out.append((w["label"], picture, rec.read_word(picture), letters_only.read_word(picture)))
    return out


def test_the_word_model_reads_real_pen_words_better_than_letters_alone(readings):
    both = np.mean([label == r.raw.replace(" ", "") for label, _, r, _ in readings])
    alone = np.mean([label == r.raw.replace(" ", "") for label, _, _, r in readings])
    print(f"\n{len(readings)} pen-written words on paper: {100 * both:.1f} % exact with the word model, "
          f"{100 * alone:.1f} % with letters alone")
    assert both >= alone + 0.05
    assert both >= 0.6


def test_without_a_word_model_the_reader_keeps_the_letter_models_reading(readings, letters_only):
    assert letters_only.word_model is None
    changed = [label for label, _, r, alone in readings if r.raw != alone.raw]
    assert changed  # the word model does change readings ...
    # ... and where it does, it is right more often than the letters alone.
    gained = sum(label == r.raw.replace(" ", "") for label, _, r, a in readings if r.raw != a.raw)
    lost = sum(label == a.raw.replace(" ", "") for label, _, r, a in readings if r.raw != a.raw)
    assert gained > 2 * lost


def test_a_text_read_where_no_cut_gives_it_comes_back_as_well_formed_letters(readings, rec):
    uncut = [(label, picture, r) for label, picture, r, _ in readings
             if any(FRAME_NOTE in (x.preprocessed.notes if x.preprocessed else []) for x in r.letters)]
    assert uncut, "no word was read where the cuts could not follow (fused letters)"
    for label, picture, r in uncut:
        assert len(r.letters) == len(r.boxes) == len(r.raw.replace(" ", ""))
        lefts = [b[0] for b in r.boxes]
        assert lefts == sorted(lefts)
        h, w = picture.shape
        assert all(0 <= b[0] < b[2] <= w + 1 and 0 <= b[1] < b[3] <= h + 1 for b in r.boxes)
        for letter in r.letters:
            probs = dict(letter.top_k)
            # the letter's own probability; in the top-k unless k others are more probable
            assert probs.get(letter.letter, letter.confidence) == pytest.approx(letter.confidence)
            assert letter.letter in probs or letter.confidence <= min(probs.values())
            assert letter.uncertain == (letter.confidence < rec.threshold)
            assert letter.preprocessed is None or letter.preprocessed.image.shape == (28, 28)
        assert r.confidence == pytest.approx(np.prod([x.confidence for x in r.letters]))
        json.dumps(r.to_dict())


def test_each_reading_keeps_the_line_as_the_word_model_saw_it(readings):
    for label, _, r, alone in readings:
        assert alone.strip is None and alone.strip_text == ""
        assert r.strip.shape == (32, 256) and r.strip.dtype == np.uint8 and r.strip.max() > 200
        assert set(r.strip_text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    # What the word model reads alone is often, not always, the reading the reader chose.
    same = np.mean([r.strip_text == r.raw.replace(" ", "") for _, _, r, _ in readings])
    assert 0.5 < same < 1.0


def test_the_weighing_inputs_give_the_readers_own_choice(readings, words, rec, letters_only):
    """bench/tune_words.py chooses the weighing constants on `Recognizer.weighing`: with the
    shipped constants, its inputs must give back the reader's own reading, on paper and from strokes."""
    for _, picture, r, _ in readings[:40]:
        assert rec.weighing(picture).choose() == r.raw.replace(" ", "")
    for w in words[:20]:
        assert rec.weighing(w["strokes"]).choose() == rec.read_word(w["strokes"]).raw.replace(" ", "")
    assert letters_only.weighing(readings[0][1]) is None  # no word model: nothing to weigh
