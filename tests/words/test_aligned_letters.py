"""Letters cut out of labelled words by forced alignment: the split, the refusals and training."""

from __future__ import annotations

import json

import numpy as np

from handwriting import LETTERS
from handwriting.imaging.paper import strokes_on_paper
from handwriting.words.aligned_letters import align_word, word_letters
from handwriting.words.alignment import align
from tests.pictures import strokes_word


def one_hot(letter: str, p: float = 0.9) -> np.ndarray:
    probs = np.full(26, (1 - p) / 25)
    probs[LETTERS.index(letter)] = p
    return probs


# ------------------------------------------------------------------------------ without the model

def test_alignment_follows_the_label_not_the_readers_best_guess():
    # Three pieces: a stem, a bowl, and a letter apart. Read alone, the stem is a confident T and
    # the stem with its bowl a doubtful B; the label "BE" says the first two pieces are one B.
    spans = [(0, 1), (1, 2), (2, 3), (0, 2), (1, 3)]
    probs = [one_hot("T"), one_hot("D", 0.5), one_hot("E"), one_hot("B", 0.2),
             one_hot("E", 0.3)]
    assert align(lambda k: probs[k], spans, [0.0] * 5, 3, "BE") == [(0, 2), (2, 3)]
    assert align(lambda k: probs[k], spans, [0.0] * 5, 3, "TDE") == [(0, 1), (1, 2), (2, 3)]


def test_no_alignment_when_the_label_has_more_letters_than_pieces_can_make():
    spans = [(0, 1), (1, 2), (0, 2)]
    probs = [one_hot("A")] * 3
    assert align(lambda k: probs[k], spans, [0.0] * 3, 2, "ABC") is None
    assert align(lambda k: probs[k], [(0, 1)], [0.0], 2, "AB") is None  # piece 1 is in no candidate


def test_the_geometry_prior_breaks_ties():
    spans = [(0, 1), (1, 2), (0, 2)]
    probs = [one_hot("I")] * 3
    assert align(lambda k: probs[k], spans, [0.0, 0.0, -5.0], 2, "I") == [(0, 2)]
    assert align(lambda k: probs[k], spans, [0.0, 0.0, -5.0], 2, "II") == [(0, 1), (1, 2)]


# ------------------------------------------------------------------------------ with the model

def test_a_drawn_word_gives_its_letters_and_straddling_not_letters(rec):
    image = strokes_on_paper(strokes_word("KITE", gap=10))
    letters, labels, not_letters = align_word(rec, image, "KITE")
    assert [LETTERS[y] for y in labels] == list("KITE")
    assert all(x.shape == (28, 28) and x.dtype == np.uint8 for x in letters + not_letters)
    # Each cut-out letter reads as itself; the candidates joining two letters do not read as one
    # of them with confidence.
    assert "".join(LETTERS[i] for i in rec.probabilities(np.stack(letters)).argmax(axis=1)) == "KITE"
    assert not_letters and rec.probabilities(np.stack(not_letters)).max(axis=1).mean() < 0.9


def test_words_that_do_not_align_give_nothing(rec):
    image = strokes_on_paper(strokes_word("KITE", gap=10))
    assert align_word(rec, image, "OQOQ") is None       # every letter read as far from its label
    assert align_word(rec, image, "KI-E") is None       # not capitals only
    assert align_word(rec, image, "K") is None          # words have two letters or more
    assert align_word(rec, image, "KITEKITE") is None   # more letters than the pieces can make
    blank = np.full((64, 200), 240, np.uint8)
    assert align_word(rec, blank, "KITE") is None


def test_aligned_letters_carry_writer_and_collection(rec):
    words = [{"label": "KITE", "writer": "lab:x/1", "strokes": strokes_word("KITE", gap=10)},
             {"label": "OQOQ", "writer": "lab:x/2", "strokes": strokes_word("KITE", gap=10)}]
    data, not_letters, counts = word_letters(rec, words, pen_ratios=(0.11,))
    assert counts == {"words": 2, "drawings": 2, "aligned": 1, "letters": 4, "not_letters": len(not_letters)}
    assert "".join(data.letters) == "KITE"
    assert set(data.writer) == {"lab:x/1"} and set(data.source) == {"lab words (aligned)"}


def test_training_with_aligned_words_adds_letters_that_never_validate(rec, tmp_path):
    from handwriting.letters.train import TrainConfig, train
    from handwriting.recipes import extra_pictures

    words = [{"label": w, "writer": f"lab:x/{k}", "strokes": strokes_word(w, gap=10)}
             for k, w in enumerate(["KITE", "TILE", "LATE"])]
    path = tmp_path / "words.json"
    path.write_text(json.dumps(words))
    config = TrainConfig(data=["synthetic:520"], epochs=1, seed=0, model_path=str(tmp_path / "m.keras"))
    card = train(config, verbose=0, extras=extra_pictures(aligned_words=str(path), aligner=rec.path)).card
    sources = {row["name"]: row["count"] for row in card["data"]}
    assert sources["lab words (aligned)"] >= 4 * 3 * 2  # most of 3 words x 3 pens, 4 letters each
    assert sources["not-letters of aligned words (handwriting.words.aligned_letters: candidates straddling two letters)"] > 0
    assert {row["name"] for row in card["validation"]} == {"synthetic"}
