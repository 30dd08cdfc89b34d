"""The Draw tab: a 280x280 pad; when the pen lifts, the letter, its confidence, the top 5 and the
28x28 the model saw. The model reads the recorded pen points through the training data's stroke
renderer; the browser's pixels are the picture stored (one database row per drawing, updated as
it grows) and offered by the Save button.
"""

from __future__ import annotations

import ipywidgets as widgets

from handwriting.app.dashboard.common import (Services, confidence_text, esc, guarded,
                                          model_view_html, note_html, png_data_url, strokes_png,
                                          to_png, top_k_html, uncertain_badge)
from handwriting.app.dashboard.pad import Pad

PAD_SIZE = 280
PEN_WIDTH = 12
HINT = ("Draw one capital letter (A-Z) in the box with the mouse, a finger or a pen. "
        "The prediction appears when you lift the pen.")
TOO_SMALL = "Too small to be a letter (a tap or a dot): draw a letter in the box. Undo or Clear removes it."


class PredictionView:
    """The result panel (`hw-prediction`): one HTML widget, updated in one message per reading.

    Its root carries data-seq (one more per reading shown), data-letter, data-strokes (how many
    strokes were read) and data-row (once stored), so a test or a script can wait for a given
    reading without parsing text."""

    def __init__(self, css_class: str = "hw-prediction"):
        self.widget = widgets.HTML()
        self.widget.add_class(css_class)
        self.seq = 0
        self.empty()

    def empty(self, message: str = HINT) -> None:
        self.seq += 1
        self.widget.value = (f'<div class="hw-result hw-result-empty" data-seq="{self.seq}" data-letter="">'
                             f'{note_html(message)}{model_view_html(None)}</div>')

    def show(self, reading, row_id: int | None = None, strokes: int = 0) -> None:
        self.seq += 1
        if reading.letter is None:
            self.widget.value = (f'<div class="hw-result hw-result-empty" data-seq="{self.seq}" data-letter="">'
                                 f'{note_html(reading.message or "nothing to read")}{model_view_html(None)}</div>')
            return
        image = reading.preprocessed.image if reading.preprocessed is not None else None
        row = f' data-row="{row_id}"' if row_id is not None else ""
        self.widget.value = (
            f'<div class="hw-result" data-seq="{self.seq}" data-letter="{esc(reading.letter)}"{row} '
            f'data-strokes="{strokes}" data-confidence="{reading.confidence:.4f}">'
            f'<div class="hw-result-head"><div class="hw-letter">{esc(reading.letter)}</div>'
            f'<div class="hw-result-side"><div class="hw-confidence">{confidence_text(reading.confidence)}</div>'
            f'{uncertain_badge(reading.uncertain)}</div></div>'
            f'<div class="hw-result-body">{top_k_html(reading.top_k, reading.letter)}'
            f'{model_view_html(image)}</div></div>')


class DrawTab:
    def __init__(self, services: Services):
        self.services = services
        self.pad = Pad(PAD_SIZE, PAD_SIZE, "hw-draw-canvas", pen_width=PEN_WIDTH,
                       on_pen_up=self._pen_up, on_image=self._image)
        self.row_id: int | None = None
        self.reading = None
        self.prediction = PredictionView()
        self.undo_button = widgets.Button(description="Undo", tooltip="Remove the last stroke")
        self.undo_button.add_class("hw-undo")
        self.clear_button = widgets.Button(description="Clear", tooltip="Start a new drawing")
        self.clear_button.add_class("hw-clear")
        self.undo_button.on_click(lambda _: self.undo())
        self.clear_button.on_click(lambda _: self.clear())
        self.save = widgets.HTML()
        self.save.add_class("hw-save-box")
        self._set_save(None)
        self.status = widgets.HTML()
        self.status.add_class("hw-status")
        services.recognizer.when_ready(self._model_ready)
        if not services.recognizer.ready:
            self.status.value = note_html("Loading the model...")
        controls = widgets.HBox([self.undo_button, self.clear_button, self.save])
        controls.add_class("hw-controls")
        left = widgets.VBox([self.pad.canvas, controls, self.pad.pen,
                             widgets.HTML(note_html("The pen width changes the picture only: the model "
                                                    "always draws your strokes at the width it learned."))])
        left.add_class("hw-pad-column")
        right = widgets.VBox([self.prediction.widget, self.status])
        right.add_class("hw-result-column")
        self.widget = widgets.HBox([left, right])
        self.widget.add_class("hw-tab")
        self.widget.add_class("hw-draw")

    def _model_ready(self) -> None:
        error = self.services.recognizer.error
        self.status.value = "" if error is None else note_html(f"The model could not be loaded: {error}")

    # ----------------------------------------------------------------------------- reading

    @guarded()
    def _pen_up(self) -> None:
        self.predict()

    def predict(self) -> None:
        if self.pad.empty:
            return
        if self.pad.too_small:  # a tap is not a letter: nothing read, nothing stored
            self._forget()
            self.prediction.empty(TOO_SMALL)
            return
        recognizer = self.services.recognizer
        if not recognizer.ready:
            self.status.value = note_html("Loading the model... your letter is read as soon as it is ready.")
        reader = recognizer.get()
        strokes = [list(s) for s in self.pad.strokes]
        reading = reader.read_strokes(strokes)
        self.reading = reading
        self.prediction.show(reading, self.row_id, len(strokes))  # shown first: storing must not delay it
        self.status.value = ""
        if reading.letter is None:
            return
        self._store(reader, reading, strokes)

    def _store(self, reader, reading, strokes) -> None:
        store = self.services.store
        png = strokes_png(strokes, PAD_SIZE, PAD_SIZE, self.pad.pen.value)  # until the browser's pixels come
        args = dict(image=png, model_version=reader.version, prediction=reading.letter,
                    confidence=reading.confidence, top_k=reading.top_k, uncertain=reading.uncertain,
                    preprocessed=to_png(reading.preprocessed.image), strokes=strokes)
        if self.row_id is None or not store.update(self.row_id, **args):
            self.row_id = store.add("draw", **args)
            self.prediction.show(reading, self.row_id, len(strokes))
        self.services.stored()

    @guarded()
    def _image(self, png: bytes) -> None:
        if self.row_id is None or self.pad.empty:
            return
        self.services.store.set_image(self.row_id, png)
        self._set_save(png)

    def _set_save(self, png: bytes | None) -> None:
        if png is None:
            self.save.value = '<span class="hw-button hw-save hw-disabled" aria-disabled="true">Save PNG</span>'
            return
        letter = self.reading.letter if self.reading is not None and self.reading.letter else "drawing"
        name = f"letter-{letter}-{self.row_id}.png"  # built from a letter and a number only
        self.save.value = (f'<a class="hw-button hw-save" download="{esc(name)}" href="{png_data_url(png)}" '
                           f'title="Save the drawing as a PNG file">Save PNG</a>')

    # ----------------------------------------------------------------------------- editing

    @guarded()
    def undo(self) -> None:
        if not self.pad.undo():
            return
        if self.pad.empty:
            self._forget()
        else:
            self.predict()

    @guarded()
    def clear(self) -> None:
        self.pad.clear()
        self._reset()

    def _forget(self) -> None:
        """No letter left on the pad: its row is not a prediction any more."""
        if self.row_id is not None:
            self.services.store.delete(self.row_id)
            self.services.stored()
        self._reset()

    def _reset(self) -> None:
        self.row_id = None
        self.reading = None
        self.prediction.empty()
        self._set_save(None)
