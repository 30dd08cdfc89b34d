"""Letters and not-letters as the word reader sees them: the candidates of composed words.

A word is read by cutting its ink into pieces and reading every run of neighbouring pieces
(`handwriting.words.segment`, `handwriting.words.reading`). A model trained on whole, clean letters has
never seen most of those candidates: a letter whose overlapping neighbour was cut away, a letter
with a sliver of its neighbour, a part of a letter, two letters as one. So the word reader can
prefer a confident wrong cut to the right one.

Here words are composed from training letters (apart, touching and overlapping, as pen words
are), cut by the real segmenter, and every candidate the reader would look at is labelled by the
ink it holds: all of one letter and little else -> that letter; a part of a letter or more than
one letter -> not a letter (the uniform target, as for `handwriting.data.not_letters`). Candidates in
between are left out. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import numpy as np

from handwriting.data.not_letters import NOT_A_LETTER
from handwriting.imaging.compose import Composed, compose, ink_crop
from handwriting.imaging.ink import InkImage
from handwriting.imaging.measure import stroke_width
from handwriting.words.line import group_image
from handwriting.words.segment import main_line

HEIGHT = 48          # letter height (pixels) while composing: the segmenter's working scale for words
WHOLE = 0.9          # a candidate holding this much of one letter's ink, and as pure, is that letter
PARTIAL = 0.75       # ... below this (of the letter, or of purity) it is surely not that letter


def compose_word(crops: list[np.ndarray], rng: np.random.Generator) -> Composed:
    """Letter crops (`HEIGHT` high) composed into a word as the word reader meets them: gaps from
    overlapping (a pen word's touching letters) to well apart, letters a little bigger or smaller,
    on a jittered baseline. Its `owner()` says whose ink is whose: the ink the segmenter sees."""
    scales = [rng.uniform(0.85, 1.15) for _ in crops]
    gaps = [rng.uniform(-0.2, 0.35) * HEIGHT for _ in crops[1:]]
    drops = [rng.normal(0, 0.05) * HEIGHT for _ in crops]
    margin = HEIGHT // 2
    return compose(crops, gaps, drops, scales=scales, overlap=0.3, margin=margin,
                   line=(int(1.6 * HEIGHT) + 2 * margin, margin + int(1.3 * HEIGHT)))


def label_candidate(own: np.ndarray, owner: np.ndarray, letters: list[int]) -> int | None:
    """The label of a candidate whose ink is the boolean mask `own`: a letter's class, -1 for not a
    letter, None when it is neither clearly (left out of training)."""
    held = owner[own]
    held = held[held >= 0]
    if len(held) == 0:
        return None
    counts = np.bincount(held, minlength=len(letters))
    best = int(counts.argmax())
    cover = counts[best] / max(int((owner == best).sum()), 1)
    purity = counts[best] / len(held)
    if cover >= WHOLE and purity >= WHOLE:
        return letters[best]
    if cover < PARTIAL or purity < PARTIAL:
        return NOT_A_LETTER
    return None


def candidates(ink: np.ndarray, owner: np.ndarray, letters: list[int]) -> tuple[list[np.ndarray], list[int]]:
    """Every candidate the word reader would read in this composed word, with its label."""
    mask = ink > 0.5
    page = InkImage(ink, mask, (1.0, 1.0), False, 0.5, "drawing", stroke_width(mask), [])
    line = main_line(page)
    images, labels = [], []
    if line is None:
        return images, labels
    for i, j in line.spans():
        image, _, _ = group_image(page, line, i, j)
        if image is None:
            continue
        own = np.zeros_like(mask)
        for p in line.pieces[i:j]:
            own[p.top:p.bottom, p.left:p.right] |= p.mask
        label = label_candidate(own, owner, letters)
        if label is not None:
            images.append(image)
            labels.append(label)
    return images, labels


def word_pieces(images: np.ndarray, labels: np.ndarray, count: int, seed: int = 0,
                not_letter_share: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """`count` candidates cut from words composed of the given 28x28 letters: (uint8 N x 28 x 28,
    labels with -1 for not a letter), about `not_letter_share` of them not letters."""
    rng = np.random.default_rng(seed)
    want_not = round(not_letter_share * count)
    xs: list[np.ndarray] = []
    ys: list[int] = []
    made_not = made_letters = 0
    attempts = 0
    while made_not + made_letters < count:
        attempts += 1
        if attempts > 2 * count + 100:
            raise ValueError("could not cut candidates from words of these images (are they blank?)")
        picks = rng.integers(len(images), size=int(rng.integers(2, 6)))
        crops = [ink_crop(images[i], HEIGHT) for i in picks]
        if any(c is None for c in crops):
            continue
        word = compose_word(crops, rng)
        for image, label in zip(*candidates(word.ink, word.owner(), [int(labels[i]) for i in picks])):
            if label == NOT_A_LETTER and made_not < want_not:
                made_not += 1
            elif label != NOT_A_LETTER and made_letters < count - want_not:
                made_letters += 1
            else:
                continue
            xs.append(image)
            ys.append(label)
    return np.stack(xs).astype(np.uint8), np.array(ys, dtype=np.int32)
