"""Preprocessing: every kind of picture people give us ends as the training data's 28x28 letter.

The hard cases are generated here (alpha-only ink, EXIF rotation, CMYK, 16-bit, HEIC, a
photographed page with texture, uneven light, ruled lines, rotation and JPEG artefacts), and
compared with the same letter drawn cleanly. Reading them with the model is in test_recognize.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from handwriting.imaging.preprocess import (ImageReadError, NoInkError, Preprocessed, extract_ink,
                                    fit_and_center, load_image, preprocess_image)
from tests.pictures import draw, encoded, photo_page, similarity

@pytest.fixture(scope="module")
def clean_k() -> np.ndarray:
    return preprocess_image(draw("K")).image


# ------------------------------------------------------------------------------ the convention

def test_fit_and_center_fits_20_box_and_centres_mass():
    ink = np.zeros((100, 60), np.float32)
    ink[10:90, 20:30] = 1.0  # a tall bar
    image, box = fit_and_center(ink)
    rows, cols = np.flatnonzero(image.max(axis=1) > 25), np.flatnonzero(image.max(axis=0) > 25)
    assert rows[-1] - rows[0] + 1 == 20  # the longer side is 20 pixels
    assert cols[-1] - cols[0] + 1 < 6     # the aspect ratio is kept
    ys, xs = np.nonzero(image)
    weights = image[ys, xs].astype(float)
    assert abs(np.average(ys, weights=weights) - 13.5) <= 1 and abs(np.average(xs, weights=weights) - 13.5) <= 1
    assert box == (20, 10, 30, 90)


def test_result_reports_what_was_decided():
    pre = preprocess_image(draw("E", box=(40, 30, 120, 170)))
    assert isinstance(pre, Preprocessed) and pre.image.shape == (28, 28) and pre.image.dtype == np.uint8
    assert pre.inverted is True  # dark ink on light paper
    left, top, right, bottom = pre.bbox
    assert abs(left - 40) <= 10 and abs(top - 30) <= 10 and abs(right - 120) <= 10 and abs(bottom - 170) <= 10
    assert 0 < pre.threshold < 1
    assert pre.image.max() == 255 and pre.image[0].max() == 0  # white ink on black, margins empty


# ------------------------------------------------------------------------------ drawings

@pytest.mark.parametrize("ink, paper", [((0, 0, 0), (255, 255, 255)), ((200, 30, 30), (255, 255, 255)),
                                         ((30, 60, 220), (255, 255, 255)), ((240, 220, 0), (255, 255, 255)),
                                         ((255, 255, 255), (0, 0, 0)), ((80, 255, 80), (0, 0, 0))])
def test_canvas_any_stroke_colour_on_white_or_black(ink, paper, clean_k):
    canvas = draw("K", ink=ink + (255,), paper=paper + (255,), mode="RGBA")
    pre = preprocess_image(np.asarray(canvas))
    assert similarity(pre.image, clean_k) > 0.9
    assert pre.inverted == (sum(paper) > 380)


def test_alpha_only_ink_reads_as_ink(clean_k):
    alpha = np.asarray(draw("K", ink=(255, 255, 255), paper=(0, 0, 0)).convert("L"))
    for rgb in (0, 255):  # the colour channels carry nothing: black or white everywhere
        rgba = np.dstack([np.full(alpha.shape + (3,), rgb, np.uint8), alpha])
        pre = preprocess_image(encoded(Image.fromarray(rgba, "RGBA"), "PNG"))
        assert similarity(pre.image, clean_k) > 0.9


def test_transparent_letter_cut_out_of_an_opaque_sheet(clean_k):
    alpha = 255 - np.asarray(draw("K", ink=(255, 255, 255), paper=(0, 0, 0)).convert("L"))
    rgba = np.dstack([np.full(alpha.shape + (3,), 250, np.uint8), alpha])
    assert similarity(preprocess_image(Image.fromarray(rgba, "RGBA")).image, clean_k) > 0.9


def test_array_inputs_grey_float_bool(clean_k):
    grey = np.asarray(draw("K").convert("L"))
    assert similarity(preprocess_image(grey).image, clean_k) > 0.95
    assert similarity(preprocess_image(grey / 255.0).image, clean_k) > 0.95
    assert similarity(preprocess_image(grey < 128).image, clean_k) > 0.9


# ------------------------------------------------------------------------------ file formats

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


# ------------------------------------------------------------------------------ photos

def test_photo_of_a_letter_on_ruled_paper():
    """Texture, light falling off, a shadow edge, ruled lines, 7 degrees of rotation, JPEG."""
    pre = preprocess_image(photo_page("K", angle=7.0))
    # The page is straightened by its ruled lines, so the letter comes out upright.
    reference = preprocess_image(draw("K", size=(1600, 1200), box=(670, 440, 930, 770), width=18)).image
    assert similarity(pre.image, reference) > 0.75  # (a few bits of ruled line stay at the strokes)
    assert any("straightened" in n for n in pre.notes) and any("line" in n for n in pre.notes)
    left, top, right, bottom = pre.bbox  # the letter's box in the photo's own pixels
    assert 600 < left < 720 and 380 < top < 480 and 880 < right < 990 and 760 < bottom < 860
    assert pre.inverted is True


def test_photo_cell_with_grid_lines_and_dark_frame(clean_k):
    """A cell cut from a card photo: grid lines on two sides and the dark table along one edge."""
    cell = np.asarray(draw("K", size=(240, 240), box=(70, 60, 170, 190), width=12), np.float32)
    cell = cell * 0.85
    cell[:, 236:] = 40                 # the dark table beyond the card
    cell[:14, :] = 30
    cell[:, 2:4] = 90                  # grid lines
    cell[226:228, :] = 90
    pre = preprocess_image(encoded(Image.fromarray(cell.clip(0, 255).astype(np.uint8)), "JPEG", quality=80))
    reference = preprocess_image(draw("K", size=(240, 240), box=(70, 60, 170, 190), width=12)).image
    assert similarity(pre.image, reference) > 0.9


def test_light_ink_on_dark_board(clean_k):
    board = np.asarray(draw("K", ink=(230, 230, 220), paper=(40, 60, 45)), np.float32)
    board += np.random.default_rng(1).normal(0, 6, board.shape)
    pre = preprocess_image(encoded(Image.fromarray(board.clip(0, 255).astype(np.uint8)), "JPEG"))
    assert pre.inverted is False and similarity(pre.image, clean_k) > 0.9


def test_a_lone_letter_i_and_t_are_not_taken_for_lines():
    for letter in "IT":
        reference = preprocess_image(draw(letter)).image
        tight = draw(letter, size=(120, 140), box=(4, 4, 116, 136), width=12)  # fills the picture
        noisy = np.asarray(tight, np.float32) + np.random.default_rng(2).normal(0, 4, (140, 120, 3))
        pre = preprocess_image(encoded(Image.fromarray(noisy.clip(0, 255).astype(np.uint8)), "JPEG"))
        assert similarity(pre.image, reference) > 0.85, letter


# ------------------------------------------------------------------------------ nothing to read

@pytest.mark.parametrize("kind", ["white", "black", "transparent", "photo of a blank page",
                                  "photo of an empty ruled page"])
def test_no_ink_is_nothing_to_read(kind):
    if kind == "white":
        source = Image.new("RGB", (300, 200), "white")
    elif kind == "black":
        source = np.zeros((280, 280), np.uint8)
    elif kind == "transparent":
        source = encoded(Image.new("RGBA", (200, 200), (0, 0, 0, 0)), "PNG")
    elif kind == "photo of a blank page":
        source = photo_page(letter="", lines=False)
    else:
        source = photo_page(letter="", lines=True)
    with pytest.raises(NoInkError, match="nothing to read"):
        preprocess_image(source)


# ------------------------------------------------------------------------------ bad input

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


def test_words_and_pages_keep_writing_and_drop_grid():
    """Text mode: a grid spanning the page goes, letters (even tall ones) stay."""
    page = Image.new("RGB", (900, 400), "white")
    d = ImageDraw.Draw(page)
    for x in (0, 300, 600, 899):
        d.line([(x, 0), (x, 399)], fill=(90, 90, 90), width=2)
    for y in (0, 200, 399):
        d.line([(0, y), (899, y)], fill=(90, 90, 90), width=2)
    for k, letter in enumerate("TIE"):
        ink = draw(letter, size=(900, 400), box=(80 + 300 * k, 30, 220 + 300 * k, 170), width=14)
        page = Image.fromarray(np.minimum(np.asarray(page), np.asarray(ink)))
    ink = extract_ink(page, max_side=1600, text=True)
    cols = ink.mask.any(axis=0)
    assert not ink.mask[:, 300].any() and not ink.mask[100, :60].any()  # grid gone
    for k in range(3):
        assert cols[80 + 300 * k + 70]  # each letter's middle column still has ink
    assert ink.mask[250:, :].sum() == 0  # the empty second row of cells is empty
