"""The dashboard's widgets, in-process: pen events in, readings, database rows and page HTML out.

A stand-in recognizer (no TensorFlow) records what it is asked, so these tests check what the app
sends to the model and what it does with the answer; tests/e2e does the same in a real browser
with the real model.
"""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from handwriting.app.dashboard import build_app
from handwriting.app.dashboard import common, upload
from handwriting.app.store import Store
from handwriting.imaging.letter import Preprocessed, preprocess_image
from handwriting.imaging.strokes import render_strokes
from handwriting.recognize.results import LetterReading, WordReading

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_CLASSES = ("hw-draw-canvas", "hw-prediction", "hw-upload", "hw-word-canvas", "hw-word-result",
                    "hw-history")


class FakeRecognizer:
    """Reads every drawing as 'A' (uncertain when it has more than two strokes) and records calls."""

    version = "fake-1"
    threshold = 0.5
    card = {"version": "fake-1", "created": "2026-01-01", "uncertainty_threshold": 0.5,
            "data": [{"name": "unipen", "count": 38208, "licence": "CC BY 4.0"}],
            "metrics": {"held-out writers": {"count": 4899, "accuracy": 0.931, "top3_accuracy": 0.98}},
            "params": {"epochs": 6}}
    word_card = None  # no word model
    pen_card = None   # ... nor pen model
    strip = None       # ... so no strip read along the line
    written = ""       # ... nor the reading's case
    alternatives = ()  # ... nor its most probable texts

    def __init__(self, fail: bool = False):
        self.calls = []
        self.fail = fail

    def probabilities(self, images):
        return np.full((len(images), 26), 1 / 26, np.float32)

    def _reading(self, image, n_strokes=1):
        confidence = 0.9 if n_strokes <= 2 else 0.3
        return LetterReading("A", confidence, [("A", confidence), ("H", 0.05), ("R", 0.02), ("K", 0.01),
                                               ("X", 0.01)], confidence < self.threshold, Preprocessed(image))

    def read_strokes(self, strokes, top_k=5, pen_width=None):
        self.calls.append(("strokes", [list(map(tuple, s)) for s in strokes], pen_width))
        if self.fail:
            raise RuntimeError("model exploded")
        return self._reading(render_strokes(strokes), len(strokes))

    def read_letter(self, source, top_k=5):
        self.calls.append(("letter", source))
        return self._reading(preprocess_image(source).image)

    def read_word(self, source, top_k=5, lexicon=None):
        self.calls.append(("word", source, lexicon))
        letters = [self._reading(np.full((28, 28), 255 * (i % 2), np.uint8)) for i in range(3)]
        for letter, c in zip(letters, "CAR"):
            letter.letter = c
        return WordReading("CAT", "CAR", "CAT", 0.5, False, letters,
                           [(0, 0, 10, 10), (12, 0, 22, 10), (24, 0, 34, 10)],
                           strip=self.strip, strip_text="CAB" if self.strip is not None else "",
                           as_written=self.written, alternatives=list(self.alternatives))


@pytest.fixture
def make_app(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDWRITING_DATA_DIR", str(tmp_path / "data"))
    apps = []

    def make(recognizer=None):
        recognizer = recognizer or FakeRecognizer()
        app = build_app(store=Store(tmp_path / "p.sqlite"), recognizer=recognizer, lexicon=["CAT", "DOG"])
        app.loader.get(timeout=10)
        app.fake = recognizer
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.store.close()


def send(canvas, content, buffers=()):
    """A message from the pad's page, as the widget's comm hands it over."""
    canvas._handle_custom_msg(content, list(buffers))


def draw(canvas, *strokes):
    """Strokes as the page sends them: each once, when the pen lifts."""
    for stroke in strokes:
        send(canvas, {"event": "stroke", "points": [list(p) for p in stroke]})


def picture(canvas, png: bytes, strokes: int):
    """The page's pixels, sent after a stroke or an edit, with the number of strokes they show."""
    send(canvas, {"event": "picture", "strokes": strokes}, [memoryview(png)])


STROKE_1 = [(100, 40), (70, 150), (40, 250)]
STROKE_2 = [(100, 40), (130, 150), (160, 250)]


def png_of(text_letter="L", size=(200, 200)) -> bytes:
    image = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(image)
    d.line([(60, 30), (60, 170), (150, 170)], fill="black", width=14)
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def classes(widget) -> set[str]:
    found = set(widget._dom_classes) if hasattr(widget, "_dom_classes") else set()
    found |= set(getattr(widget, "canvas_classes", ()))  # a pad puts its classes on its canvas
    for child in getattr(widget, "children", ()):
        found |= classes(child)
    return found


# ---------------------------------------------------------------------------------------- app


def test_app_has_five_tabs_and_the_stable_css_classes(make_app):
    app = make_app()
    assert app.tabs.titles == ("Draw", "Upload", "Word", "History", "Model")
    assert set(REQUIRED_CLASSES) <= classes(app.widget)


def test_model_tab_shows_the_card(make_app):
    html = make_app().model.widget.value
    assert "fake-1" in html and "unipen" in html and "CC BY 4.0" in html
    assert "93.1%" in html and "4899" in html


def test_model_tab_shows_the_word_models_card_when_there_is_one(make_app):
    assert "Word model" not in make_app().model.widget.value
    with_words = FakeRecognizer()
    with_words.word_card = {"version": "words-1", "task": "words <read along the line>",
                            "data": [{"name": "unipen", "count": 14369, "licence": "CC BY 4.0"}],
                            "metrics": {"real pen-written words": {"count": 1416, "accuracy": 0.66}}}
    html = make_app(with_words).model.widget.value
    assert html.index("fake-1") < html.index("Word model")   # the letter model's card first
    assert "words-1" in html and "14369" in html and "66.0%" in html and "1416" in html
    assert "&lt;read along the line&gt;" in html              # escaped


def test_a_foreign_database_file_gives_a_message_and_is_left_alone(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"shopping list: eggs, milk\n" * 10)
    app = build_app(db=path, recognizer=FakeRecognizer())
    text = app.widget.children[1].value
    assert "cannot be used" in text and "not a SQLite database" in text and "Traceback" not in text
    assert path.read_bytes() == b"shopping list: eggs, milk\n" * 10


# ---------------------------------------------------------------------------------------- draw


def test_a_stroke_is_one_message_and_the_pad_keeps_it_for_the_page(make_app):
    app = make_app()
    pad = app.draw.pad
    draw(pad.canvas, STROKE_1)
    assert pad.strokes == [STROKE_1] and app.fake.calls == [("strokes", [STROKE_1], None)]
    assert pad.canvas.strokes == [[list(p) for p in STROKE_1]]  # a page rendering the pad again paints it
    assert pad.canvas.edits == 0  # ... while the page that drew it has it already
    draw(pad.canvas, STROKE_2)
    app.draw.undo()
    assert pad.canvas.strokes == [[list(p) for p in STROKE_1]] and pad.canvas.edits == 1
    app.draw.clear()
    assert pad.canvas.strokes == [] and pad.canvas.edits == 2


def test_the_pen_slider_sets_the_pages_pen(make_app):
    app = make_app()
    app.draw.pad.pen.value = 22
    assert app.draw.pad.canvas.pen_width == 22


def test_prediction_comes_on_pen_up_from_the_recorded_points(make_app):
    app = make_app()
    draw(app.draw.pad.canvas, [(100, 40), (70, 150), (40, 250)])
    assert app.fake.calls == [("strokes", [[(100.0, 40.0), (70.0, 150.0), (40.0, 250.0)]], None)]
    html = app.draw.prediction.widget.value
    assert 'data-letter="A"' in html and "90.0%" in html and "what the model sees" in html
    assert html.count('class="hw-bar-row"') == 5
    row = app.store.query()[0]
    assert (row.source, row.prediction, row.model_version) == ("draw", "A", "fake-1")
    assert row.strokes == [[[100, 40], [70, 150], [40, 250]]]
    assert f'data-row="{row.id}"' in html


def test_one_row_per_drawing_not_per_stroke(make_app):
    app = make_app()
    canvas = app.draw.pad.canvas
    draw(canvas, STROKE_1, STROKE_2, [(60, 160), (140, 160)])
    rows = app.store.query()
    assert len(rows) == 1 and len(rows[0].strokes) == 3 and rows[0].uncertain  # updated with each stroke
    app.draw.clear()
    draw(canvas, STROKE_1)
    assert app.store.count() == 2 and len(app.store.query()[0].strokes) == 1


def test_the_browsers_pixels_are_the_stored_picture_and_the_save_link(make_app):
    app = make_app()
    pad = app.draw.pad
    draw(pad.canvas, STROKE_1)
    drawn = app.store.query()[0].image  # the strokes rendered, until the page's pixels come
    synced = common.to_png(np.full((280, 280, 4), 200, np.uint8))
    picture(pad.canvas, synced, strokes=1)
    assert app.store.query()[0].image == synced != drawn
    save = app.draw.save.value
    assert common.png_data_url(synced) in save and 'download="letter-A-' in save


def test_a_picture_of_strokes_since_changed_is_not_stored(make_app):
    app = make_app()
    pad = app.draw.pad
    draw(pad.canvas, STROKE_1)
    late = common.to_png(np.full((280, 280, 4), 200, np.uint8))  # sent after stroke 1 ...
    draw(pad.canvas, STROKE_2)                                    # ... arriving after stroke 2
    picture(pad.canvas, late, strokes=1)
    assert app.store.query()[0].image != late
    app.draw.undo()
    picture(pad.canvas, late, strokes=2)  # the page's picture of two strokes, after the undo
    assert app.store.query()[0].image != late


def test_points_outside_the_pad_are_held_at_its_edge(make_app):
    app = make_app()
    draw(app.draw.pad.canvas, [(50, 50), (400, 60), (-3, 300)])
    assert app.fake.calls[-1][1] == [[(50.0, 50.0), (280.0, 60.0), (0.0, 280.0)]]


BAD_STROKES = {"no points": [], "not a list": "M 10 10 L 20 20", "a number": 7,
               "a point of three numbers": [[10, 10, 1], [20, 20, 1]], "a string coordinate": [[10, "20"]],
               "not a number": [[10, 10], [float("nan"), 20]], "infinite": [[10, 10], [float("inf"), 20]],
               "a boolean": [[True, 10]], "a point as an object": [{"x": 10, "y": 10}],
               "too many points": [[i % 280, 10] for i in range(30_000)]}


@pytest.mark.parametrize("bad", list(BAD_STROKES))
def test_a_stroke_that_is_not_points_is_ignored_and_changes_nothing(make_app, bad):
    app = make_app()
    pad = app.draw.pad
    draw(pad.canvas, STROKE_1)
    before = (app.store.query()[0], list(pad.strokes), list(pad.canvas.strokes), len(app.fake.calls))
    send(pad.canvas, {"event": "stroke", "points": BAD_STROKES[bad]})
    send(pad.canvas, {"event": "picture", "strokes": "1"}, [common.to_png(np.zeros((280, 280), np.uint8))])
    for bad_picture in (b"not a png", common.to_png(np.zeros((20, 20), np.uint8)), b"\x89PNG\r\n\x1a\n" + bytes(40)):
        picture(pad.canvas, bad_picture, strokes=1)                          # ... nor a picture that is not one
    send(pad.canvas, ["stroke", [[10, 10]]])                                 # ... nor a message that is not one
    assert (app.store.query()[0], pad.strokes, pad.canvas.strokes, len(app.fake.calls)) == before


TAPS = {"a tap": [[(140, 140)]],
        "a tap that wobbles": [[(140, 140), (141, 141), (142, 140)]],
        "a touch that slides": [[(140, 140), (141, 142), (143, 143), (144, 142), (143, 141)]],
        "a flick": [[(140, 140), (143, 142), (146, 144)]],
        "two dots": [[(140, 140)], [(148, 140)]]}


@pytest.mark.parametrize("tap", list(TAPS))
def test_a_tap_or_a_flick_is_not_a_letter_and_stores_nothing(make_app, tap):
    app = make_app()
    draw(app.draw.pad.canvas, *TAPS[tap])
    assert app.fake.calls == [] and app.store.count() == 0
    html = app.draw.prediction.widget.value
    assert 'data-letter=""' in html and "draw a letter" in html


def test_a_tap_on_the_word_pad_is_not_a_word(make_app):
    app = make_app()
    draw(app.word.pad.canvas, [(400, 120)], [(403, 122), (405, 121)])
    assert app.fake.calls == [] and app.store.count() == 0
    assert 'data-word=""' in app.word.result.value and "write a word" in app.word.result.value


def test_a_letter_with_a_dot_beside_it_is_read_and_undoing_to_the_dot_removes_the_row(make_app):
    app = make_app()
    draw(app.draw.pad.canvas, [(30, 30)], STROKE_1)   # a tap first, then a letter
    assert len(app.fake.calls) == 1 and app.store.count() == 1  # the tap alone was never read
    app.draw.undo()                                    # the dot is left: it is not a letter any more
    assert app.store.count() == 0 and "draw a letter" in app.draw.prediction.widget.value
    draw(app.word.pad.canvas, [(20, 50), (20, 150)], [(400, 120)])
    assert app.store.count() == 1
    app.word.undo()                                    # the word's stroke stays: still read
    app.word.undo()
    assert app.store.count() == 0


def small_letters(shared_data, size: float) -> list[dict]:
    """Real one-stroke pen letters I, L, O, C from three writers each, as a mouse would give them
    drawn `size` pixels tall (or wide) in the middle of the Draw pad: whole pixels, no repeats."""
    from handwriting.app.browser import choose_letters, fit, load_json

    records = [r for r in load_json(shared_data / "strokes_letters.json")
               if r["label"] in "ILOC" and len(r["strokes"]) == 1]
    chosen = []
    for r in choose_letters(records, per_letter=3):
        (stroke,) = fit(r["strokes"], size + 2 * 130, size + 2 * 130, 130)
        points = [tuple(p) for p in np.round(stroke).tolist()]
        points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
        chosen.append({"label": r["label"], "stroke": points})
    return chosen


@pytest.mark.shared
def test_real_one_stroke_letters_drawn_small_are_read_and_stored(make_app, rec, shared_data):
    """20 px is about the smallest letter anyone draws on the 280 px pad (the pen's dot is 12 px);
    the refusal of taps must leave it alone."""
    app = make_app(rec)
    samples = small_letters(shared_data, 20)
    read = []
    for sample in samples:
        app.draw.clear()
        draw(app.draw.pad.canvas, sample["stroke"])
        read.append(app.draw.reading.letter if app.draw.reading is not None else None)
    assert app.store.count() == len(samples) == 12 and None not in read
    assert sum(letter == s["label"] for letter, s in zip(read, samples)) >= 10, read


def test_a_failing_model_gives_a_message_not_a_traceback(make_app):
    app = make_app(FakeRecognizer(fail=True))
    draw(app.draw.pad.canvas, STROKE_1)
    assert "model exploded" in app.draw.status.value and "Traceback" not in app.draw.status.value
    assert app.store.count() == 0


# ---------------------------------------------------------------------------------------- upload


def upload_value(*files):
    return tuple({"name": name, "type": "image/jpeg", "size": len(data), "content": memoryview(data),
                  "last_modified": datetime.now(timezone.utc)} for name, data in files)


def test_upload_reads_each_picture_and_bad_files_get_their_own_message(make_app, tmp_path, monkeypatch):
    app = make_app()
    monkeypatch.chdir(tmp_path)
    nasty = "../../evil<script>alert(1)</script>.jpg"
    app.upload.upload.value = upload_value(("good.jpg", png_of()), ("notes.txt", b"not a picture at all"),
                                           (nasty, png_of()), ("empty.png", b""))
    cards = [c.value for c in app.upload.results.children]
    assert len(cards) == 4
    assert 'data-letter="A"' in cards[3] and "good.jpg" in cards[3] and "what the model sees" in cards[3]
    assert "notes.txt" in cards[2] and "not a picture" in cards[2]
    assert "<script>" not in cards[1] and "&lt;script&gt;" in cards[1]
    assert "empty" in cards[0]
    assert app.upload.upload.value == ()  # ready for the next choice
    rows = app.store.query()
    assert [r.name for r in rows] == [nasty, "good.jpg"]  # the name is text, kept as given
    assert Image.open(io.BytesIO(rows[0].image)).format == "PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "p.sqlite", "p.sqlite-shm", "p.sqlite-wal"] or \
        not any("evil" in str(p) for p in tmp_path.rglob("*"))


def test_files_over_the_limit_are_refused_with_a_message(make_app, monkeypatch):
    app = make_app()
    monkeypatch.setattr(upload, "MAX_UPLOAD_BYTES", 1000)
    app.upload.upload.value = upload_value(("big.jpg", png_of(size=(600, 600))))
    card = app.upload.results.children[0].value
    assert "too large" in card and app.store.count() == 0


def stand_in(size: int) -> bytes:
    """What the page's guard sends for a file over the limit, built from the template's own code."""
    template = (ROOT / "etc" / "jupyter" / "voila" / "templates" / "handwriting" / "index.html.j2").read_text()
    before, after = re.search(r"new File\(\['([^']*)' \+ file\.size \+ '([^']*)'\]", template).groups()
    return f"{before}{size}{after}".encode()


def test_a_file_the_page_kept_back_gets_a_card_that_stays(make_app):
    app = make_app()
    app.upload.upload.value = upload_value(("holiday.jpg", stand_in(25 * 1024 * 1024)), ("good.jpg", png_of()))
    cards = [c.value for c in app.upload.results.children]
    assert "holiday.jpg" in cards[1] and "too large (25.0 MB)" in cards[1] and "20.0 MB" in cards[1]
    assert [r.name for r in app.store.query()] == ["good.jpg"]   # the other file is read as usual
    app.upload.upload.value = upload_value(("next.jpg", png_of()))
    draw(app.draw.pad.canvas, STROKE_1)
    app.select("History")
    app.select("Upload")
    cards = [c.value for c in app.upload.results.children]
    assert len(cards) == 3 and "holiday.jpg" in cards[2] and "too large" in cards[2]  # still there
    app.word.upload.value = upload_value(("poster.jpg", stand_in(30 * 1024 * 1024)))
    assert "poster.jpg" in app.word.status.value and "too large (30.0 MB)" in app.word.status.value
    assert app.store.count() == 3


def test_text_that_looks_like_a_stand_in_but_is_small_is_just_not_a_picture(make_app):
    app = make_app()
    app.upload.upload.value = upload_value(("note.jpg", stand_in(1234)))
    card = app.upload.results.children[0].value
    assert "not a picture" in card and "too large" not in card


def cut_in_half(data: bytes) -> bytes:
    return data[:len(data) // 2]


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(png_of(size=(300, 300)))).save(out, format="PNG")
    return out.getvalue()


def test_a_damaged_picture_says_it_is_damaged_and_names_the_file(make_app):
    app = make_app()
    app.upload.upload.value = upload_value(("cut.jpg", cut_in_half(png_of(size=(600, 600)))),
                                           ("cut.png", cut_in_half(png_bytes())),
                                           ("shopping.jpg", b"eggs, milk, bread\n" * 20))
    cut_jpg, cut_png, text = [c.value for c in reversed(app.upload.results.children)]
    for card, name in ((cut_jpg, "cut.jpg"), (cut_png, "cut.png")):
        assert name in card and "damaged" in card and "not a picture" not in card
    assert "shopping.jpg" in text and "not a picture" in text and "damaged" not in text
    assert app.store.count() == 0
    app.word.upload.value = upload_value(("word.jpg", cut_in_half(png_of(size=(800, 240)))))
    assert "word.jpg" in app.word.status.value and "damaged" in app.word.status.value
    app.word.upload.value = upload_value(("word.jpg", b"hello"))
    assert "not a picture" in app.word.status.value and "damaged" not in app.word.status.value


# ---------------------------------------------------------------------------------------- word


def test_word_pad_reads_strokes_with_the_lexicon_and_shows_raw_beside_correction(make_app):
    app = make_app()
    canvas = app.word.pad.canvas
    draw(canvas, [(20, 50), (20, 150)], [(80, 50), (80, 150)])
    kind, strokes, lexicon = app.fake.calls[-1]
    assert kind == "word" and strokes == [[(20.0, 50.0), (20.0, 150.0)], [(80.0, 50.0), (80.0, 150.0)]]
    assert lexicon is not None and "CAT" in lexicon
    html = app.word.result.value
    assert 'data-word="CAT"' in html and "CAR" in html and "corrected by the lexicon" in html
    assert html.count('class="hw-letter-cell"') == 3
    row = app.store.query()[0]
    assert (row.source, row.prediction, row.raw) == ("word", "CAT", "CAR")
    assert Image.open(io.BytesIO(row.preprocessed)).size == (84, 28)


def test_word_tab_shows_the_line_as_the_word_model_read_it_when_there_is_one(make_app):
    app = make_app()
    app.word.upload.value = upload_value(("word.png", png_of(size=(400, 120))))
    assert "hw-strip" not in app.word.result.value   # letters alone: nothing read along the line
    reader = FakeRecognizer()
    reader.strip = np.zeros((32, 256), np.uint8)
    reader.strip[4:30, 2:90] = 255
    app = make_app(reader)
    app.word.upload.value = upload_value(("word.png", png_of(size=(400, 120))))
    html = app.word.result.value
    assert 'data-strip-text="CAB"' in html and "<b>CAB</b>" in html and "(32 × 256)" in html
    assert 'width="512" height="64"' in html            # enlarged twice, not stretched
    assert html.index("hw-word-read") < html.index("hw-strip") < html.index("hw-letter-cells")  # by the reading


def test_word_tab_asks_for_a_word_written_any_way(make_app):
    hint = make_app().word.widget.children[0].value
    assert "write a word" in hint.lower() and "lower case" in hint and "joined-up" in hint
    assert "CAPITALS" not in hint


def test_word_tab_shows_the_word_as_written_and_its_alternatives_and_stores_its_case(make_app):
    reader = FakeRecognizer()
    reader.written = "car"
    reader.alternatives = [("cur", 0.3), ("car", 0.25), ("Car", 0.0004)]
    app = make_app(reader)
    draw(app.word.pad.canvas, [(20, 50), (20, 150)], [(80, 50), (80, 150)])
    html = app.word.result.value
    assert re.search(r'class="hw-word-read">car<', html)            # as written, large
    assert 'data-written="car"' in html and 'data-word="CAT"' in html and 'data-raw="CAR"' in html
    assert "<b>CAR</b>, corrected by the lexicon to <b>CAT</b>" in html  # A-Z and the lexicon's word, as before
    shown = re.findall(r'class="hw-bar-row hw-word-alt" data-text="([^"]*)"', html)
    assert shown == ["cur", "car", "Car"]                              # the model's order, case kept
    top = re.search(r'data-text="car".*?class="(hw-bar(?: hw-top)?)"', html).group(1)
    assert top == "hw-bar hw-top" and html.count("hw-bar hw-top") == 1  # the reading shown is marked
    assert "&lt; 0.1%" in html and "30.0%" in html
    assert re.findall(r'class="hw-cell-letter">(.)<', html) == ["c", "a", "r"]
    row = app.store.query()[0]
    assert (row.prediction, row.raw) == ("CAT", "CAR")                # the columns keep their meaning
    assert [c for c, _ in row.top_k] == ["c", "a", "r"]                # the letters as written


def test_a_reading_without_its_case_is_shown_and_stored_as_read(make_app):
    app = make_app()                                   # no case, no alternatives (letters alone)
    draw(app.word.pad.canvas, [(20, 50), (20, 150)])
    html = app.word.result.value
    assert re.search(r'class="hw-word-read">CAR<', html) and "hw-word-alt" not in html
    assert [c for c, _ in app.store.query()[0].top_k] == ["C", "A", "R"]


def test_word_picture_upload(make_app):
    app = make_app()
    app.word.upload.value = upload_value(("word.jpg", png_of(size=(400, 120))))
    assert 'data-word="CAT"' in app.word.result.value
    assert app.store.query()[0].name == "word.jpg"
    app.word.upload.value = upload_value(("word.txt", b"hello"))
    assert "not a picture" in app.word.status.value


# ---------------------------------------------------------------------------------------- history


def shown(history):
    """The rows History shows, in order."""
    return [row for row in history.row_widgets if row.record is not None and row.widget.layout.display != "none"]


def test_history_lists_newest_first_filters_corrects_and_deletes(make_app):
    app = make_app()
    draw(app.draw.pad.canvas, STROKE_1)
    app.draw.clear()
    draw(app.draw.pad.canvas, STROKE_1, STROKE_2, STROKE_1)  # three strokes: uncertain
    draw(app.word.pad.canvas, [(20, 50), (20, 150)])
    app.select("History")
    history = app.history
    assert [r.record.source for r in shown(history)] == ["word", "draw", "draw"]
    history.uncertain.value = True
    assert [r.record.uncertain for r in shown(history)] == [True]
    history.uncertain.value = False
    history.letter.value = "C"  # a letter, not the word CAT
    assert shown(history) == [] and "No prediction matches" in history.empty_note.value
    history.letter.value = "A"
    assert len(shown(history)) == 2 and history.empty_note.value == ""
    row = shown(history)[0]
    row.letter_choice.value = "R"
    stored = app.store.get(row.record.id)
    assert (stored.prediction, stored.correction) == ("A", "R")  # beside, not over
    assert 'data-correction="R"' in row.saved.value
    rid = shown(history)[1].record.id
    shown(history)[1].delete.click()
    assert app.store.get(rid) is not None  # the first click asks
    shown(history)[1].delete.click()
    assert app.store.get(rid) is None
    history.letter.value = ""
    assert len(shown(history)) == 2
    assert shown(history)[1].letter_choice.value == "R"  # rows are reused: bound to the right record
    word = shown(history)[0]
    word.word_choice.value = "cab"
    assert app.store.get(word.record.id).correction == "CAB"


def test_binding_a_record_is_not_a_correction(make_app):
    app = make_app()
    draw(app.draw.pad.canvas, STROKE_1)
    app.select("History")
    app.history.refresh()
    app.history.refresh()
    assert app.store.query()[0].correction is None


def test_history_export_writes_a_data_set_the_loader_reads(make_app, tmp_path):
    from handwriting import data

    app = make_app()
    draw(app.draw.pad.canvas, STROKE_1, STROKE_2)
    app.select("History")
    app.history.export_button.click()
    assert "no corrected letters" in app.history.export_result.value
    app.history.row_widgets[0].letter_choice.value = "V"
    app.history.export_button.click()
    html = app.history.export_result.value
    assert 'data-count="1"' in html and "download" in html
    exported = sorted((tmp_path / "data" / "exports").iterdir())
    npz = [p for p in exported if p.suffix == ".npz"][0]
    ds = data.load(npz)
    assert list(ds.letters) == ["V"] and ds.x.shape == (1, 28, 28)
    strokes = json.loads([p for p in exported if p.suffix == ".json"][0].read_text())
    assert strokes[0]["label"] == "V" and len(strokes[0]["strokes"]) == 2


def test_history_is_rebuilt_only_while_shown(make_app):
    app = make_app()
    draw(app.draw.pad.canvas, STROKE_1)
    assert app.history.stale and app.history.row_widgets == []
    app.select("History")
    assert not app.history.stale and len(shown(app.history)) == 1


# ---------------------------------------------------------------------------------------- serving


def test_notebook_is_thin_and_stored_without_outputs():
    nb = json.loads((ROOT / "notebooks" / "dashboard.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    source = "".join("".join(c["source"]) for c in code)
    assert "from handwriting.app.dashboard import build_app" in source and len(source.splitlines()) < 10


def test_voila_settings_keep_the_page_offline_and_closed():
    settings = json.loads((ROOT / "etc" / "jupyter" / "voila.json").read_text())
    conf = settings["VoilaConfiguration"]
    assert conf["show_tracebacks"] is False and conf["file_allowlist"] == [] and conf["preheat_kernel"] is True
    assert settings["Voila"]["ip"] == "127.0.0.1"
    assert settings["Voila"]["tornado_settings"]["websocket_max_message_size"] > 2 * common.MAX_UPLOAD_BYTES
    assert settings["MappingKernelManager"]["cull_idle_timeout"] > 0
    # Under load a pre-started kernel's output came more than nbclient's default 4 s after its cell
    # ended, and Voila then served pages without the app (bench/bench_classroom.py, 16 pages).
    assert settings["VoilaExecutor"]["iopub_timeout"] >= 60
    template = ROOT / "etc" / "jupyter" / "voila" / "templates" / "handwriting"
    for page in (p for p in template.iterdir() if p.is_file()):  # static/: the built page (test_frontend.py)
        assert not re.search(r"""(href|src|url)\s*[=(]\s*["']?(https?:)?//""", page.read_text()), \
            f"{page.name} loads something from the network"
    guard = re.search(r"var LIMIT = (\d+) \* (\d+) \* (\d+);", (template / "index.html.j2").read_text())
    assert int(guard[1]) * int(guard[2]) * int(guard[3]) == common.MAX_UPLOAD_BYTES
