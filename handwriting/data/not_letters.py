"""Pictures that are not one letter, made from letters: for teaching the model to say "unsure".

Reading a word means reading many candidate cuts of it, and many candidates are wrong: two
touching letters read as one, or a letter with a sliver of its neighbour. A classifier trained
only on whole letters answers those confidently too (a U touching an N makes a fine W), so the
word reader cannot tell a good cut from a bad one. Training on such pieces with the uniform
distribution as the target (outlier exposure, Hendrycks et al., ICLR 2019) teaches the model to
spread its probability over all letters for them, and keeps the 26-letter output unchanged.

Every picture is built from the training letters themselves, in their 28x28 form, and fitted and
centred exactly as a letter would be. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from handwriting.imaging.preprocess import NoInkError, fit_and_center

NOT_A_LETTER = -1  # the label of a not-letter: its training target is the uniform distribution over A-Z
KINDS = ("pair", "letter_and_sliver")
HEIGHT = 40  # working height (pixels) of a letter while composing


def ink_crop(image: np.ndarray, height: int = HEIGHT) -> np.ndarray | None:
    """A 28x28 letter's ink box, as floats 0-1, scaled to `height` pixels high (None if blank)."""
    mask = image > 40
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) < 2 or len(cols) < 1:
        return None
    crop = image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].astype(np.float32) / 255
    scale = height / crop.shape[0]
    width = max(2, round(crop.shape[1] * scale))
    return np.asarray(Image.fromarray(crop).resize((width, height), Image.Resampling.BILINEAR))


def _side_by_side(a: np.ndarray, b: np.ndarray, gap: int, drop: int) -> np.ndarray:
    """`b` placed `gap` pixels right of `a` (negative: overlapping), `drop` pixels lower."""
    top_a, top_b = max(0, -drop), max(0, drop)
    height = max(top_a + a.shape[0], top_b + b.shape[0])
    start_b = max(0, a.shape[1] + gap)
    width = max(a.shape[1], start_b + b.shape[1])
    canvas = np.zeros((height, width), dtype=np.float32)
    canvas[top_a:top_a + a.shape[0], :a.shape[1]] = a
    region = canvas[top_b:top_b + b.shape[0], start_b:start_b + b.shape[1]]
    np.maximum(region, b, out=region)
    return canvas


def _gap(a: np.ndarray, b: np.ndarray, low: float, high: float, rng: np.random.Generator) -> int:
    """A gap of low..high letter heights between a and b (negative: touching, overlapping), never
    overlapping so far that a thin letter hides inside its neighbour."""
    return int(max(rng.uniform(low, high) * HEIGHT, -0.3 * min(a.shape[1], b.shape[1])))


def _one(kind: str, a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """One not-letter of `kind` from letter crops a and b, or None if these two cannot make one."""
    if kind == "pair":  # two letters, touching or nearly so, read as one
        size = rng.uniform(0.85, 1.15)
        b = np.asarray(Image.fromarray(b).resize((max(2, round(b.shape[1] * size)), round(HEIGHT * size))))
        return _side_by_side(a, b, _gap(a, b, -0.15, 0.12, rng), int(rng.normal(0, 0.06) * HEIGHT))
    # "letter_and_sliver": a letter cut too far into its neighbour. (Half a letter is not made:
    # the left half of an O is a fine C, and teaching the model to doubt it would cost real C's.)
    part = max(2, int(rng.uniform(0.2, 0.45) * b.shape[1]))
    left = rng.random() < 0.5
    sliver = b[:, :part] if left else b[:, -part:]
    rows = np.flatnonzero(sliver.max(axis=1) > 0.3)
    if part < 0.15 * HEIGHT or sliver.sum() < 0.2 * a.sum() or len(rows) == 0 or rows[-1] - rows[0] < 0.3 * HEIGHT:
        return None  # a dot, a wisp or a thin edge beside a letter is still that letter
    gap = _gap(a, sliver, -0.08, 0.1, rng)
    return _side_by_side(a, sliver, gap, 0) if left else _side_by_side(sliver, a, gap, 0)


def not_letters(images: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """`count` uint8 28x28 pictures that are not one letter, made from the given letter images."""
    rng = np.random.default_rng(seed)
    out = np.zeros((count, 28, 28), dtype=np.uint8)
    made = 0
    attempts = 0
    while made < count:
        attempts += 1
        if attempts > 20 * count + 100:
            raise ValueError("could not make not-letters from these images (are they blank?)")
        a, b = (ink_crop(images[i]) for i in rng.integers(len(images), size=2))
        if a is None or b is None:
            continue
        picture = _one(KINDS[int(rng.integers(len(KINDS)))], a, b, rng)
        if picture is None or picture.max() <= 0:
            continue
        try:
            out[made] = fit_and_center(picture)[0]
        except NoInkError:
            continue
        made += 1
    return out
