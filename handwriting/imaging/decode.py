"""Decode any picture people give us into an upright Pillow image at working size.

Paths, bytes, Pillow images and arrays; JPEG at reduced scale through Pillow's draft mode (a
12-megapixel photo decodes in a fraction of the time), HEIC through pillow-heif, EXIF orientation
applied. What is not a picture, is broken, or would not fit in memory is refused with one error
type, `ImageReadError`, so callers can tell the user what is wrong with the file; a file in a
picture format that is cut short or corrupted raises its subclass `DamagedImageError`, because
"this is not a picture" would be the wrong thing to tell someone whose photo did not fully copy.
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps

MAX_PIXELS = 90_000_000  # larger pictures are refused (decompression bombs; phones give 12-50 MP)

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is an error, not a half-grey letter

_heif_registered = False


class ImageReadError(ValueError):
    """The file is not a picture we can read (not an image, truncated, empty, too large...)."""


class DamagedImageError(ImageReadError):
    """The file is a picture in a format we read (its first bytes say so) but damaged or cut short."""


def _claimed_format(fp: io.BytesIO | Path) -> str | None:
    """The picture format a file's first bytes announce, by Pillow's own signature checks."""
    try:
        if isinstance(fp, Path):
            with fp.open("rb") as f:
                prefix = f.read(16)
        else:
            prefix = fp.getvalue()[:16]
    except Exception:
        return None
    Image.init()
    for fmt, (_, accept) in Image.OPEN.items():
        try:
            claimed = accept(prefix) if accept is not None else False
        except Exception:
            continue
        if claimed and not isinstance(claimed, str):  # a str: "recognised, but support is missing"
            return fmt
    return None


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
    directory, a missing or empty file, something that is not an image, or a picture over
    MAX_PIXELS (a decompression bomb); DamagedImageError (an ImageReadError) for a picture file
    that is damaged or cut short.
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
            fmt = _claimed_format(fp)
            if fmt is not None:  # a picture's signature, then too little or broken data
                raise DamagedImageError(f"{name}: a damaged or cut-short {fmt} file ({e})") from None
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
        if "not available" in str(e) or "Ghostscript" in str(e):  # a codec missing here, not a bad file
            raise ImageReadError(f"{name}: a {image.format} picture this installation cannot decode ({e})") from None
        raise DamagedImageError(f"{name}: a damaged or cut-short {image.format} file ({e})") from None
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
