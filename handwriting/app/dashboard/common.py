"""What the tabs share: the recognizer (loaded once per kernel, in the background), the store,
picture helpers for HTML, and a guard that turns a callback's failure into a message on the page.

Pictures are shown as PNG data URLs inside HTML widgets: one widget update per result instead of
several Image widgets, and nothing is ever written to disk or served as a file.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

import ipywidgets as widgets
import numpy as np
from PIL import Image, ImageDraw

log = logging.getLogger("handwriting.app.dashboard")

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # the app's own limit; the websocket limit is set above it (serve.py)
STORED_SIDE = 1024                   # uploads are stored at most this long: enough to see, small on disk


class RecognizerLoader:
    """Loads the recognizer once, in a background thread started at construction, so the page
    paints before the models load; `get()` waits for it when first needed."""

    def __init__(self, factory: Callable[[], object]):
        self._factory = factory
        self._done = threading.Event()
        self._value = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[], None]] = []
        self._thread = threading.Thread(target=self._load, name="load-recognizer", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            recognizer = self._factory()
            warm = getattr(recognizer, "warm", None)
            if warm is not None:  # the first calls trace the models: pay it now, not at the first pen-up
                warm()
            self._value = recognizer
        except BaseException as exc:  # shown on the page; the server log has the traceback
            log.exception("loading the model failed")
            self._error = exc
        self._done.set()
        for callback in list(self._callbacks):
            try:
                callback()
            except Exception:
                log.exception("model-ready callback failed")

    @property
    def ready(self) -> bool:
        return self._done.is_set() and self._error is None

    @property
    def error(self) -> BaseException | None:
        return self._error if self._done.is_set() else None

    def when_ready(self, callback: Callable[[], None]) -> None:
        """Call `callback` once loading has finished (now if it already has)."""
        if self._done.is_set():
            callback()
        else:
            self._callbacks.append(callback)

    def get(self, timeout: float | None = 120.0):
        if not self._done.wait(timeout):
            raise RuntimeError("the model is still loading; try again in a moment")
        if self._error is not None:
            raise RuntimeError(f"the model could not be loaded: {self._error}")
        return self._value


@dataclass
class Services:
    """What every tab needs: the store, the recognizer, the word list, and a way to tell History
    something changed."""

    store: object
    recognizer: RecognizerLoader
    lexicon_source: object = "builtin"   # what `Lexicon.coerce` takes; None: no corrections
    listeners: list[Callable[[], None]] = field(default_factory=list)
    _lexicon: object = None
    _lexicon_loaded: bool = False
    _lexicon_lock: threading.Lock = field(default_factory=threading.Lock)

    def lexicon(self):
        """The word list for corrections, built once (about a second); None if there is none."""
        with self._lexicon_lock:
            if not self._lexicon_loaded:
                try:
                    from handwriting.words.lexicon import Lexicon

                    self._lexicon = Lexicon.coerce(self.lexicon_source)
                except Exception:
                    log.exception("no word list: words are read without lexicon corrections")
                    self._lexicon = None
                self._lexicon_loaded = True
            return self._lexicon

    def stored(self) -> None:
        for listener in list(self.listeners):
            try:
                listener()
            except Exception:
                log.exception("history refresh failed")


def guarded(status_attr: str = "status"):
    """Decorate a widget callback method: an exception becomes a short message in `self.<status_attr>`
    (an HTML widget) instead of a traceback, and goes to the server log in full."""
    def wrap(method):
        @wraps(method)
        def run(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                log.exception("%s failed", method.__qualname__)
                status = self
                for part in status_attr.split("."):
                    status = getattr(status, part, None)
                if status is not None:
                    status.value = error_html(f"Something went wrong: {exc}")
        return run
    return wrap


# ------------------------------------------------------------------------------------------ HTML

def picture_upload(description: str, multiple: bool, css_class: str) -> widgets.FileUpload:
    """A file chooser for pictures (HEIC from phones included), styled by `css_class`."""
    upload = widgets.FileUpload(accept="image/*,.heic,.heif", multiple=multiple, description=description,
                                icon="", layout=widgets.Layout(width="auto"))
    upload.add_class(css_class)
    return upload


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def error_html(message: str) -> str:
    return f'<div class="hw-error" role="alert">{esc(message)}</div>'


def note_html(message: str) -> str:
    return f'<div class="hw-note">{esc(message)}</div>'


def png_data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def to_png(image: np.ndarray | Image.Image) -> bytes:
    if not isinstance(image, Image.Image):
        image = Image.fromarray(np.asarray(image, dtype=np.uint8))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def img_tag(png: bytes, css_class: str, alt: str, width: int | None = None, height: int | None = None) -> str:
    size = (f' width="{width}"' if width else "") + (f' height="{height}"' if height else "")
    return f'<img class="{css_class}" src="{png_data_url(png)}" alt="{esc(alt)}"{size}>'


def model_view_html(image28: np.ndarray | None, size: int = 112) -> str:
    """The 28x28 model input, enlarged without smoothing (CSS pixelated), with a caption."""
    if image28 is None:
        body = f'<div class="hw-model-view hw-empty" style="width:{size}px;height:{size}px"></div>'
    else:
        body = img_tag(to_png(image28), "hw-model-view", "what the model sees (28x28)", size, size)
    return f'<figure class="hw-figure">{body}<figcaption>what the model sees</figcaption></figure>'


def top_k_html(top_k, highlight: str | None = None) -> str:
    """A small bar chart of the top-k letters, in HTML (no plotting library, one widget update)."""
    rows = []
    for letter, p in top_k:
        pct = max(0.0, min(1.0, float(p))) * 100
        cls = "hw-bar hw-top" if letter == highlight else "hw-bar"
        rows.append(f'<div class="hw-bar-row"><span class="hw-bar-letter">{esc(letter)}</span>'
                    f'<span class="hw-bar-track"><span class="{cls}" style="width:{pct:.1f}%"></span></span>'
                    f'<span class="hw-bar-value">{pct:.1f}%</span></div>')
    return f'<div class="hw-bars" aria-label="top {len(rows)} letters">{"".join(rows)}</div>'


def confidence_text(confidence: float) -> str:
    return f"{100 * float(confidence):.1f}%"


def uncertain_badge(uncertain: bool) -> str:
    if uncertain:
        return ('<span class="hw-badge hw-uncertain" title="confidence below the model\'s calibrated threshold">'
                'uncertain</span>')
    return '<span class="hw-badge hw-sure">confident</span>'


def thumbnail_png(image: Image.Image, side: int) -> bytes:
    """A copy of `image` at most `side` pixels long, as PNG (transparency flattened on white)."""
    image = image.copy()
    image.thumbnail((side, side))
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image).convert("RGB")
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def boxes_png(image: Image.Image, boxes, width: int = 720, height: int = 220) -> bytes:
    """`image` scaled to fit width x height (up or down), with numbered letter boxes drawn on it."""
    base = image.convert("RGB")
    scale = min(width / base.width, height / base.height)
    base = base.resize((max(1, round(base.width * scale)), max(1, round(base.height * scale))),
                       Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(base)
    for i, (left, top, right, bottom) in enumerate(boxes):
        box = [left * scale, top * scale, right * scale, bottom * scale]
        draw.rectangle(box, outline=(217, 72, 15), width=2)
        draw.text((box[0] + 3, box[1] + 2), str(i + 1), fill=(217, 72, 15))
    return to_png(base)


def strokes_png(strokes, width: int, height: int, pen: float) -> bytes:
    """Strokes drawn at pad size on white, for when the browser's pixels have not arrived yet."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    r = pen / 2
    for stroke in strokes:
        points = [tuple(p) for p in stroke]
        if len(points) > 1:
            draw.line(points, fill="black", width=max(1, round(pen)))
        for x, y in points:
            draw.ellipse((x - r, y - r, x + r, y + r), fill="black")
    return to_png(image)
