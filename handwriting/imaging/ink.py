"""A picture's ink: how much darker than the paper each pixel is, thresholded into a clean mask.

Any colour mode, 16 bits, palettes, CMYK and transparency become an ink map (0 = paper, 1 = full
ink) whatever the polarity, so a black pen on white paper and chalk on a board read alike. Photos
get their paper flattened (shadows, uneven light: ink is measured against the paper around it)
and an Otsu threshold; then the page is cleaned up (`handwriting.imaging.page`, the table and the
paper's edges, a page askew; `handwriting.imaging.lines`, ruled and grid lines) and specks go.
`extract_ink` is what letters, words and pages all start from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from handwriting.imaging.decode import load_image
from handwriting.imaging.lines import remove_lines
from handwriting.imaging.measure import stroke_width
from handwriting.imaging.page import drop_backdrop, drop_paper_edges, skew_angle, turn

LETTER_SIDE = 500        # working size (longer side, pixels) for one letter: plenty for 28x28
TEXT_SIDE = 1600         # working size for words and pages, whose letters are a fraction of the frame
MIN_CONTRAST = 0.15      # ink must be this much darker (on the 0-1 ink scale) than the paper
MIN_THRESHOLD = 0.12     # photos: the ink threshold never goes below this (paper noise, JPEG)
LEVEL_PCT = 90           # the percentile of ink darkness that counts as full ink
FAINT = 0.25             # writing whose typical darkening is below this is a shadow or a smudge


class NoInkError(ValueError):
    """The picture has nothing to read (a blank canvas or an empty page)."""


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
        mask = drop_backdrop(mask, notes)
        mask = drop_paper_edges(mask, notes)
    angle = skew_angle(mask) if kind == "photo" and min(h, w) >= 48 else 0.0
    if angle:
        # Straighten the page so its ruled lines (and the writing on them) run level.
        ink = turn(ink, angle)
        mask = turn(mask, angle) > 0.25  # (low, so thin lines stay unbroken when turned)
        notes.append(f"straightened by {angle:+.1f} degrees")
    if min(h, w) >= 48:  # (a small picture is a tight crop: all letter)
        loose = ink > 0.5 * t if kind == "photo" else None
        mask = remove_lines(mask, text, notes, loose)
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
