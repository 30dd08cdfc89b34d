"""Word lists that propose corrections to a word read letter by letter.

A correction is the list word of the same length that the letter probabilities make most likely
(the sum of each letter's log probability). It is proposed only when the probabilities allow it:
every letter of it has some probability and the whole is not far less likely than the raw
reading; the raw reading is always kept beside it. Lists come from a user's file (one word per
line) or from the word frequencies shipped inside the `pyspellchecker` package (MIT; English,
French, German, Spanish and more), never downloaded at run time.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from handwriting import LETTERS
from handwriting.paths import cache_dir

MIN_LENGTH, MAX_LENGTH = 2, 12
MIN_LETTER_P = 0.005   # every letter of a correction must have at least this probability
MIN_RATIO = 1e-4       # and the correction at least this fraction of the raw reading's probability


def normalise(word: str) -> str:
    """Upper case, accents dropped ("Élodie" -> "ELODIE"); '' if anything but A-Z remains."""
    text = unicodedata.normalize("NFKD", word.strip()).encode("ascii", "ignore").decode().upper()
    return text if text and all(c in LETTERS for c in text) else ""


class Lexicon:
    """Words of 2-12 capitals, indexed by length for fast scoring."""

    def __init__(self, words: Iterable[str], name: str = "words", normalised: bool = False):
        """`normalised`: the words are already what `normalise` makes (the built-in list's cache)."""
        self.name = name
        by_length: dict[int, set[str]] = {}
        for w in words:
            n = w if normalised else normalise(w)
            if MIN_LENGTH <= len(n) <= MAX_LENGTH:
                by_length.setdefault(len(n), set()).add(n)
        self.words = {n: sorted(ws) for n, ws in by_length.items()}
        # Letter indices, from the ASCII bytes at once: a Python loop over 50,000 words cost ~1 s of
        # every dashboard kernel's start.
        self._codes = {n: (np.frombuffer("".join(ws).encode("ascii"), np.uint8).reshape(len(ws), n)
                           - ord(LETTERS[0])).astype(np.int16) for n, ws in self.words.items()}
        self._set = {w for ws in self.words.values() for w in ws}

    def __len__(self) -> int:
        return len(self._set)

    def __contains__(self, word: str) -> bool:
        return word in self._set

    @classmethod
    def from_file(cls, path: str | Path) -> "Lexicon":
        """One word per line (UTF-8; '#' starts a comment); other lines are skipped."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: lexicon file not found")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise ValueError(f"{path}: not a UTF-8 text file ({e})") from None
        words = [line.split("#", 1)[0] for line in text.splitlines()]
        lexicon = cls(words, name=path.name)
        if not len(lexicon):
            raise ValueError(f"{path}: no words of {MIN_LENGTH}-{MAX_LENGTH} letters A-Z in it")
        return lexicon

    @classmethod
    def builtin(cls, language: str = "en", top: int = 50_000) -> "Lexicon":
        """The `top` most frequent words of a language, from pyspellchecker's shipped lists.

        Reading and ranking a list costs ~0.4 s, in every dashboard kernel's start; so the words
        are kept in the cache folder, keyed by the package's version, and read back in ~0.02 s."""
        try:
            import spellchecker
        except ImportError:
            raise RuntimeError("the built-in word lists need the pyspellchecker package "
                               "(pip install pyspellchecker), or pass a word file") from None
        name = f"pyspellchecker:{language}"
        cached = cache_dir() / f"lexicon-{language}-{top}-pyspellchecker-{spellchecker.__version__}.txt"
        if (words := _read_cached(cached)) is not None:
            return cls(words, name=name, normalised=True)
        try:
            freq = spellchecker.SpellChecker(language=language, distance=1).word_frequency.dictionary
        except ValueError as e:
            raise ValueError(f"no built-in word list for language {language!r} ({e})") from None
        ranked = sorted(freq.items(), key=lambda kv: -kv[1])[:top]
        lexicon = cls((w for w, _ in ranked), name=name)
        _write_cached(cached, [w for ws in lexicon.words.values() for w in ws])
        return lexicon

    @classmethod
    def coerce(cls, value) -> "Lexicon | None":
        """A Lexicon, a path to a word file, 'builtin[:lang]', an iterable of words, or None."""
        if value is None or isinstance(value, Lexicon):
            return value
        if isinstance(value, (str, Path)):
            text = str(value)
            if text == "builtin" or text.startswith("builtin:"):
                return cls.builtin(text.partition(":")[2] or "en")
            return cls.from_file(value)
        return cls(value)

    def correct(self, probs: np.ndarray) -> str | None:
        """The most likely list word for per-letter probabilities (n x 26), if they allow one."""
        probs = np.asarray(probs, dtype=np.float64)
        n = len(probs)
        codes = self._codes.get(n)
        if codes is None or len(codes) == 0:
            return None
        logp = np.log(np.clip(probs, 1e-12, 1.0))
        scores = logp[np.arange(n), codes].sum(axis=1)
        best = int(np.argmax(scores))
        word = self.words[n][best]
        raw_score = float(logp.max(axis=1).sum())
        letter_p = probs[np.arange(n), codes[best]]
        if letter_p.min() < MIN_LETTER_P or scores[best] < raw_score + np.log(MIN_RATIO):
            return None
        return word

    def correct_text(self, raw: str, letters, probs_of) -> tuple[str, str | None]:
        """Correct each space-separated word of `raw`; returns (text, correction or None)."""
        out, k, changed = [], 0, False
        for chunk in raw.split(" "):
            n = len(chunk)
            probs = np.stack(probs_of[k:k + n]) if n else np.zeros((0, 26))
            k += n
            word = chunk
            if chunk and chunk not in self and MIN_LENGTH <= n <= MAX_LENGTH:
                proposal = self.correct(probs)
                if proposal is not None and proposal != chunk:
                    word, changed = proposal, True
            out.append(word)
        text = " ".join(out)
        return (text, text) if changed else (raw, None)


# ------------------------------------------------------------------------- the built-in list's cache

# The count of words, then one word a line: a file cut short at a line's end is caught by the count.
_CACHED = re.compile(rf"(\d+)\n((?:[A-Z]{{{MIN_LENGTH},{MAX_LENGTH}}}\n)+)")


def _read_cached(path: Path) -> list[str] | None:
    """The words of a cache file, or None if it is missing or damaged (then the list is built
    again): a cache is only a cache."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    if (match := _CACHED.fullmatch(text)) is None:
        return None
    words = match[2].split()
    return words if len(words) == int(match[1]) else None


def _write_cached(path: Path, words: list[str]) -> None:
    """Written beside its name and renamed into place, so a kernel starting meanwhile never reads
    half of it; a folder that cannot be written only costs the build next time."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(f"{len(words)}\n" + "".join(w + "\n" for w in words), encoding="ascii")
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
