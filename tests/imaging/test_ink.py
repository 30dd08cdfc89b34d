"""Ink from paper (`handwriting.imaging.ink`): any stroke colour on either polarity, ink only in the
alpha channel, arrays of any type and a board's light chalk read as the same letter drawn
cleanly; a blank canvas or an empty page is nothing to read.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from handwriting.imaging.ink import NoInkError
from handwriting.imaging.letter import preprocess_image
from tests.pictures import draw, encoded, photo_page, similarity


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


def test_light_ink_on_dark_board(clean_k):
    board = np.asarray(draw("K", ink=(230, 230, 220), paper=(40, 60, 45)), np.float32)
    board += np.random.default_rng(1).normal(0, 6, board.shape)
    pre = preprocess_image(encoded(Image.fromarray(board.clip(0, 255).astype(np.uint8)), "JPEG"))
    assert pre.inverted is False and similarity(pre.image, clean_k) > 0.9


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
