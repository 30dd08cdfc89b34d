"""The History tab: the stored predictions, newest first, with their pictures; filter by letter and
by "uncertain"; correct a label (kept beside the prediction); delete; export the corrected samples
as a data set the training notebook reads.

A visitor's tab works on their own rows only (the store it is given is scoped to their key, see
`visitor`); the teacher's shows every visitor's rows with a short tag per visitor, and exports them all.

The list is rebuilt only while the tab is shown (a drawing on another tab marks it stale), so a
pen-up on the Draw tab never waits for History.
"""

from __future__ import annotations

import base64
import math
from datetime import datetime, timezone

import ipywidgets as widgets

from handwriting import LETTERS
from handwriting.app.dashboard.common import (Services, confidence_text, error_html, esc, guarded, img_tag,
                                          note_html, uncertain_badge)
from handwriting.app.dashboard.visitor import visitor_tag
from handwriting.app.store import Record, StoreError
from handwriting.paths import PROJECT_ROOT, data_dir

PAGE_SIZE = 20
NO_LABEL = "-"
ROW_CLASS = "hw-history-row"    # only on rows that show a record: counting them counts what is shown
SLOT_CLASS = "hw-history-slot"  # a row kept hidden for reuse


def local_time(created: str) -> str:
    try:
        moment = datetime.strptime(created.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc)
    except ValueError:
        return created
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def shown_path(path) -> str:
    """A path relative to the project when it is inside it (shorter, and says less about the machine)."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


class HistoryRow:
    """One line of the list: pictures and what was read, the correction control and Delete.

    The tab keeps PAGE_SIZE of these and binds records to them on each refresh: changing a few
    values costs one message each, where building new widgets would cost dozens per line."""

    def __init__(self, tab: "HistoryTab"):
        self.tab = tab
        self.record: Record | None = None
        self._binding = False
        self.info = widgets.HTML()
        self.letter_choice = widgets.Dropdown(options=[(NO_LABEL, "")] + [(c, c) for c in LETTERS], value="",
                                              layout=widgets.Layout(width="70px"))
        self.word_choice = widgets.Text(value="", placeholder="correct word", continuous_update=False,
                                        layout=widgets.Layout(width="130px"))
        for control in (self.letter_choice, self.word_choice):
            control.add_class("hw-correct")
            control.observe(self._corrected, "value")
        self.saved = widgets.HTML()
        self.delete = widgets.Button(description="Delete", tooltip="Delete this prediction",
                                     layout=widgets.Layout(width="80px"))
        self.delete.add_class("hw-delete")
        self.delete.on_click(self._delete)
        fix = widgets.VBox([widgets.HTML('<span class="hw-muted">correct label</span>'),
                            widgets.HBox([self.letter_choice, self.word_choice, self.saved])])
        fix.add_class("hw-history-fix")
        self.widget = widgets.HBox([self.info, fix, self.delete])
        self.widget.add_class(SLOT_CLASS)
        self.widget.layout.display = "none"

    def bind(self, record: Record | None) -> None:
        self.record = record
        if record is None:
            self.widget.layout.display = "none"
            self.widget.remove_class(ROW_CLASS).add_class(SLOT_CLASS)
            return
        self._binding = True
        try:
            self.info.value = self._info_html(record, self.tab.teacher, self.tab.teacher_key)
            word = record.source == "word"
            self.word_choice.layout.display = None if word else "none"
            self.letter_choice.layout.display = "none" if word else None
            if word:
                self.word_choice.value = record.correction or ""
            else:
                letter = record.correction or ""
                self.letter_choice.value = letter if len(letter) == 1 and letter in LETTERS else ""
            self.saved.value = self._saved_html()
            self.delete.description = "Delete"
            self.delete.remove_class("hw-confirm")
        finally:
            self._binding = False
        self.widget.remove_class(SLOT_CLASS).add_class(ROW_CLASS)
        self.widget.layout.display = None

    @staticmethod
    def _info_html(record: Record, teacher: bool = False, own_key: str | None = None) -> str:
        """The row's pictures and reading; in the teacher's view also whose it is (`own_key`: the teacher's)."""
        word = record.source == "word"
        pictures = img_tag(record.image, "hw-thumb hw-thumb-input", "input picture", height=40 if word else 56)
        if record.preprocessed is not None and word:
            pictures += img_tag(record.preprocessed, "hw-thumb hw-model-view", "letters the model saw", height=24)
        elif record.preprocessed is not None:
            pictures += img_tag(record.preprocessed, "hw-thumb hw-model-view", "what the model saw", 56, 56)
        read = esc(record.prediction) if record.prediction else "&ndash;"
        raw = (f'<div class="hw-muted">raw reading {esc(record.raw)}</div>'
               if record.raw and record.raw != record.prediction else "")
        name = f'<div class="hw-muted hw-name">{esc(record.name)}</div>' if record.name else ""
        kind = "hw-history-pictures hw-history-pictures-word" if record.source == "word" else "hw-history-pictures"
        who = ""
        if teacher:
            owner = record.visitor
            tag = visitor_tag(owner)
            who = "before visitors" if owner is None else "teacher" if owner == own_key else f"visitor {tag}"
            who = f'<span class="hw-visitor" data-visitor="{tag}">{who}</span>'
        return (f'<div class="hw-history-line"><div class="{kind}">{pictures}</div>'
                f'<div class="hw-history-info" data-row="{record.id}" data-letter="{esc(record.prediction or "")}">'
                f'{who}<span class="hw-source hw-source-{record.source}">{record.source}</span>'
                f'<span class="hw-history-letter">{read}</span>'
                f'<span class="hw-confidence">{confidence_text(record.confidence)}</span>'
                f'{uncertain_badge(record.uncertain) if record.uncertain else ""}'
                f'<div class="hw-muted">{local_time(record.created)} &middot; #{record.id}</div>{raw}{name}'
                f'</div></div>')

    def _saved_html(self) -> str:
        if self.record is None or self.record.correction is None:
            return ""
        return (f'<span class="hw-saved" data-row="{self.record.id}" '
                f'data-correction="{esc(self.record.correction)}">saved</span>')

    @guarded("tab.status")
    def _corrected(self, change) -> None:
        if self._binding or self.record is None:
            return
        label = (change["new"] or "").strip().upper() or None
        if label is not None and self.record.source == "word" and not all(c in LETTERS for c in label):
            self.saved.value = error_html("A-Z only")
            return
        if not self.tab.services.store.correct(self.record.id, label):
            self.tab.status.value = note_html(f"#{self.record.id} was deleted in another tab.")
            return
        self.record.correction = label
        self.saved.value = self._saved_html()

    @guarded("tab.status")
    def _delete(self, _button) -> None:
        if self.record is None:
            return
        if self.delete.description != "Confirm":
            self.delete.description = "Confirm"
            self.delete.add_class("hw-confirm")
            return
        self.tab.services.store.delete(self.record.id)
        self.tab.refresh()


class HistoryTab:
    def __init__(self, services: Services):
        self.services = services
        self.visible = False
        self.stale = True
        self.page = 0
        self.teacher = False
        self.view = widgets.HTML()
        self.view.add_class("hw-history-view")
        self.set_view(False)
        self.letter = widgets.Dropdown(options=[("All letters", "")] + [(c, c) for c in LETTERS], value="",
                                       layout=widgets.Layout(width="130px"))
        self.letter.add_class("hw-filter-letter")
        self.uncertain = widgets.Checkbox(value=False, description="Uncertain only", indent=False,
                                          layout=widgets.Layout(width="140px"))
        self.uncertain.add_class("hw-filter-uncertain")
        self.source = widgets.Dropdown(options=[("All sources", ""), ("draw", "draw"), ("upload", "upload"),
                                                ("word", "word")], value="", layout=widgets.Layout(width="130px"))
        self.source.add_class("hw-filter-source")
        self.refresh_button = widgets.Button(description="Refresh", layout=widgets.Layout(width="90px"))
        self.refresh_button.add_class("hw-refresh")
        for control in (self.letter, self.uncertain, self.source):
            control.observe(lambda _: self._filter_changed(), "value")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.summary = widgets.HTML()
        self.summary.add_class("hw-history-summary")
        self.row_widgets: list[HistoryRow] = []  # built at the first refresh, then reused
        self.empty_note = widgets.HTML()
        self.rows = widgets.VBox([self.empty_note])
        self.rows.add_class("hw-history-rows")
        self.prev_button = widgets.Button(description="Newer", layout=widgets.Layout(width="90px"))
        self.next_button = widgets.Button(description="Older", layout=widgets.Layout(width="90px"))
        self.prev_button.on_click(lambda _: self._turn(-1))
        self.next_button.on_click(lambda _: self._turn(1))
        self.page_label = widgets.HTML()
        self.status = widgets.HTML()
        self.status.add_class("hw-status")
        self.export_format = widgets.Dropdown(options=[(".npz (+ strokes JSON)", "npz"),
                                                       ("image folder (+ strokes JSON)", "folder")],
                                              value="npz", layout=widgets.Layout(width="240px"))
        self.export_button = widgets.Button(description="Export corrected samples",
                                            layout=widgets.Layout(width="210px"))
        self.export_button.add_class("hw-export")
        self.export_button.on_click(self._export)
        self.export_result = widgets.HTML()
        self.export_result.add_class("hw-export-result")
        filters = widgets.HBox([self.letter, self.source, self.uncertain, self.refresh_button, self.summary])
        filters.add_class("hw-controls")
        pager = widgets.HBox([self.prev_button, self.page_label, self.next_button])
        pager.add_class("hw-controls")
        export = widgets.VBox([
            widgets.HTML('<h3 class="hw-h3">Learn from corrections</h3>' + note_html(
                "Set the correct label on wrong (or right) predictions above, then export them as a data set "
                "for fine-tuning; see the README, section 'Fine-tuning on your corrections'.")),
            widgets.HBox([self.export_format, self.export_button]), self.export_result])
        export.add_class("hw-export-box")
        self.widget = widgets.VBox([self.view, filters, self.status, self.rows, pager, export])
        self.widget.add_class("hw-tab")
        self.widget.add_class("hw-history")
        services.listeners.append(self.mark_stale)

    def set_view(self, teacher: bool) -> None:
        """Say whose rows the tab shows: this visitor's (the default), or everyone's (the teacher)."""
        self.teacher = teacher
        if teacher:
            title = "Teacher: every visitor's drawings"
            note = ("Every visitor's rows, tagged by visitor, and those stored before visitors existed; "
                    "Export takes them all.")
        else:
            title = "Your drawings"
            note = ("Only this browser sees them (they are kept under a key stored in this browser); others who "
                    "draw here do not, and Export takes only these.")
        self.view.value = (f'<div class="hw-view" data-view="{"teacher" if teacher else "visitor"}">'
                           f'<h3 class="hw-h3">{esc(title)}</h3>{note_html(note)}</div>')

    @property
    def teacher_key(self) -> str | None:
        """The teacher's own key (their rows are tagged "teacher"), when the tab is the teacher's."""
        return getattr(self.services.store, "key", None) if self.teacher else None

    # ----------------------------------------------------------------------------- refreshing

    def show(self, visible: bool) -> None:
        """Called by the app when the tab is selected (True) or left (False)."""
        self.visible = visible
        if visible:
            self.refresh()

    def mark_stale(self) -> None:
        self.stale = True
        if self.visible:
            self.refresh()

    def _filter_changed(self) -> None:
        self.page = 0
        self.refresh()

    def _turn(self, step: int) -> None:
        self.page = max(0, self.page + step)
        self.refresh()

    @guarded()
    def refresh(self) -> None:
        store = self.services.store
        filters = dict(letter=self.letter.value or None, uncertain=True if self.uncertain.value else None,
                       source=self.source.value or None)
        total = store.count(**filters)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        self.page = min(self.page, pages - 1)
        records = store.query(limit=PAGE_SIZE, offset=self.page * PAGE_SIZE, **filters)
        if not self.row_widgets:
            self.row_widgets = [HistoryRow(self) for _ in range(PAGE_SIZE)]
            self.rows.children = [self.empty_note] + [row.widget for row in self.row_widgets]
        for i, row in enumerate(self.row_widgets):
            row.bind(records[i] if i < len(records) else None)
        self.empty_note.value = "" if records else note_html(
            "Nothing stored yet: draw or upload a letter." if not any(filters.values())
            else "No prediction matches these filters.")
        everything = store.count()
        self.summary.value = (f'<span class="hw-muted" data-total="{total}" data-page="{self.page}">'
                              f'{total} shown of {everything} stored</span>')
        self.page_label.value = f'<span class="hw-muted">page {self.page + 1} of {pages}</span>'
        self.prev_button.disabled = self.page == 0
        self.next_button.disabled = self.page >= pages - 1
        self.status.value = ""
        self.stale = False

    # ----------------------------------------------------------------------------- export

    @guarded()
    def _export(self, _button) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        visitor = getattr(self.services.store, "visitor", None)  # None: the teacher's export of every row
        name = f"corrections-{visitor_tag(visitor)}-{stamp}" if visitor else f"corrections-{stamp}"
        fmt = self.export_format.value
        out = data_dir() / "exports" / (f"{name}.npz" if fmt == "npz" else name)
        try:
            result = self.services.store.export(out, fmt)
        except StoreError as exc:
            self.export_result.value = error_html(str(exc))
            return
        items = []
        for path in result.paths:
            link = ""
            if path.is_file() and path.stat().st_size < 20 * 1024 * 1024:
                mime = "application/json" if path.suffix == ".json" else "application/octet-stream"
                data = base64.b64encode(path.read_bytes()).decode("ascii")
                link = (f' <a class="hw-link" download="{esc(path.name)}" '
                        f'href="data:{mime};base64,{data}">download</a>')
            items.append(f"<li><code>{esc(shown_path(path))}</code>{link}</li>")
        skipped = f" ({result.skipped} corrected words or non-letters left out)" if result.skipped else ""
        self.export_result.value = (
            f'<div class="hw-export-done" data-count="{result.count}">Exported {result.count} corrected '
            f'letters, {result.with_strokes} with their pen strokes{skipped}:<ul>{"".join(items)}</ul>'
            f'Give the first file to training as one more data source, beside the original training data '
            f'(README: "Fine-tuning on your corrections").</div>')
