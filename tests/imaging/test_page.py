"""Page clean-up (`handwriting.imaging.page`, `handwriting.imaging.lines`): a photographed page with
texture, uneven light, ruled lines, rotation and JPEG artefacts, a card cell with grid lines and
the table beyond it, and a page of words in a grid keep their writing and lose the rest; a lone
I or T is writing, not a line.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from handwriting.imaging.ink import extract_ink
from handwriting.imaging.letter import preprocess_image
from tests.pictures import draw, encoded, photo_page, similarity


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


def test_a_lone_letter_i_and_t_are_not_taken_for_lines():
    for letter in "IT":
        reference = preprocess_image(draw(letter)).image
        tight = draw(letter, size=(120, 140), box=(4, 4, 116, 136), width=12)  # fills the picture
        noisy = np.asarray(tight, np.float32) + np.random.default_rng(2).normal(0, 4, (140, 120, 3))
        pre = preprocess_image(encoded(Image.fromarray(noisy.clip(0, 255).astype(np.uint8)), "JPEG"))
        assert similarity(pre.image, reference) > 0.85, letter


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
