"""What the recogniser answers: a letter's reading and a word's (or a line's), with `to_dict` for JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from handwriting.imaging.letter import Preprocessed

NOTHING = "nothing to read"


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
    strip_text: str = ""             # ... and what it read there by itself, as written
    as_written: str = ""             # the reading with its case (raw's letters, each upper or lower)
    alternatives: list[tuple[str, float]] = field(default_factory=list)  # the word model's best texts as written
    read_from: str = ""              # what the word model read: "picture" (the strip) or "pen" (the strokes)

    def to_dict(self) -> dict:
        return {"word": self.word, "raw": self.raw, "as_written": self.as_written, "correction": self.correction,
                "confidence": round(self.confidence, 4), "uncertain": self.uncertain,
                "letters": [dict(r.to_dict(), box=list(b)) for r, b in zip(self.letters, self.boxes)],
                "alternatives": [[t, round(p, 4)] for t, p in self.alternatives],
                **({"message": self.message} if self.message else {})}


def nothing_read(message: str = NOTHING) -> LetterReading:
    """A letter reading with no letter: a blank picture, no strokes."""
    return LetterReading(None, 0.0, [], True, None, message)


def no_word(message: str) -> WordReading:
    """A word reading with no letters, saying why."""
    return WordReading("", "", None, 0.0, True, [], [], message)
