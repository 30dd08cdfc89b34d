"""One pipeline from any picture of a letter to the 28x28 input the model was trained on.

The Kaggle A-Z / MNIST convention: white ink on black, the letter's bounding box scaled so its
longer side is 20 pixels (keeping the aspect ratio), then placed in 28x28 so that its centre of
mass is at the centre. Stroke renders, image folders, canvas drawings and photos all end in
`fit_and_center`, so training data and user input look alike.

What people give us is rarely that clean, so a picture goes through these steps:

1. `load_image`: decode (JPEG at reduced scale through Pillow's draft mode, HEIC through
   pillow-heif), refuse what is not an image or would not fit in memory, apply EXIF orientation.
2. `extract_ink`: colour, 16-bit, palette, CMYK and transparency to an ink map (0 = paper,
   1 = full ink) whatever the polarity; photos get their paper flattened (shadows, uneven light)
   and an Otsu threshold; dark table regions and the paper's edges are dropped, a page
   photographed askew is straightened by its ruled lines, and ruled and grid lines and specks
   are removed from the ink mask.
3. `letter_from_ink`: the letter's components are cropped, thin pen strokes thickened to the
   training data's stroke width, and the result fitted and centred.

`preprocess_image` runs all three for one letter; `handwriting.words.segment` uses the first two for
words and pages.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps

SIZE = 28
BOX = 20
INK_LEVEL = 0.1  # fraction of full ink below which a pixel counts as background when cropping

LETTER_SIDE = 500    # working size (longer side, pixels) for one letter: plenty for 28x28
TEXT_SIDE = 1600     # working size for words and pages, whose letters are a fraction of the frame
MAX_PIXELS = 90_000_000  # larger pictures are refused (decompression bombs; phones give 12-50 MP)
STROKE_TARGET = 0.10     # stroke width / letter size of the training data (2 px in the 20 px box)
STROKE_THIN = 0.075      # strokes thinner than this fraction of the letter size get thickened
MIN_CONTRAST = 0.15      # ink must be this much darker (on the 0-1 ink scale) than the paper
MIN_THRESHOLD = 0.12     # photos: the ink threshold never goes below this (paper noise, JPEG)
LEVEL_PCT = 90           # the percentile of ink darkness that counts as full ink
FAINT = 0.25             # writing whose typical darkening is below this is a shadow or a smudge

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is an error, not a half-grey letter

_heif_registered = False


class NoInkError(ValueError):
    """The picture has nothing to read (a blank canvas or an empty page)."""


class ImageReadError(ValueError):
    """The file is not a picture we can read (not an image, truncated, empty, too large...)."""


@dataclass
class Preprocessed:
    """The 28x28 model input and what the pipeline decided on the way, for "what the model sees"."""

    image: np.ndarray                      # uint8 28x28, white ink on black
    inverted: bool = False                 # was the picture dark ink on a light background?
    bbox: tuple[int, int, int, int] | None = None  # ink box (left, top, right, bottom) in the input
    threshold: float | None = None         # ink threshold used, 0-1 on the ink scale
    notes: list[str] = field(default_factory=list)


@dataclass
class InkImage:
    """A picture's ink at working resolution, ready for cropping letters or segmenting words."""

    ink: np.ndarray            # float32 H x W, 0 = paper, 1 = full ink (lines and specks removed)
    mask: np.ndarray           # bool H x W, the thresholded and cleaned ink
    scale: tuple[float, float]  # working pixels per input pixel (x, y)
    inverted: bool             # dark ink on light paper?
    threshold: float           # the ink threshold, 0-1 on the ink scale
    kind: str                  # "drawing" (flat background), "crop" (small, one paper colour), "photo"
    stroke_width: float        # median stroke width in working pixels (0 when there is no ink)
    notes: list[str] = field(default_factory=list)
    angle: float = 0.0         # degrees the picture was turned to straighten ruled lines

    def to_input(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """A (left, top, right, bottom) box in working pixels -> pixels of the input picture."""
        sx, sy = self.scale
        left, top, right, bottom = box
        if self.angle:
            # Undo the straightening: the box's corners turned back, and the box around them.
            h, w = self.mask.shape
            cx, cy = w / 2, h / 2
            a = math.radians(self.angle)
            xs, ys = [], []
            for x, y in ((left, top), (right, top), (left, bottom), (right, bottom)):
                dx, dy = x - cx, y - cy
                xs.append(cx + dx * math.cos(a) + dy * math.sin(a))
                ys.append(cy - dx * math.sin(a) + dy * math.cos(a))
            left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
        return (max(0, int(math.floor(left / sx))), max(0, int(math.floor(top / sy))),
                int(math.ceil(right / sx)), int(math.ceil(bottom / sy)))


# ----------------------------------------------------------------------------------------------
# fitting and centring (the training data's convention)

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


# ----------------------------------------------------------------------------------------------
# 1. decoding

def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        try:
            from pillow_heif import register_heif_opener
        except ImportError:  # HEIC then reads as "not an image we can read"
            pass
        else:
            register_heif_opener()
        _heif_registered = True


def _describe(source) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"{len(source)} bytes"
    return type(source).__name__


def _from_array(array: np.ndarray) -> Image.Image:
    """A grey (H x W), RGB or RGBA (H x W x 3|4) array of uint8, uint16, bool or 0-1 floats."""
    a = np.asarray(array)
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (1, 3, 4)) or a.size == 0:
        raise ImageReadError(f"array of shape {a.shape} is not a grey, RGB or RGBA image")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    elif a.dtype == np.uint16 or (np.issubdtype(a.dtype, np.integer) and a.max(initial=0) > 255):
        a = (a.astype(np.float64) / 65535.0 * 255.0).round().clip(0, 255).astype(np.uint8)
    elif np.issubdtype(a.dtype, np.floating):
        if not np.isfinite(a).all():
            raise ImageReadError("array has values that are not finite numbers")
        peak = 1.0 if a.max(initial=0) <= 1.0 else 255.0
        a = (a / peak * 255.0).round().clip(0, 255).astype(np.uint8)
    else:
        a = a.clip(0, 255).astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(a))


def load_image(source, max_side: int | None = None) -> tuple[Image.Image, tuple[float, float]]:
    """Decode a path, bytes, PIL image or array, upright, at most about `max_side` pixels long.

    Returns the image and its scale (x, y) relative to the full-size upright picture, so boxes
    found at working size can be reported in the input's pixels. Raises ImageReadError for a
    directory, a missing or empty file, something that is not an image, a truncated file, or a
    picture over MAX_PIXELS (a decompression bomb).
    """
    name = _describe(source)
    if isinstance(source, np.ndarray):
        image = _from_array(source)
    elif isinstance(source, Image.Image):
        image = source
    else:
        _register_heif()
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            if not data:
                raise ImageReadError("empty input (0 bytes): not an image")
            fp = io.BytesIO(data)
        else:
            path = Path(source)
            if path.is_dir():
                raise ImageReadError(f"{path}: is a directory, not an image")
            if not path.is_file():
                raise ImageReadError(f"{path}: no such file")
            if path.stat().st_size == 0:
                raise ImageReadError(f"{path}: empty file (0 bytes), not an image")
            fp = path
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(fp)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise ImageReadError(f"{name}: picture too large, refused as a decompression bomb ({e})") from None
        except Exception as e:  # Pillow raises UnidentifiedImageError, OSError, SyntaxError...
            raise ImageReadError(f"{name}: not an image Pillow can read ({e})") from None
    w, h = image.size
    if w * h > MAX_PIXELS:
        raise ImageReadError(f"{name}: {w}x{h} pixels is over the {MAX_PIXELS:,}-pixel limit "
                             "(a decompression bomb or a needlessly large picture)")
    if w == 0 or h == 0:
        raise ImageReadError(f"{name}: picture of size {w}x{h} has no pixels")
    try:
        orientation = image.getexif().get(0x0112, 1)
    except Exception:
        orientation = 1
    if max_side and image.format == "JPEG" and max(w, h) > max_side:
        # JPEG decodes at 1/2, 1/4 or 1/8 scale for a fraction of the cost (not below max_side).
        s = max_side / max(w, h)
        image.draft(image.mode if image.mode in ("L", "RGB") else None, (math.ceil(w * s), math.ceil(h * s)))
    try:
        image.load()
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)  # animated GIF or multi-page TIFF: the first frame
    except Exception as e:
        raise ImageReadError(f"{name}: the picture data is broken or truncated ({e})") from None
    if orientation in (5, 6, 7, 8):
        w, h = h, w  # the upright picture's full size
    if orientation != 1:
        image = ImageOps.exif_transpose(image)
    if max_side and max(image.size) > max_side:
        s = max_side / max(image.size)
        size = (max(1, round(image.size[0] * s)), max(1, round(image.size[1] * s)))
        if image.mode not in ("1", "L", "LA", "RGB", "RGBA", "I", "F", "I;16", "CMYK"):
            image = image.convert("RGBA" if "transparency" in image.info or "A" in image.mode else "RGB")
        if image.mode == "1":
            image = image.convert("L")
        image = image.resize(size, Image.Resampling.BOX)  # area average: thin strokes stay grey
    return image, (image.size[0] / w, image.size[1] / h)


def open_image(source: str | Path | bytes | Image.Image) -> Image.Image:
    """Open a picture from a path, bytes, a PIL image or an array, upright (EXIF orientation applied)."""
    return load_image(source)[0]


# ----------------------------------------------------------------------------------------------
# 2. ink

def _channels(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Float 0-1 channels (H x W x C, C = 1 or 3) and alpha (H x W) or None, for any mode."""
    mode = image.mode
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode == "PA":
        image = image.convert("RGBA")
    elif mode in ("CMYK", "YCbCr", "LAB", "HSV", "RGBX", "RGBa", "La"):
        image = image.convert("RGB")
    elif mode == "1":
        image = image.convert("L")
    elif mode == "L" and "transparency" in image.info:
        image = image.convert("LA")
    elif mode == "RGB" and "transparency" in image.info:
        image = image.convert("RGBA")
    mode = image.mode
    if mode.startswith("I") or mode == "F":
        a = np.asarray(image, dtype=np.float32)
        if a.ndim == 3:  # some Pillow builds give I;16 as (H, W, 1)
            a = a[..., 0]
        peak = float(a.max(initial=0))
        div = 65535.0 if mode.startswith("I;16") or peak > 255 else (1.0 if mode == "F" and peak <= 1 else 255.0)
        return np.clip(a / div, 0, 1)[..., None], None
    a = np.asarray(image, dtype=np.float32) / 255.0
    if a.ndim == 2:
        return a[..., None], None
    if mode in ("LA",):
        return a[..., :1], a[..., 1]
    if mode == "RGBA":
        return a[..., :3], a[..., 3]
    return a[..., :3], None


def _composite(colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Flatten transparency onto a backdrop that contrasts with what is opaque.

    Ink drawn as opaque pixels on transparency (whatever its RGB, even when the RGB is the same
    everywhere and the ink lives only in the alpha channel) becomes ink; a transparent letter cut
    out of an opaque sheet becomes ink too.
    """
    weight = alpha.sum()
    if weight <= 0:  # fully transparent: a blank picture
        return np.zeros_like(colour)
    opaque_lum = float((colour.mean(axis=2) * alpha).sum() / weight)
    backdrop = 1.0 if opaque_lum < 0.5 else 0.0
    return colour * alpha[..., None] + backdrop * (1.0 - alpha[..., None])


def ink_from_image(image: Image.Image) -> tuple[np.ndarray, bool]:
    """Grey levels as ink (0 = background, 1 = full ink) and whether the picture was inverted.

    A picture whose ink lives only in the alpha channel (as some drawing apps save) reads as ink.
    The background is the colour of most pixels; ink is how far a pixel is from it, in any colour.
    No paper flattening: that is `extract_ink`'s job.
    """
    colour, inverted = _paper_light(image)
    bg = np.median(colour.reshape(-1, colour.shape[2]), axis=0)
    ink = _darkening(np.broadcast_to(bg.astype(np.float32), colour.shape), colour)
    return ink, inverted


def _darkening(paper: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """How much darker than the paper each pixel is, in its most darkened channel, 0-1.

    Relative to the paper's brightness, so ink in a shadow reads as ink in the light; any ink
    colour (blue, red, even yellow) darkens some channel.
    """
    c = colour.shape[2]
    drop = paper[..., 0] - colour[..., 0]
    bright = paper[..., 0].copy()
    for ch in range(1, c):
        np.maximum(drop, paper[..., ch] - colour[..., ch], out=drop)
        np.maximum(bright, paper[..., ch], out=bright)
    np.maximum(bright, 0.05, out=bright)
    return np.clip(drop / bright, 0.0, 1.0).astype(np.float32, copy=False)


def _paper_light(image: Image.Image) -> tuple[np.ndarray, bool]:
    """Channels turned so the paper is light and ink dark, and whether the input already was so."""
    colour, alpha = _channels(image)
    if alpha is not None and alpha.min() < 0.99:
        colour = _composite(colour, alpha)
    step = max(1, round(max(colour.shape[:2]) / 400))
    lum = colour[::step, ::step].mean(axis=2)
    # Ink is a minority of pixels, so the median is the paper (the border can be a dark table).
    light_paper = bool(np.median(lum) >= 0.5)
    return (colour if light_paper else 1.0 - colour), light_paper


def _paper_estimate(colour: np.ndarray) -> tuple[np.ndarray, str]:
    """The paper's colour at every pixel: constant for drawings, local for photos."""
    h, w, c = colour.shape
    step = max(1, round(max(h, w) / 400))  # statistics on a subsample: same answer, less time
    sub = colour[::step, ::step]
    lum = sub.mean(axis=2)
    med = float(np.median(lum))
    flat = float(np.mean(np.abs(lum - med) <= 0.5 / 255))  # exactly one colour: drawn, not photographed
    bright = sub[lum >= med]
    global_bg = np.median(bright, axis=0) if len(bright) else np.ones(c, np.float32)
    if flat >= 0.5 or min(h, w) < 48:
        # A canvas or a small tight crop: one paper colour (flattening would eat thick strokes).
        return np.broadcast_to(global_bg.astype(np.float32), colour.shape), ("drawing" if flat >= 0.5 else "crop")
    block = max(8, round(max(h, w) / 12))
    paper = _flatten(colour, block)
    # Blocks must be several strokes wide, or a thick stroke along the border reads as paper.
    ink = _darkening(paper[::step, ::step], sub)
    sw = stroke_width(ink > max(_otsu(ink), MIN_THRESHOLD)) * step
    if 3 * sw > block:
        paper = _flatten(colour, round(3 * sw))
    return paper, "photo"


def _flatten(colour: np.ndarray, b: int) -> np.ndarray:
    """The paper's brightness in blocks of b pixels (a high percentile skips the ink), a median
    over neighbouring blocks for blocks full of ink, then smooth interpolation in between.
    Blocks are measured on a box-averaged copy for speed."""
    from scipy import ndimage  # scipy is heavy to import; only photos need it here

    h, w, c = colour.shape
    f = max(1, b // 12)
    hs, ws = h // f, w // f
    small = colour[:hs * f, :ws * f].reshape(hs, f, ws, f, c).mean(axis=(1, 3)) if f > 1 else colour
    bs = max(1, round(b / f))
    ny, nx = math.ceil(hs / bs), math.ceil(ws / bs)
    padded = np.pad(small, ((0, ny * bs - hs), (0, nx * bs - ws), (0, 0)), mode="edge")
    blocks = padded.reshape(ny, bs, nx, bs, c).transpose(0, 2, 1, 3, 4).reshape(ny, nx, bs * bs, c)
    k = int(0.9 * (bs * bs - 1))
    grid = np.partition(blocks, k, axis=2)[:, :, k, :]
    grid = ndimage.median_filter(grid, size=(3, 3, 1), mode="nearest")
    out = np.empty_like(colour)
    full = (round(nx * bs * w / ws), round(ny * bs * h / hs))  # the padded grid in full pixels
    for ch in range(c):
        g = Image.fromarray(np.ascontiguousarray(grid[..., ch]), mode="F")
        out[..., ch] = np.asarray(g.resize(full, Image.Resampling.BILINEAR))[:h, :w]
    return out


def _otsu(values: np.ndarray, bins: int = 128) -> float:
    hist, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    hist = hist.astype(np.float64)
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centres)
    mt = m0[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mt * w0 / w0[-1] - m0) ** 2 / (w0 * w1)
    between = np.nan_to_num(between)
    return float(edges[int(np.argmax(between)) + 1])


def _runs(mask: np.ndarray, min_len: int) -> np.ndarray:
    """The pixels of horizontal runs of True at least `min_len` long."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    starts = np.argwhere(d == 1)
    ends = np.argwhere(d == -1)
    out = np.zeros(mask.shape, dtype=bool)
    long = (ends[:, 1] - starts[:, 1]) >= min_len
    for (row, s), (_, e) in zip(starts[long], ends[long]):
        out[row, s:e] = True
    return out


def stroke_width(mask: np.ndarray) -> float:
    """Typical stroke width (pixels) of a binary ink mask."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return 0.0
    from scipy import ndimage

    crop = mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    factor = 1
    if crop.size > 250_000 and crop.sum() > 20_000:  # a page: half resolution gives the same answer
        h2, w2 = crop.shape[0] // 2 * 2, crop.shape[1] // 2 * 2
        crop = crop[:h2, :w2].reshape(h2 // 2, 2, w2 // 2, 2).sum(axis=(1, 3)) >= 2
        factor = 2
    crop = np.pad(crop, 1)
    dist = ndimage.distance_transform_edt(crop)
    # Across a stroke of width w the distance to the edge runs 1..w/2, so its mean is about w/4.
    return float(factor * (4.0 * dist[crop].mean() - 1.0)) if crop.any() else 0.0


@dataclass
class _Segment:
    axis: int                  # 0: horizontal, 1: vertical
    across: slice              # rows of a horizontal segment, columns of a vertical one
    along: slice               # its columns, or rows
    box: tuple[slice, slice]   # (rows, columns) in the mask
    pixels: np.ndarray         # bool, the segment's pixels inside `box`

    @property
    def length(self) -> int:
        return self.along.stop - self.along.start


def _line_candidates(mask: np.ndarray, min_len: tuple[int, int]) -> list[_Segment]:
    """Long straight horizontal and vertical segments, at least `min_len` (horizontal, vertical) long."""
    from scipy import ndimage

    found = []
    for axis in (0, 1):
        m = mask if axis == 0 else mask.T
        w = m.shape[1]
        need = min(min_len[axis], w)
        # A band a few pixels high catches lines photographed a few degrees off the horizontal,
        # and closing small breaks along it catches faint lines the threshold broke up.
        tol = max(1, int(round(0.006 * w)))
        band = ndimage.maximum_filter1d(m.view(np.uint8), size=2 * tol + 1, axis=0)
        band = ndimage.grey_closing(band, size=(1, max(3, int(0.02 * w)))).astype(bool)
        runs = _runs(band, need)
        if not runs.any():
            continue
        # Label the continuous runs (the ink of a faint line may be dashed), keep their ink.
        labels, _ = ndimage.label(runs, structure=np.ones((3, 3)))
        for i, sl in enumerate(ndimage.find_objects(labels), start=1):
            seg = (labels[sl] == i) & m[sl]
            cols = np.flatnonzero(seg.any(axis=0))
            if len(cols) == 0 or cols[-1] - cols[0] + 1 < need:
                continue
            box = sl if axis == 0 else (sl[1], sl[0])
            found.append(_Segment(axis, sl[0], sl[1], box, seg if axis == 0 else seg.T))
    return found


def _letter_height(mask: np.ndarray) -> float:
    """Typical height of the writing's components (not lines or grids spanning the picture)."""
    from scipy import ndimage

    h, w = mask.shape
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    heights = []
    for sl in ndimage.find_objects(labels):
        ch, cw = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if ch < 0.5 * h and cw < 0.5 * w and max(ch, cw) >= 0.01 * max(h, w):
            heights.append(ch)
    return float(np.median(heights)) if heights else 0.25 * min(h, w)


def _remove_lines(mask: np.ndarray, text: bool, notes: list[str],
                  loose: np.ndarray | None = None) -> np.ndarray:
    """Remove ruled and grid lines: long straight segments that are not part of the writing.

    A segment is a line when it is clearly thinner than the writing, or runs from border to border
    along the picture's edge (the paper's edge, a frame). In a picture of one letter, a segment as
    thick as the writing is a line only when it stays apart from the writing and runs past it or
    along the border: a T's bar (touching its stem) stays. In a word or page, a segment much longer
    than any letter (25 stroke widths and a quarter of the picture) is a line.
    """
    from scipy import ndimage

    h, w = mask.shape
    if text:
        lengths = (max(int(0.1 * w), 12), max(int(0.1 * h), 12))
        letter_h = _letter_height(mask)
    else:
        lengths = (max(int(0.45 * min(h, w)), 12),) * 2
    # Lines are found in `loose` (ink at half the threshold): a faint ruled line the threshold
    # broke into dashes is whole there. What is removed is the ink of `mask` along it.
    candidates = []
    for c in _line_candidates(mask if loose is None else loose, lengths):
        if loose is not None:
            r0, c0 = max(c.box[0].start - 1, 0), max(c.box[1].start - 1, 0)
            r1, c1 = min(c.box[0].stop + 1, h), min(c.box[1].stop + 1, w)
            grown_px = np.zeros((r1 - r0, c1 - c0), dtype=bool)
            grown_px[c.box[0].start - r0:c.box[0].stop - r0, c.box[1].start - c0:c.box[1].stop - c0] = c.pixels
            px = ndimage.binary_dilation(grown_px) & mask[r0:r1, c0:c1]
            if not px.any():
                continue
            box = (slice(r0, r1), slice(c0, c1))
            across, along = (box[0], c.along) if c.axis == 0 else (box[1], c.along)
            c = _Segment(c.axis, across, along, box, px)
        candidates.append(c)
    if not candidates:
        return mask
    every = np.zeros_like(mask)
    for c in candidates:
        every[c.box] |= c.pixels
    rest = mask & ~every
    rest_area, every_area = int(rest.sum()), int(every.sum())
    rest_sw = stroke_width(rest) if rest_area > 0.15 * every_area else stroke_width(mask)
    rows, cols = np.flatnonzero(rest.any(axis=1)), np.flatnonzero(rest.any(axis=0))

    def grown(box: tuple[slice, slice], pad: int) -> tuple[slice, slice]:
        return (slice(max(box[0].start - pad, 0), min(box[0].stop + pad, h)),
                slice(max(box[1].start - pad, 0), min(box[1].stop + pad, w)))

    rest_labels = ndimage.label(rest, structure=np.ones((3, 3)))[0] if rows.size else None
    rest_boxes = ndimage.find_objects(rest_labels) if rest_labels is not None else []

    def touching(c: _Segment) -> tuple[int, int] | None:
        """The extent along the segment of the writing it touches, or None if it touches none."""
        if rest_labels is None:
            return None
        r = grown(c.box, 3)
        seg = np.zeros((r[0].stop - r[0].start, r[1].stop - r[1].start), dtype=bool)
        seg[c.box[0].start - r[0].start:c.box[0].stop - r[0].start,
            c.box[1].start - r[1].start:c.box[1].stop - r[1].start] = c.pixels
        seg = ndimage.binary_dilation(seg, iterations=2)
        ids = np.unique(rest_labels[r][seg])
        ids = ids[ids > 0]
        if len(ids) == 0:
            return None
        k = 1 if c.axis == 0 else 0
        return (min(rest_boxes[i - 1][k].start for i in ids), max(rest_boxes[i - 1][k].stop for i in ids))

    removed = np.zeros_like(mask)
    gap = max(3, int(round(0.02 * max(h, w))))
    gone: list[_Segment] = []
    for c in candidates:
        thickness = c.pixels.sum() / c.length
        dim, across = (w, h) if c.axis == 0 else (h, w)
        from_edge = min(c.across.start, across - c.across.stop)
        # The edge of the paper or of a dark frame runs from border to border along it.
        unlike = not 0.8 * rest_sw <= thickness <= 1.5 * rest_sw  # not a stroke of the writing
        touched = None if text else touching(c)
        frame = c.length >= 0.95 * dim and from_edge < 0.06 * across and \
            (thickness < rest_sw if text else (unlike or touched is None))
        if text:
            # (letters' own strokes are candidates too: only a segment taller or wider than a
            # letter can be a line)
            thin = thickness < 0.5 * rest_sw and rest_sw >= 3 and c.length >= 1.5 * letter_h
            remove = frame or thin or c.length >= max(3 * letter_h, 25 * rest_sw)
        else:
            # Touching the writing, a segment is a line only if it runs far past what it touches
            # on both sides (a ruled line through a letter), not if it spans it (a T's bar).
            if touched is not None:
                span = touched[1] - touched[0]
                far = max(0.1 * dim, 0.5 * span)
                past = c.along.start < touched[0] - far and c.along.stop > touched[1] + far
            thin = thickness < 0.6 * rest_sw and rest_sw >= 3
            if thin and (touched is None or past or c.length >= 0.9 * dim):
                remove = True  # a long line far thinner than the writing
            elif len(rows) == 0 or rest_area < 0.15 * c.pixels.sum():
                remove = False  # the writing is made of long strokes (an I, an L, a T): keep them
            elif touched is None:
                extent = cols if c.axis == 0 else rows
                margin = 0.04 * dim
                beyond = c.along.start < extent[0] - margin and c.along.stop > extent[-1] + margin
                remove = frame or beyond or from_edge < 0.12 * across
            else:
                remove = frame or past
        if remove:
            removed[c.box] |= c.pixels
            gone.append(c)
    if not gone:
        return mask
    kept = mask & ~removed
    # Strokes crossing a removed line are bridged back across it.
    band = np.zeros_like(mask)
    for c in gone:
        across_px = (c.box[0] if c.axis == 0 else c.box[1])
        span = max(gap, across_px.stop - across_px.start + 4)  # the removed band, and a little
        r = grown(c.box, span)
        # Across the line straight or slanting either way, as strokes cross it.
        straight = np.ones((span, 1) if c.axis == 0 else (1, span), dtype=bool)
        bridged = np.zeros(kept[r].shape, dtype=bool)
        for se in (straight, np.eye(span, dtype=bool), np.fliplr(np.eye(span, dtype=bool))):
            bridged |= ndimage.binary_closing(kept[r], structure=se)
        kept[r] |= removed[r] & bridged
        band[grown(c.box, 3)] = True
    # Bits of a line the threshold broke off lie wholly along it: they go too.
    labels, n = ndimage.label(kept, structure=np.ones((3, 3)))
    if n:
        outside = np.bincount(labels[~band].ravel(), minlength=n + 1)
        along = outside == 0
        along[0] = False
        kept &= ~along[labels]
    kinds = sorted({"horizontal" if c.axis == 0 else "vertical" for c in gone})
    notes.append(f"removed {' and '.join(kinds)} line(s)")
    return kept


def _skew(mask: np.ndarray) -> float:
    """The angle (degrees) of ruled or grid lines photographed askew, or 0 when there are none.

    Each trial angle projects the ink onto rows along that slope; long straight lines make one
    row very full. Only a line spanning half the picture counts.
    """
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    if len(xs) == 0:
        return 0.0
    if len(xs) > 60_000:
        pick = np.random.default_rng(0).choice(len(xs), 60_000, replace=False)
        ys, xs, share = ys[pick], xs[pick], 60_000 / len(xs)
    else:
        share = 1.0
    xs = xs - w / 2.0

    def fullest(angle: float) -> float:
        rows = np.round(ys - xs * math.tan(math.radians(angle))).astype(np.int64)
        rows -= rows.min()
        return float(np.bincount(rows).max()) / share

    straight = fullest(0.0)
    best, angle = straight, 0.0
    for a in np.arange(-12.0, 12.01, 1.0):
        score = fullest(float(a))
        if score > best:
            best, angle = score, float(a)
    for a in (angle - 0.5, angle + 0.5):
        score = fullest(a)
        if score > best:
            best, angle = score, a
    if angle == 0.0 or best < 0.5 * w or best < 1.3 * straight:
        return 0.0
    return angle


def _turn(a: np.ndarray, angle: float) -> np.ndarray:
    """Turn a float image by -angle degrees about its centre (same size, zeros brought in)."""
    return np.asarray(Image.fromarray(a.astype(np.float32), mode="F").rotate(
        angle, resample=Image.Resampling.BILINEAR, fillcolor=0.0))


def _drop_backdrop(mask: np.ndarray, notes: list[str]) -> np.ndarray:
    """Drop what lies beyond the paper: dark table or frame regions reaching in from the border.

    They are far thicker than any pen stroke (or than a stroke could be at all) and touch the
    border. Only their thick parts go, so a letter that a ruled line joins to them stays.
    """
    from scipy import ndimage

    h, w = mask.shape
    dist = ndimage.distance_transform_edt(mask)
    ridge = (dist > 0) & (dist >= ndimage.maximum_filter(dist, size=3))
    half = float(np.median(dist[ridge])) if ridge.any() else 1.0  # a typical stroke's half width
    limit = max(3.0 * half, 0.06 * min(h, w))
    core = dist > limit
    if not core.any():
        return mask
    # The thick regions: every pixel within `limit` of their core.
    thick = ndimage.distance_transform_edt(~core) <= limit + 1.5
    labels, n = ndimage.label(thick)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    border = border[border > 0]
    if len(border) == 0:
        return mask
    drop = np.isin(labels, border)
    notes.append("ignored dark regions beyond the paper's edge")
    return mask & ~ndimage.binary_dilation(drop, iterations=2)


def _drop_paper_edges(mask: np.ndarray, notes: list[str]) -> np.ndarray:
    """Drop the paper's edges photographed askew: long thin lines crossing from border to border.

    (Level ones are left to the line removal, which knows grid and ruled lines too.)
    """
    from scipy import ndimage

    h, w = mask.shape
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    drop = np.zeros(n + 1, dtype=bool)
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        bh, bw = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        length = math.hypot(bh, bw)
        across = min(bh, bw)
        ends = (sl[1].start <= 1 and sl[1].stop >= w - 1) if bw >= bh else (sl[0].start <= 1 and sl[0].stop >= h - 1)
        if not ends or length < 0.6 * (w if bw >= bh else h):
            continue
        own = labels[sl] == i
        area = int(own.sum())
        slanted = across / max(bh, bw) > math.tan(math.radians(2.5))
        # One line, not lines and writing joined: a single run of ink across it almost everywhere.
        along = own if bw >= bh else own.T
        runs = (np.diff(along.astype(np.int8), axis=0) == 1).sum(axis=0) + along[0]
        single = float(np.mean(runs == 1)) >= 0.9
        if length / max(area / length, 1.0) >= 25 and slanted and single:
            drop[i] = True
    if not drop.any():
        return mask
    notes.append("ignored the paper's edge")
    return mask & ~drop[labels]


def extract_ink(source, max_side: int = LETTER_SIDE, text: bool = False) -> InkImage:
    """A picture's ink at working resolution: paper flattened, thresholded, lines and specks removed.

    `text=True` treats the picture as a word or a page (lines shorter than the picture are also
    lines; no single letter to look for). Raises ImageReadError or NoInkError.
    """
    image, scale = load_image(source, max_side)
    notes: list[str] = []
    colour, light_paper = _paper_light(image)
    notes.append("dark ink on light paper" if light_paper else "light ink on dark background")
    paper, kind = _paper_estimate(colour)
    ink = _darkening(paper, colour)
    if kind == "photo":
        notes.append("photo: paper flattened")
    # Otsu separates ink from paper; a floor keeps paper grain and JPEG noise out of it.
    t = _otsu(ink)
    if text:
        t *= 0.6  # a word may mix pens (or a lighter letter): keep the lighter strokes too
    t = max(t, 0.05 if kind == "drawing" else MIN_THRESHOLD)
    mask = ink > t
    if not mask.any() or float(ink[mask].mean()) - float(ink[~mask].mean() if (~mask).any() else 0) < MIN_CONTRAST:
        raise NoInkError("nothing to read: no ink stands out from the background")
    from scipy import ndimage

    h, w = mask.shape
    # Specks: components too small to be a stroke of any letter at this size.
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    speck = max(3, int(4e-5 * h * w))
    small = sizes < speck
    small[0] = False
    if small.any():
        mask = mask & ~small[labels]
    if kind == "photo":
        mask = _drop_backdrop(mask, notes)
        mask = _drop_paper_edges(mask, notes)
    angle = _skew(mask) if kind == "photo" and min(h, w) >= 48 else 0.0
    if angle:
        # Straighten the page so its ruled lines (and the writing on them) run level.
        ink = _turn(ink, angle)
        mask = _turn(mask, angle) > 0.25  # (low, so thin lines stay unbroken when turned)
        notes.append(f"straightened by {angle:+.1f} degrees")
    if min(h, w) >= 48:  # (a small picture is a tight crop: all letter)
        loose = ink > 0.5 * t if kind == "photo" else None
        mask = _remove_lines(mask, text, notes, loose)
    if not mask.any():
        raise NoInkError("nothing to read: only lines and specks, no writing")
    sw = stroke_width(mask)
    if float(np.median(ink[mask])) < FAINT:
        # What is left is barely darker than the paper: a shadow's edge, a fold, a smudge.
        raise NoInkError("nothing to read: only faint marks (shadows, smudges), no writing")
    # The soft ink (anti-aliased edges) is kept around the mask only, so removed lines vanish.
    near = ndimage.binary_dilation(mask, iterations=1)
    level = float(np.percentile(ink[mask], LEVEL_PCT))
    lo = 0.5 * t
    soft = np.clip((ink - lo) / max(level - lo, 1e-3), 0.0, 1.0) * near
    return InkImage(soft.astype(np.float32), mask, scale, light_paper, float(t), kind, sw, notes, angle)


# ----------------------------------------------------------------------------------------------
# 3. one letter

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
