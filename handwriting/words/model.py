"""The word model: a line of handwriting in, its letters as written out, without cutting it into letters.

A small CRNN (convolutions, then two bidirectional GRUs along the line) trained with CTC, the
usual shape for reading handwritten lines (Shi et al., "An End-to-End Trainable Neural Network
for Image-based Sequence Recognition", 2015). Cutting a word into letters fails where pen
letters overlap and fuse into one blob; reading along the line needs no cut. The word reader
(`handwriting.words.reading`) weighs this model's readings against the letter model's cuts.

The input is a strip: the line's ink fitted to 28 of 32 pixels high, left-aligned in 256 columns
(a wider line is squeezed). The output is, for each of 64 columns of STRIDE = 4 pixels, log-probabilities
of "no letter here" (CTC's blank, index 0), A-Z (1-26) and a-z (27-52): it reads words in any case
(`CHARSET`). `fold_case` adds each letter's two cases up into the 27 classes of A-Z, which is what
the reader weighs and reports as `raw`; the cased classes give the reading as written. (A model of
the first kind, A-Z only, gives 27 classes and is read the same way.) Rescaling is inside the model
and the loss is only needed for training, so the saved file loads with plain `keras.saving.load_model`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from handwriting import LETTERS
from handwriting.runtime import load_predictor

HEIGHT, WIDTH = 32, 256      # strip size (pixels)
INK_HEIGHT = 28              # the line's ink height in the strip
STRIDE = 4                   # strip pixels per output column (two 2x2 poolings along the line)
FRAMES = WIDTH // STRIDE     # output columns
MARGIN = 2                   # strip pixels of paper left of the line's ink
BLANK = 0                    # CTC's "no letter" class; letter k of CHARSET is class k + 1
CHARSET = LETTERS + LETTERS.lower()  # what the model writes: A-Z, then a-z
MAX_LETTERS = 18


def alphabet(classes: int) -> str:
    """The letters of a model's (or folded) output classes: 27 -> A-Z, 53 -> CHARSET."""
    found = {len(LETTERS) + 1: LETTERS, len(CHARSET) + 1: CHARSET}.get(classes)
    if found is None:
        raise ValueError(f"a word model gives {len(LETTERS) + 1} or {len(CHARSET) + 1} classes per column, not {classes}")
    return found


def fold_case(log_probs: np.ndarray) -> np.ndarray:
    """Cased log-probabilities (... x 53) -> case-insensitive ones (... x 27: blank, A-Z), each
    letter's two cases added up; 27 classes come back as they are."""
    if log_probs.shape[-1] == len(LETTERS) + 1:
        return log_probs
    n = len(LETTERS)
    upper, lower = log_probs[..., 1:1 + n], log_probs[..., 1 + n:1 + 2 * n]
    return np.concatenate([log_probs[..., :1], np.logaddexp(upper, lower)], axis=-1)


def strip(ink: np.ndarray) -> tuple[np.ndarray, float, tuple[int, int]]:
    """Soft ink (H x W, 0 = paper, 1 = ink) of one line -> (uint8 strip HEIGHT x WIDTH, the scale
    from ink pixels to strip pixels along the line, (left, top) of the ink box in `ink`).

    Raises ValueError when there is no ink.
    """
    rows, cols = np.flatnonzero(ink.max(axis=1) > 0.2), np.flatnonzero(ink.max(axis=0) > 0.2)
    if len(rows) < 2 or len(cols) < 2:
        raise ValueError("no ink in the line")
    crop = np.asarray(ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1], dtype=np.float32)
    scale = INK_HEIGHT / crop.shape[0]
    width = max(2, min(WIDTH - 2 * MARGIN, round(crop.shape[1] * scale)))
    fitted = np.asarray(Image.fromarray(crop).resize((width, INK_HEIGHT), Image.Resampling.BILINEAR))
    out = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    top = (HEIGHT - INK_HEIGHT) // 2
    out[top:top + INK_HEIGHT, MARGIN:MARGIN + width] = np.clip(fitted * 255, 0, 255).astype(np.uint8)
    return out, width / crop.shape[1], (int(cols[0]), int(rows[0]))


def column_offset(column: int, scale: float) -> float:
    """Where output column `column` reads, in pixels of the line's ink from its left edge (`scale`:
    strip pixels per ink pixel, from `strip`): the column covers strip pixels STRIDE * column ..
    STRIDE * column + STRIDE - 1, and the ink starts MARGIN pixels into the strip."""
    return (STRIDE * column + STRIDE // 2 - MARGIN) / scale


def build_word_model(width: int = 16, recurrent: int = 96, classes: int = len(CHARSET) + 1):
    """conv 16-32-64-64-96 with pooling to one row of 64 columns -> 2 x BiGRU -> 53 logits per column
    (27 for a model of capitals only: `classes`)."""
    alphabet(classes)
    import keras
    from keras import layers

    inputs = keras.Input(shape=(HEIGHT, WIDTH), name="strip")
    x = layers.Reshape((HEIGHT, WIDTH, 1))(inputs)
    x = layers.Rescaling(1.0 / 255.0)(x)
    x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(2 * width, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(4 * width, 3, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(4 * width, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D((2, 1))(x)
    x = layers.Conv2D(6 * width, 3, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D((HEIGHT // 8, 1))(x)          # one row of FRAMES columns
    x = layers.Reshape((FRAMES, 6 * width))(x)
    x = layers.Dropout(0.2)(x)
    x = layers.Bidirectional(layers.GRU(recurrent, return_sequences=True, dropout=0.2))(x)
    x = layers.Bidirectional(layers.GRU(recurrent, return_sequences=True, dropout=0.2))(x)
    outputs = layers.Dense(classes, name="logits")(x)
    return keras.Model(inputs, outputs, name="handwriting_crnn")


def ctc_loss(y_true, y_pred):
    """y_true: N x (1 + MAX_LETTERS) = [length, classes 1-52 ..., 0 padding]; y_pred: logits."""
    from keras import ops

    y = ops.cast(y_true, "int32")
    frames = ops.full((ops.shape(y)[0],), ops.shape(y_pred)[1], dtype="int32")  # the strip's or the pen model's
    return ops.ctc_loss(y[:, 1:], y_pred, y[:, 0], frames, mask_index=BLANK)


def targets(words: list[str]) -> np.ndarray:
    """Words of A-Z and a-z -> the `ctc_loss` target rows."""
    out = np.zeros((len(words), 1 + MAX_LETTERS), dtype=np.int32)
    for r, word in enumerate(words):
        if not 1 <= len(word) <= MAX_LETTERS or any(c not in CHARSET for c in word):
            raise ValueError(f"word {r}: {word!r} is not 1-{MAX_LETTERS} letters A-Z, a-z")
        out[r, 0] = len(word)
        out[r, 1:1 + len(word)] = [CHARSET.index(c) + 1 for c in word]
    return out


def log_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def greedy(log_probs: np.ndarray) -> tuple[str, list[int]]:
    """The best class of each column, repeats merged and blanks dropped: (text, the column where
    each letter is most probable). Cased log-probabilities give the text as written."""
    letters = alphabet(log_probs.shape[-1])
    best = log_probs.argmax(axis=-1)
    text, columns, prev, start = [], [], BLANK, 0
    for t, k in enumerate(list(best) + [BLANK]):
        if prev != BLANK and k != prev:
            run = log_probs[start:t, prev]
            columns.append(start + int(run.argmax()))
            text.append(letters[prev - 1])
        if k != prev:
            start = t
        prev = k
    return "".join(text), columns


def sequence_log_probability(log_probs: np.ndarray, text: str) -> float:
    """log p(text | strip) summed over every CTC alignment (the forward algorithm)."""
    if not text:
        return float(log_probs[:, BLANK].sum())
    letters = alphabet(log_probs.shape[-1])
    states = [BLANK]
    for c in text:
        states += [letters.index(c) + 1, BLANK]
    states = np.array(states)
    # a letter state may be entered from two states back unless that is the same letter
    skip = np.zeros(len(states), dtype=bool)
    skip[2:] = (states[2:] != BLANK) & (states[2:] != states[:-2])
    alpha = np.full(len(states), -np.inf)
    alpha[:2] = log_probs[0, states[:2]]
    for t in range(1, len(log_probs)):
        prev = alpha
        alpha = prev.copy()
        alpha[1:] = np.logaddexp(alpha[1:], prev[:-1])
        alpha[2:] = np.where(skip[2:], np.logaddexp(alpha[2:], prev[:-2]), alpha[2:])
        alpha = alpha + log_probs[t, states]
    return float(np.logaddexp(alpha[-1], alpha[-2]))


def beam_search(log_probs: np.ndarray, width: int = 6, floor: float = -8.0) -> list[tuple[str, float]]:
    """The `width` most probable texts by CTC prefix beam search: [(text, log p)], best first.
    Classes below `floor` (log-probability) in a column are not tried there."""
    letters = alphabet(log_probs.shape[-1])
    beams = {"": (0.0, -np.inf)}  # text -> (log p ending in a blank, ... ending in its last letter)
    for row in log_probs:
        tried = [int(k) for k in np.flatnonzero(row > floor)] or [int(row.argmax())]
        grown: dict[str, tuple[float, float]] = {}

        def add(text: str, blank: float, letter: float) -> None:
            b, n = grown.get(text, (-np.inf, -np.inf))
            grown[text] = (np.logaddexp(b, blank), np.logaddexp(n, letter))

        for text, (b, n) in beams.items():
            total = np.logaddexp(b, n)
            for k in tried:
                if k == BLANK:
                    add(text, total + row[k], -np.inf)
                    continue
                c = letters[k - 1]
                if text and text[-1] == c:
                    add(text + c, -np.inf, b + row[k])   # a repeated letter needs a blank between
                    add(text, -np.inf, n + row[k])       # ... else it is the same letter going on
                else:
                    add(text + c, -np.inf, total + row[k])
        beams = dict(sorted(grown.items(), key=lambda kv: -np.logaddexp(*kv[1]))[:width])
    return [(text, float(np.logaddexp(*v))) for text, v in beams.items()]


class WordModel:
    """A saved word model, loaded once, answering strips through `handwriting.runtime` (LiteRT where
    a fresh conversion is beside it, else Keras)."""

    def __init__(self, path, runtime: str | None = None):
        self.path = path
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no word model file (train one: handwriting ship words)")
        self.predict = load_predictor(path, runtime)
        shape = self.predict.input_shape
        if shape != (HEIGHT, WIDTH):
            raise ValueError(f"{path}: a word model takes {HEIGHT} x {WIDTH} strips, this one {shape}")

    @property
    def cased(self) -> bool:
        """Whether the model reads case (53 classes), not A-Z only (27)."""
        return self.predict.output_shape[-1] == len(CHARSET) + 1

    def log_probs(self, strips: np.ndarray) -> np.ndarray:
        """uint8 N x HEIGHT x WIDTH strips -> float N x FRAMES x classes log-probabilities (53
        classes, or 27 for an A-Z model: `fold_case` makes either 27)."""
        x = np.asarray(strips, dtype=np.float32).reshape(-1, HEIGHT, WIDTH)
        return log_softmax(np.asarray(self.predict(x), dtype=np.float64))
