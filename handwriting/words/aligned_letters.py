"""Letters cut out of labelled pen-written words, by aligning each word's label with its pieces.

Letters written inside words are not the letters people write alone: smaller, hurried, leaning on
their neighbours, and in some hands (UNIPEN's lab hpp) shaped unlike any isolated letter we train
on. A word's label says which letters it holds but not where; the word reader already proposes
every candidate letter (`handwriting.words.segment`) and a model reads them all. Forced alignment picks
the split of the word whose candidates read best *as the letters of the label*, and cuts out
those candidates as training letters. The candidates it passes over that straddle two letters
become not-letters: the doubt the reader needs about pairs of pen letters. (Not the parts of one
letter: a B's stem alone is also an I. Measured with them, single letters read worse.)

Words whose alignment is poor (a letter read at under `MIN_PROBABILITY` as itself: lower-case
writing, a mislabelled or illegible word) give nothing. The aligning model only proposes where
the letters are; the label says what they are.
"""

from __future__ import annotations

import numpy as np

from handwriting import LETTERS
from handwriting.data.dataset import Dataset
from handwriting.imaging.ink import TEXT_SIDE, NoInkError, extract_ink
from handwriting.imaging.paper import strokes_on_paper
from handwriting.words.alignment import align
from handwriting.words.reading import candidates
from handwriting.words.segment import main_line

MIN_PROBABILITY = 0.02   # each aligned letter must read at least this much as itself
PEN_RATIOS = (0.08, 0.11, 0.14)  # the word drawn with a finer and a broader pen too


def align_word(rec, image, label: str) -> tuple[list[np.ndarray], list[int], list[np.ndarray]] | None:
    """One word picture and its label -> (letter images, their labels, not-letter images), or None
    when the word cannot be aligned well (see `MIN_PROBABILITY`). `rec` reads the candidates: a
    `handwriting.letters.reader.LetterModel`, or anything with its `probabilities`."""
    if not (2 <= len(label) and all(c in LETTERS for c in label)):
        return None
    try:
        page = extract_ink(image, max_side=TEXT_SIDE, text=True)
    except NoInkError:
        return None
    line = main_line(page)
    if line is None or len(line.pieces) < len(label):
        return None
    cands = candidates(rec, page, line)
    if not cands.spans:
        return None
    runs = align(lambda k: cands.probs[k], cands.spans, cands.priors, cands.pieces, label)
    if runs is None:
        return None
    index = cands.index()
    p_true = [float(cands.probs[index[r]][LETTERS.index(c)]) for r, c in zip(runs, label)]
    if min(p_true) < MIN_PROBABILITY:
        return None
    letters = [cands.images[index[r]] for r in runs]
    owner = np.zeros(len(line.pieces), int)
    for t, (i, j) in enumerate(runs):
        owner[i:j] = t
    chosen = set(runs)
    # A candidate holding pieces of two letters is no letter here.
    not_letters = [cands.images[k] for k, (i, j) in enumerate(cands.spans)
                   if (i, j) not in chosen and owner[i] != owner[j - 1]]
    return letters, [LETTERS.index(c) for c in label], not_letters


def word_letters(rec, words: list[dict], pen_ratios=PEN_RATIOS) -> tuple[Dataset, np.ndarray, dict]:
    """Pen-written words (dicts with "strokes", "label", "writer") drawn on paper and aligned ->
    (their letters as a Dataset tagged with each word's writer, not-letter images, counts).

    A letter's source is its collection and "words (aligned)": "unipen words (aligned)" for a
    writer "unipen:hpp/hpb3rc0", so the model card gives it the collection's licence.
    """
    xs, ys, writers, sources, negatives = [], [], [], [], []
    aligned = 0
    for word in words:
        for ratio in pen_ratios:
            got = align_word(rec, strokes_on_paper(word["strokes"], pen=ratio), str(word["label"]))
            if got is None:
                continue
            letters, labels, not_letters = got
            aligned += 1
            xs.extend(letters)
            ys.extend(labels)
            writer = str(word.get("writer", ""))
            writers.extend([writer] * len(letters))
            sources.extend([f"{writer.split(':', 1)[0]} words (aligned)" if ":" in writer else "words (aligned)"] * len(letters))
            negatives.extend(not_letters)
    tried = len(words) * len(pen_ratios)
    data = Dataset(np.stack(xs) if xs else np.zeros((0, 28, 28), np.uint8), np.array(ys, np.uint8),
                   np.array(sources, str) if sources else None, np.array(writers, str) if writers else None,
                   format="aligned words")
    neg = np.stack(negatives) if negatives else np.zeros((0, 28, 28), np.uint8)
    return data, neg, {"words": len(words), "drawings": tried, "aligned": aligned,
                       "letters": len(data), "not_letters": len(neg)}
