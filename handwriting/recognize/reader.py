"""Read letters, words and lines with a trained model: the one place the dashboard and CLI ask.

A `Recognizer` loads the model and its card once. One image goes through a compiled call (a
`tf.function` with a fixed input signature: about a millisecond, where `model.predict` costs tens);
many go in batches. Answers below the card's calibrated threshold are marked uncertain, and a
picture with no ink gets "nothing to read" instead of a confident letter.

Words and lines are cut into pieces by `handwriting.words.segment` (a word drawn as pen strokes: one
piece per stroke); which pieces make one letter is decided here, by the model: every run of up
to four neighbouring pieces is read, and the split of the line with the best total score wins
(a broken E stays one letter, touching letters separate where the column profile allows it and
the letters read better apart). With a word model (`handwriting.words.model`, the shipped one by
default), its most probable texts for the line compete with that reading (`weigh`): it reads
overlapping pen letters that no cut of the picture separates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from handwriting import LETTERS
from handwriting.words.alignment import Candidates, align_scored, best_split
from handwriting.words.lexicon import Lexicon
from handwriting.cards import DEFAULT_THRESHOLD, load_card
from handwriting.paths import default_model_path, default_word_model_path
from handwriting.imaging.preprocess import (TEXT_SIDE, NoInkError, Preprocessed, extract_ink, letter_from_ink,
                                    preprocess_image)
from handwriting.words.segment import (Line, find_lines, group_image, line_ink, main_line, stroke_line,
                                  word_breaks, word_strokes)
from handwriting.imaging.strokes import DEFAULT_PEN_WIDTH, render_strokes
from handwriting.words.model import HEIGHT as STRIP_HEIGHT, WIDTH as STRIP_WIDTH, beam_search, greedy, \
    sequence_log_probability, strip

NOTHING = "nothing to read"
LETTER_PENALTY = 0.1   # log-score cost of each letter: fewer, better-read letters win ties
BATCH = 512
WORD_MODEL_WEIGHT = 1.5  # the letter model's split against the word model's log-probability (bench/tune_words.py)
UNCUT = 4.0            # a text no split of the pieces reads as scores this much below the letter model's own


@dataclass
class LetterReading:
    letter: str | None            # None when there is nothing to read (no ink)
    confidence: float             # probability of `letter`
    top_k: list[tuple[str, float]]
    uncertain: bool               # below the model card's calibrated threshold, or no ink
    preprocessed: Preprocessed | None  # the 28x28 input and what preprocessing decided
    message: str = ""             # e.g. "nothing to read"

    def to_dict(self) -> dict:
        return {"letter": self.letter, "confidence": round(self.confidence, 4),
                "top_k": [[c, round(p, 4)] for c, p in self.top_k], "uncertain": self.uncertain,
                **({"message": self.message} if self.message else {})}


@dataclass
class WordReading:
    word: str                     # the reading (the lexicon's correction if one applied, else raw)
    raw: str                      # what the letters read, always kept
    correction: str | None        # the lexicon's proposal, or None
    confidence: float             # probability of the raw reading (product over letters)
    uncertain: bool               # some letter is uncertain, or nothing to read
    letters: list[LetterReading]
    boxes: list[tuple[int, int, int, int]]  # (left, top, right, bottom) per letter in the input
    message: str = ""
    notes: list[str] = field(default_factory=list)
    strip: np.ndarray | None = None  # the line as the word model read it (uint8 32 x 256), if one did
    strip_text: str = ""             # ... and what it read there by itself

    def to_dict(self) -> dict:
        return {"word": self.word, "raw": self.raw, "correction": self.correction,
                "confidence": round(self.confidence, 4), "uncertain": self.uncertain,
                "letters": [dict(r.to_dict(), box=list(b)) for r, b in zip(self.letters, self.boxes)],
                **({"message": self.message} if self.message else {})}


@dataclass
class StripView:
    """One line as the word model saw it: the strip, its log-probabilities (columns x 27), and
    where the strip's ink sits in the line's ink (`scale` strip pixels per ink pixel, from `left`)."""
    strip: np.ndarray
    log_probs: np.ndarray
    scale: float
    left: int
    ink: np.ndarray


def _word_line(page, pieces) -> Line | None:
    """A word's line: in a picture the line with the most ink, from pen strokes all of them."""
    return main_line(page) if pieces is None else stroke_line(page, pieces)


def _is_strokes(source) -> bool:
    """Pen strokes: a list of lists of [x, y] points (not an image array, path or bytes)."""
    if not isinstance(source, (list, tuple)) or not source:
        return isinstance(source, (list, tuple))  # [] is an empty drawing
    first = source[0]
    return isinstance(first, (list, tuple, np.ndarray)) and len(first) > 0 and \
        isinstance(first[0], (list, tuple, np.ndarray)) and len(first[0]) == 2


class Recognizer:
    """A model and its card, loaded once; reads letters, words and lines of text."""

    def __init__(self, model_path: str | Path | None = None, word_model: str | Path | None = "default"):
        """`word_model`: a word model file (`handwriting.words.model`) weighed in when reading words
        and lines; "default" takes the shipped one if it is there, None reads with letters only."""
        # TensorFlow loads here, only when a model is really needed.
        from handwriting.letters.evaluate import load_keras_model
        from handwriting.letters.model import compiled_predictor

        path = Path(model_path) if model_path is not None else default_model_path()
        self.path = path
        self.model = load_keras_model(path)
        self.card = load_card(path)
        self.version = str(self.card.get("version", path.stem))
        self.threshold = float(self.card.get("uncertainty_threshold", DEFAULT_THRESHOLD))
        self.letters = str(self.card.get("letters", LETTERS))
        self._call = compiled_predictor(self.model)
        if word_model == "default":
            word_model = default_word_model_path() if default_word_model_path().is_file() else None
        self.word_model = None
        if word_model is not None:
            from handwriting.words.model import WordModel

            self.word_model = WordModel(Path(word_model))

    # ------------------------------------------------------------------------------ letters

    def warm(self) -> None:
        """Trace the compiled calls now: the first call of each costs hundreds of milliseconds,
        which the dashboard pays while loading rather than at someone's first pen-up."""
        self.probabilities(np.zeros((1, 28, 28), np.uint8))
        if self.word_model is not None:
            self.word_model.log_probs(np.zeros((1, STRIP_HEIGHT, STRIP_WIDTH), np.uint8))

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """uint8 N x 28 x 28 (white ink on black) -> float N x 26 letter probabilities."""
        x = np.asarray(images)
        if x.ndim == 2:
            x = x[None]
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise ValueError(f"expected N x 28 x 28 images, got shape {x.shape}")
        if len(x) == 0:
            return np.zeros((0, len(self.letters)), dtype=np.float32)
        x = x.astype(np.float32)
        out = [np.asarray(self._call(x[i:i + BATCH])) for i in range(0, len(x), BATCH)]
        return np.concatenate(out).astype(np.float32)

    def _reading(self, probs: np.ndarray, top_k: int, pre: Preprocessed | None, letter: str | None = None) -> LetterReading:
        """A letter's reading from its probabilities; `letter` when the word reader chose another
        than the most probable (its confidence is then that letter's probability)."""
        order = np.argsort(-probs)[:max(1, top_k)]
        top = [(self.letters[i], float(probs[i])) for i in order]
        letter, confidence = (letter, float(probs[self.letters.index(letter)])) if letter else top[0]
        uncertain = confidence < self.threshold
        return LetterReading(letter, confidence, top, uncertain, pre,
                             f"uncertain: below the threshold {self.threshold:.2f}" if uncertain else "")

    def _nothing(self, message: str = NOTHING) -> LetterReading:
        return LetterReading(None, 0.0, [], True, None, message)

    def read_images(self, images: np.ndarray, top_k: int = 5) -> list[LetterReading]:
        """Ready 28x28 model inputs (uint8 N x 28 x 28) -> one reading each, in one batch."""
        probs = self.probabilities(images)
        return [self._reading(p, top_k, Preprocessed(img)) for p, img in zip(probs, np.asarray(images))]

    def read_letter(self, source, top_k: int = 5) -> LetterReading:
        """One letter from a path, bytes, PIL image or grey/RGB/RGBA array.

        Raises ImageReadError (from preprocessing) when the source is not a readable picture;
        a blank picture gives a reading with letter None and message "nothing to read".
        """
        try:
            pre = preprocess_image(source)
        except NoInkError as e:
            return self._nothing(str(e))
        return self._reading(self.probabilities(pre.image[None])[0], top_k, pre)

    def read_letters(self, sources, top_k: int = 5) -> list[LetterReading]:
        """Many letters, preprocessed one by one and read in batches."""
        pres: list[Preprocessed | None] = []
        messages = []
        for source in sources:
            try:
                pres.append(preprocess_image(source))
                messages.append("")
            except NoInkError as e:
                pres.append(None)
                messages.append(str(e))
        ready = [p.image for p in pres if p is not None]
        probs = iter(self.probabilities(np.stack(ready)) if ready else [])
        return [self._reading(next(probs), top_k, p) if p is not None else self._nothing(m)
                for p, m in zip(pres, messages)]

    def read_strokes(self, strokes, top_k: int = 5, pen_width: float | None = None) -> LetterReading:
        """One letter drawn as pen strokes, rendered exactly as the training data was."""
        if not strokes or all(len(s) == 0 for s in strokes):
            return self._nothing("nothing to read: no strokes")
        image = render_strokes(strokes, pen_width or DEFAULT_PEN_WIDTH)
        pre = Preprocessed(image, inverted=False, bbox=None, threshold=None, notes=["rendered pen strokes"])
        return self._reading(self.probabilities(image[None])[0], top_k, pre)

    # ------------------------------------------------------------------------------ words

    def candidates(self, page, line: Line) -> Candidates:
        """Every readable run of up to MAX_GROUP pieces of `line`, read in one batch."""
        spans, images, boxes, priors = [], [], [], []
        for i, j in line.spans():
            image, box, prior = group_image(page, line, i, j)
            if image is not None:
                spans.append((i, j))
                images.append(image)
                boxes.append(box)
                priors.append(prior)
        probs = self.probabilities(np.stack(images)) if images else np.zeros((0, len(self.letters)), np.float32)
        return Candidates(spans, images, boxes, priors, probs, len(line.pieces))

    def _letter_split(self, line: Line, cands: Candidates) -> list[tuple[int, int]]:
        """The letter model's own reading: the split of the line with the best total score."""
        scores = {}
        for k, (i, j) in enumerate(cands.spans):
            best_letter = self.letters[int(cands.probs[k].argmax())]
            wide = line.width_cost(cands.boxes[k], best_letter) if j - i > 1 else 0.0
            scores[(i, j)] = math.log(max(float(cands.probs[k].max()), 1e-9)) + cands.priors[k] - wide - LETTER_PENALTY
        return best_split(scores, cands.pieces)

    def text_scores(self, page, line: Line, cands: Candidates, own: str):
        """The texts the word reader weighs for one line: the letter model's own reading `own` and
        the word model's most probable texts, each with its word-model log-probability and its best
        split of the pieces (runs, score) or None when no split reads as it. Returns (own's split
        score, {text: (log p, split)}, the line as the word model saw it), or None when the line
        gives no strip."""
        ink = line_ink(page, line)
        try:
            ink_strip, scale, (left, _) = strip(ink)
        except ValueError:
            return None
        log_probs = self.word_model.log_probs(ink_strip[None])[0]

        def split_as(text):
            return align_scored(lambda k: cands.probs[k], cands.spans, cands.priors, cands.pieces, text, LETTER_PENALTY)

        scored = {text: (sequence_log_probability(log_probs, text), split_as(text))
                  for text in {own} | {t for t, _ in beam_search(log_probs)} if text}
        own_split = scored[own][1][1] if scored[own][1] else -math.inf
        return own_split, scored, StripView(ink_strip, log_probs, scale, left, ink)

    @staticmethod
    def weigh(own: str, own_split: float, scored: dict, weight: float = WORD_MODEL_WEIGHT, uncut: float = UNCUT) -> str:
        """The text with the best word-model log-probability + `weight` x its split score (a text no
        split reads as, e.g. letters fused into one blob, scores `uncut` below the letter model's own)."""
        def total(text):
            logp, split = scored[text]
            return logp + weight * (max(split[1], own_split - uncut) if split else own_split - uncut)
        return max(sorted(scored), key=total) if scored else own

    def _choices(self, page, line: Line):
        """One line's candidates, the letter model's split and, with a word model, its own text and
        what the word model scores against it (`text_scores`; None without a word model, without
        cuts or without a strip): (cands, cuts, own, found)."""
        cands = self.candidates(page, line)
        cuts = self._letter_split(line, cands)
        if self.word_model is None or not cuts:
            return cands, cuts, None, None
        index = cands.index()
        own = "".join(self.letters[int(cands.probs[index[span]].argmax())] for span in cuts)
        return cands, cuts, own, self.text_scores(page, line, cands, own)

    def weighing(self, source):
        """What `weigh` chooses from for a word (its main line): (the letter model's own reading, its
        split score, {text: (log p, split)}), or None when there is no word model, no line or no
        strip. For choosing the weighing constants (bench/tune_words.py)."""
        page, pieces = self._page(source)
        line = _word_line(page, pieces)
        if self.word_model is None or line is None:
            return None
        _, _, own, found = self._choices(page, line)
        return None if found is None else (own, found[0], found[1])

    def _read_line(self, line: Line, page, top_k: int, lexicon: Lexicon | None) -> WordReading:
        """Choose the letters of one line of pieces and read them."""
        cands, cuts, own, found = self._choices(page, line)
        index = cands.index()
        forced, view = None, None  # the word model's text, when it wins; the line as it saw it
        if found is not None:
            own_split, scored, view = found
            best = self.weigh(own, own_split, scored)
            if best != own and scored[best][1] is None:  # no cut gives it: letters fused
                return self._frame_reading(page, line, best, view, top_k, lexicon)
            if best != own:
                forced, cuts = best, scored[best][1][0]
        breaks = word_breaks([cands.boxes[index[span]] for span in cuts], line.height)
        letters, letter_boxes, text, probs_of = [], [], [], []
        for a, (i, j) in enumerate(cuts):
            k = index[(i, j)]
            if a and (line.space_before(i) or a in breaks):
                text.append(" ")
            reading = self._reading(cands.probs[k], top_k, Preprocessed(cands.images[k], bbox=page.to_input(cands.boxes[k])),
                                    letter=forced[a] if forced else None)
            letters.append(reading)
            letter_boxes.append(page.to_input(cands.boxes[k]))
            probs_of.append(cands.probs[k])
            text.append(reading.letter)
        return self._word_reading("".join(text), letters, letter_boxes, probs_of, lexicon, line, view)

    def _frame_reading(self, page, line: Line, text: str, view: StripView,
                       top_k: int, lexicon: Lexicon | None) -> WordReading:
        """The word model's text where no split of the pieces reads as it: each letter is placed
        at the columns where the word model reads it, and read with its probabilities there (no
        spaces: the word model reads letters only)."""
        log_probs, scale, left = view.log_probs, view.scale, view.left
        _, columns = greedy(log_probs)
        if len(columns) != len(text):  # a beam text: place its letters evenly instead
            columns = list(np.linspace(0, len(log_probs) - 1, len(text) + 2)[1:-1].round().astype(int))
        ink_left = min(p.left for p in line.pieces)
        ink_right = max(p.right for p in line.pieces)
        y0, y1 = min(p.top for p in line.pieces), max(p.bottom for p in line.pieces)
        # Column c is strip pixels 4c..4c+3, and the line's ink starts at strip pixel 2: its centre,
        # 4c + 2, is 4c strip pixels into the ink.
        xs = [left + 4 * c / scale for c in columns]
        edges = [ink_left] + [int((a + b) / 2) for a, b in zip(xs, xs[1:])] + [ink_right]
        letters, boxes, probs_of = [], [], []
        ink = view.ink
        for a, c in enumerate(text):
            probs = np.exp(log_probs[columns[a], 1:])
            probs = (probs / probs.sum()).astype(np.float32)
            box = (int(edges[a]), y0, int(max(edges[a + 1], edges[a] + 1)), y1)
            try:
                image = letter_from_ink(ink[box[1]:box[3], box[0]:box[2]])[0]
                pre = Preprocessed(image, bbox=page.to_input(box), notes=["cut where the word model reads it"])
            except ValueError:
                pre = None
            letters.append(self._reading(probs, top_k, pre, letter=c))
            boxes.append(page.to_input(box))
            probs_of.append(probs)
        return self._word_reading(text, letters, boxes, probs_of, lexicon, line, view)

    def _word_reading(self, raw: str, letters: list[LetterReading], boxes, probs_of, lexicon, line: Line,
                      view: StripView | None = None) -> WordReading:
        confidence = float(np.prod([r.confidence for r in letters])) if letters else 0.0
        word, correction = raw, None
        if lexicon is not None and letters:
            word, correction = lexicon.correct_text(raw, list(letters), probs_of=probs_of)
        return WordReading(word, raw, correction, confidence, any(r.uncertain for r in letters),
                           letters, boxes, "", list(line.notes),
                           view.strip if view else None, greedy(view.log_probs)[0] if view else "")

    def _page(self, source):
        """The ink of a picture or of pen strokes, and for strokes one piece per stroke (None for a
        picture: its pieces are its connected components)."""
        if _is_strokes(source):
            return word_strokes(source)
        return extract_ink(source, max_side=TEXT_SIDE, text=True), None

    def _empty_word(self, message: str) -> WordReading:
        return WordReading("", "", None, 0.0, True, [], [], message)

    def read_word(self, source, top_k: int = 5, lexicon=None) -> WordReading:
        """One word (one line: the line with the most ink if there are more) from a picture or strokes."""
        lexicon = Lexicon.coerce(lexicon)
        try:
            page, pieces = self._page(source)
        except NoInkError as e:
            return self._empty_word(str(e))
        except ValueError as e:
            if _is_strokes(source):
                return self._empty_word(f"nothing to read: {e}")
            raise
        line = _word_line(page, pieces)
        if line is None:
            return self._empty_word(NOTHING)
        return self._read_line(line, page, top_k, lexicon)

    def read_text(self, source, top_k: int = 5, lexicon=None) -> list[WordReading]:
        """Every line of a card or page, top to bottom (an empty list when there is nothing to read)."""
        lexicon = Lexicon.coerce(lexicon)
        try:
            page, pieces = self._page(source)
        except NoInkError:
            return []
        return [self._read_line(line, page, top_k, lexicon) for line in find_lines(page, pieces)]
