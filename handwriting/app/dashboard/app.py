"""The dashboard app: the five tabs, the store and the recognizer put together.

`build_app()` returns at once: the tabs are plain widgets, and the recognizer (the models' LiteRT
conversions, `handwriting.runtime`; Keras and TensorFlow only where a model has none) loads in a
background thread, so the page paints first. In a kernel Voila pre-starts it waits for the models
instead: nobody is looking yet, and the visitor then gets a kernel that is ready and idle.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import ipywidgets as widgets

from handwriting.app.dashboard.common import RecognizerLoader, Services, error_html, esc
from handwriting.app.dashboard.draw import DrawTab
from handwriting.app.dashboard.history import HistoryTab
from handwriting.app.dashboard.model_card import ModelTab
from handwriting.app.dashboard.style import stylesheet_html
from handwriting.app.dashboard.upload import UploadTab
from handwriting.app.dashboard.visitor import VisitorIdentity, admin_token
from handwriting.app.dashboard.word import WordTab
from handwriting.app.store import Store, StoreError
from handwriting.cards import load_card
from handwriting.paths import default_model_path, default_pen_model_path, default_word_model_path

TITLES = ("Draw", "Upload", "Word", "History", "Model")
HISTORY = TITLES.index("History")


def database_shown(store: Store) -> str:
    """Where predictions are kept, as every visitor may read it on the Model tab: the SQLite file's
    name, or the PostgreSQL database's name (never its host, user or password)."""
    if store.path is not None:
        return store.path.name
    return f"PostgreSQL database {urlsplit(store.location).path.lstrip('/') or '(default)'}"


class App:
    def __init__(self, store: Store, loader: RecognizerLoader, card: dict, model_path: Path | None = None,
                 lexicon="builtin", word_card: dict | None = None, word_model_path: Path | None = None,
                 token: str | None = None, pen_card: dict | None = None, pen_model_path: Path | None = None):
        # The tabs use services.store: this page's visitor's rows only, or every row for the teacher.
        self.visitor = VisitorIdentity(store, self._identified, token)
        self.services = Services(self.visitor.store, loader, lexicon)
        # Built in the loader's thread, after the model: ready before the first word is written.
        loader.when_ready(self.services.lexicon)
        self.store, self.loader, self.card = store, loader, card
        self.draw = DrawTab(self.services)
        self.upload = UploadTab(self.services)
        self.word = WordTab(self.services)
        self.history = HistoryTab(self.services)
        self.model = ModelTab(card, model_path, database_shown(store), word_card, word_model_path, pen_card, pen_model_path)
        self.tabs = widgets.Tab(children=[self.draw.widget, self.upload.widget, self.word.widget,
                                          self.history.widget, self.model.widget], titles=TITLES)
        self.tabs.add_class("hw-tabs")
        self.tabs.observe(self._tab_changed, "selected_index")
        self.banner = widgets.HTML()
        self.banner.add_class("hw-status")
        loader.when_ready(self._loaded)
        header = widgets.HTML(
            '<div class="hw-header"><h1 class="hw-title">Handwriting</h1>'
            '<span class="hw-subtitle">reads handwritten capital letters A-Z and words</span>'
            f'<span class="hw-subtitle hw-version">model {esc(card.get("version", "?"))}</span></div>')
        self.widget = widgets.VBox([widgets.HTML(stylesheet_html()), header, self.banner, self.tabs,
                                    self.visitor.widget])
        self.widget.add_class("hw-app")

    def _identified(self, visitor: VisitorIdentity) -> None:
        self.services.store = visitor.store
        self.history.set_view(visitor.teacher)
        self.history.mark_stale()

    def _loaded(self) -> None:
        if self.loader.error is not None:
            self.banner.value = error_html(f"The model could not be loaded ({self.loader.error}). Predictions "
                                           "are off; History and the model card still work.")

    def _tab_changed(self, change) -> None:
        self.history.show(change["new"] == HISTORY)

    def select(self, title: str) -> None:
        self.tabs.selected_index = TITLES.index(title)

    def warm(self) -> None:
        """Wait until the model and the word list are loaded (errors are shown on the page), and
        say so in the server's log: "handwriting dashboard: kernel ready" marks a pre-started
        kernel that a visitor can have at once."""
        started = time.perf_counter()
        try:
            self.loader.get(timeout=300)
            self.services.lexicon()
            state = f"model {self.card.get('version', '?')}"
        except RuntimeError as exc:
            state = f"without a model ({exc})"
        # The kernel's own stderr is the server's log; sys.stderr would be the page's output. One
        # write with its newline: the pool's kernels share that pipe, and print() writes the
        # newline apart, so another kernel's message could land between them, on the same line.
        sys.__stderr__.write(f"handwriting dashboard: kernel ready, {state}, {time.perf_counter() - started:.1f} s\n")
        sys.__stderr__.flush()


class Fatal:
    """What the page shows when the app cannot start: the reason, no traceback."""

    def __init__(self, message: str):
        self.message = message
        self.widget = widgets.VBox([widgets.HTML(stylesheet_html()), widgets.HTML(
            '<div class="hw-header"><h1 class="hw-title">Handwriting</h1></div>' + error_html(message))])
        self.widget.add_class("hw-app")
        self.widget.add_class("hw-fatal")


def build_app(db: str | Path | None = None, model: str | Path | None = None, recognizer=None,
              store: Store | None = None, lexicon="builtin", warm: bool | None = None,
              token: str | None = None) -> App | Fatal:
    """The dashboard, ready to display.

    `db` / `model` default to `HANDWRITING_DB` / `HANDWRITING_MODEL` (else data/predictions.sqlite
    and models/handwriting.keras). `recognizer` (an object with the `handwriting.recognize.reader`
    interface) and `store` replace the real ones, for tests. `lexicon` is the word list for
    corrections in the Word tab (what `handwriting.words.lexicon.Lexicon.coerce` takes: "builtin", a
    file, some words). `warm` waits for the model before returning; by default only in a kernel Voila
    pre-starts (VOILA_PREHEAT), which runs before anyone opens the page, so the visitor gets a kernel
    that is ready and idle rather than one still loading its models. `token` is the teacher's
    token (default HANDWRITING_ADMIN_TOKEN; none: nobody is the teacher; see `visitor`). Either way the
    result's `.widget` is what to display (a `Fatal` one says why when the database cannot be used).
    """
    model_path = Path(model) if model is not None else default_model_path()
    if store is None:
        try:
            store = Store(db)
        except StoreError as exc:
            return Fatal(f"The predictions database cannot be used: {exc}")
    word_model_path = default_word_model_path()
    word_card = load_card(word_model_path) if word_model_path.is_file() else None
    pen_model_path = default_pen_model_path()
    pen_card = load_card(pen_model_path) if pen_model_path.is_file() else None
    if recognizer is not None:
        loader = RecognizerLoader(lambda: recognizer)
        card = getattr(recognizer, "card", None) or load_card(model_path)
        word_card = getattr(recognizer, "word_card", word_card)
        pen_card = getattr(recognizer, "pen_card", pen_card)
    else:
        def load():
            if not model_path.is_file():
                raise FileNotFoundError(f"no model at {model_path.name}; train one or set MODEL= "
                                        "/ HANDWRITING_MODEL")
            from handwriting.recognize.reader import Recognizer  # in the background thread only
            return Recognizer(model_path)
        loader = RecognizerLoader(load)
        card = load_card(model_path) if model_path.is_file() else {"version": "no model"}
    app = App(store, loader, card, model_path, lexicon, word_card, word_model_path,
              token if token is not None else admin_token(), pen_card, pen_model_path)
    if warm if warm is not None else os.environ.get("VOILA_PREHEAT") == "True":
        app.warm()
    return app
