"""Words composed of real letter pictures on paper: the word bench's test words (a), and others.

Real letters from shared/data/real_letters_raw.zip (scans and photos of letters written alone),
cut to their ink and set side by side into random English words of 2-12 letters with random gaps,
baseline jitter and letter sizes, dark ink on paper; each word's letters from one source in turn
(one hand per word), a quarter of them with one lightly touching pair. `bench/bench_words.py`
reads them with seed 0; `bench/tune_words.py` tunes on other words drawn with another seed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from handwriting import LETTERS
from handwriting.imaging.compose import compose
from handwriting.imaging.ink import NoInkError, extract_ink
from handwriting.imaging.letter import letter_components
from handwriting.imaging.paper import on_paper
from handwriting.words.lexicon import Lexicon


class Crop(NamedTuple):
    file: str  # its name in real_letters_raw.zip
    ink: np.ndarray  # soft ink, 0-1, the letter's components only, cut to its box


def real_letter_inks(zip_path: Path, per_letter: int, rng, exclude=frozenset()) -> dict[str, dict[str, list[Crop]]]:
    """Real letters from the raw zip: source -> letter -> up to `per_letter` crops, less those in
    `exclude` (file names)."""
    with zipfile.ZipFile(zip_path) as z:
        names = [n for n in z.namelist() if n.lower().endswith((".png", ".jpg"))]
        by_source: dict[str, dict[str, list[str]]] = {}
        for n in names:
            source, letter = n.split("/")[-3:-1]
            by_source.setdefault(source, {}).setdefault(letter, []).append(n)
        out: dict[str, dict[str, list[Crop]]] = {}
        for source, by_letter in sorted(by_source.items()):
            out[source] = {}
            for letter in LETTERS:
                files = by_letter.get(letter, [])
                crops = []
                for n in rng.choice(files, size=min(per_letter, len(files)), replace=False) if files else []:
                    if n in exclude:
                        continue
                    try:
                        page = extract_ink(z.read(n))
                    except NoInkError:  # a handful of the originals are blank
                        continue
                    mask, _ = letter_components(page.mask)
                    ink = page.ink * mask
                    rows, cols = np.flatnonzero(ink.max(axis=1) > 0.1), np.flatnonzero(ink.max(axis=0) > 0.1)
                    crops.append(Crop(str(n), ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]))
                out[source][letter] = crops
    return out


def word_picture(word: str, inks, rng, touching: bool, height: int = 56) -> tuple[np.ndarray, list[np.ndarray], list[str]]:
    """A grey picture (dark ink on light paper) of `word` made of real letters; the letters' ink as
    drawn there, and their files."""
    crops, scales = [], []
    for c in word:
        crop = inks[c][rng.integers(len(inks[c]))]
        crops.append(crop)
        scales.append(height * rng.uniform(0.8, 1.2) / crop.ink.shape[0])
    pair = rng.integers(len(word) - 1) if touching and len(word) > 1 else -1
    drops, gaps = [], []
    for k in range(len(word)):
        drops.append(int(rng.normal(0, 0.05 * height)))
        # after the touching pair's first letter the next touches it; elsewhere, apart
        gaps.append(-rng.uniform(0.0, 0.08) * height if k == pair else rng.uniform(0.12, 0.5) * height)
    margin = height
    composed = compose([c.ink for c in crops], gaps, drops, scales=scales, margin=margin,
                       line=(int(2.2 * height) + 2 * margin, margin + int(1.3 * height)))
    return on_paper(composed.ink, grain=0.015, rng=rng), composed.letters, [c.file for c in crops]


class Composed(NamedTuple):
    word: str
    source: str
    touching: bool  # one pair of its letters touches
    picture: np.ndarray  # dark ink on light paper
    pieces: list[np.ndarray]  # its letters' ink as drawn there
    files: list[str]  # its letters' files in real_letters_raw.zip


def composed_pictures(data: Path, count: int, seed: int = 0, exclude=frozenset()):
    """`count` words in order, from the raw zip in the folder `data`. Each word is written by one
    hand: all its letters come from one source, the sources in turn. Letters whose file is in
    `exclude` are never used."""
    rng = np.random.default_rng(seed)
    words = [w for n in range(2, 13) for w in Lexicon.builtin("en", top=20000).words.get(n, [])]
    inks = real_letter_inks(data / "real_letters_raw.zip", 40, rng, exclude)
    sources = sorted(inks)
    for k in range(count):
        n = int(rng.integers(2, 13))
        pool = [w for w in words if len(w) == n] or words
        word = pool[rng.integers(len(pool))]
        source = sources[k % len(sources)]
        touching = k % 4 == 3
        yield Composed(word, source, touching, *word_picture(word, inks[source], rng, touching))
