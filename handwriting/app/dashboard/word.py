"""The Word tab: a wide pad (or a picture) for a word written any way (capitals, lower case,
joined-up); shows the word as written, its A-Z reading with the lexicon's correction beside it, the
word model's (or, for pen strokes, the pen model's) most probable readings, the line as it saw it, and the letters found, in
boxes, each with what the model saw. Like the Draw tab, a drawn word is one database row, updated as
it grows.

A row has no column for the reading's case (adding one is a schema change): its `raw` is the A-Z
reading and its `top_k` the letters, each with its probability, so the letters are stored as
written there (`written_letters`) and the row keeps the reading as written.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from PIL import Image

from handwriting.app.dashboard.common import (STORED_SIDE, Services, boxes_png, confidence_text, error_html,
                                          esc, guarded, img_tag, log, note_html, picture_upload, strokes_png,
                                          thumbnail_png, to_png, uncertain_badge)
from handwriting.app.dashboard.pad import Pad
from handwriting.app.dashboard.upload import UploadedFile, unreadable_text, upload_files
from handwriting.imaging.decode import ImageReadError, load_image
from handwriting.imaging.paper import draw_word

PAD_WIDTH, PAD_HEIGHT = 840, 240
PEN_WIDTH = 10
HINT = ("Write a word on the wide pad, any way you write: in capitals, in lower case or joined-up. "
        "The reading updates each time you lift the pen. Or choose a picture of a word in capitals "
        "(pictures of lower-case words are not read yet).")
TOO_SMALL = "Too small to be a word (a tap or a dot): write a word on the pad. Undo or Clear removes it."


def stroke_page(strokes, boxes) -> tuple[Image.Image, list]:
    """The word as segmentation saw it (strokes rendered about 64 px high), dark on white and
    cropped to its ink, with the letter boxes moved into the cropped picture."""
    try:
        page = draw_word(strokes).page
    except ValueError:
        return Image.new("L", (PAD_WIDTH, PAD_HEIGHT), 255), []
    ink = np.clip(np.asarray(page.ink, dtype=np.float32), 0, 1)
    rows, cols = np.flatnonzero(ink.max(axis=1) > 0), np.flatnonzero(ink.max(axis=0) > 0)
    if len(rows) == 0:
        return Image.new("L", (PAD_WIDTH, PAD_HEIGHT), 255), []
    margin = 8
    top, left = max(0, rows[0] - margin), max(0, cols[0] - margin)
    bottom, right = min(ink.shape[0], rows[-1] + margin + 1), min(ink.shape[1], cols[-1] + margin + 1)
    picture = Image.fromarray(np.round(255 * (1 - ink[top:bottom, left:right])).astype(np.uint8))
    return picture, [(a - left, b - top, c - left, d - top) for a, b, c, d in boxes]


def letters_strip(reading) -> np.ndarray | None:
    images = [letter.preprocessed.image for letter in reading.letters if letter.preprocessed is not None]
    return np.hstack(images) if images else None


def written_letters(reading) -> list[str]:
    """Each letter of the reading as written (its case from `as_written`); the letters as read (A-Z)
    where the two do not line up letter for letter (a reading without one)."""
    letters = [letter.letter or "?" for letter in reading.letters]
    written = [c for c in reading.as_written if not c.isspace()]
    if len(written) != len(letters) or any(w.upper() != a.upper() for w, a in zip(written, letters)):
        return letters
    return written


def probability_text(p: float) -> str:
    """A reading's probability: a whole text is often far less probable than any one letter."""
    pct = 100 * float(p)
    return f"{pct:.1f}%" if pct >= 0.1 else ("< 0.1%" if pct > 0 else "0%")


def alternatives_html(reading, shown: str) -> str:
    """The word model's most probable texts as written, best first, as bars scaled to the best one
    (their probabilities are of whole texts: small next to a letter's); `shown` is highlighted."""
    if not reading.alternatives:
        return ""
    best = max(p for _, p in reading.alternatives) or 1.0
    rows = []
    for text, p in reading.alternatives:
        cls = "hw-bar hw-top" if text == shown else "hw-bar"
        rows.append(f'<div class="hw-bar-row hw-word-alt" data-text="{esc(text)}" data-p="{p:.6g}">'
                    f'<span class="hw-bar-letter">{esc(text)}</span><span class="hw-bar-track">'
                    f'<span class="{cls}" style="width:{100 * p / best:.1f}%"></span></span>'
                    f'<span class="hw-bar-value">{esc(probability_text(p))}</span></div>')
    model = "pen model" if reading.read_from == "pen" else "word model"
    return (f'<div class="hw-word-alts"><div class="hw-muted">the {model}\'s most probable readings</div>'
            f'<div class="hw-bars" aria-label="top {len(rows)} readings">{"".join(rows)}</div></div>')


def strip_html(reading) -> str:
    """The line as the word model read it (the strip, enlarged 2x) and what it read there alone."""
    if reading.strip is None:
        return ""
    height, width = reading.strip.shape
    seen = ("the pen's path as the pen model reads it (its resampled points)" if reading.read_from == "pen"
            else f"the line as the word model sees it ({height} × {width})")
    image = img_tag(to_png(reading.strip), "hw-model-view hw-strip-view", seen, 2 * width, 2 * height)
    return (f'<figure class="hw-figure hw-boxes hw-strip" data-strip-text="{esc(reading.strip_text)}" '
            f'data-read-from="{esc(reading.read_from)}">{image}<figcaption>{seen}; reading along it alone, '
            f'it reads <b>{esc(reading.strip_text) or "nothing"}</b></figcaption></figure>')


class WordTab:
    def __init__(self, services: Services):
        self.services = services
        self.pad = Pad(PAD_WIDTH, PAD_HEIGHT, "hw-word-canvas", pen_width=PEN_WIDTH,
                       on_pen_up=self._pen_up, on_image=self._image, fluid=True)
        self.row_id: int | None = None
        self.seq = 0
        self.undo_button = widgets.Button(description="Undo", tooltip="Remove the last stroke")
        self.undo_button.add_class("hw-undo")
        self.clear_button = widgets.Button(description="Clear", tooltip="Start a new word")
        self.clear_button.add_class("hw-clear")
        self.undo_button.on_click(lambda _: self.undo())
        self.clear_button.on_click(lambda _: self.clear())
        self.upload = picture_upload("Read a picture of a word", multiple=False, css_class="hw-word-upload")
        self.upload.observe(self._uploaded, "value")
        self.result = widgets.HTML()
        self.result.add_class("hw-word-result")
        self.status = widgets.HTML()
        self.status.add_class("hw-status")
        self._empty()
        controls = widgets.HBox([self.undo_button, self.clear_button, self.pad.pen, self.upload])
        controls.add_class("hw-controls")
        self.widget = widgets.VBox([widgets.HTML(note_html(HINT)), self.pad.canvas, controls,
                                    self.status, self.result])
        self.widget.add_class("hw-tab")
        self.widget.add_class("hw-word")

    def _empty(self, message: str = "") -> None:
        self.seq += 1
        self.result.value = (f'<div class="hw-word-box hw-result-empty" data-seq="{self.seq}" data-word="">'
                             f'{note_html(message) if message else ""}</div>')

    def show(self, reading, picture_png: bytes, row_id: int | None) -> None:
        self.seq += 1
        row = f' data-row="{row_id}"' if row_id is not None else ""
        if not reading.letters:
            self.result.value = (f'<div class="hw-word-box hw-result-empty" data-seq="{self.seq}" data-word="">'
                                 f'{note_html("No letters found.")}</div>')
            return
        written = reading.as_written or reading.raw  # a reading without its case is as read
        if reading.correction and reading.correction != reading.raw:
            lexicon = (f'raw reading (A-Z) <b>{esc(reading.raw)}</b>, corrected by the lexicon to '
                       f'<b>{esc(reading.correction)}</b>')
        else:
            lexicon = (f'raw reading (A-Z) <b>{esc(reading.raw)}</b>'
                       f'{" (no lexicon correction)" if reading.raw else ""}')
        reading_html = (f'<div class="hw-word-read">{esc(written)}</div>'
                        f'<div class="hw-word-raw">{lexicon}</div>')
        cells = []
        for i, (letter, shown) in enumerate(zip(reading.letters, written_letters(reading))):
            image = (img_tag(to_png(letter.preprocessed.image), "hw-model-view", f"letter {i + 1}", 56, 56)
                     if letter.preprocessed is not None else "")
            cls = "hw-letter-cell hw-cell-uncertain" if letter.uncertain else "hw-letter-cell"
            cells.append(f'<div class="{cls}"><div class="hw-cell-index">{i + 1}</div>{image}'
                         f'<div class="hw-cell-letter">{esc(shown)}</div>'
                         f'<div class="hw-muted">{confidence_text(letter.confidence)}</div></div>')
        self.result.value = (
            f'<div class="hw-word-box" data-seq="{self.seq}" data-word="{esc(reading.word)}" '
            f'data-raw="{esc(reading.raw)}" data-written="{esc(written)}"{row}>'
            f'<div class="hw-result-head">{reading_html}<div class="hw-result-side">'
            f'<div class="hw-confidence">{confidence_text(reading.confidence)}</div>'
            f'{uncertain_badge(reading.uncertain)}</div></div>'
            f'{alternatives_html(reading, written)}{strip_html(reading)}'
            f'<figure class="hw-figure hw-boxes">{img_tag(picture_png, "hw-word-boxes", "the letters found")}'
            f'<figcaption>{len(reading.letters)} letters found</figcaption></figure>'
            f'<div class="hw-letter-cells">{"".join(cells)}</div></div>')

    # ----------------------------------------------------------------------------- drawn words

    @guarded()
    def _pen_up(self) -> None:
        self.read_pad()

    def read_pad(self) -> None:
        if self.pad.empty:
            return
        if self.pad.too_small:  # a tap is not a word: nothing read, nothing stored
            self._forget()
            self._empty(TOO_SMALL)
            return
        if not self.services.recognizer.ready:
            self.status.value = note_html("Loading the model...")
        reader = self.services.recognizer.get()
        strokes = [list(s) for s in self.pad.strokes]
        reading = reader.read_word(strokes, lexicon=self.services.lexicon())
        boxed = boxes_png(*stroke_page(strokes, reading.boxes))
        self.show(reading, boxed, self.row_id)
        self.status.value = ""
        if reading.letters:
            png = strokes_png(strokes, PAD_WIDTH, PAD_HEIGHT, self.pad.pen.value)  # until the browser's pixels come
            self.row_id = self._store(reader, reading, png, strokes, self.row_id)
            self.show(reading, boxed, self.row_id)

    def _store(self, reader, reading, png, strokes, row_id, name=None) -> int:
        store = self.services.store
        strip = letters_strip(reading)
        args = dict(image=png, model_version=reader.version, prediction=reading.word, raw=reading.raw,
                    confidence=reading.confidence, uncertain=reading.uncertain,
                    top_k=[(c, letter.confidence) for c, letter in zip(written_letters(reading), reading.letters)],
                    preprocessed=to_png(strip) if strip is not None else None, strokes=strokes)
        if row_id is None or not store.update(row_id, **args):
            row_id = store.add("word", name=name, **args)
        self.services.stored()
        return row_id

    @guarded()
    def _image(self, png: bytes) -> None:
        if self.row_id is not None and not self.pad.empty:
            self.services.store.set_image(self.row_id, png)

    @guarded()
    def undo(self) -> None:
        if not self.pad.undo():
            return
        if self.pad.empty:
            self._forget()
            self._empty()
        else:
            self.read_pad()

    def _forget(self) -> None:
        """No word left on the pad: its row is not a prediction any more."""
        if self.row_id is not None:
            self.services.store.delete(self.row_id)
            self.services.stored()
        self.row_id = None

    @guarded()
    def clear(self) -> None:
        self.pad.clear()
        self.row_id = None
        self._empty()

    # ----------------------------------------------------------------------------- pictures

    @guarded()
    def _uploaded(self, change) -> None:
        files = upload_files(change["new"])
        if not files:
            return
        self.upload.value = ()
        self.read_picture(files[0])

    def read_picture(self, file: UploadedFile) -> None:
        name, data = file.name, file.data
        if file.too_large:
            self.status.value = error_html(f"{name}: {file.too_large_text()}")
            return
        if not data:
            self.status.value = error_html(f"{name}: empty file (0 bytes)")
            return
        try:
            picture, _ = load_image(data)
        except ImageReadError as e:
            self.status.value = error_html(f"{name}: {unreadable_text(e)}")
            return
        reader = self.services.recognizer.get()
        try:
            reading = reader.read_word(data, lexicon=self.services.lexicon())
        except ImageReadError as e:
            self.status.value = error_html(f"{name}: {unreadable_text(e)}")
            return
        except Exception:
            log.exception("reading word picture %r failed", name)
            self.status.value = error_html(f"{name}: the word in this picture could not be read")
            return
        self.status.value = ""
        boxed = boxes_png(picture, reading.boxes)
        if not reading.letters:
            self.show(reading, boxed, None)
            return
        row_id = self._store(reader, reading, thumbnail_png(picture, STORED_SIDE), None, None, name=name)
        self.show(reading, boxed, row_id)
