"""Augmentation: the small changes a letter can undergo and keep its name.

A random affine map (shift, rotation, zoom, shear) per image in one transform op, thicker or
thinner strokes (grey-level dilation or erosion), and an optional elastic wobble. They run as
TensorFlow ops inside the input pipeline, so they cost little next to training; the notebooks call
`augment_batch` on real examples to show before and after.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np


@dataclass
class Augmentation:
    shift: float = 2.0        # pixels, each direction
    rotation: float = 12.0    # degrees, each direction
    zoom: float = 0.12        # relative, each direction
    shear: float = 0.15       # horizontal shear factor, each direction
    thickness: float = 0.5    # probability of changing stroke thickness (half thicker, half thinner)
    elastic: float = 0.0      # probability of an elastic wobble (slower; off by default)

    def to_dict(self) -> dict:
        return asdict(self)


def _affine_matrices(tf, batch: int, cfg: Augmentation):
    """Per-image output->input maps as the 8 projective parameters ImageProjectiveTransform wants."""
    angle = tf.random.uniform((batch,), -1, 1) * math.radians(cfg.rotation)
    scale = 1.0 + tf.random.uniform((batch,), -1, 1) * cfg.zoom
    shear = tf.random.uniform((batch,), -1, 1) * cfg.shear
    shift = tf.random.uniform((batch, 2), -1, 1) * cfg.shift
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    a0, a1 = cos, -sin + shear * cos
    b0, b1 = sin, cos + shear * sin
    c = 13.5  # transform about the centre of the 28x28 frame
    a2 = c - a0 * c - a1 * c - shift[:, 0]
    b2 = c - b0 * c - b1 * c - shift[:, 1]
    zeros = tf.zeros_like(a0)
    return tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)


def augment_batch(images, cfg: Augmentation | None = None):
    """A batch (B x 28 x 28, 0-255 floats) -> an augmented batch of the same shape (a tf tensor)."""
    import tensorflow as tf

    cfg = cfg or Augmentation()
    x = tf.convert_to_tensor(images, tf.float32)[..., None]
    batch = tf.shape(x)[0]
    if cfg.thickness > 0:
        pick = tf.random.uniform((batch, 1, 1, 1))
        thicker = tf.nn.max_pool2d(x, 2, 1, "SAME")
        thinner = -tf.nn.max_pool2d(-x, 2, 1, "SAME")
        # Erosion can wipe out a thin letter: only thin strokes that are at least 2 pixels wide.
        keep_thin = tf.reduce_max(thinner, axis=[1, 2, 3], keepdims=True) > 128
        x = tf.where(pick < cfg.thickness / 2, thicker,
                     tf.where((pick < cfg.thickness) & keep_thin, thinner, x))
    if cfg.elastic > 0:
        from keras.ops.image import elastic_transform

        wobbled = elastic_transform(x, alpha=1.5, sigma=3.0, fill_mode="constant")
        x = tf.where(tf.random.uniform((batch, 1, 1, 1)) < cfg.elastic, wobbled, x)
    x = tf.raw_ops.ImageProjectiveTransformV3(
        images=x, transforms=_affine_matrices(tf, batch, cfg), output_shape=[28, 28],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT")
    return tf.clip_by_value(x[..., 0], 0.0, 255.0)


def preview(images: np.ndarray, cfg: Augmentation | None = None, seed: int = 0) -> np.ndarray:
    """Augment a few images eagerly, as uint8 numpy: for showing before/after in the notebooks."""
    import tensorflow as tf

    tf.random.set_seed(seed)
    return np.asarray(augment_batch(np.asarray(images, np.float32), cfg)).round().astype(np.uint8)


def augmentation_effects(base=None) -> dict:
    """One `Augmentation` per kind of change, each alone at `base`'s strength, plus `base` itself.

    For showing what each part of the training augmentation does; elastic, which training
    leaves off by default, is shown at full probability.
    """
    base = base or Augmentation()
    none = dict(shift=0.0, rotation=0.0, zoom=0.0, shear=0.0, thickness=0.0, elastic=0.0)
    return {
        f"shift ±{base.shift:g} px": Augmentation(**{**none, "shift": base.shift}),
        f"rotation ±{base.rotation:g}°": Augmentation(**{**none, "rotation": base.rotation}),
        f"zoom ±{base.zoom:.0%}": Augmentation(**{**none, "zoom": base.zoom}),
        f"shear ±{base.shear:g}": Augmentation(**{**none, "shear": base.shear}),
        "thickness": Augmentation(**{**none, "thickness": 1.0}),
        "elastic": Augmentation(**{**none, "elastic": 1.0}),
        "all (as in training)": base,
    }
