"""Which letters a line holds: the letter model's best split of its pieces, weighed against the word model.

A line is cut into pieces (`handwriting.words.segment`); every run of up to MAX_GROUP neighbouring
pieces is read by the letter model (`candidates`), and the split of the line with the best total
score is the letter model's own reading (`letter_split`: a broken E stays one letter, touching
letters separate where the column profile allows it and the letters read better apart). With a
word model (`handwriting.words.model`), its most probable texts for the line compete with that
reading (`weigh_texts`, `Weighing.choose`): it reads overlapping pen letters that no cut of the
picture separates. The letter model reads capitals only: a line the word model reads in lower or
mixed case (`StripView.in_capitals`) is the word model's alone, and no letter is cut for it.
A line drawn on the pad is read by the pen model from its strokes (`pen_view`), where there is
one: it reads handwriting far better than the strip model reads its picture, and is weighed alike.
Nothing here imports TensorFlow: the models come in loaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from handwriting.imaging.ink import InkImage
from handwriting.letters.reader import LetterModel
from handwriting.words.alignment import Candidates, Span, align_scored, best_split
from handwriting.words.line import Line, group_image, line_ink
from handwriting.words.model import FRAMES, MARGIN, STRIDE, WordModel, beam_search, column_offset, fold_case, greedy
from handwriting.words.model import sequence_log_probability, strip
from handwriting.words.pen import PenModel, pen_input

LETTER_PENALTY = 0.1   # log-score cost of each letter: fewer, better-read letters win ties
WORD_MODEL_WEIGHT = 1.5  # the letter model's split against the word model's log-probability (bench/tune_words.py)
BEAMS = 5              # the word model's texts a view keeps (the reading's alternatives)
LOWER_SHARE = 0.5      # a line the word model reads with more lower-case letters than this share is not capitals
UNCUT = 4.0            # a text no split of the pieces reads as scores this much below the letter model's own


@dataclass
class StripView:
    """One line as a word model saw it: the strip (the line's picture), the model's case-insensitive
    log-probabilities (columns x 27) and its own (`cased`: x 53, with case), where each column reads
    (`column_x`, in the line's ink pixels) and how many columns hold ink (`columns`). The strip
    model reads the strip; the pen model (`pen_view`) the line's strokes, drawn in `strip` as the
    points it reads (`read_from` "pen", not "picture")."""
    strip: np.ndarray
    log_probs: np.ndarray
    column_x: np.ndarray
    columns: int
    ink: np.ndarray
    cased: np.ndarray
    read_from: str = "picture"

    @cached_property
    def written(self) -> str:
        """The word model's best reading, as written (in capitals for an A-Z model)."""
        return greedy(self.cased)[0]

    @cached_property
    def beams(self) -> list[tuple[str, float]]:
        """The word model's most probable texts as written, best first: (text, log p). Worked out
        once: the reader takes the best and lists them as the reading's alternatives."""
        return beam_search(self.cased, width=BEAMS)

    @property
    def in_capitals(self) -> bool:
        """Whether the word model reads the line as capitals, most of its letters at least (a
        capital O, S or X is often read as its lower case): the letter model's cuts can weigh in."""
        written = self.written
        return sum(c.islower() for c in written) <= LOWER_SHARE * len(written)


def strip_view(word_model: WordModel, page: InkImage, line: Line) -> StripView | None:
    """The word model's reading of one line, None when the line gives no strip."""
    ink = line_ink(page, line)
    try:
        ink_strip, scale, (left, _) = strip(ink)
    except ValueError:
        return None
    cased = word_model.log_probs(ink_strip[None])[0]
    right = np.flatnonzero(ink.max(axis=0) > 0.2)[-1]
    columns = min(FRAMES, int((MARGIN + (right - left) * scale) / STRIDE) + 1)
    return StripView(ink_strip, fold_case(cased), left + column_offset(np.arange(FRAMES), scale), columns, ink, cased)


def pen_view(pen_model: PenModel, page: InkImage, line: Line) -> StripView | None:
    """The pen model's reading of one line of pen strokes (pieces with their paths, in the order
    they were drawn), None when the line has none."""
    drawn = dict(path for p in line.pieces for path in p.paths)  # a cut stroke's parts hold it once
    if not drawn:
        return None
    given = pen_input([drawn[k] for k in sorted(drawn)])
    cased = pen_model.log_probs(given.features[None])[0]
    return StripView(given.picture(), fold_case(cased), given.column_x(), given.columns, line_ink(page, line),
                     cased, "pen")


def line_view(word_model: WordModel | None, pen_model: PenModel | None, page: InkImage, line: Line) -> StripView | None:
    """The line as a word model sees it: the pen model's view of pen strokes where there is a pen
    model, else the strip model's view (None without either)."""
    if pen_model is not None and any(p.paths for p in line.pieces):
        return pen_view(pen_model, page, line)
    return strip_view(word_model, page, line) if word_model is not None else None


@dataclass
class Split:
    """Runs of pieces read as the letters of a text, and their total letter-model score."""
    runs: list[Span]
    score: float


@dataclass
class TextScore:
    """One text the word reader weighs: its word-model log-probability and its best split of the
    pieces (None when no split reads as it, e.g. letters fused into one blob)."""
    log_p: float
    split: Split | None


@dataclass
class Weighing:
    """What the word reader chooses from for one line: the letter model's own text, its split
    score, and every text weighed (the own one and the word model's most probable)."""
    own: str
    own_split: float
    scored: dict[str, TextScore]
    view: StripView

    def choose(self, weight: float = WORD_MODEL_WEIGHT, uncut: float = UNCUT) -> str:
        """The text with the best word-model log-probability + `weight` x its split score (a text no
        split reads as scores `uncut` below the letter model's own). bench/tune_words.py varies the
        two constants here."""
        def total(text):
            s = self.scored[text]
            return s.log_p + weight * (max(s.split.score, self.own_split - uncut) if s.split
                                       else self.own_split - uncut)
        return max(sorted(self.scored), key=total) if self.scored else self.own


@dataclass
class Choices:
    """One line's candidates, the letter model's split of them and, with a word model, the letter
    model's own text and what the word model weighs against it (None without a word model,
    without a split or when the line gives no strip). A line the word model reads in lower or
    mixed case has no candidates: only its `view`."""
    cands: Candidates | None
    cuts: list[Span]
    own: str | None = None
    weighing: Weighing | None = None
    view: StripView | None = None


def candidates(letter_model: LetterModel, page: InkImage, line: Line) -> Candidates:
    """Every readable run of up to MAX_GROUP pieces of `line`, read in one batch."""
    spans, images, boxes, priors = [], [], [], []
    for i, j in line.spans():
        image, box, prior = group_image(page, line, i, j)
        if image is not None:
            spans.append((i, j))
            images.append(image)
            boxes.append(box)
            priors.append(prior)
    probs = letter_model.probabilities(np.stack(images) if images else np.zeros((0, 28, 28), np.uint8))
    return Candidates(spans, images, boxes, priors, probs, len(line.pieces))


def letter_split(line: Line, cands: Candidates, letters: str) -> list[Span]:
    """The letter model's own reading: the split of the line with the best total score (`letters`:
    the model's letters, in the order of its probabilities)."""
    scores = {}
    for k, (i, j) in enumerate(cands.spans):
        best_letter = letters[int(cands.probs[k].argmax())]
        wide = line.width_cost(cands.boxes[k], best_letter) if j - i > 1 else 0.0
        scores[(i, j)] = math.log(max(float(cands.probs[k].max()), 1e-9)) + cands.priors[k] - wide - LETTER_PENALTY
    return best_split(scores, cands.pieces)


def weigh_texts(view: StripView, cands: Candidates, own: str) -> Weighing:
    """The texts the word reader weighs for one line the word model saw as `view`: the letter
    model's own reading `own` and the word model's most probable texts, each scored."""
    log_probs = view.log_probs

    def split_as(text):
        found = align_scored(lambda k: cands.probs[k], cands.spans, cands.priors, cands.pieces, text, LETTER_PENALTY)
        return None if found is None else Split(*found)

    scored = {text: TextScore(sequence_log_probability(log_probs, text), split_as(text))
              for text in {own} | {t for t, _ in beam_search(log_probs)} if text}
    own_split = scored[own].split.score if scored[own].split else -math.inf
    return Weighing(own, own_split, scored, view)


def choose(letter_model: LetterModel, word_model: WordModel | None, page: InkImage, line: Line,
           pen_model: PenModel | None = None) -> Choices:
    """One line's candidates and the letter model's split; with a word model (the pen model for
    pen strokes, `line_view`), the letter model's own text and its weighing against the word
    model's. A line the word model reads in lower or mixed case is left to it (`Choices.view` only)."""
    view = line_view(word_model, pen_model, page, line)
    if view is not None and not view.in_capitals:
        return Choices(None, [], view=view)
    cands = candidates(letter_model, page, line)
    cuts = letter_split(line, cands, letter_model.letters)
    if view is None or not cuts:
        return Choices(cands, cuts, view=view)
    index = cands.index()
    own = "".join(letter_model.letters[int(cands.probs[index[span]].argmax())] for span in cuts)
    return Choices(cands, cuts, own, weigh_texts(view, cands, own), view)
