"""Read letters, words and lines with the trained models: the one place the dashboard and CLI ask.

A `Recognizer` loads the letter model with its card (`handwriting.letters.reader`) and, by
default, the shipped word model (`handwriting.words.model`), once. Answers below the card's
calibrated threshold are marked uncertain, and a picture with no ink gets "nothing to read"
instead of a confident letter.

Words and lines are cut into pieces by `handwriting.words.segment` (a word drawn as pen strokes: one
piece per stroke); which pieces make one letter, and whether the word model's text wins over the
letter model's, is decided by `handwriting.words.reading`. Where the word model's text wins and no
cut of the pieces reads as it (letters fused into one blob), its letters are placed where the word
model reads them (`handwriting.words.placement`). A line the word model reads in lower or mixed
case is its alone: cut into words at wide gaps, each word is its most probable text, letters placed
where it reads them. Every reading keeps the text as written (`as_written`, with its case) beside
`raw` (A-Z) and the word model's top alternatives. This module turns those choices into readings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from handwriting.imaging.ink import TEXT_SIDE, NoInkError, extract_ink
from handwriting.imaging.letter import Preprocessed, preprocess_image
from handwriting.imaging.strokes import DEFAULT_PEN_WIDTH, render_strokes
from handwriting.letters.reader import LetterModel
from handwriting.paths import default_pen_model_path, default_word_model_path
from handwriting.recognize.results import NOTHING, LetterReading, WordReading, no_word, nothing_read
from handwriting.words.lexicon import Lexicon
from handwriting.words.line import Line
from handwriting.words.model import HEIGHT as STRIP_HEIGHT, WIDTH as STRIP_WIDTH, WordModel
from handwriting.words.placement import place_letters
from handwriting.words.pen import POINTS, FEATURES, PenModel
from handwriting.words.reading import StripView, Weighing, choose, line_view
from handwriting.words.segment import find_lines, main_line, stroke_line, word_breaks, word_groups, word_strokes

PLACED_NOTE = "cut where the word model reads it"
SHOWN = 1e-3  # the word model's texts a reading lists: those at least this share as probable as the best


def _is_strokes(source) -> bool:
    """Pen strokes: a list of lists of [x, y] points (not an image array, path or bytes)."""
    if not isinstance(source, (list, tuple)) or not source:
        return isinstance(source, (list, tuple))  # [] is an empty drawing
    first = source[0]
    return isinstance(first, (list, tuple, np.ndarray)) and len(first) > 0 and \
        isinstance(first[0], (list, tuple, np.ndarray)) and len(first[0]) == 2


def _page(source):
    """The ink of a picture or of pen strokes, and for strokes one piece per stroke (None for a
    picture: its pieces are its connected components)."""
    if _is_strokes(source):
        return word_strokes(source)
    return extract_ink(source, max_side=TEXT_SIDE, text=True), None


def _word_line(page, pieces) -> Line | None:
    """A word's line: in a picture the line with the most ink, from pen strokes all of them."""
    return main_line(page) if pieces is None else stroke_line(page, pieces)


class Recognizer:
    """A letter model and its card, and a word model, loaded once; reads letters, words and lines."""

    def __init__(self, model_path: str | Path | None = None, word_model: str | Path | None = "default",
                 runtime: str | None = None, pen_model: str | Path | None = "default"):
        """`word_model`: a word model file (`handwriting.words.model`) weighed in when reading words
        and lines from pictures; `pen_model`: a pen model file (`handwriting.words.pen`) that reads
        them from pen strokes instead. "default" takes the shipped one if it is there, None goes
        without. `runtime`: what answers the models, "auto", "litert" or "keras" (`handwriting.runtime`)."""
        self.letter_model = LetterModel(model_path, runtime)
        if word_model == "default":
            word_model = default_word_model_path() if default_word_model_path().is_file() else None
        if pen_model == "default":
            pen_model = default_pen_model_path() if default_pen_model_path().is_file() else None
        self.word_model = WordModel(Path(word_model), runtime) if word_model is not None else None
        self.pen_model = PenModel(Path(pen_model), runtime) if pen_model is not None else None

    # The letter model's file, card, version, threshold and letters, as the callers ask the Recognizer.
    path = property(lambda self: self.letter_model.path)
    card = property(lambda self: self.letter_model.card)
    version = property(lambda self: self.letter_model.version)
    threshold = property(lambda self: self.letter_model.threshold)
    letters = property(lambda self: self.letter_model.letters)

    def warm(self) -> None:
        """Make the first call of each model now: through Keras it traces (hundreds of milliseconds),
        which the dashboard pays while loading rather than at someone's first pen-up."""
        self.probabilities(np.zeros((1, 28, 28), np.uint8))
        if self.word_model is not None:
            self.word_model.log_probs(np.zeros((1, STRIP_HEIGHT, STRIP_WIDTH), np.uint8))
        if self.pen_model is not None:
            self.pen_model.log_probs(np.zeros((1, POINTS, FEATURES), np.float32))

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """uint8 N x 28 x 28 (white ink on black) -> float N x 26 letter probabilities, batched."""
        return self.letter_model.probabilities(images)

    # ------------------------------------------------------------------------------ letters

    def read_letter(self, source, top_k: int = 5) -> LetterReading:
        """One letter from a path, bytes, PIL image or grey/RGB/RGBA array.

        Raises ImageReadError (from preprocessing) when the source is not a readable picture;
        a blank picture gives a reading with letter None and message "nothing to read".
        """
        try:
            pre = preprocess_image(source)
        except NoInkError as e:
            return nothing_read(str(e))
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
        return [self._reading(next(probs), top_k, p) if p is not None else nothing_read(m)
                for p, m in zip(pres, messages)]

    def read_strokes(self, strokes, top_k: int = 5, pen_width: float | None = None) -> LetterReading:
        """One letter drawn as pen strokes, rendered exactly as the training data was."""
        if not strokes or all(len(s) == 0 for s in strokes):
            return nothing_read("nothing to read: no strokes")
        image = render_strokes(strokes, pen_width or DEFAULT_PEN_WIDTH)
        pre = Preprocessed(image, inverted=False, bbox=None, threshold=None, notes=["rendered pen strokes"])
        return self._reading(self.probabilities(image[None])[0], top_k, pre)

    def _reading(self, probs: np.ndarray, top_k: int, pre: Preprocessed | None,
                 letter: str | None = None) -> LetterReading:
        """A letter's reading from its probabilities; `letter` when the word reader chose another
        than the most probable (its confidence is then that letter's probability)."""
        order = np.argsort(-probs)[:max(1, top_k)]
        top = [(self.letters[i], float(probs[i])) for i in order]
        letter, confidence = (letter, float(probs[self.letters.index(letter)])) if letter else top[0]
        uncertain = confidence < self.threshold
        return LetterReading(letter, confidence, top, uncertain, pre,
                             f"uncertain: below the threshold {self.threshold:.2f}" if uncertain else "")

    # ------------------------------------------------------------------------------ words

    def read_word(self, source, top_k: int = 5, lexicon=None) -> WordReading:
        """One word (one line: the line with the most ink if there are more) from a picture or strokes."""
        lexicon = Lexicon.coerce(lexicon)
        try:
            page, pieces = _page(source)
        except NoInkError as e:
            return no_word(str(e))
        except ValueError as e:
            if _is_strokes(source):
                return no_word(f"nothing to read: {e}")
            raise
        line = _word_line(page, pieces)
        if line is None:
            return no_word(NOTHING)
        return self._read_line(line, page, top_k, lexicon)

    def read_text(self, source, top_k: int = 5, lexicon=None) -> list[WordReading]:
        """Every line of a card or page, top to bottom (an empty list when there is nothing to read)."""
        lexicon = Lexicon.coerce(lexicon)
        try:
            page, pieces = _page(source)
        except NoInkError:
            return []
        return [self._read_line(line, page, top_k, lexicon, words=True) for line in find_lines(page, pieces)]

    def weighing(self, source) -> Weighing | None:
        """What the word reader chooses from for a word (its main line), or None when there is no
        word model, no line or no strip: `weighing(...).choose(weight, uncut)` is the text it reads
        with those constants. For choosing the constants (bench/tune_words.py)."""
        page, pieces = _page(source)
        line = _word_line(page, pieces)
        if (self.word_model is None and self.pen_model is None) or line is None:
            return None
        return choose(self.letter_model, self.word_model, page, line, self.pen_model).weighing

    def _read_line(self, line: Line, page, top_k: int, lexicon: Lexicon | None, words: bool = False) -> WordReading:
        """Choose the letters of one line of pieces and read them (`words`: a line of a text, which
        the word model reads word by word where wide gaps part them)."""
        chosen = choose(self.letter_model, self.word_model, page, line, self.pen_model)
        if chosen.cands is None:  # the word model reads it in lower or mixed case: the letter model cannot
            return self._model_reading(page, line, chosen.view, top_k, lexicon, words)
        cands, cuts, weighing, view = chosen.cands, chosen.cuts, chosen.weighing, chosen.view
        forced = None  # the word model's text, when it wins
        if weighing is not None:
            best = weighing.choose()
            if best != weighing.own and weighing.scored[best].split is None:  # no cut gives it: letters fused
                return self._placed_reading(page, [(line, best, view)], top_k, lexicon, line, view)
            if best != weighing.own:
                forced, cuts = best, weighing.scored[best].split.runs
        index = cands.index()
        breaks = word_breaks([cands.boxes[index[span]] for span in cuts], line.height)
        letters, letter_boxes, text, probs_of = [], [], [], []
        for a, (i, j) in enumerate(cuts):
            k = index[(i, j)]
            if a and (line.space_before(i) or a in breaks):
                text.append(" ")
            box = page.to_input(cands.boxes[k])
            reading = self._reading(cands.probs[k], top_k, Preprocessed(cands.images[k], bbox=box),
                                    letter=forced[a] if forced else None)
            letters.append(reading)
            letter_boxes.append(box)
            probs_of.append(cands.probs[k])
            text.append(reading.letter)
        return self._word_reading("".join(text), letters, letter_boxes, probs_of, lexicon, line, view)

    def _model_reading(self, page, line: Line, view: StripView, top_k: int, lexicon: Lexicon | None,
                       words: bool) -> WordReading:
        """A line the word model reads alone: each word its most probable text, letters placed where it
        reads them. A line of a text (`words`) is cut into words at wide gaps (`word_groups`); a word
        is read whole, since a wide gap inside one (a pen lifted far) would part it."""
        groups = word_groups(line) if words else [line]
        views = [view] if len(groups) == 1 else [line_view(self.word_model, self.pen_model, page, group) for group in groups]
        # The best text as written: folding the cases first would merge "Aa" in "Aaron" into one letter.
        read = [(group, v.beams[0][0], v) for group, v in zip(groups, views) if v is not None]
        return self._placed_reading(page, [w for w in read if w[1]], top_k, lexicon, line, view)

    def _placed_reading(self, page, words: list[tuple[Line, str, StripView]], top_k: int,
                        lexicon: Lexicon | None, line: Line, view: StripView) -> WordReading:
        """The word model's texts (one per word of the line, as written or A-Z) where no split of the
        pieces reads as them, each letter read with the word model's probabilities where it places it;
        `view`: the whole line as the word model saw it (its strip and alternatives)."""
        letters, boxes, probs_of, raw, written = [], [], [], [], []
        for group, cased, seen in words:
            text = cased.upper()
            for c, placed in zip(text, place_letters(group, seen, text)):
                box = page.to_input(placed.box)
                pre = None if placed.image is None else Preprocessed(placed.image, bbox=box, notes=[PLACED_NOTE])
                letters.append(self._reading(placed.probs, top_k, pre, letter=c))
                boxes.append(box)
                probs_of.append(placed.probs)
            raw.append(text)
            written.append(cased)
        if not letters:
            return no_word(NOTHING)
        return self._word_reading(" ".join(raw), letters, boxes, probs_of, lexicon, line, view, " ".join(written))

    def _word_reading(self, raw: str, letters: list[LetterReading], boxes, probs_of, lexicon, line: Line,
                      view: StripView | None = None, written: str | None = None) -> WordReading:
        """The reading of a line's letters (`raw`: A-Z, spaces between words; `written`: with its case,
        where the word model read it; a line it read in capitals is as written as `raw`)."""
        confidence = float(np.prod([r.confidence for r in letters])) if letters else 0.0
        word, correction = raw, None
        if lexicon is not None and letters:
            word, correction = lexicon.correct_text(raw, list(letters), probs_of=probs_of)
        written = raw if written is None else written
        beams = view.beams if view is not None else []
        alternatives = [(text, float(np.exp(p))) for text, p in beams if p >= beams[0][1] + np.log(SHOWN)]
        return WordReading(word, raw, correction, confidence, any(r.uncertain for r in letters),
                           letters, boxes, "", list(line.notes),
                           view.strip if view else None, view.written if view else "", written, alternatives,
                           view.read_from if view else "")
