"""Read letters, words and lines with a trained model: the one place the dashboard and CLI ask.

A `Recognizer` loads the model and its card once. One image goes through a compiled call (a
`tf.function` with a fixed input signature: about a millisecond, where `model.predict` costs tens);
many go in batches. Answers below the card's calibrated threshold are marked uncertain, and a
picture with no ink gets "nothing to read" instead of a confident letter.

Words and lines are cut into pieces by `handwriting.segment` (a word drawn as pen strokes: one
piece per stroke); which pieces make one letter is decided here, by the model: every run of up
to four neighbouring pieces is read, and the split of the line with the best total score wins
(a broken E stays one letter, touching letters separate where the column profile allows it and
the letters read better apart).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from handwriting import LETTERS
from handwriting.lexicon import Lexicon
from handwriting.modelcard import DEFAULT_THRESHOLD, load_card
from handwriting.paths import default_model_path
from handwriting.preprocess import (TEXT_SIDE, NoInkError, Preprocessed, extract_ink,
                                    preprocess_image)
from handwriting.segment import (MAX_GROUP, Line, find_lines, group_image, main_line, stroke_line,
                                  word_breaks, word_strokes)
from handwriting.strokes import DEFAULT_PEN_WIDTH, render_strokes

NOTHING = "nothing to read"
LETTER_PENALTY = 0.1   # log-score cost of each letter: fewer, better-read letters win ties
BATCH = 512


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

    def to_dict(self) -> dict:
        return {"word": self.word, "raw": self.raw, "correction": self.correction,
                "confidence": round(self.confidence, 4), "uncertain": self.uncertain,
                "letters": [dict(r.to_dict(), box=list(b)) for r, b in zip(self.letters, self.boxes)],
                **({"message": self.message} if self.message else {})}


def _is_strokes(source) -> bool:
    """Pen strokes: a list of lists of [x, y] points (not an image array, path or bytes)."""
    if not isinstance(source, (list, tuple)) or not source:
        return isinstance(source, (list, tuple))  # [] is an empty drawing
    first = source[0]
    return isinstance(first, (list, tuple, np.ndarray)) and len(first) > 0 and \
        isinstance(first[0], (list, tuple, np.ndarray)) and len(first[0]) == 2


class Recognizer:
    """A model and its card, loaded once; reads letters, words and lines of text."""

    def __init__(self, model_path: str | Path | None = None):
        # TensorFlow loads here, only when a model is really needed.
        from handwriting.evaluate import load_keras_model
        from handwriting.model import compiled_predictor

        path = Path(model_path) if model_path is not None else default_model_path()
        self.path = path
        self.model = load_keras_model(path)
        self.card = load_card(path)
        self.version = str(self.card.get("version", path.stem))
        self.threshold = float(self.card.get("uncertainty_threshold", DEFAULT_THRESHOLD))
        self.letters = str(self.card.get("letters", LETTERS))
        self._call = compiled_predictor(self.model)

    # ------------------------------------------------------------------------------ letters

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

    def _reading(self, probs: np.ndarray, top_k: int, pre: Preprocessed | None) -> LetterReading:
        order = np.argsort(-probs)[:max(1, top_k)]
        top = [(self.letters[i], float(probs[i])) for i in order]
        letter, confidence = top[0]
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

    def _read_line(self, line: Line, page, top_k: int, lexicon: Lexicon | None) -> WordReading:
        """Choose the letters of one line of pieces (best-scoring split) and read them."""
        n = len(line.pieces)
        spans = line.spans()
        images, boxes, priors = [], [], []
        for i, j in spans:
            img, box, prior = group_image(page, line, i, j)
            images.append(img)
            boxes.append(box)
            priors.append(prior)
        probs = self.probabilities(np.stack(images)) if images else np.zeros((0, 26))
        score = {}
        for k, (i, j) in enumerate(spans):
            if images[k] is None:
                continue
            best_letter = self.letters[int(probs[k].argmax())]
            wide = line.width_cost(boxes[k], best_letter) if j - i > 1 else 0.0
            score[(i, j)] = math.log(max(float(probs[k].max()), 1e-9)) + priors[k] - wide - LETTER_PENALTY
        # Best split of pieces 0..n into consecutive runs (dynamic programming).
        best = [-math.inf] * (n + 1)
        back = [0] * (n + 1)
        best[0] = 0.0
        for j in range(1, n + 1):
            for i in range(max(0, j - MAX_GROUP), j):
                s = score.get((i, j))
                if s is not None and best[i] + s > best[j]:
                    best[j], back[j] = best[i] + s, i
        cuts, j = [], n
        while j > 0:
            cuts.append((back[j], j))
            j = back[j]
        cuts.reverse()
        index = {span: k for k, span in enumerate(spans)}
        breaks = word_breaks([boxes[index[span]] for span in cuts], line.height)
        letters, letter_boxes, text = [], [], []
        for a, (i, j) in enumerate(cuts):
            k = index[(i, j)]
            if a and (line.space_before(i) or a in breaks):
                text.append(" ")
            reading = self._reading(probs[k], top_k, Preprocessed(images[k], bbox=page.to_input(boxes[k])))
            letters.append(reading)
            letter_boxes.append(page.to_input(boxes[k]))
            text.append(reading.letter)
        raw = "".join(text)
        confidence = float(np.prod([r.confidence for r in letters])) if letters else 0.0
        word, correction = raw, None
        if lexicon is not None and letters:
            word, correction = lexicon.correct_text(raw, [r for r in letters], probs_of=[
                probs[index[span]] for span in cuts])
        return WordReading(word, raw, correction, confidence, any(r.uncertain for r in letters),
                           letters, letter_boxes, "", list(line.notes))

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
        line = main_line(page) if pieces is None else stroke_line(page, pieces)
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
