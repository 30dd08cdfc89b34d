"""Pictures and pen strokes the tests draw: capitals from a few strokes, on a sheet, a ruled photo or a page."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

# A few capitals as pen strokes in a unit box (y down), to draw at any size, colour and place.
STROKES = {
    "A": [[(0.1, 1.0), (0.5, 0.0), (0.9, 1.0)], [(0.28, 0.6), (0.72, 0.6)]],
    "E": [[(0.8, 0.0), (0.2, 0.0), (0.2, 1.0), (0.8, 1.0)], [(0.2, 0.5), (0.65, 0.5)]],
    "K": [[(0.2, 0.0), (0.2, 1.0)], [(0.8, 0.0), (0.22, 0.55)], [(0.4, 0.42), (0.85, 1.0)]],
    "T": [[(0.05, 0.0), (0.95, 0.0)], [(0.5, 0.0), (0.5, 1.0)]],
    "I": [[(0.5, 0.0), (0.5, 1.0)]],
    "L": [[(0.2, 0.0), (0.2, 1.0), (0.85, 1.0)]],
}


def draw(letter: str, size=(200, 200), box=(50, 40, 150, 160), ink=(20, 20, 20), paper=(255, 255, 255),
         width: int | None = None, mode: str = "RGB") -> Image.Image:
    """`letter` drawn in `box` (left, top, right, bottom) on a plain sheet."""
    image = Image.new(mode, size, paper)
    d = ImageDraw.Draw(image)
    left, top, right, bottom = box
    w = width or max(2, round(0.1 * (bottom - top)))
    for stroke in STROKES[letter]:
        pts = [(left + x * (right - left), top + y * (bottom - top)) for x, y in stroke]
        d.line(pts, fill=ink, width=w, joint="curve")
        for x, y in pts:
            d.ellipse((x - w / 2, y - w / 2, x + w / 2, y + w / 2), fill=ink)
    return image


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of two 28x28 images (1 = identical up to brightness)."""
    a, b = a.astype(float).ravel(), b.astype(float).ravel()
    return float(np.corrcoef(a, b)[0, 1])


def encoded(image: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **kw)
    return buf.getvalue()


def photo_page(letter: str = "K", size=(1600, 1200), angle: float = 7.0, seed: int = 0,
               lines: bool = True) -> bytes:
    """A phone photo of a letter on ruled paper: texture, light falling off across the page and a
    shadow, blue ruled lines, a small rotation and JPEG compression. (The dark table beyond a
    page's edge is in test_photo_cell_with_grid_lines_and_dark_frame.)"""
    rng = np.random.default_rng(seed)
    w, h = size
    page = np.ones((h, w, 3), np.float32) * np.array([0.93, 0.92, 0.88], np.float32)
    grain = Image.fromarray((rng.normal(0.5, 0.5, (h // 8, w // 8)) * 255).clip(0, 255).astype(np.uint8))
    grain = np.asarray(grain.resize((w, h), Image.Resampling.BICUBIC), np.float32) / 255 - 0.5
    page += 0.04 * grain[..., None] + rng.normal(0, 0.015, (h, w, 1))
    sheet = Image.fromarray((page.clip(0, 1) * 255).astype(np.uint8))
    d = ImageDraw.Draw(sheet)
    if lines:
        for y in range(60, h, 70):
            d.line([(0, y), (w, y)], fill=(90, 100, 150), width=3)
    if letter:
        d_box = (w // 2 - 130, h // 2 - 160, w // 2 + 130, h // 2 + 170)
        ink = draw(letter, size=(w, h), box=d_box, ink=(0, 0, 0), paper=(255, 255, 255), width=18)
        sheet = Image.fromarray(np.minimum(np.asarray(sheet), np.asarray(ink) * 0.8 + 40).astype(np.uint8))
    sheet = sheet.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(225, 222, 212))
    a = np.asarray(sheet, np.float32) / 255
    ramp = np.linspace(1.0, 0.55, w)[None, :, None] * np.linspace(1.0, 0.85, h)[:, None, None]
    shadow = np.where(np.arange(w)[None, :, None] > 0.72 * w, 0.8, 1.0)
    a = a * ramp * shadow
    out = Image.fromarray((a.clip(0, 1) * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.2))
    return encoded(out, "JPEG", quality=70)


def page_of(rows: list[str], size: int = 80, gap: int = 40, ink=(20, 20, 20), touching: int = 0) -> Image.Image:
    """Rows of capitals drawn with the test strokes, dark on white; `touching` > 0 makes
    neighbours overlap by that many pixels."""
    width = max(len(r) for r in rows) * (size + gap) + 2 * gap
    height = len(rows) * (size + gap) * 3 // 2 + gap
    page = np.full((height, width, 3), 255, np.uint8)
    for j, row in enumerate(rows):
        x = gap
        for c in row:
            if c != " ":
                top = gap + j * (size + gap) * 3 // 2
                letter = draw(c, size=(width, height), box=(x, top, x + size, top + size), ink=ink, width=8)
                page = np.minimum(page, np.asarray(letter))
            x += size + (-touching if touching else gap)
    return Image.fromarray(page)


def strokes_word(word: str, size: float = 100, gap: float = 40) -> list:
    strokes = []
    for k, c in enumerate(word):
        for s in STROKES[c]:
            strokes.append([[k * (size + gap) + x * size, y * size] for x, y in s])
    return strokes


def letter_strokes(letter: str) -> list:
    return [[[x * 100, y * 100] for x, y in s] for s in STROKES[letter]]
