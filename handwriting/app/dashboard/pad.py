"""A drawing pad on an ipycanvas Canvas that records the pen points it receives.

The points (not the pixels) are what the model reads, through the one stroke renderer the
training data went through; the pixels the browser syncs back (`sync_image_data`) are the
saved picture. Mouse and touch both draw. Lessons from Voila, kept here:

- Drawing commands sent while the notebook executes never reach the browser, and ipycanvas's
  manager remembers which canvas it last switched to, so a lost switch makes later commands go
  to no canvas ("Cannot read properties of undefined"). So nothing is drawn before
  `on_client_ready`, and every batch starts by forcing a canvas switch.
- Each pointer event is a round trip: each move draws one segment inside `hold_canvas` (one
  message), and the owner is told only when the pen lifts.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

import ipywidgets as widgets
from ipycanvas import Canvas, hold_canvas

from handwriting.app.dashboard.common import log

INK = "#111111"
PAPER = "#ffffff"
# Ink spanning less than this fraction of the pad's shorter side is a tap or a flick, not writing:
# 11 px on the 280 px Draw pad, under the default pen's own dot (12 px). The model would read it
# anyway (a tap as "V" at 92 %, a 6 px flick as "X" at 98 %), while real one-stroke I, L, O, C
# scaled to 12 px are still read about as well as at full size.
SMALLEST_WRITING = 0.04


class Pad:
    def __init__(self, width: int, height: int, css_class: str, pen_width: int = 10,
                 on_pen_up: Callable[[], None] | None = None,
                 on_image: Callable[[bytes], None] | None = None, fluid: bool = False):
        """`fluid`: the stylesheet sizes the pad (it may shrink on a phone); ipycanvas scales the
        pointer coordinates back to the canvas's own pixels either way."""
        self.width, self.height = width, height
        layout = widgets.Layout() if fluid else widgets.Layout(width=f"{width}px", height=f"{height}px")
        self.canvas = Canvas(width=width, height=height, sync_image_data=True, layout=layout)
        self.canvas.add_class("hw-pad")
        self.canvas.add_class(css_class)
        self.strokes: list[list[tuple[float, float]]] = []
        self.png: bytes | None = None      # the browser's latest pixels of the pad
        self.pen_down = False
        self.client_ready = False
        self.on_pen_up = on_pen_up
        self.on_image = on_image
        self.pen = widgets.IntSlider(value=pen_width, min=2, max=30, step=1, description="Pen",
                                     continuous_update=False, readout=True,
                                     style={"description_width": "36px"},
                                     layout=widgets.Layout(width="280px"))
        self.pen.add_class("hw-pen")
        self.canvas.on_client_ready(self._on_client_ready)
        self.canvas.on_mouse_down(self._down)
        self.canvas.on_mouse_move(self._move)
        self.canvas.on_mouse_up(self._up)
        self.canvas.on_mouse_out(self._out)
        self.canvas.on_touch_start(lambda touches: touches and self._down(*touches[0]))
        self.canvas.on_touch_move(lambda touches: touches and self._move(*touches[0]))
        self.canvas.on_touch_end(lambda touches: self._up(None, None))
        self.canvas.on_touch_cancel(lambda touches: self._up(None, None))
        self.canvas.observe(self._image_synced, "image_data")

    # ------------------------------------------------------------------------------ drawing

    @contextmanager
    def _batch(self):
        """A batch of drawing commands that is sure to land on this canvas (see module doc)."""
        with hold_canvas():
            # hold_canvas never flushes (and stays in caching mode) if its body raises: never let it.
            try:
                self.canvas._canvas_manager._current_canvas = None  # force a switchCanvas first
                self.canvas.stroke_style = INK
                self.canvas.fill_style = INK
                self.canvas.line_width = self.pen.value
                self.canvas.line_cap = "round"
                self.canvas.line_join = "round"
                yield
            except Exception:
                log.exception("drawing on the pad failed")

    def _paint(self, strokes) -> None:
        for stroke in strokes:
            if len(stroke) == 1:
                x, y = stroke[0]
                self.canvas.fill_circle(x, y, self.pen.value / 2)
            else:
                self.canvas.stroke_lines(stroke)

    def redraw(self) -> None:
        """Paper, then every recorded stroke (after undo, or for a browser that reconnected)."""
        if not self.client_ready:
            return
        with self._batch():
            self.canvas.clear()
            self.canvas.fill_style = PAPER
            self.canvas.fill_rect(0, 0, self.width, self.height)
            self.canvas.fill_style = INK
            self._paint(self.strokes)

    def _on_client_ready(self) -> None:
        self.client_ready = True
        self.redraw()

    # ------------------------------------------------------------------------------ pen events

    def _inside(self, x, y) -> tuple[float, float]:
        return (min(max(float(x), 0.0), self.width), min(max(float(y), 0.0), self.height))

    def _down(self, x, y) -> None:
        if not self.client_ready:  # a browser that sends events is ready, whatever we heard
            self.client_ready = True
        point = self._inside(x, y)
        self.pen_down = True
        self.strokes.append([point])
        with self._batch():
            self.canvas.fill_circle(point[0], point[1], self.pen.value / 2)

    def _move(self, x, y) -> None:
        if not self.pen_down:
            return
        point = self._inside(x, y)
        stroke = self.strokes[-1]
        last = stroke[-1]
        if point == last:
            return
        stroke.append(point)
        with self._batch():
            self.canvas.stroke_line(last[0], last[1], point[0], point[1])

    def _up(self, x, y) -> None:
        if not self.pen_down:
            return
        if x is not None:
            point = self._inside(x, y)
            if point != self.strokes[-1][-1]:
                self._move(x, y)
        self.pen_down = False
        if self.on_pen_up is not None:
            try:
                self.on_pen_up()
            except Exception:
                log.exception("pen-up handler failed")

    def _out(self, x, y) -> None:
        # Leaving the pad with the button held ends the stroke there: no mouse-up will come.
        self._up(x, y)

    def _image_synced(self, change) -> None:
        if change["new"] is None:
            return
        self.png = bytes(change["new"])
        if self.on_image is not None and not self.pen_down:
            try:
                self.on_image(self.png)
            except Exception:
                log.exception("image handler failed")

    # ------------------------------------------------------------------------------ editing

    def undo(self) -> bool:
        """Remove the last stroke; False when there was none."""
        if not self.strokes:
            return False
        self.strokes.pop()
        self.pen_down = False
        self.redraw()
        return True

    def clear(self) -> None:
        self.strokes = []
        self.png = None
        self.pen_down = False
        self.redraw()

    @property
    def empty(self) -> bool:
        return not self.strokes

    @property
    def extent(self) -> float:
        """The longer side of the box around every recorded point, in pad pixels (0 for a tap)."""
        points = [p for stroke in self.strokes for p in stroke]
        if not points:
            return 0.0
        xs, ys = [x for x, _ in points], [y for _, y in points]
        return max(max(xs) - min(xs), max(ys) - min(ys))

    @property
    def too_small(self) -> bool:
        """Something drawn, but too small to be writing: a tap, a dot, a tiny flick."""
        return not self.empty and self.extent < SMALLEST_WRITING * min(self.width, self.height)
