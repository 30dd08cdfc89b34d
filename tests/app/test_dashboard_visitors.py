"""Visitors' histories kept apart, and the teacher's view of all, in-process on a real SQLite file.

Each app is one page's kernel with its own connection to the same database file, as in the served
dashboard. What a page sends arrives as the widget messages its browser would send (`from_page`);
tests/e2e/test_visitors_e2e.py does the same in real browsers against a real server.
"""

from __future__ import annotations

import json
import secrets

import pytest

from handwriting.app.dashboard import build_app
from handwriting.app.dashboard.history import HistoryRow
from handwriting.app.dashboard.visitor import read_identity, visitor_tag
from handwriting.app.store import Store
from handwriting.data import load
from tests.app.test_dashboard import STROKE_1, STROKE_2, FakeRecognizer, draw

TOKEN = "teacher-" + "t" * 24


def from_page(widget, **state) -> None:
    """A widget state update as the browser sends it over the comm."""
    widget._handle_msg({"content": {"data": {"method": "update", "state": state, "buffer_paths": []}},
                        "buffers": []})


def click(button) -> None:
    button._handle_msg({"content": {"data": {"method": "custom", "content": {"event": "click"}}}, "buffers": []})


def identity(key: str, admin: str | None = None) -> str:
    return json.dumps({"key": key, **({"admin": admin} if admin is not None else {})})


@pytest.fixture
def pages(tmp_path, monkeypatch):
    """`open(key, admin=None, token=TOKEN)`: a page's app on the shared database, identified as the
    page script does it (key None: a page whose key has not arrived yet)."""
    monkeypatch.setenv("HANDWRITING_DATA_DIR", str(tmp_path / "data"))
    apps = []

    def open_page(key: str | None, admin: str | None = None, token: str | None = TOKEN):
        app = build_app(store=Store(tmp_path / "p.sqlite"), recognizer=FakeRecognizer(), lexicon=["CAT"],
                        token=token)
        app.loader.get(timeout=10)
        if key is not None:
            from_page(app.visitor.widget, value=identity(key, admin))
        apps.append(app)
        return app

    yield open_page
    for app in apps:
        app.store.close()


def new_key() -> str:
    return secrets.token_urlsafe(24)


def shown(app) -> list:
    """The records History shows (rows carrying hw-history-row), in order."""
    app.select("History")
    app.history.refresh()
    return [row.record for row in app.history.row_widgets if "hw-history-row" in row.widget._dom_classes]


def draw_letters(app, n: int) -> list[int]:
    ids = []
    for _ in range(n):
        app.draw.clear()
        draw(app.draw.pad.canvas, STROKE_1, STROKE_2)
        ids.append(app.draw.row_id)
    return ids


def test_two_visitors_on_one_database_see_correct_and_export_only_their_own(pages, tmp_path):
    a, b = pages(new_key()), pages(new_key())
    a_ids, b_ids = draw_letters(a, 2), draw_letters(b, 3)
    assert sorted(r.id for r in shown(a)) == a_ids and sorted(r.id for r in shown(b)) == b_ids
    assert 'data-total="2"' in a.history.summary.value and "of 2 stored" in a.history.summary.value
    assert 'data-view="visitor"' in a.history.view.value and "Your drawings" in a.history.view.value
    assert "hw-visitor" not in a.history.row_widgets[0].info.value  # a visitor is not shown tags
    assert [r.visitor for r in a.store.query(limit=None)].count(a.visitor.identity.key) == 2
    a.history.row_widgets[0].letter_choice.value = "V"
    b.history.row_widgets[0].letter_choice.value = "W"
    click(a.history.export_button)
    assert 'data-count="1"' in a.history.export_result.value
    exported = [p for p in (tmp_path / "data" / "exports").iterdir() if p.suffix == ".npz"]
    assert len(exported) == 1 and visitor_tag(a.visitor.identity.key) in exported[0].name
    assert list(load(exported[0]).letters) == ["V"]
    # A reload is a new kernel that gets the same key from the browser: the same rows.
    again = pages(a.visitor.identity.key)
    assert sorted(r.id for r in shown(again)) == a_ids


def test_a_forged_message_cannot_read_change_or_delete_another_visitors_rows(pages):
    a, b = pages(new_key()), pages(new_key())
    (b_id,) = draw_letters(b, 1)
    before = b.store.get(b_id)
    # A second identity from A's page naming B's key is ignored: the first key stays.
    from_page(a.visitor.widget, value=identity(b.visitor.identity.key))
    assert a.services.store.visitor == a.visitor.identity.key != b.visitor.identity.key
    assert shown(a) == [] and a.services.store.get(b_id) is None
    # A's History handlers driven with B's row id, as if a message could name it.
    row = HistoryRow(a.history)
    row.record = before
    from_page(row.letter_choice, index=26)  # a Dropdown sends its index: "Z"
    assert "deleted in another tab" in a.history.status.value  # as for a missing row
    click(row.delete), click(row.delete)
    # A's Draw tab pointed at B's row: its drawing becomes a new row of A's, B's stays.
    a.draw.row_id = b_id
    draw(a.draw.pad.canvas, STROKE_1)
    assert a.draw.row_id != b_id
    a.draw.row_id = b_id
    a.draw.clear()  # undoing everything deletes the drawing's row, if it is A's
    a.word.row_id = b_id
    a.word.clear()
    after = b.store.get(b_id)
    assert after == before and after.correction is None
    assert [r.id for r in shown(b)] == [b_id]
    click(a.history.export_button)
    assert "no corrected letters" in a.history.export_result.value


def test_the_teacher_sees_tags_and_exports_every_visitors_rows(pages, tmp_path):
    legacy = pages(None)  # a row from before visitors: stored through the unscoped store
    drawn = legacy.store.get(draw_letters(legacy, 1)[0])
    legacy.store.add("draw", drawn.image, "old", "A", 0.9, preprocessed=drawn.preprocessed)
    a, b = pages(new_key()), pages(new_key())
    draw_letters(a, 1), draw_letters(b, 2)
    teacher = pages(new_key(), admin=TOKEN)
    (own,) = draw_letters(teacher, 1)
    assert teacher.store.get(own).visitor == teacher.visitor.identity.key  # tagged, not "before visitors"
    records = shown(teacher)
    assert len(records) == 6 and 'data-view="teacher"' in teacher.history.view.value
    assert "every visitor" in teacher.history.view.value
    tags = {row.record.visitor: row.info.value for row in teacher.history.row_widgets if row.record}
    assert "before visitors" in tags[None] and "teacher" in tags[teacher.visitor.identity.key]
    assert f'data-visitor="{visitor_tag(a.visitor.identity.key)}"' in tags[a.visitor.identity.key]
    for row in teacher.history.row_widgets[:6]:
        from_page(row.letter_choice, index=11)  # "K"
    click(teacher.history.export_button)
    assert 'data-count="6"' in teacher.history.export_result.value
    exported = [p for p in (tmp_path / "data" / "exports").iterdir() if p.suffix == ".npz"]
    writers = {w.rsplit("/", 1)[-1] for w in load(exported[0]).writer}  # the loader adds the source
    assert len(writers) == 5 and "dashboard:local" in writers  # four visitor keys and the old row
    assert [r.id for r in shown(a)] == [a.draw.row_id]  # the teacher's page changed nobody's view


@pytest.mark.parametrize("admin, token", [("teacher-" + "x" * 24, TOKEN), (TOKEN[:-1], TOKEN), ("", TOKEN),
                                          (TOKEN, None), (TOKEN, "")])
def test_a_wrong_token_or_none_set_is_a_visitor(pages, admin, token):
    other = pages(new_key())
    draw_letters(other, 1)
    page = pages(new_key(), admin=admin, token=token)
    assert not page.visitor.teacher and page.services.store.visitor == page.visitor.identity.key
    assert shown(page) == [] and 'data-view="visitor"' in page.history.view.value


def test_until_the_key_arrives_rows_are_under_a_key_no_other_page_has(pages):
    a, b = pages(None), pages(None)
    a_id, b_id = draw_letters(a, 1)[0], draw_letters(b, 1)[0]
    owners = {a.store.get(a_id).visitor, b.store.get(b_id).visitor}
    assert len(owners) == 2 and None not in owners
    assert [r.id for r in shown(a)] == [a_id]


@pytest.mark.parametrize("value", ["not json", json.dumps(["key"]), identity("short"), identity("k" * 129),
                                   identity("x" * 22 + "!"), json.dumps({"key": 12345678901234567890123}),
                                   identity("k" * 40, admin="a" * 2000)])
def test_a_malformed_identity_is_ignored_and_a_good_one_still_counts(pages, value):
    page = pages(None)
    from_page(page.visitor.widget, value=value)
    assert page.visitor.identity is None
    with pytest.raises(ValueError):
        read_identity(value, TOKEN)
    key = new_key()
    from_page(page.visitor.widget, value=identity(key))
    assert page.services.store.visitor == key


def test_visitors_keep_apart_on_postgresql_too_and_the_model_tab_names_no_host_or_password(
        postgres_url, tmp_path, monkeypatch):
    monkeypatch.setenv("HANDWRITING_DATA_DIR", str(tmp_path / "data"))
    apps = [build_app(store=Store(postgres_url), recognizer=FakeRecognizer(), lexicon=["CAT"], token=TOKEN)
            for _ in range(3)]
    try:
        a, b, teacher = apps
        for app, admin in zip(apps, (None, None, TOKEN)):
            app.loader.get(timeout=10)
            from_page(app.visitor.widget, value=identity(new_key(), admin))
        a_ids, b_ids = draw_letters(a, 2), draw_letters(b, 1)
        assert [r.id for r in shown(a)] == a_ids[::-1] and [r.id for r in shown(b)] == b_ids
        assert sorted(r.id for r in shown(teacher)) == sorted(a_ids + b_ids)
        card = a.model.widget.value
        name = postgres_url.rsplit("/", 1)[-1]
        assert f"PostgreSQL database {name}" in card and "127.0.0.1" not in card and "@" not in card
    finally:
        for app in apps:
            app.store.close()
