"""Numbers behind the data notebooks: ink, mean letters, near-duplicates, a 2-D projection, and
a letter as a user's picture shows it. (Pictures that are not letters: `handwriting.data.not_letters`.)

The notebooks (01-04) only call these and `handwriting.plots`, so what they show is tested here.
Plain numpy and scipy (the PCA is one small eigenproblem: no scikit-learn for one projection);
nothing here imports TensorFlow or matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from handwriting import LETTERS
from handwriting.data.dataset import Dataset
from handwriting.imaging.redraw import Redraw
from handwriting.imaging.strokes import draw_ink

# Images per letter in the Kaggle "A-Z Handwritten Alphabets in CSV format" file, as published in
# analyses of it (they add up to the file's 372,451 lines; readers that take the first line, an A,
# for a header report 13,869 A).
# Shown beside the embedded synthetic data, which is balanced, so the imbalance training must
# cope with stays visible without the download.
KAGGLE_AZ_COUNTS: dict[str, int] = {
    "A": 13870, "B": 8668, "C": 23409, "D": 10134, "E": 11440, "F": 1163, "G": 5762,
    "H": 7218, "I": 1120, "J": 8493, "K": 5603, "L": 11586, "M": 12336, "N": 19010,
    "O": 57825, "P": 19341, "Q": 5812, "R": 11566, "S": 48419, "T": 22495, "U": 29008,
    "V": 4182, "W": 10784, "X": 6272, "Y": 10859, "Z": 6076,
}

INK_LEVEL = 128  # a pixel at least half-way to full white counts as ink


def letter_counts(y: np.ndarray) -> np.ndarray:
    """Images per letter, A..Z (26 integers, zeros for absent letters)."""
    return np.bincount(np.asarray(y, dtype=np.int64), minlength=len(LETTERS))


def labels_from_counts(counts: dict[str, int] | np.ndarray) -> np.ndarray:
    """A label vector with the given number of each letter (e.g. to weigh the Kaggle counts)."""
    values = [counts[letter] for letter in LETTERS] if isinstance(counts, dict) else list(counts)
    return np.repeat(np.arange(len(LETTERS), dtype=np.uint8), values)


def ink_amount(images: np.ndarray, level: int = INK_LEVEL) -> np.ndarray:
    """Ink pixels per image (of 784): how much of the frame a letter's strokes cover."""
    images = np.asarray(images)
    return (images.reshape(len(images), -1) >= level).sum(axis=1)


def mean_images(data: Dataset) -> np.ndarray:
    """26 x 28 x 28 float mean image per letter (0-255); all zeros for a letter with no samples."""
    out = np.zeros((len(LETTERS), 28, 28), dtype=np.float64)
    for label in np.unique(data.y):
        out[label] = data.x[data.y == label].mean(axis=0, dtype=np.float64)
    return out


# --------------------------------------------------------------------------- projection

@dataclass
class Projection:
    """A principal-component projection of 28x28 images (fitted by `pca`)."""

    mean: np.ndarray        # 784 pixel means
    components: np.ndarray  # k x 784, orthonormal rows, largest variance first
    explained: np.ndarray   # k fractions of the total pixel variance

    def transform(self, images: np.ndarray) -> np.ndarray:
        flat = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
        return (flat - self.mean) @ self.components.T


def pca(images: np.ndarray, components: int = 2, sample: int = 20_000, seed: int = 0) -> Projection:
    """Principal components of the pixels of at most `sample` images (a random subset beyond that)."""
    images = np.asarray(images)
    if len(images) < 2:
        raise ValueError(f"a projection needs at least 2 images, got {len(images)}")
    if len(images) > sample:
        images = images[np.random.default_rng(seed).choice(len(images), sample, replace=False)]
    flat = images.reshape(len(images), -1).astype(np.float64)
    mean = flat.mean(axis=0)
    centred = flat - mean
    # The right singular vectors of the centred pixels are the eigenvectors of their 784 x 784
    # scatter matrix: only the top k of one small symmetric eigenproblem are needed, which is
    # some 30 times faster than an SVD of the images themselves.
    from scipy.linalg import eigh

    scatter = centred.T @ centred
    d = len(scatter)
    k = min(components, d)
    variance, vectors = eigh(scatter, subset_by_index=[d - k, d - 1])
    variance, vectors = np.clip(variance[::-1], 0.0, None), vectors[:, ::-1]
    total = float(np.trace(scatter))
    explained = variance / total if total > 0 else np.zeros(k)
    return Projection(mean.astype(np.float32), vectors.T.astype(np.float32), explained)


# --------------------------------------------------------------------------- near-duplicates

@dataclass
class Duplicates:
    """Images that repeat an earlier image of the same data set, exactly or nearly."""

    total: int             # images examined
    exact: int             # byte-identical to an earlier image
    near: int              # within the tolerance of an earlier image (exact ones included)
    pairs: np.ndarray      # (near x 2) index of the earlier image, index of the repeat
    distances: np.ndarray  # RMS pixel difference (0-255 scale) of each pair
    tolerance: float

    @property
    def fraction(self) -> float:
        return self.near / self.total if self.total else 0.0


def near_duplicates(images: np.ndarray, tolerance: float = 8.0, block: int = 1024,
                    dims: int = 32) -> Duplicates:
    """Find images whose RMS pixel difference from an earlier image is at most `tolerance`.

    `tolerance` is on the 0-255 scale: 8 (3 % of full ink) catches re-saved or re-cropped copies,
    while two writings of the same letter by the same hand differ by 20 or more. Every pair of
    images is compared, first through a PCA projection (distances there never exceed the true
    ones, so no duplicate is missed) and then exactly on the pixels; the cost grows with the
    square of the number of images (about a second for 10,000 on two cores).
    """
    images = np.asarray(images)
    n = len(images)
    flat = images.reshape(n, -1)
    if n < 2:
        return Duplicates(n, 0, 0, np.zeros((0, 2), np.int64), np.zeros(0), tolerance)
    rows = np.ascontiguousarray(flat).view(np.dtype((np.void, flat.shape[1] * flat.dtype.itemsize)))
    exact = n - len(np.unique(rows.ravel()))

    projection = pca(images, components=min(dims, flat.shape[1]), sample=5000)
    z = projection.transform(images).astype(np.float32)
    zz = (z ** 2).sum(axis=1)
    pixels = flat.astype(np.float32)
    limit = (tolerance ** 2) * flat.shape[1]  # squared L2 distance of RMS = tolerance
    first = np.full(n, -1, dtype=np.int64)
    best = np.full(n, np.inf)
    for start in range(1, n, block):
        stop = min(n, start + block)
        # Squared distances of rows start..stop to every earlier image, in the projection.
        d = zz[start:stop, None] + zz[None, :stop] - 2.0 * (z[start:stop] @ z[:stop].T)
        # (The slack covers float32 rounding; candidates are checked on the pixels anyway.)
        later, earlier = np.nonzero(d <= 1.01 * limit + 16.0)
        later += start
        keep = earlier < later
        later, earlier = later[keep], earlier[keep]
        if not len(later):
            continue
        true = ((pixels[later] - pixels[earlier]) ** 2).sum(axis=1)
        ok = true <= limit
        later, earlier, true = later[ok], earlier[ok], true[ok]
        if not len(later):
            continue
        # Each repeat keeps its closest earlier image (rows of one block are all new repeats).
        order = np.lexsort((true, later))
        later, earlier, true = later[order], earlier[order], true[order]
        head = np.r_[True, later[1:] != later[:-1]]
        first[later[head]], best[later[head]] = earlier[head], true[head]
    repeats = np.flatnonzero(first >= 0)
    pairs = np.column_stack([first[repeats], repeats]) if len(repeats) else np.zeros((0, 2), np.int64)
    distances = np.sqrt(best[repeats] / flat.shape[1])
    return Duplicates(n, int(exact), int(len(repeats)), pairs, distances, tolerance)


# --------------------------------------------------------------------------- a picture, as a user gives it

def example_picture(letter: str = "R", seed: int = 0) -> np.ndarray:
    """`letter_picture` of one synthetic writing of `letter` (reproducible for a seed)."""
    from handwriting.data.synthetic import distort, glyph_variants

    rng = np.random.default_rng(seed)
    variants = glyph_variants(letter)
    variant = variants[int(rng.integers(len(variants)))]
    return letter_picture(distort(variant.strokes, rng), seed=seed)


def letter_picture(strokes, size: tuple[int, int] = (180, 240), seed: int = 0) -> np.ndarray:
    """A letter as a phone picture shows it: dark ink on uneven light paper, small and off-centre.

    Returns an H x W x 3 uint8 RGB image, the raw input `imaging.letter.preprocess_image` turns
    into the model's 28x28 (shown in the features notebook).
    """
    rng = np.random.default_rng(seed)
    height, width = size
    ink = draw_ink(strokes, pen_width=2.0, supersample=3).astype(np.float32) / 255.0
    ink = ink[np.ix_(ink.max(axis=1) > 0, ink.max(axis=0) > 0)]
    top = int(rng.integers(5, max(6, height - ink.shape[0] - 5)))
    left = int(rng.integers(5, max(6, width - ink.shape[1] - 5)))
    page = np.zeros((height, width), dtype=np.float32)
    page[top:top + ink.shape[0], left:left + ink.shape[1]] = ink[:height - top, :width - left]
    # Paper: light, with a shadow falling across it and a little grain.
    yy, xx = np.mgrid[0:height, 0:width]
    paper = 235 - 45 * (xx / width) * (yy / height) + rng.normal(0, 3, (height, width))
    pen = np.array([40.0, 45.0, 90.0])  # blue-black ink
    rgb = paper[..., None] * (1 - page[..., None]) + pen * page[..., None]
    return np.clip(rgb, 0, 255).astype(np.uint8)


def layout(images: np.ndarray, level: int = 25) -> dict[str, np.ndarray]:
    """Where each image's ink sits: its box (longer side in pixels) and its centre of mass.

    Data in the training convention have a longer side of 20 and a centre of mass near
    (13.5, 13.5); a source that does not (EMNIST's letters fill the frame differently, a
    careless export may crop to the edges) shows here before it confuses a model.
    """
    images = np.asarray(images, dtype=np.float64)
    ink = images > level
    rows, cols = ink.any(axis=2), ink.any(axis=1)
    index = np.arange(images.shape[1])

    def extent(mask: np.ndarray) -> np.ndarray:
        first = np.where(mask.any(axis=1), mask.argmax(axis=1), 0)
        last = np.where(mask.any(axis=1), mask.shape[1] - 1 - mask[:, ::-1].argmax(axis=1), -1)
        return last - first + 1

    mass = images.sum(axis=(1, 2))
    safe = np.where(mass > 0, mass, 1.0)
    return {
        "longer_side": np.maximum(extent(rows), extent(cols)),
        "centre_x": np.where(mass > 0, images.sum(axis=1) @ index / safe, np.nan),
        "centre_y": np.where(mass > 0, images.sum(axis=2) @ index / safe, np.nan),
    }


def layout_summary(images: np.ndarray) -> dict[str, float]:
    """Share of images that follow the convention (longer side 19-21 px, centre within 1.5 px)."""
    geometry = layout(images)
    off = np.hypot(geometry["centre_x"] - 13.5, geometry["centre_y"] - 13.5)
    side = geometry["longer_side"]
    return {
        "images": int(len(side)),
        "longer side 19-21 px": float(((side >= 19) & (side <= 21)).mean()) if len(side) else 0.0,
        "centre of mass within 1.5 px of the middle": float((off <= 1.5).mean()) if len(side) else 0.0,
        "median longer side (px)": float(np.median(side)) if len(side) else 0.0,
    }


def redraw_effects(base=None) -> dict:
    """One `Redraw` per kind of change to a pen trajectory, each alone at `base`'s strength, plus `base`."""
    base = base or Redraw()
    none = Redraw(stroke_shift=0.0, slant=0.0, aspect=0.0, wobble=0.0, tick=0.0, skip=0.0)
    return {
        "strokes apart": replace(none, stroke_shift=base.stroke_shift),
        f"slant ±{base.slant:g}": replace(none, slant=base.slant),
        "wider, narrower": replace(none, aspect=base.aspect),
        "wobble": replace(none, wobble=base.wobble),
        "pen skips": replace(none, skip=1.0),
        "all (training)": base,
    }
