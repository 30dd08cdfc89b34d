"""Letters set side by side into one picture: the one composer of words made of letters.

Words composed of letter pictures are made for the word model (`handwriting.words.corpus`), for
the candidates the word reader learns from (`handwriting.words.pieces`), for not-letters made of
two letters (`handwriting.data.not_letters`) and for the word bench. They differ only in their
random choices (how big, how far apart, how far off the line), which each caller draws from its
own generator in its own order; the placing is here, so it is done one way. Plain numpy and PIL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from PIL import Image


def ink_crop(image: np.ndarray, height: int) -> np.ndarray | None:
    """A 28x28 letter's ink box, as floats 0-1, scaled to `height` pixels high (None if blank)."""
    mask = image > 40
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) < 2 or len(cols) < 1:
        return None
    crop = image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].astype(np.float32) / 255
    scale = height / crop.shape[0]
    width = max(2, round(crop.shape[1] * scale))
    return np.asarray(Image.fromarray(crop).resize((width, height), Image.Resampling.BILINEAR))


def scaled(letter: np.ndarray, scale: float) -> np.ndarray:
    """A letter's soft ink (0-1) `scale` times as high and as wide (at least 2 pixels each way)."""
    size = (max(2, round(letter.shape[1] * scale)), max(2, round(letter.shape[0] * scale)))
    return np.asarray(Image.fromarray(np.asarray(letter, np.float32)).resize(size, Image.Resampling.BILINEAR))


@dataclass(frozen=True)
class Box:
    """Where a letter lies in the composed picture (rows top:bottom, columns left:right)."""

    top: int
    left: int
    bottom: int
    right: int


@dataclass
class Composed:
    """Letters composed side by side."""

    ink: np.ndarray             # H x W soft ink (0-1); where letters overlap, the stronger ink
    letters: list[np.ndarray]   # each letter's ink as drawn there (scaled)
    boxes: list[Box]            # each letter's place in `ink`

    def owner(self, level: float = 0.5) -> np.ndarray:
        """H x W: the index of the letter whose ink is strongest at each pixel of ink above
        `level` (the earlier letter on a tie), -1 elsewhere: whose ink is whose."""
        best = np.zeros(self.ink.shape, np.float32)
        owner = np.full(self.ink.shape, -1)
        for k, (letter, box) in enumerate(zip(self.letters, self.boxes)):
            region = (slice(box.top, box.bottom), slice(box.left, box.right))
            stronger = letter > best[region]
            best[region][stronger] = letter[stronger]
            owner[region][stronger] = k
        return np.where(self.ink > level, owner, -1)


def compose(letters: Sequence[np.ndarray], gaps: Sequence[float], drops: Sequence[float] | None = None, *,
            scales: Sequence[float] | None = None, overlap: float | None = None, margin: int = 0,
            line: tuple[int, int] | None = None) -> Composed:
    """Letters' soft ink (0-1) set left to right on one baseline.

    - `scales`: each letter first scaled by this much (`scaled`);
    - `gaps`: the space (pixels) between a letter and the next, negative where they touch or
      overlap; one more gap than there are neighbours widens the paper after the last letter;
    - `overlap`: if given, no letter goes further into its neighbour than this share of the
      narrower of the two, so a thin letter never hides inside a wide one;
    - `drops`: how far (pixels) each letter's bottom sits below the baseline;
    - `margin`: paper left of the first letter and right of the last;
    - `line`: (picture height, baseline row), the letters kept inside it; None: the picture is
      cut to the letters' height, with the baseline wherever they need it.
    """
    letters = [scaled(c, s) for c, s in zip(letters, scales)] if scales is not None else list(letters)
    if len(gaps) not in (len(letters) - 1, len(letters)):
        raise ValueError(f"{len(letters)} letters need {len(letters) - 1} gaps (or one more after the last), "
                         f"got {len(gaps)}")
    lefts, x = [], margin
    for k, letter in enumerate(letters):
        lefts.append(x)
        if k < len(gaps):
            gap = gaps[k]
            if overlap is not None:
                neighbour = letters[k + 1].shape[1] if k + 1 < len(letters) else letter.shape[1]
                gap = max(gap, -overlap * min(letter.shape[1], neighbour))
            x = max(0, x + letter.shape[1] + int(gap))
    width = max([left + c.shape[1] for left, c in zip(lefts, letters)] + [x if len(gaps) == len(letters) else 0]) + margin
    drops = [0] * len(letters) if drops is None else drops
    if line is None:
        tops = [int(drop - c.shape[0]) for c, drop in zip(letters, drops)]
        tops = [top - min(tops) for top in tops]
        height = max(top + c.shape[0] for top, c in zip(tops, letters))
    else:
        height, baseline = line
        tops = [int(np.clip(baseline - c.shape[0] + drop, 0, height - c.shape[0])) for c, drop in zip(letters, drops)]
    ink = np.zeros((height, width), np.float32)
    boxes = []
    for top, left, letter in zip(tops, lefts, letters):
        box = Box(top, left, top + letter.shape[0], left + letter.shape[1])
        region = ink[box.top:box.bottom, box.left:box.right]
        np.maximum(region, letter, out=region)
        boxes.append(box)
    return Composed(ink, letters, boxes)
