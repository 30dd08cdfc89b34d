"""Pictures that are not one letter, 28x28 and fitted like letters: for doubt, in training and in tests.

Two families, one call each, both giving a `NotLetters` (the pictures and the kind of each):
- `from_letters`: made of real letter pictures, the wrong cuts a word reader meets. Reading a
  word means reading many candidate cuts of it, and many are wrong: two touching letters read as
  one, or a letter with a sliver of its neighbour. A classifier trained only on whole letters
  answers those confidently too (a U touching an N makes a fine W), so the word reader cannot
  tell a good cut from a bad one. Training on them with the uniform distribution as the target
  (outlier exposure, Hendrycks et al., ICLR 2019) teaches the model to spread its probability
  over all letters for them, and keeps the 26-letter output unchanged.
- `from_nothing`: pen scribbles, ink blots, specks and hatching, drawn from random numbers: the
  junk a user may give, to test whether the model card's threshold flags what it cannot read.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from handwriting.imaging.compose import compose, ink_crop
from handwriting.imaging.ink import NoInkError
from handwriting.imaging.letter import fit_and_center, preprocess_image
from handwriting.imaging.strokes import render_strokes

NOT_A_LETTER = -1  # the label of a not-letter: its training target is the uniform distribution over A-Z
FROM_LETTERS = ("pair", "letter_and_sliver")
FROM_NOTHING = ("scribble", "blot", "speckle", "hatching")
HEIGHT = 40  # working height (pixels) of a letter while composing


@dataclass
class NotLetters:
    images: np.ndarray  # uint8 N x 28 x 28, fitted and centred as letters are
    kinds: np.ndarray   # the kind of each (one of FROM_LETTERS or FROM_NOTHING)


# --------------------------------------------------------------------------- made of letters

def _one(kind: str, a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """One not-letter of `kind` from letter crops a and b, or None if these two cannot make one.
    Gaps never overlap so far that a thin letter hides inside its neighbour."""
    if kind == "pair":  # two letters, touching or nearly so, read as one
        size = rng.uniform(0.85, 1.15)
        b = np.asarray(Image.fromarray(b).resize((max(2, round(b.shape[1] * size)), round(HEIGHT * size))))
        gap, drop = rng.uniform(-0.15, 0.12) * HEIGHT, int(rng.normal(0, 0.06) * HEIGHT)
        # b's top `drop` pixels below a's top (its bottom sits that much lower still when b is taller)
        return compose([a, b], [gap], [0, drop + b.shape[0] - a.shape[0]], overlap=0.3).ink
    # "letter_and_sliver": a letter cut too far into its neighbour. (Half a letter is not made:
    # the left half of an O is a fine C, and teaching the model to doubt it would cost real C's.)
    part = max(2, int(rng.uniform(0.2, 0.45) * b.shape[1]))
    left = rng.random() < 0.5
    sliver = b[:, :part] if left else b[:, -part:]
    rows = np.flatnonzero(sliver.max(axis=1) > 0.3)
    if part < 0.15 * HEIGHT or sliver.sum() < 0.2 * a.sum() or len(rows) == 0 or rows[-1] - rows[0] < 0.3 * HEIGHT:
        return None  # a dot, a wisp or a thin edge beside a letter is still that letter
    gap = rng.uniform(-0.08, 0.1) * HEIGHT
    return compose([a, sliver] if left else [sliver, a], [gap], overlap=0.3).ink


def from_letters(images: np.ndarray, count: int, seed: int = 0) -> NotLetters:
    """`count` pictures that are not one letter, made from the given 28x28 letter images: two
    letters as one, or a letter with a sliver of its neighbour (kinds drawn at random)."""
    rng = np.random.default_rng(seed)
    out = np.zeros((count, 28, 28), dtype=np.uint8)
    kinds = []
    attempts = 0
    while len(kinds) < count:
        attempts += 1
        if attempts > 20 * count + 100:
            raise ValueError("could not make not-letters from these images (are they blank?)")
        a, b = (ink_crop(images[i], HEIGHT) for i in rng.integers(len(images), size=2))
        if a is None or b is None:
            continue
        kind = FROM_LETTERS[int(rng.integers(len(FROM_LETTERS)))]
        picture = _one(kind, a, b, rng)
        if picture is None or picture.max() <= 0:
            continue
        try:
            out[len(kinds)] = fit_and_center(picture)[0]
        except NoInkError:
            continue
        kinds.append(kind)
    return NotLetters(out, np.array(kinds, dtype=str))


# --------------------------------------------------------------------------- made of nothing

def _scribble(rng: np.random.Generator) -> np.ndarray:
    # A pen scribble: 1-3 smooth random walks (steps summed twice), drawn by the stroke renderer.
    walks = [np.cumsum(np.cumsum(rng.normal(0, 1, (int(rng.integers(8, 40)), 2)), axis=0) * 0.3, axis=0)
             for _ in range(int(rng.integers(1, 4)))]
    return render_strokes([w.tolist() for w in walks])


def _blot(rng: np.random.Generator) -> np.ndarray:
    # 1-3 filled random blobs, dark on light paper and a little blurred, through the picture pipeline.
    image = Image.new("L", (96, 96), 240)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(1, 4))):
        cx, cy, r = rng.uniform(25, 70), rng.uniform(25, 70), rng.uniform(6, 22)
        angles = np.sort(rng.uniform(0, 2 * np.pi, 9))
        radii = r * rng.uniform(0.5, 1.3, 9)
        draw.polygon([(cx + a * np.cos(t), cy + a * np.sin(t)) for a, t in zip(radii, angles)], fill=20)
    return preprocess_image(np.asarray(image.filter(ImageFilter.GaussianBlur(1)))).image


def _speckle(rng: np.random.Generator) -> np.ndarray:
    # Scattered dots, as from a dirty scan or a pen tapped on the pad.
    field = np.zeros((60, 60), dtype=np.float32)
    count = rng.integers(15, 60)
    ys, xs = rng.integers(0, 59, (2, count))
    for y, x in zip(ys, xs):
        field[y:y + 2, x:x + 2] = rng.uniform(0.5, 1.0)
    return fit_and_center(field)[0]


def _hatching(rng: np.random.Generator) -> np.ndarray:
    # Two crossing sets of parallel lines: shading, a grid, a crossed-out box.
    strokes = []
    for angle in rng.uniform(0, np.pi, 2):
        d = np.array([np.cos(angle), np.sin(angle)])
        normal = np.array([-d[1], d[0]])
        for offset in np.linspace(-1.0, 1.0, rng.integers(3, 7)):
            strokes.append([normal * offset - d, normal * offset + d])
    return render_strokes(strokes, pen_width=rng.uniform(1.2, 2.2))


_MAKERS = {"scribble": _scribble, "blot": _blot, "speckle": _speckle, "hatching": _hatching}


def from_nothing(count: int, seed: int = 0, kinds: tuple[str, ...] = FROM_NOTHING) -> NotLetters:
    """`count` pictures of junk, the given kinds in turn, as the input pipeline presents them."""
    unknown = set(kinds) - set(FROM_NOTHING)
    if unknown or not kinds:
        raise ValueError(f"kinds must be some of {FROM_NOTHING}, got {kinds}")
    rng = np.random.default_rng(seed)
    made = np.array([kinds[i % len(kinds)] for i in range(count)], dtype=str)
    images = np.zeros((count, 28, 28), dtype=np.uint8)
    for i, kind in enumerate(made):
        images[i] = _MAKERS[kind](rng)
    return NotLetters(images, made)
