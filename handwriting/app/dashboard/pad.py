"""A drawing pad whose ink the browser draws as the pen moves, and whose strokes the kernel keeps.

The points (not the pixels) are what the model reads, through the one stroke renderer the
training data went through; the pixels the browser sends after each stroke are the saved picture.

The ink is drawn in the page (`pad.js`, an anywidget module), not by the kernel: the page sends a
stroke once, when the pen lifts. Drawn by the kernel (ipycanvas, before), every pen move was a
round trip through the server, and every segment drawn sent the pad's pixels back as a PNG: about
60 messages a second each way per writing page. In a class, that traffic took the CPU that loading
pages needed (bench/bench_classroom.py), and on a slow network the ink lagged behind the pen.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path

import anywidget
import ipywidgets as widgets
import traitlets
from PIL import Image

from handwriting.app.dashboard.common import log

# Ink spanning less than this fraction of the pad's shorter side is a tap or a flick, not writing:
# 11 px on the 280 px Draw pad, under the default pen's own dot (12 px). The model would read it
# anyway (a tap as "V" at 92 %, a 6 px flick as "X" at 98 %), while real one-stroke I, L, O, C
# scaled to 12 px are still read about as well as at full size.
SMALLEST_WRITING = 0.04
# A stroke is a list of [x, y] points; more than this many is not a pen (a page gone wrong).
MOST_POINTS = 20_000


class InkCanvas(anywidget.AnyWidget):
    """The pad in the page: a canvas the browser draws on (see pad.js)."""

    _esm = Path(__file__).with_name("pad.js")
    width = traitlets.Int().tag(sync=True)
    height = traitlets.Int().tag(sync=True)
    canvas_classes = traitlets.List(traitlets.Unicode()).tag(sync=True)
    pen_width = traitlets.Int(10).tag(sync=True)
    strokes = traitlets.List().tag(sync=True)
    # Counts the kernel's own changes to `strokes` (undo, clear): the page paints only those, as
    # the strokes it drew itself are on its pad already.
    edits = traitlets.Int(0).tag(sync=True)


class Pad:
    def __init__(self, width: int, height: int, css_class: str, pen_width: int = 10,
                 on_pen_up: Callable[[], None] | None = None,
                 on_image: Callable[[bytes], None] | None = None, fluid: bool = False):
        """`fluid`: the stylesheet sizes the pad (it may shrink on a phone); the page scales the
        pointer back to the canvas's own pixels either way."""
        self.width, self.height = width, height
        layout = widgets.Layout(width="100%") if fluid else widgets.Layout()  # the canvas sizes itself
        self.canvas = InkCanvas(width=width, height=height, canvas_classes=["hw-pad", css_class],
                                pen_width=pen_width, layout=layout)
        self.strokes: list[list[tuple[float, float]]] = []
        self.on_pen_up = on_pen_up
        self.on_image = on_image
        self.pen = widgets.IntSlider(value=pen_width, min=2, max=30, step=1, description="Pen",
                                     continuous_update=False, readout=True,
                                     style={"description_width": "36px"},
                                     layout=widgets.Layout(width="280px"))
        self.pen.add_class("hw-pen")
        traitlets.dlink((self.pen, "value"), (self.canvas, "pen_width"))
        self.canvas.on_msg(self._message)

    # ------------------------------------------------------------------------------ from the page

    def _message(self, _canvas, content, buffers) -> None:
        event = content.get("event") if isinstance(content, dict) else None
        if event == "stroke":
            stroke = self._stroke(content.get("points"))
            if stroke is None:
                log.warning("ignored a stroke that is not a list of points inside the pad")
                return
            self.strokes.append(stroke)
            self.canvas.strokes = self._synced()  # a page that reconnects paints it again
            if self.on_pen_up is not None:
                try:
                    self.on_pen_up()
                except Exception:
                    log.exception("pen-up handler failed")
        elif event == "picture":
            # The page's pixels after a stroke or an edit; one that is late (the strokes have
            # changed since) shows a pad that is not there any more.
            if content.get("strokes") != len(self.strokes) or len(buffers) != 1:
                return
            png = bytes(buffers[0])
            if not self._is_picture_of_pad(png):
                log.warning("ignored a picture of the pad that is not a PNG of its size")
                return
            if self.on_image is not None:
                try:
                    self.on_image(png)
                except Exception:
                    log.exception("image handler failed")

    def _stroke(self, points) -> list[tuple[float, float]] | None:
        """The page's points as a stroke, held inside the pad; None when they are not points."""
        if not isinstance(points, list) or not 0 < len(points) <= MOST_POINTS:
            return None
        stroke = []
        for point in points:
            if not (isinstance(point, list) and len(point) == 2
                    and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                            for v in point)):
                return None
            stroke.append((min(max(float(point[0]), 0.0), self.width),
                           min(max(float(point[1]), 0.0), self.height)))
        return stroke

    def _is_picture_of_pad(self, png: bytes) -> bool:
        try:
            with Image.open(io.BytesIO(png)) as image:
                return image.format == "PNG" and image.size == (self.width, self.height)
        except (OSError, ValueError):
            return False

    def _synced(self) -> list[list[list[float]]]:
        return [[list(p) for p in stroke] for stroke in self.strokes]

    def _edited(self) -> None:
        """The kernel changed the strokes: the page paints them and sends their picture."""
        with self.canvas.hold_sync():
            self.canvas.strokes = self._synced()
            self.canvas.edits += 1

    # ------------------------------------------------------------------------------ editing

    def undo(self) -> bool:
        """Remove the last stroke; False when there was none."""
        if not self.strokes:
            return False
        self.strokes.pop()
        self._edited()
        return True

    def clear(self) -> None:
        self.strokes = []
        self._edited()

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
