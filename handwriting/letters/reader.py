"""A trained letter model ready to answer: loaded once with its card, read in batches.

The model answers through `handwriting.runtime`: its LiteRT conversion where there is a fresh one
(no TensorFlow: what the dashboard's kernels use), else Keras through a traced call; about a
millisecond per image either way, where `model.predict` costs tens. Many images go in batches of
`BATCH`. The card says the model's version, its letters and the calibrated confidence below which
an answer is uncertain.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from handwriting import LETTERS
from handwriting.cards import DEFAULT_THRESHOLD, load_card
from handwriting.letters.evaluate import batched
from handwriting.paths import default_model_path
from handwriting.runtime import load_predictor

BATCH = 512


def load_keras_model(path: str | Path):
    """The Keras model saved at `path` (uncompiled: only for answering or fine-tuning)."""
    import keras

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no model file (train one with `make train`)")
    return keras.saving.load_model(path, compile=False)


class LetterModel:
    """A letter model file and its card: 28x28 images in, probabilities of its letters out."""

    def __init__(self, path: str | Path | None = None, runtime: str | None = None):
        """`path`: a `.keras` letter model (the shipped one by default) with its card beside it;
        `runtime`: "auto", "litert" or "keras" (`handwriting.runtime`; default $HANDWRITING_RUNTIME)."""
        self.path = Path(path) if path is not None else default_model_path()
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no model file (train one with `make train`)")
        self.predict = load_predictor(self.path, runtime)
        if self.predict.input_shape != (28, 28):
            raise ValueError(f"{self.path}: a letter model takes 28 x 28 images, this one {self.predict.input_shape}")
        self.card = load_card(self.path)
        self.version = str(self.card.get("version", self.path.stem))
        self.threshold = float(self.card.get("uncertainty_threshold", DEFAULT_THRESHOLD))
        self.letters = str(self.card.get("letters", LETTERS))

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """uint8 N x 28 x 28 (white ink on black; one 28 x 28 image too) -> float N x 26 letter
        probabilities, in batches of `BATCH`."""
        x = np.asarray(images)
        if x.ndim == 2:
            x = x[None]
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise ValueError(f"expected N x 28 x 28 images, got shape {x.shape}")
        return batched(self.predict, x, BATCH)
