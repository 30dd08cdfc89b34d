"""Decoding (`handwriting.imaging.decode`): every file format and mode, EXIF orientation and large
JPEGs end as the same letter drawn cleanly; what is not a readable picture raises ImageReadError.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from handwriting.imaging.decode import ImageReadError, load_image
from handwriting.imaging.letter import preprocess_image
from tests.pictures import draw, encoded, similarity


@pytest.mark.parametrize("fmt, mode", [("PNG", "RGB"), ("PNG", "1"), ("PNG", "P"), ("JPEG", "L"),
                                        ("WEBP", "RGB"), ("BMP", "RGB"), ("GIF", "P"), ("TIFF", "RGB"),
                                        ("TIFF", "CMYK"), ("JPEG", "CMYK")])
def test_file_formats_and_modes(fmt, mode, clean_k):
    image = draw("K").convert(mode)
    pre = preprocess_image(encoded(image, fmt))
    assert similarity(pre.image, clean_k) > 0.9, (fmt, mode)


def test_cmyk_jpeg_keeps_polarity(clean_k):
    data = encoded(draw("K").convert("CMYK"), "JPEG", quality=90)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    pre = preprocess_image(data)
    assert pre.inverted is True and similarity(pre.image, clean_k) > 0.9


def test_16_bit_png(clean_k):
    grey = np.asarray(draw("K").convert("L")).astype(np.uint16) * 257
    data = encoded(Image.fromarray(grey), "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    assert similarity(preprocess_image(data).image, clean_k) > 0.95


def test_heic(tmp_path, clean_k):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    path = tmp_path / "letter.heic"
    try:
        draw("K").save(path, "HEIF", quality=90)
    except Exception as e:  # an encoder-less libheif build can decode but not encode
        pytest.skip(f"this pillow-heif cannot write HEIC: {e}")
    pre = preprocess_image(path)
    assert similarity(pre.image, clean_k) > 0.9


def test_exif_orientation_is_applied(clean_k):
    upright = draw("K", size=(240, 200), box=(60, 30, 160, 170))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as a phone held sideways stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    data = encoded(stored, "JPEG", exif=exif, quality=92)
    image, _ = load_image(data)
    assert image.size == (240, 200)
    pre, reference = preprocess_image(data), preprocess_image(upright)
    assert similarity(pre.image, reference.image) > 0.9
    assert np.allclose(pre.bbox, reference.bbox, atol=3)  # the box is in upright pixels


def test_large_jpeg_decodes_at_reduced_scale_and_reports_full_size_box():
    big = draw("K", size=(4000, 3000), box=(1500, 1000, 2300, 2100), width=60)
    data = encoded(big, "JPEG", quality=85)
    image, scale = load_image(data, max_side=500)
    assert max(image.size) <= 500 and scale[0] < 0.2
    pre, full = preprocess_image(data), preprocess_image(data, max_side=None)
    assert np.allclose(pre.bbox, full.bbox, atol=20)  # in the input's pixels, within 0.5 %
    assert similarity(pre.image, full.image) > 0.9


def _bomb(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("1", (11_000, 10_000)).save(path)  # 110 MP of nothing: a few kB on disk
    return path


@pytest.mark.parametrize("kind", ["zero bytes", "not an image", "truncated", "decompression bomb",
                                  "directory", "missing", "empty bytes"])
def test_bad_input_raises_image_read_error(tmp_path, kind):
    if kind == "zero bytes":
        source = tmp_path / "empty.png"
        source.write_bytes(b"")
    elif kind == "not an image":
        source = tmp_path / "notes.jpg"
        source.write_text("this is not a picture\n")
    elif kind == "truncated":
        source = tmp_path / "cut.jpg"
        source.write_bytes(encoded(draw("K"), "JPEG")[:800])
    elif kind == "decompression bomb":
        source = _bomb(tmp_path)
    elif kind == "directory":
        source = tmp_path
    elif kind == "missing":
        source = tmp_path / "nowhere.png"
    else:
        source = b""
    with pytest.raises(ImageReadError) as info:
        preprocess_image(source)
    if isinstance(source, type(tmp_path)):
        assert str(source) in str(info.value)  # the message says which file
