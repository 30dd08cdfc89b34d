"""Segmentation: lines top to bottom, pieces left to right, printed labels and hyphens, pen strokes
as pieces; then words and cards read with the model (the pieces' geometry: test_line.py; cutting
and joining them: test_cut_and_join.py)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from handwriting.imaging.ink import TEXT_SIDE, extract_ink
from handwriting.imaging.paper import draw_word
from handwriting.words.line import Piece
from handwriting.words.segment import (_components, _drop_label, find_lines, main_line, stroke_line, word_breaks,
                                       word_strokes)
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
    page = draw_word(strokes_word("KITE")).page
    assert page.ink.max() == pytest.approx(1.0) and page.mask.any() and not page.inverted
    assert page.mask.shape[0] < page.mask.shape[1]  # a word is wide
    with pytest.raises(ValueError):
        draw_word([[[0, 0], [float("nan"), 1]]])


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
    assert np.array_equal(page.mask, draw_word(strokes).page.mask)
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
