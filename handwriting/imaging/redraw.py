"""New drawings of a recorded letter: the same pen trajectory, written a little differently.

Image augmentation (`handwriting.letters.augment`) moves and bends a whole letter. People also differ in
how the strokes of one letter sit together, and that is easier to vary on the trajectory than on
the picture: a B's stem drawn apart from its bowls or through them, a slant, a letter wider or
narrower, a wobbly hand, a short lead-in where the pen lands, a stroke broken where the pen
skipped (the broken O of a dry pen or a faint photo). Each variant keeps the letter's name and is
drawn by the one stroke renderer.

The synthetic set's distortions (`handwriting.data.synthetic.distort`) are made for glyphs that are all
alike and so go further; on the UNIPEN letters, which already differ as people do, they cost photo
cells. What redrawing gains is measured in docs/experiments.md (not enough for the shipped model to use it).
Nothing here imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handwriting.imaging.strokes import Strokes, as_arrays

REDRAWN = " (redrawn)"  # appended to the source of redrawn copies: they train, but never validate


def is_redrawn(sources: np.ndarray) -> np.ndarray:
    """Which of these sources are redrawn copies (bool array)."""
    return np.char.endswith(np.asarray(sources).astype(str), REDRAWN)


def original_source(sources: np.ndarray) -> np.ndarray:
    """Each source without the redrawn mark, so a writer's copies go with the writer."""
    return np.char.replace(np.asarray(sources).astype(str), REDRAWN, "")


@dataclass(frozen=True)
class Redraw:
    """How far a variant may stray, in shares of the letter's larger side unless said otherwise."""

    stroke_shift: float = 0.04   # each stroke moves on its own (standard deviation), when there are several
    slant: float = 0.25          # horizontal shear factor, each direction
    aspect: float = 0.2          # log of the width change, each direction
    wobble: float = 0.025        # smooth displacement of every point (amplitude)
    tick: float = 0.25           # probability of a short lead-in where a stroke starts
    skip: float = 0.15           # probability of a gap in the longest stroke


def _wobble(rng, amplitude: float):
    """A smooth random displacement (two low-frequency sine waves per direction), the same for
    every stroke so that strokes that meet still meet."""
    waves = [(axis, rng.uniform(1.0, 3.0) * 2 * np.pi, rng.uniform(0, 2 * np.pi), rng.uniform(0, np.pi))
             for axis in (0, 1) for _ in range(2)]

    def move(points: np.ndarray) -> np.ndarray:
        out = points.copy()
        for axis, k, phase, direction in waves:
            along = points[:, 0] * np.cos(direction) + points[:, 1] * np.sin(direction)
            out[:, axis] += amplitude / 2 * np.sin(k * along + phase)
        return out

    return move


def _tick(stroke: np.ndarray, rng, size: float) -> np.ndarray:
    """The stroke with a short straight lead-in where the pen landed."""
    angle = rng.uniform(0, 2 * np.pi)
    start = stroke[0] + size * np.array([np.cos(angle), np.sin(angle)])
    return np.vstack([np.linspace(start, stroke[0], 4)[:-1], stroke])


def _skip(stroke: np.ndarray, rng) -> list[np.ndarray]:
    """The stroke cut in two somewhere in its middle by a gap of 6-14 % of its length."""
    steps = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(stroke, axis=0), axis=1))]
    length = steps[-1]
    if len(stroke) < 6 or length <= 0:
        return [stroke]
    centre, half = rng.uniform(0.25, 0.75) * length, rng.uniform(0.03, 0.07) * length
    before, after = stroke[steps < centre - half], stroke[steps > centre + half]
    return [part for part in (before, after) if len(part)]


def redraw(strokes: Strokes, rng: np.random.Generator, how: Redraw = Redraw()) -> list[np.ndarray]:
    """One new drawing of `strokes` (the same letter), in units of the letter's larger side."""
    arrays = as_arrays(strokes)
    points = np.concatenate(arrays)
    lo = points.min(axis=0)
    size = float((points.max(axis=0) - lo).max()) or 1.0
    arrays = [(a - lo) / size for a in arrays]
    if len(arrays) > 1:
        arrays = [a + rng.normal(0, how.stroke_shift, 2) for a in arrays]
    if rng.random() < how.tick:
        k = int(rng.integers(len(arrays)))
        arrays[k] = _tick(arrays[k], rng, rng.uniform(0.04, 0.1))
    if rng.random() < how.skip:
        k = int(np.argmax([len(a) for a in arrays]))
        arrays[k:k + 1] = _skip(arrays[k], rng)
    shear = rng.uniform(-how.slant, how.slant)
    stretch = np.exp(rng.uniform(-how.aspect, how.aspect))
    move = _wobble(rng, how.wobble)
    return [np.column_stack([(m[:, 0] - shear * m[:, 1]) * stretch, m[:, 1]]) for m in map(move, arrays)]
