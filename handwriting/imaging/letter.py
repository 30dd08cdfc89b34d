"""One letter to the model's 28x28 input, in the training data's convention.

The Kaggle A-Z / MNIST convention: white ink on black, the letter's bounding box scaled so its
longer side is 20 pixels (keeping the aspect ratio), then placed in 28x28 so that its centre of
mass is at the centre. Stroke renders, image folders, canvas drawings and photos all end in
`fit_and_center`, so training data and user input look alike. From a picture's ink, the letter's
components are picked (not debris far away) and thin pen strokes thickened to the training data's
stroke width first; `preprocess_image` runs the whole way from any picture of one letter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from handwriting.imaging.ink import LETTER_SIDE, NoInkError, extract_ink
from handwriting.imaging.measure import stroke_width

SIZE = 28                # the model's input is SIZE x SIZE ...
BOX = 20                 # ... with the letter's longer side BOX pixels
INK_LEVEL = 0.1          # fraction of full ink below which a pixel counts as background when cropping
STROKE_TARGET = 0.10     # stroke width / letter size of the training data (2 px in the 20 px box)
STROKE_THIN = 0.075      # strokes thinner than this fraction of the letter size get thickened


@dataclass
class Preprocessed:
    """The 28x28 model input and what the pipeline decided on the way, for "what the model sees"."""

    image: np.ndarray                      # uint8 28x28, white ink on black
    inverted: bool = False                 # was the picture dark ink on a light background?
    bbox: tuple[int, int, int, int] | None = None  # ink box (left, top, right, bottom) in the input
    threshold: float | None = None         # ink threshold used, 0-1 on the ink scale
    notes: list[str] = field(default_factory=list)


def fit_and_center(ink: np.ndarray, level: float = INK_LEVEL) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Crop `ink` (H x W, larger = more ink) to its ink, fit it in 20x20 and centre it by mass.

    Returns the uint8 28x28 image and the crop box (left, top, right, bottom) in `ink`'s pixels.
    Raises NoInkError when there is no ink.
    """
    ink = np.asarray(ink, dtype=np.float32)
    peak = float(ink.max()) if ink.size else 0.0
    if peak <= 0:
        raise NoInkError("nothing to read: the picture has no ink")
    mask = ink > peak * level
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    crop = ink[top:bottom, left:right] / peak
    h, w = crop.shape
    scale = BOX / max(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    # Pillow's filters widen their support when shrinking, so this is an area-averaging resize.
    small = np.asarray(Image.fromarray(crop).resize((new_w, new_h), Image.Resampling.BILINEAR))
    small = np.clip(small, 0.0, None)
    if small.max() > 0:
        small = small / small.max()
    total = small.sum()
    cy = float(small.sum(axis=1) @ np.arange(new_h)) / total
    cx = float(small.sum(axis=0) @ np.arange(new_w)) / total
    # Integer shift putting the centre of mass at pixel (14, 14), as in MNIST-style data and the
    # real 28x28 letters; clamp so the 20x20 box stays inside the 28x28 frame.
    oy = int(np.clip(round(SIZE / 2 - cy), 0, SIZE - new_h))
    ox = int(np.clip(round(SIZE / 2 - cx), 0, SIZE - new_w))
    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    out[oy:oy + new_h, ox:ox + new_w] = small
    return np.round(out * 255).astype(np.uint8), (int(left), int(top), int(right), int(bottom))


def letter_components(mask: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The components that make the letter: the largest and its neighbours, not debris far away."""
    from scipy import ndimage

    notes: list[str] = []
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    if n <= 1:
        return mask, notes
    objects = ndimage.find_objects(labels)
    sizes = np.bincount(labels.ravel(), minlength=n + 1)[1:]
    order = np.argsort(-sizes)
    main = order[0]
    sl = objects[main]
    top, bottom, left, right = sl[0].start, sl[0].stop, sl[1].start, sl[1].stop
    keep = np.zeros(n + 1, dtype=bool)
    keep[main + 1] = True
    changed = True
    while changed:  # grow the letter by nearby pieces (an E drawn in several strokes)
        changed = False
        size = max(bottom - top, right - left)
        for i in order[1:]:
            if keep[i + 1] or sizes[i] < 0.05 * sizes[main]:
                continue
            s = objects[i]
            gap_y = max(s[0].start - bottom, top - s[0].stop, 0)
            gap_x = max(s[1].start - right, left - s[1].stop, 0)
            if max(gap_x, gap_y) <= 0.35 * size:
                keep[i + 1] = True
                top, bottom = min(top, s[0].start), max(bottom, s[0].stop)
                left, right = min(left, s[1].start), max(right, s[1].stop)
                changed = True
    dropped = n - int(keep.sum())
    if dropped:
        notes.append(f"ignored {dropped} small or distant mark(s)")
    return keep[labels], notes


def letter_from_ink(ink: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, tuple[int, int, int, int], list[str]]:
    """Soft ink of one letter (optionally limited to `mask`) -> 28x28 and its box in `ink`.

    Thin pen strokes are thickened to the training data's stroke width first: a 1-pixel pen line
    in a 500-pixel letter would otherwise average away to a faint grey in 20x20.
    """
    notes: list[str] = []
    if mask is not None:
        ink = ink * mask
    rows = np.flatnonzero(ink.max(axis=1) > INK_LEVEL)
    cols = np.flatnonzero(ink.max(axis=0) > INK_LEVEL)
    if len(rows) == 0:
        raise NoInkError("nothing to read: the picture has no ink")
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    crop = ink[top:bottom, left:right]
    size = max(crop.shape)
    work = 4 * BOX + 16  # a few pixels per 28x28 pixel is enough to thicken strokes accurately
    if size > work:
        s = work / size
        im = Image.fromarray(crop.astype(np.float32), mode="F")
        crop = np.asarray(im.resize((max(1, round(crop.shape[1] * s)), max(1, round(crop.shape[0] * s))),
                                    Image.Resampling.BOX))
        size = max(crop.shape)
    peak = float(crop.max())
    if peak > 0 and size >= 24:
        binary = crop > 0.5 * peak
        sw = stroke_width(binary)
        if 0 < sw < STROKE_THIN * size:
            from scipy import ndimage

            grow = int(round((STROKE_TARGET * size - sw) / 2))
            if grow > 0:
                crop = np.pad(crop, grow)
                yy, xx = np.mgrid[-grow:grow + 1, -grow:grow + 1]
                disc = (xx ** 2 + yy ** 2) <= grow ** 2 + 0.5
                crop = ndimage.grey_dilation(crop, footprint=disc)
                notes.append(f"thin strokes thickened ({sw:.1f} -> {sw + 2 * grow:.1f} px of {size})")
    image, _ = fit_and_center(crop)
    return image, (left, top, right, bottom), notes


def preprocess_image(source, max_side: int = LETTER_SIDE) -> Preprocessed:
    """Any picture of one letter -> the 28x28 model input plus what was decided.

    Raises ImageReadError when the source cannot be read and NoInkError when there is no ink.
    """
    page = extract_ink(source, max_side=max_side)
    mask, notes = letter_components(page.mask)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 < 0.03 * min(page.mask.shape):
        raise NoInkError("nothing to read: only specks, no letter")
    near = _dilate(mask)
    image, box, more = letter_from_ink(page.ink, near)
    return Preprocessed(image, inverted=page.inverted, bbox=page.to_input(box),
                        threshold=round(page.threshold, 4), notes=page.notes + notes + more)


def _dilate(mask: np.ndarray) -> np.ndarray:
    from scipy import ndimage

    return ndimage.binary_dilation(mask, iterations=1)
