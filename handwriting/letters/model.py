"""The CNN: 28x28 grey letter in, 26 letter probabilities out.

The shape of the Keras "simple MNIST convnet" example, small on purpose: it trains at thousands
of images a second on two CPU cores and answers one letter in about a millisecond. Rescaling is
inside the model, so callers pass raw 0-255 pixels and the saved `.keras` file needs no custom
code to load.
"""

from __future__ import annotations

import keras
from keras import layers

from handwriting import LETTERS


def build_model(width: int = 32, dense: int = 128, dropout: float = 0.4) -> keras.Model:
    """conv(width) -> pool -> conv(2*width) -> pool -> dense -> softmax over A-Z."""
    inputs = keras.Input(shape=(28, 28), name="image")
    x = layers.Reshape((28, 28, 1))(inputs)
    x = layers.Rescaling(1.0 / 255.0)(x)
    x = layers.Conv2D(width, 3, activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(2 * width, 3, activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(dense, activation="relu")(x)
    x = layers.Dropout(dropout / 2)(x)
    outputs = layers.Dense(len(LETTERS), activation="softmax", name="letter")(x)
    return keras.Model(inputs, outputs, name="handwriting_cnn")


SHIFTS = ((0, 0), (0, 1), (0, -1), (1, 0), (-1, 0))


def with_shift_averaging(base: keras.Model, shifts=SHIFTS) -> keras.Model:
    """The same classifier, answering with the mean of its answers on the image moved by a pixel.

    Test-time augmentation built from standard layers (pad, then crop a shifted window), so the
    saved file still loads without custom code and one call still answers in about a millisecond.
    """
    inputs = keras.Input(shape=(28, 28), name="image")
    padded = layers.ZeroPadding2D(1)(layers.Reshape((28, 28, 1))(inputs))
    answers = []
    for dy, dx in shifts:
        window = layers.Cropping2D(((1 - dy, 1 + dy), (1 - dx, 1 + dx)))(padded)
        answers.append(base(layers.Reshape((28, 28))(window)))
    outputs = layers.Average(name="letter")(answers) if len(answers) > 1 else answers[0]
    return keras.Model(inputs, outputs, name=f"{base.name}_shift_averaged")
