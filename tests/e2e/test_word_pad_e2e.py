"""Lower-case pen words on the Word pad in a real browser, read as they are read offline.

Real lower-case words of the kept-out labs (`handwriting.words.folds.FOLDS[KEPT_OUT]`: writers the
shipped word and pen models never learned from; the pen model reads the pad's strokes) are replayed stroke by stroke as mouse drags on the Word pad
of a real Voila server; after each stroke the test waits for the page's reading of the word so far.
What the page shows at the end of each word is set beside `Recognizer().read_word` of the same
strokes, offline: the mouse moves to whole pixels and the test works out the points the pad records
from them (`Replay`), so the two read the very same points and must agree word for word (a pixel
off flips a reading now and then). Both accuracies are printed; the accuracy itself is asserted
offline, on more words (tests/model/test_word_reader.py): here, that the browser reads what the
recognizer reads.
"""

from __future__ import annotations

import json
import random
import sqlite3

import numpy as np
import pytest

from handwriting.app.browser import WORD_AFTER, load_json, replayable
from handwriting.words.folds import FOLDS, KEPT_OUT, case_group, lab, of_labs
from handwriting.words.model import MAX_LETTERS
from tests.conftest import _missing

pytestmark = [pytest.mark.browser, pytest.mark.shared, pytest.mark.slow]

WORD = "canvas.hw-word-canvas"
PAD_WIDTH, PAD_HEIGHT, MARGIN = 840, 240, 30
WORDS = 12        # one word from each of 12 writers
SEED = 17
POINTS = 150      # per stroke at most: a joined-up word is one long stroke (28 points, enough for a letter, flatten it)



def kept_out_lower_words(path, count: int, seed: int) -> list[dict]:
    """`count` lower-case words of the kept-out labs, each from a different writer, reproducibly."""
    words = [r for r in of_labs(load_json(path), FOLDS[KEPT_OUT])
             if case_group(r["label"]) == "lower" and r["label"].isalpha() and len(r["label"]) <= MAX_LETTERS]
    by_writer: dict[str, list[dict]] = {}
    for r in words:
        by_writer.setdefault(r["writer"], []).append(r)
    rng = random.Random(seed)
    writers = rng.sample(sorted(by_writer), count)
    return [rng.choice(by_writer[w]) for w in writers]


class Replay:
    """Strokes as mouse moves on the Word pad, and the points the pad gets from them.

    Chromium gives a page whole CSS pixels (clientX, clientY), and the pad (pad.js) turns them into
    the canvas's pixels as `(clientX - left) * width / inner width`, inside its border (which is not
    on whole pixels: the stylesheet sizes the pad). So the test moves the mouse to whole pixels
    itself and works out the same doubles: the pad's strokes, exactly, to read offline."""

    def __init__(self, page, canvas: str):
        frame = page.locator(canvas).evaluate(
            "c => { const r = c.getBoundingClientRect(); "
            "return [r.left + c.clientLeft, r.top + c.clientTop, r.width - 2 * c.clientLeft, "
            "r.height - 2 * c.clientTop, c.width, c.height]; }")
        self.left, self.top, self.width, self.height, self.pixels_x, self.pixels_y = frame

    def client(self, x: float, y: float) -> tuple[int, int]:
        return (round(self.left + x * self.width / self.pixels_x), round(self.top + y * self.height / self.pixels_y))

    def pad(self, cx: int, cy: int) -> tuple[float, float]:
        """What the pad records for a move to (cx, cy): pad.js's arithmetic, in the same order."""
        x, y = (cx - self.left) * self.pixels_x / self.width, (cy - self.top) * self.pixels_y / self.height
        return (min(max(x, 0.0), self.pixels_x), min(max(y, 0.0), self.pixels_y))

    def strokes(self, strokes) -> tuple[list[list[tuple[int, int]]], list[list[tuple[float, float]]]]:
        """(mouse positions, the pad's points) of real strokes fitted to the pad, at most POINTS points
        a stroke, without a move that would repeat the last point (the pad drops those)."""
        moves, points = [], []
        for stroke in replayable(strokes, self.pixels_x, self.pixels_y, MARGIN, points=POINTS):
            moves.append([])
            points.append([])
            for x, y in stroke:
                client = self.client(x, y)
                if not points[-1] or self.pad(*client) != points[-1][-1]:
                    moves[-1].append(client)
                    points[-1].append(self.pad(*client))
        return moves, points


@pytest.fixture(scope="module")
def words(shared_data):
    path = shared_data / "unipen" / "words.json"
    if not path.is_file():
        _missing(f"no UNIPEN words at {path}")
    return kept_out_lower_words(path, WORDS, SEED)


@pytest.fixture(scope="module")
def recognizer(model_path):
    from handwriting.recognize.reader import Recognizer

    return Recognizer(model_path)


def stored_strokes(server, row: int) -> list:
    db = sqlite3.connect(server.db, timeout=10)
    try:
        return json.loads(db.execute("SELECT strokes FROM predictions WHERE id = ?", (row,)).fetchone()[0])
    finally:
        db.close()


def write_word(page, moves) -> tuple[dict, list[float]]:
    """Clear the pad, write the strokes (`moves`, mouse positions) one by one, waiting after each for
    the reading of the word so far (and, when it found letters, for its row): the last reading's
    data, and pen-up -> reading shown (ms) for each stroke."""

    def seq() -> int:
        return int(page.locator(".hw-word-result .hw-word-box").get_attribute("data-seq"))

    before = seq()
    page.locator(".hw-word .hw-clear").click()
    page.evaluate(WORD_AFTER, [before, 30_000])
    times, shown = [], {}
    for stroke in moves:
        before = seq()
        page.mouse.move(*stroke[0])
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*point)
        page.mouse.up()
        shown = page.evaluate(WORD_AFTER, [before, 30_000])
        times.append(shown["sinceUp"])
        if shown["data"].get("word"):  # letters found: shown again once stored, with its row
            shown = page.evaluate(WORD_AFTER, [before + 1, 30_000])
    return shown["data"], times


def test_lower_case_words_read_in_the_browser_as_offline(app_page, server, words, recognizer, measurements):
    from handwriting.words.lexicon import Lexicon

    lexicon = Lexicon.coerce("builtin")
    page = app_page.page
    app_page.tab("Word")
    hint = page.locator(".hw-word .hw-note").first.inner_text()
    assert "write a word" in hint.lower() and "lower case" in hint and "CAPITALS" not in hint
    rows, latencies, deviations = [], [], []
    for sample in words:
        moves, strokes = Replay(page, WORD).strokes(sample["strokes"])  # where the pad is now (a scroll bar moves it)
        data, times = write_word(page, moves)
        latencies += times
        offline = recognizer.read_word(strokes, lexicon=lexicon)
        original = recognizer.read_word(sample["strokes"], lexicon=lexicon)
        assert data.get("row"), f"{sample['label']!r}: nothing read on the pad (offline: {offline.raw!r})"
        # The pad got the strokes the recognizer read (its row keeps them to 0.1 px).
        received = stored_strokes(server, int(data["row"]))
        assert [len(s) for s in received] == [len(s) for s in strokes], sample["label"]
        deviations.append(max(float(np.abs(np.subtract(a, b)).max()) for a, b in zip(received, strokes)))
        rows.append({"label": sample["label"], "lab": lab(sample["writer"]), "strokes": len(strokes),
                     "browser_raw": data["raw"], "browser_written": data["written"],
                     "offline_raw": offline.raw, "offline_written": offline.as_written,
                     "offline_original_raw": original.raw})
        print(f"{sample['label']:>14} ({rows[-1]['lab']}): browser {data['raw']!r} / {data['written']!r}, "
              f"offline {offline.raw!r} / {offline.as_written!r}, original strokes {original.raw!r}")
    n = len(rows)

    def accuracy(key: str, cased: bool = False) -> float:
        if cased:
            return round(sum(r[key].replace(" ", "") == r["label"] for r in rows) / n, 4)
        return round(sum(r[key].replace(" ", "") == r["label"].upper() for r in rows) / n, 4)

    report = {"words": n, "writers": len({w["writer"] for w in words}), "labs": sorted({r["lab"] for r in rows}),
              "browser_accuracy": accuracy("browser_raw"),
              "offline_accuracy": accuracy("offline_raw"),
              "offline_accuracy_original_trajectories": accuracy("offline_original_raw"),
              "browser_accuracy_as_written": accuracy("browser_written", cased=True),
              "offline_accuracy_as_written": accuracy("offline_written", cased=True),
              "browser_agrees_with_offline": round(sum(r["browser_raw"] == r["offline_raw"] for r in rows) / n, 4),
              "browser_agrees_with_offline_as_written":
                  round(sum(r["browser_written"] == r["offline_written"] for r in rows) / n, 4),
              "pad_max_point_deviation_px": round(max(deviations), 3),
              "pen_up_to_reading_ms_median": round(float(np.median(latencies)), 1),
              "pen_up_to_reading_ms_p90": round(float(np.percentile(latencies, 90)), 1)}
    measurements["word_lower_case"] = report
    print(json.dumps(report, indent=2))
    # The page shows the last word as written, large, with the model's alternatives and its line.
    box = page.locator(".hw-word-result .hw-word-box")
    assert page.locator(".hw-word-result .hw-word-read").inner_text() == box.get_attribute("data-written")
    if page.locator(".hw-word-result .hw-strip").count():
        assert page.locator(".hw-word-result .hw-word-alt").count() >= 1
        assert page.locator(".hw-word-result .hw-strip img").bounding_box()["width"] > 200
    app_page.screenshot("word_lower_case")
    assert n == WORDS and report["writers"] == WORDS
    assert report["pad_max_point_deviation_px"] <= 0.051, report  # its row keeps the points to 0.1 px
    # The same strokes, the same models: the page reads what the recognizer reads, word for word.
    assert [r["browser_raw"] for r in rows] == [r["offline_raw"] for r in rows], report
    assert [r["browser_written"] for r in rows] == [r["offline_written"] for r in rows], report
