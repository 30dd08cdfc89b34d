"""The pen model: a word's pen trajectory in, its letters as written out.

Where a word is drawn on the pad we have more than its picture: the pen's path, in the order it was
written. Reading that path, as phones' handwriting keyboards do (Carbune et al., "Fast
multi-language LSTM-based online handwriting recognition", 2020), tells apart what a picture fuses:
joined-up letters, a loop that is an "e" or an "l", a dot that belongs to an "i". Trained on the same
UNIPEN words, it reads unseen writers' lower-case words about twice as well as a strip model of
any case reads their pictures (docs/words.md).

The input is the trajectory resampled every STEP word heights (the ink box's height), as POINTS
rows of (dx, dy, pen lifted before this point, height above the word's middle), zero rows after the
last point; a longer word is resampled to fit. Three 1-D convolutions pool it to FRAMES columns, three
bidirectional GRUs read along them and each column gives log-probabilities of CTC's blank and
CHARSET, as the strip model's do, so both are decoded and weighed alike (`handwriting.words.model`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from handwriting.imaging.strokes import Strokes, as_arrays
from handwriting.runtime import load_predictor
from handwriting.words.model import CHARSET, HEIGHT, INK_HEIGHT, MARGIN, WIDTH, log_softmax

POINTS = 256                 # resampled points the model reads (p99 of UNIPEN's words: ~210)
STEP = 0.08                  # resampling step, in word heights
FEATURES = 4                 # dx, dy, pen lifted, height
POOL = 4                     # points per output column
FRAMES = POINTS // POOL
WIDE = 15                    # a word's height is at least its width / WIDE (a flat line of ink has some)


@dataclass
class PenInput:
    """One word's trajectory as the pen model reads it, and where each of its rows is."""
    features: np.ndarray     # POINTS x FEATURES float32
    length: int              # rows that are points (the rest are zeros)
    points: np.ndarray       # length x 2: each row's point, in the strokes' own units

    def column_x(self) -> np.ndarray:
        """Where each output column reads, in the strokes' x units (the mean x of its points;
        columns past the last point take the last point's)."""
        xs = np.full(POINTS, self.points[-1, 0])
        xs[:self.length] = self.points[:self.length, 0]
        return xs.reshape(FRAMES, POOL).mean(axis=1)

    @property
    def columns(self) -> int:
        """The output columns that hold points."""
        return -(-self.length // POOL)

    def picture(self) -> np.ndarray:
        """The points the model reads, drawn as a strip (uint8 HEIGHT x WIDTH, as the strip model's):
        each a dot, joined along each stroke, the word squeezed to fit as the strip model's is."""
        xy = np.cumsum(self.features[:self.length, :2], axis=0)
        xy = xy - xy.min(axis=0)
        scale = (INK_HEIGHT - 2) / max(float(np.ptp(xy[:, 1])), 1e-6)
        squeeze = min(1.0, (WIDTH - 2 * MARGIN - 2) / max(float(np.ptp(xy[:, 0])) * scale, 1e-6))
        at = xy * (scale * squeeze, scale) + (MARGIN + 1, (HEIGHT - INK_HEIGHT) // 2 + 1)
        canvas = Image.new("L", (WIDTH, HEIGHT), 0)
        draw = ImageDraw.Draw(canvas)
        starts = list(np.flatnonzero(self.features[:self.length, 2] > 0)) + [self.length]
        for a, b in zip(starts, starts[1:]):
            if b - a > 1:
                draw.line([tuple(p) for p in at[a:b].tolist()], fill=110, width=1)
        for x, y in at.tolist():
            draw.point((x, y), fill=255)
        return np.asarray(canvas)


def distort(strokes: Strokes, rng: np.random.Generator) -> list[np.ndarray]:
    """The strokes as another writer might have drawn them: wider or narrower, slanted, tilted."""
    arrays = as_arrays(strokes)
    turn, slant, stretch = rng.normal(0, 0.05), rng.normal(0, 0.15), rng.uniform(0.8, 1.2)
    matrix = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]]) @ np.array([[stretch, slant], [0, 1]])
    return [a @ matrix.T for a in arrays]


def pen_input(strokes: Strokes, step: float = STEP) -> PenInput:
    """Strokes (lists of (x, y) points, y growing downwards, any units) -> the pen model's input.
    Raises ValueError for malformed strokes."""
    arrays = as_arrays(strokes)
    every = np.concatenate(arrays)
    lo, extent = every.min(axis=0), np.ptp(every, axis=0)
    height = max(float(extent[1]), float(extent[0]) / WIDE, 1e-6)
    middle = lo[1] + extent[1] / 2
    rows, lifted = [], []
    for a in arrays:
        along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(a, axis=0).T))]) / height
        at = np.linspace(0, along[-1], max(1, int(np.ceil(along[-1] / step)) + 1)) if along[-1] > 0 else np.zeros(1)
        rows.append(np.column_stack([np.interp(at, along, a[:, 0]), np.interp(at, along, a[:, 1])]) if along[-1] > 0
                    else a[:1])
        lifted.append(np.eye(1, len(rows[-1]), 0)[0])
    points, lifted = np.concatenate(rows), np.concatenate(lifted)
    if len(points) > POINTS:  # too long: keep POINTS of them, evenly, and every pen lift between
        keep = np.linspace(0, len(points) - 1, POINTS).round().astype(int)
        lifted = np.diff(np.concatenate([[0.0], np.cumsum(lifted)[keep]])) > 0
        points = points[keep]
    features = np.zeros((POINTS, FEATURES), np.float32)
    n = len(points)
    features[1:n, :2] = np.diff(points, axis=0) / height
    features[:n, 2] = lifted
    features[:n, 3] = (middle - points[:, 1]) / height
    return PenInput(features, n, points)


def build_pen_model(recurrent: int = 128, recurrent_layers: int = 3):
    """conv 64-96-128 pooling POINTS to FRAMES columns -> 3 x BiGRU -> 53 logits per column.

    Three recurrent layers, not two: with two, the model read only 73-79 % of the very words it
    learnt from (it underfitted; docs/words.md). The GRUs are unrolled over the FRAMES columns: on
    this CPU a step trains a little faster than in TensorFlow's loop (5 % at a batch of 64), and
    it converts to LiteRT the same."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(POINTS, FEATURES), name="trajectory")
    x = layers.Conv1D(64, 5, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(96, 5, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(128, 3, padding="same", activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    for _ in range(recurrent_layers):
        x = layers.Bidirectional(layers.GRU(recurrent, return_sequences=True, dropout=0.2, unroll=True))(x)
    outputs = layers.Dense(len(CHARSET) + 1, name="logits")(x)
    return keras.Model(inputs, outputs, name="handwriting_pen")


class PenModel:
    """A saved pen model, loaded once, answering trajectories through `handwriting.runtime`."""

    def __init__(self, path, runtime: str | None = None):
        self.path = path
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no pen model file (train one: handwriting ship pen)")
        self.predict = load_predictor(path, runtime)
        if self.predict.input_shape != (POINTS, FEATURES):
            raise ValueError(f"{path}: a pen model takes {POINTS} x {FEATURES} trajectories, "
                             f"this one {self.predict.input_shape}")

    def log_probs(self, features: np.ndarray) -> np.ndarray:
        """float N x POINTS x FEATURES -> float N x FRAMES x 53 log-probabilities."""
        x = np.asarray(features, dtype=np.float32).reshape(-1, POINTS, FEATURES)
        return log_softmax(np.asarray(self.predict(x), dtype=np.float64))
