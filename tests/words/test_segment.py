"""Segmentation: lines top to bottom, letters left to right, broken letters kept whole, touching
letters cut, printed labels and hyphens; then words and cards read with the model."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from handwriting.imaging.preprocess import TEXT_SIDE, extract_ink
from handwriting.words.segment import (JOIN_LETTERS, JOIN_PART, WEAK_CUT, Line, Piece, _components, _cut_wide, _drop_label,
                                 find_lines, group_image, ink_distance, main_line, render_word_strokes, stroke_line,
                                 word_breaks, word_strokes)
from tests.pictures import draw, page_of, strokes_word


# ------------------------------------------------------------------------------ without the model

def test_lines_top_to_bottom_pieces_left_to_right():
    page = extract_ink(page_of(["TAKE", "KITE", "EAT"]), max_side=TEXT_SIDE, text=True)
    lines = find_lines(page)
    assert [len(ln.pieces) for ln in lines] == [4, 4, 3]
    assert [ln.top for ln in lines] == sorted(ln.top for ln in lines)
    for ln in lines:
        lefts = [p.left for p in ln.pieces]
        assert lefts == sorted(lefts)


def test_an_e_drawn_in_separate_strokes_can_be_one_letter():
    # The stem, and three bars that do not touch it.
    strokes = [[[0, 0], [0, 100]], [[22, 0], [70, 0]], [[22, 50], [60, 50]], [[22, 100], [70, 100]]]
    page = render_word_strokes(strokes)
    line = main_line(page)
    assert len(line.pieces) == 2  # the bars share their columns: merged; the stem apart
    assert line.joinable(0, 2)
    assert line.join_cost(1) < JOIN_PART + 1.0  # a bar beside a letter is cheap to join


def test_ink_distance_is_between_the_nearest_ink_pixels():
    ell = np.zeros((10, 6), bool)
    ell[:, 0] = ell[-1, :] = True           # an L: its stem at column 0, its foot along the bottom
    bar = np.ones((10, 1), bool)
    a = Piece(0, 0, 6, 10, ell)
    assert ink_distance(a, Piece(9, 0, 10, 10, bar)) == 4.0    # foot end (column 5) to column 9
    assert ink_distance(a, Piece(9, 20, 10, 30, bar)) == pytest.approx(np.hypot(4, 11))


def test_a_letter_broken_in_two_is_cheap_to_join_two_letters_are_not():
    # Two stems of the same height: a stroke broken by a faint gap of 3 pixels, or two letters.
    def line_with_gap(gap: int) -> Line:
        left = Piece(0, 0, 6, 60, np.ones((60, 6), bool))
        right = Piece(6 + gap, 0, 12 + gap, 60, np.ones((60, 6), bool))
        return Line([left, right], height=60.0, stroke=6.0)

    assert line_with_gap(3).join_cost(1) < JOIN_PART + 0.5
    assert line_with_gap(30).join_cost(1) > JOIN_LETTERS


def test_touching_letters_are_cut_where_the_profile_is_thin():
    page = extract_ink(page_of(["TT"], touching=20), max_side=TEXT_SIDE, text=True)
    line = main_line(page)
    assert len(line.pieces) >= 2 and any(p.cut for p in line.pieces)


def test_a_wide_single_letter_is_not_cut_through_its_strokes():
    page = extract_ink(page_of(["A"]), max_side=TEXT_SIDE, text=True)
    line = main_line(page)
    assert len(line.pieces) == 1 and _cut_wide(line.pieces[0], line.height, line.stroke) == line.pieces[:1]


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


def test_printed_label_before_a_colon_is_dropped():
    # "NOM :" in small letters, then a handwritten name twice as tall.
    page = np.full((120, 900, 3), 255, np.uint8)
    x = 10
    for c in "KIT":
        page = np.minimum(page, np.asarray(draw(c, size=(900, 120), box=(x, 50, x + 22, 80), width=3)))
        x += 30
    page[54:60, x + 5:x + 11] = 0  # the colon
    page[71:77, x + 5:x + 11] = 0
    x += 60
    for c in "TAKE":
        page = np.minimum(page, np.asarray(draw(c, size=(900, 120), box=(x, 20, x + 60, 90), width=7)))
        x += 90
    line = main_line(extract_ink(Image.fromarray(page), max_side=TEXT_SIDE, text=True))
    assert len(line.pieces) == 4 and any("label" in n for n in line.notes)


def test_hyphen_and_wide_gaps_break_words():
    page = page_of(["TA KE"])
    line = main_line(extract_ink(page, max_side=TEXT_SIDE, text=True))
    boxes = [(p.left, p.top, p.right, p.bottom) for p in line.pieces]
    assert word_breaks(boxes, line.height) == {2}


def test_word_strokes_render_as_white_ink():
    page = render_word_strokes(strokes_word("KITE"))
    assert page.ink.max() == pytest.approx(1.0) and page.mask.any() and not page.inverted
    assert page.mask.shape[0] < page.mask.shape[1]  # a word is wide
    with pytest.raises(ValueError):
        render_word_strokes([[[0, 0], [float("nan"), 1]]])


# ------------------------------------------------------------------------------ with the model

@pytest.mark.parametrize("word", ["TAKE", "KITE", "TEA", "EAT"])
def test_words_drawn_and_photographed(rec, word):
    drawn = rec.read_word(strokes_word(word))
    assert drawn.raw == word and drawn.word == word and len(drawn.letters) == len(word) == len(drawn.boxes)
    photo = rec.read_word(page_of([word]))
    assert photo.raw == word
    lefts = [b[0] for b in photo.boxes]
    assert lefts == sorted(lefts)


def test_touching_letters_read(rec):
    assert rec.read_word(page_of(["TAKE"], touching=6)).raw == "TAKE"


def test_several_lines_read_top_to_bottom(rec):
    lines = rec.read_text(page_of(["TAKE", "KITE", "EAT"]))
    assert [ln.raw for ln in lines] == ["TAKE", "KITE", "EAT"]
    assert rec.read_text(Image.new("RGB", (300, 200), "white")) == []


def test_lexicon_correction_keeps_the_raw_reading(rec, tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("KITE\nTAKE\n")
    reading = rec.read_word(strokes_word("TAKE"), lexicon=words)
    assert reading.raw == "TAKE" and reading.word == "TAKE" and reading.correction is None
    empty = rec.read_word(np.full((100, 300), 255, np.uint8))
    assert empty.word == "" and empty.uncertain and "nothing to read" in empty.message


@pytest.mark.shared
def test_card_photos_read_as_three_lines_of_five(rec, shared_data):
    frames = sorted((shared_data / "photos" / "frames").glob("*.jpg"))[:4]
    truth = ["ABCDI", "KOLMR", "EHXWT"]
    right = total = 0
    for f in frames:
        lines = [ln.raw.replace(" ", "") for ln in rec.read_text(f)]
        assert [len(ln) for ln in lines] == [5, 5, 5], (f.name, lines)
        right += sum(a == b for ln, t in zip(lines, truth) for a, b in zip(ln, t))
        total += 15
    print(f"\nfirst {len(frames)} card photos: {right}/{total} letters")
    assert right >= 0.85 * total


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



def test_two_bits_of_a_broken_letter_are_not_taken_for_a_label_colon():
    def block(left, top, right, bottom):
        return Piece(left, top, right, bottom, np.ones((bottom - top, right - left), bool))

    dots = [block(0, 10, 12, 22), block(2, 30, 14, 42)]  # small, stacked, alike: colon-shaped
    letter_across = block(10, 5, 60, 60)                  # ...but the letter they belong to spans them
    others = [block(70, 5, 110, 60), block(120, 5, 160, 60)]
    notes = []
    assert _drop_label(dots + [letter_across] + others, 55.0, notes) == dots + [letter_across] + others
    # with nothing written before them, they cannot end a label either
    apart = [block(30, 5, 60, 60)] + others
    assert _drop_label(dots + apart, 55.0, notes) == dots + apart and notes == []
    # a label before the same colon is dropped, up to the colon
    label = [block(-80, 10, -50, 40), block(-45, 10, -15, 40)]
    assert _drop_label(label + dots + apart, 55.0, notes) == apart and notes
    # the bars of a small F drawn in pieces are stacked and alike too, but they are not round
    bars, notes = [block(0, 10, 21, 17), block(0, 31, 17, 35)], []
    assert _drop_label(label + bars + apart, 55.0, notes) == label + bars + apart and notes == []


def test_strokes_keep_overlapping_letters_apart():
    # Each letter overlaps the next by 30 % of its width: their ink is one connected blob, but
    # they were drawn with separate strokes, and a word read from strokes keeps them apart.
    strokes = strokes_word("TALE", gap=-30)
    page, pieces = word_strokes(strokes)
    assert len(pieces) == len(strokes) and page.mask.any()
    assert np.array_equal(page.mask, render_word_strokes(strokes).mask)
    assert len(_components(page.mask)) < 4
    line = stroke_line(page, pieces)
    assert len(line.pieces) == 4  # the strokes of each letter merged, the letters not
    assert all(a.right > b.left for a, b in zip(line.pieces, line.pieces[1:]))  # overlapping boxes
    # Read as text, strokes overlapping by half their width stay apart too.
    page, pieces = word_strokes(strokes_word("TALE", gap=-50))
    lines = find_lines(page, pieces)
    assert len(lines) == 1 and len(lines[0].pieces) == 4


def test_overlapping_letters_read_from_their_strokes(rec):
    assert rec.read_word(strokes_word("TALE", gap=-30)).raw == "TALE"
