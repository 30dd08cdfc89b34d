"""The word reader with the shipped word model, on real pen-written words of labs it never learnt from.

The shipped word model reads words in any case. Its card names the UNIPEN labs it never learnt from
(`held_out_labs`, fold 0 of `handwriting.words.folds`): their words, drawn on paper and as the pad
gives them, are the test here. Capital words are also read from words composed of real letters
(`handwriting.words.real_composed`), which it never saw either: there the reader weighs the word
model's texts against the letter model's cuts, and must read better than the letters alone.

The bars here guard what the model reads today (lower case on paper: about 25 % exact, CER 36 %),
not issue 17's floors (60 % exact, CER <= 10 %), which bench/words_any_case.py reports.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from handwriting.cards import load_card
from handwriting.imaging.paper import strokes_on_paper
from handwriting.paths import default_word_model_path
from handwriting.words.folds import FOLDS, KEPT_OUT, case_group, of_labs
from handwriting.words.metrics import WordScore

pytestmark = pytest.mark.shared
SAMPLE = 150       # lower-case words of the kept-out labs
FRAME_NOTE = "cut where the word model reads it"


@pytest.fixture(scope="module")
def letters_only(rec):
    from handwriting.recognize.reader import Recognizer

    return Recognizer(rec.path, word_model=None)


@pytest.fixture(scope="module")
def kept_out(shared_data, rec) -> list[dict]:
    """Real pen-written words of the labs the shipped word model never learnt from, as its card names them."""
    assert rec.word_model is not None, f"the shipped word model {default_word_model_path()} is missing"
    labs = load_card(rec.word_model.path)["params"]["held_out_labs"]
    assert sorted(labs) == sorted(FOLDS[KEPT_OUT])
    every = of_labs(json.loads((shared_data / "unipen" / "words.json").read_text()), labs)
    assert len(every) >= 1000
    return every


@pytest.fixture(scope="module")
def lower(kept_out) -> list[dict]:
    words = [w for w in kept_out if case_group(w["label"]) == "lower"]
    return [words[i] for i in np.random.default_rng(0).choice(len(words), SAMPLE, replace=False)]


@pytest.fixture(scope="module")
def readings(rec, lower):
    """(label, picture, reading) per lower-case word, drawn on paper."""
    out = []
    for w in lower:
        picture = strokes_on_paper(w["strokes"])
        out.append((w["label"], picture, rec.read_word(picture)))
    return out


def test_lower_case_words_of_writers_it_never_saw_are_read(readings):
    score = WordScore("lower case on paper")
    for label, _, r in readings:
        score.add(label.upper(), r.raw.replace(" ", ""))
    print(f"\n{score.line()}")
    assert score.exact_rate >= 0.15 and score.character_error_rate <= 0.5


def test_raw_is_capitals_and_as_written_keeps_the_case(readings):
    for label, _, r in readings:
        assert r.raw == r.raw.upper() and r.as_written.upper() == r.raw
    right = [r for label, _, r in readings if r.raw == label.upper()]
    as_written = np.mean([r.as_written == label for label, _, r in readings if r.raw == label.upper()])
    print(f"\nright words read with their case: {100 * as_written:.1f} % of {len(right)}")
    assert as_written >= 0.8


def test_the_pad_reads_the_same_words_from_their_strokes(rec, lower, readings):
    """The Word pad gives pen strokes (one piece per stroke): they read about as well as the pictures."""
    drawn = np.mean([rec.read_word(w["strokes"]).raw.replace(" ", "") == w["label"].upper() for w in lower[:80]])
    paper = np.mean([label.upper() == r.raw.replace(" ", "") for label, _, r in readings[:80]])
    print(f"\nfrom strokes {100 * drawn:.1f} %, on paper {100 * paper:.1f} %")
    assert drawn >= paper - 0.1


def test_letters_alone_cannot_read_lower_case(readings, letters_only):
    """Why the word model reads lower case alone: the letter model knows capitals only."""
    alone = np.mean([label.upper() == letters_only.read_word(picture).raw.replace(" ", "")
                     for label, picture, _ in readings[:60]])
    both = np.mean([label.upper() == r.raw.replace(" ", "") for label, _, r in readings[:60]])
    assert both >= alone + 0.15


def test_a_reading_placed_by_the_word_model_comes_back_as_well_formed_letters(readings, rec):
    placed = [(label, picture, r) for label, picture, r in readings
              if any(FRAME_NOTE in (x.preprocessed.notes if x.preprocessed else []) for x in r.letters)]
    assert len(placed) >= len(readings) // 2, "lower-case words are the word model's to place"
    for label, picture, r in placed:
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
        assert r.confidence == pytest.approx(np.prod([x.confidence for x in r.letters]))
        json.dumps(r.to_dict())


def test_each_reading_keeps_the_line_as_the_word_model_saw_it_and_its_alternatives(readings, letters_only):
    for label, picture, r in readings[:40]:
        assert r.strip.shape == (32, 256) and r.strip.dtype == np.uint8 and r.strip.max() > 200
        assert r.strip_text.upper() == r.strip_text.upper().strip()
        texts = [t for t, _ in r.alternatives]
        probs = [p for _, p in r.alternatives]
        assert 1 <= len(texts) <= 5 and len(set(texts)) == len(texts) and probs == sorted(probs, reverse=True)
        assert all(0 < p <= 1 for p in probs)
    # the reading is most often the word model's first alternative, in the same case
    assert sum(not r.alternatives for _, _, r in readings) <= len(readings) // 20  # lines with no strip or text
    first = np.mean([r.alternatives[0][0] == r.as_written for _, _, r in readings if r.alternatives])
    assert first >= 0.7
    alone = letters_only.read_word(readings[0][1])
    assert alone.strip is None and alone.alternatives == [] and alone.as_written == alone.raw


def test_capital_words_read_better_with_the_word_model_than_letters_alone(shared_data, rec, letters_only):
    """Words composed of real capitals (bench/bench_words.py's (a)): the letter model's cuts weigh in."""
    from handwriting.words.real_composed import composed_pictures

    with_model, alone = WordScore("with the word model"), WordScore("letters alone")
    for c in composed_pictures(shared_data, 120, seed=3):
        with_model.add(c.word, rec.read_word(c.picture).raw.replace(" ", ""))
        alone.add(c.word, letters_only.read_word(c.picture).raw.replace(" ", ""))
    print(f"\n{with_model.line()}\n{alone.line()}")
    assert with_model.exact_rate >= alone.exact_rate


def test_the_weighing_inputs_give_the_readers_own_choice(shared_data, rec, letters_only):
    """bench/tune_words.py chooses the weighing constants on `Recognizer.weighing`: with the
    shipped constants, its inputs must give back the reader's own reading of a capital word."""
    from handwriting.words.real_composed import composed_pictures

    weighed = 0
    for c in composed_pictures(shared_data, 40, seed=4):
        weighing = rec.weighing(c.picture)
        if weighing is not None:
            weighed += 1
            assert weighing.choose() == rec.read_word(c.picture).raw.replace(" ", "")
    assert weighed >= 30
    assert letters_only.weighing(c.picture) is None  # no word model: nothing to weigh
