"""Choosing a line's letters: the candidates read in one batch, the letter model's split, and the
word model's texts weighed against it (no TensorFlow: a stand-in letter model)."""

from __future__ import annotations

import numpy as np

from handwriting import LETTERS
from handwriting.imaging.ink import TEXT_SIDE, extract_ink
from handwriting.words.reading import Split, TextScore, Weighing, candidates, choose, letter_split
from handwriting.words.segment import main_line
from tests.pictures import page_of


class ReadsEverythingAs:
    """A letter model that reads every picture as one letter, at 0.9."""

    letters = LETTERS

    def __init__(self, letter: str):
        self.row = np.full(len(LETTERS), 0.1 / 25, np.float32)
        self.row[LETTERS.index(letter)] = 0.9
        self.calls = 0

    def probabilities(self, images):
        self.calls += 1
        return np.repeat(self.row[None], len(images), axis=0)


def test_weigh_trusts_the_cuts_unless_the_word_model_is_surer_by_more_than_they_disagree():
    def weighing(own, own_split, scored):
        texts = {t: TextScore(lp, None if s is None else Split(*s)) for t, (lp, s) in scored.items()}
        return Weighing(own, own_split, texts, view=None)

    # The word model prefers CLEAR, the letter model's split of the pieces CLFAR: the sum decides.
    scored = {"CLFAR": (-3.0, ([(0, 1)], -1.0)), "CLEAR": (-0.5, ([(0, 1)], -1.5))}
    assert weighing("CLFAR", -1.0, scored).choose(weight=2.0, uncut=6.0) == "CLEAR"    # -0.5 - 3 > -3 - 2
    assert weighing("CLFAR", -1.0, scored).choose(weight=10.0, uncut=6.0) == "CLFAR"   # the cuts count more
    # A text no split gives (fused letters) scores `uncut` below the own split.
    fused = {"OO": (-4.0, ([(0, 1), (1, 2)], -2.0)), "OOO": (-0.2, None)}
    assert weighing("OO", -2.0, fused).choose(weight=1.0, uncut=2.0) == "OOO"          # -0.2 - 4 > -4 - 2
    assert weighing("OO", -2.0, fused).choose(weight=1.0, uncut=6.0) == "OO"           # -0.2 - 8 < -6
    assert weighing("A", -1.0, {}).choose() == "A"


def test_candidates_are_read_in_one_batch_and_split_into_letters():
    page = extract_ink(page_of(["KITE"]), max_side=TEXT_SIDE, text=True)
    line = main_line(page)
    model = ReadsEverythingAs("K")
    cands = candidates(model, page, line)
    assert model.calls == 1 and cands.probs.shape == (len(cands.spans), 26) and cands.pieces == len(line.pieces)
    assert set(cands.spans) <= set(line.spans()) and len(cands.images) == len(cands.boxes) == len(cands.priors)
    # Read alike, pieces apart are letters apart: one letter per piece, covering the line.
    cuts = letter_split(line, cands, LETTERS)
    assert cuts == [(i, i + 1) for i in range(len(line.pieces))]
    chosen = choose(model, None, page, line)  # no word model: nothing weighed
    assert chosen.cuts == cuts and chosen.own is None and chosen.weighing is None
