"""Mending pieces: touching letters cut where the profile dips (at a price where it dips only a
little), wide single letters left whole, letters broken across their height joined."""

from __future__ import annotations

from PIL import Image

from handwriting.imaging.ink import TEXT_SIDE, extract_ink
from handwriting.words.cut_and_join import WEAK_CUT, cut_wide
from handwriting.words.line import group_image
from handwriting.words.segment import find_lines, main_line
from tests.pictures import page_of


def test_touching_letters_are_cut_where_the_profile_is_thin():
    page = extract_ink(page_of(["TT"], touching=20), max_side=TEXT_SIDE, text=True)
    line = main_line(page)
    assert len(line.pieces) >= 2 and any(p.cut for p in line.pieces)


def test_a_wide_single_letter_is_not_cut_through_its_strokes():
    page = extract_ink(page_of(["A"]), max_side=TEXT_SIDE, text=True)
    line = main_line(page)
    assert len(line.pieces) == 1 and cut_wide(line.pieces[0], line.height, line.stroke) == line.pieces[:1]


def test_a_letter_broken_across_its_height_keeps_its_neighbours_on_its_line():
    """A P whose bowl does not meet its stem, a T whose bar floats above its stem, and a C written
    higher than the rest: the upper parts must not start a line of their own and take the C."""
    from PIL import ImageDraw

    image = Image.new("L", (420, 200), 255)
    pen = ImageDraw.Draw(image)
    pen.line([(44, 101), (44, 150)], fill=0, width=6)                    # P: the stem...
    pen.line([(42, 62), (80, 62), (90, 76), (80, 92), (46, 92)], fill=0, width=6)  # ...its bowl, apart
    pen.line([(130, 75), (130, 150)], fill=0, width=6)                   # I
    pen.arc([160, 52, 220, 136], start=40, end=320, fill=0, width=6)     # C, higher
    pen.line([(245, 62), (300, 62)], fill=0, width=6)                    # T: the bar...
    pen.line([(272, 70), (272, 150)], fill=0, width=6)                   # ...and its stem, apart
    pen.line([(330, 75), (330, 150), (380, 150)], fill=0, width=6)       # L
    lines = find_lines(extract_ink(image, max_side=TEXT_SIDE, text=True))
    assert len(lines) == 1 and len(lines[0].pieces) == 5


def test_deeply_overlapping_letters_get_a_weak_cut_at_a_price():
    # Two A's overlapping by 30 of their 80 pixels: no clear neck in the column profile, yet the
    # reader must be able to read them apart. Reading the pieces apart costs WEAK_CUT in the prior.
    page = extract_ink(page_of(["AA"], touching=30), max_side=TEXT_SIDE, text=True)
    line = main_line(page)
    assert len(line.pieces) == 2
    left, right = line.pieces
    assert right.cut and right.cut_cost == WEAK_CUT and left.cut_cost == 0
    assert 0.6 < right.area / left.area < 1.6
    whole, apart = group_image(page, line, 0, 2)[2], group_image(page, line, 1, 2)[2]
    assert apart <= -WEAK_CUT < whole
