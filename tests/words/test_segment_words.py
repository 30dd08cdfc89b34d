"""Cutting a line into words (`segment.word_groups`): real joined-up words from unipen/words.json stay
one word each, two of them side by side split at the gap between them, not inside either, and
every stroke of a word reaches its line (`segment.stroke_line`)."""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pytest

from handwriting.words.line import Line
from handwriting.words.segment import WORD_GAP, stroke_line, word_groups, word_strokes

pytestmark = pytest.mark.shared


def first_records(path, count: int) -> list[dict]:
    """The first `count` records of a strokes JSON list, decoded without parsing the rest of the file
    (words.json is 115 MB)."""
    decoder, records = json.JSONDecoder(), []
    with path.open(encoding="utf-8") as f:
        text = f.read(4_000_000)
    at = 0
    while len(records) < count:
        record, at = decoder.raw_decode(text, text.index("{", at))  # each record is an object
        records.append(record)
    return records


@pytest.fixture(scope="module")
def joined_up(shared_data) -> list[dict]:
    """Six different words of five letters or more, each written in one stroke, by one writer."""
    by_writer = defaultdict(dict)
    for record in first_records(shared_data / "unipen" / "words.json", 1000):
        if len(record["strokes"]) == 1 and len(record["label"]) >= 5:
            by_writer[record["writer"]].setdefault(record["label"], record)
    words = list(max(by_writer.values(), key=len).values())[:6]
    assert len(words) == 6
    return words


def extent(strokes) -> tuple[np.ndarray, np.ndarray]:
    points = np.concatenate([np.asarray(s, float) for s in strokes])
    return points.min(axis=0), points.max(axis=0)


def side_by_side(a, b, gap: float) -> list:
    """Word b's strokes set right of word a's, `gap` times the taller word's ink height apart."""
    (a_lo, a_hi), (b_lo, b_hi) = extent(a), extent(b)
    height = max(a_hi[1] - a_lo[1], b_hi[1] - b_lo[1])
    shift = a_hi[0] + gap * height - b_lo[0]
    return a + [[[x + shift, y] for x, y in stroke] for stroke in b]


def line_of(strokes) -> tuple[Line, list[Line]]:
    """The line of a word's pen strokes, and its words."""
    page, pieces = word_strokes(strokes)
    line = stroke_line(page, pieces)
    return line, word_groups(line)


def width(line: Line) -> int:
    return max(p.right for p in line.pieces) - min(p.left for p in line.pieces)


def test_a_joined_up_word_stays_one_word(joined_up):
    for word in joined_up:
        line, groups = line_of(word["strokes"])
        assert len(groups) == 1 and len(groups[0].pieces) == len(line.pieces), word["label"]


def test_two_words_a_letter_height_apart_split_between_them(joined_up):
    for a, b in zip(joined_up[::2], joined_up[1::2]):
        line, groups = line_of(side_by_side(a["strokes"], b["strokes"], gap=1.2))
        assert len(groups) == 2, f"{a['label']} {b['label']}: {len(groups)} words"
        first, second = groups
        assert first.pieces + second.pieces == line.pieces
        assert min(p.left for p in second.pieces) - max(p.right for p in first.pieces) > WORD_GAP * line.height
        # each group is one whole word: the groups are as wide as the words are
        (a_lo, a_hi), (b_lo, b_hi) = extent(a["strokes"]), extent(b["strokes"])
        words_ratio = (a_hi[0] - a_lo[0]) / (b_hi[0] - b_lo[0])
        assert width(first) / width(second) == pytest.approx(words_ratio, rel=0.15)


def test_two_words_as_close_as_letters_stay_one(joined_up):
    a, b = joined_up[:2]
    assert len(line_of(side_by_side(a["strokes"], b["strokes"], gap=0.2))[1]) == 1


def test_every_stroke_of_a_word_reaches_its_line(shared_data):
    """An i's dot or a t's bar beside a word joined up in one stroke is tiny, and far from the word's
    centre; it is still the writer's, and the pen model reads every stroke of the line. (They were
    dropped as specks: 15 of these 589 words lost one, and the reader read 2 points fewer of fold 0's
    lower-case words than the pen model alone.)"""
    words = [r for r in first_records(shared_data / "unipen" / "words.json", 1000) if len(r["strokes"]) >= 2]
    assert len(words) > 500
    lost = []
    for word in words:
        page, pieces = word_strokes(word["strokes"])
        kept = {k for p in stroke_line(page, pieces).pieces for k, _ in p.paths}
        if len(kept) < len(pieces):
            lost.append(word["label"])
    assert not lost, f"{len(lost)} words lost strokes: {lost[:10]}"
