"""Visitors in real browsers: each Chromium context is one person with their own key (kept in the
browser's localStorage), drawing on the real Voila server of the session (tests/e2e/conftest.py).

Each History shows only its own rows, a reload keeps them, a page that sends another visitor's key
after its own stays itself, a wrong teacher's token is a visitor, and the teacher's address
(?admin=<token>) shows everyone's rows, tagged by visitor.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from handwriting.app.browser import PAGE_PROBES
from tests.e2e.conftest import AppPage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DRAW = "canvas.hw-draw-canvas"
L_SHAPE = [[(90, 50), (90, 230)], [(90, 230), (200, 230)]]  # two strokes, well over the tap size
KEY_NAME = "handwriting.visitor"  # the page script's localStorage entry


def db_ids(server, sql: str, params=()) -> list[int]:
    db = sqlite3.connect(server.db, timeout=10)
    try:
        return sorted(row[0] for row in db.execute(sql, params).fetchall())
    finally:
        db.close()


def open_page(browser, server, query: str = "") -> AppPage:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.add_init_script(PAGE_PROBES)
    app = AppPage(context.new_page(), server)
    app.page.goto(server.url + query)
    app.page.evaluate("window.__hwCanvasReady")
    return app


def key_of(app: AppPage) -> str:
    return app.page.evaluate(f"localStorage.getItem('{KEY_NAME}')")


def draw_letters(app: AppPage, n: int) -> list[int]:
    """Draw `n` letters on the Draw tab; the ids of their rows."""
    app.tab("Draw")
    ids = []
    for _ in range(n):
        app.page.locator(".hw-draw .hw-clear").click()
        app.wait(".hw-prediction", ".hw-result-empty")
        app.drag(DRAW, L_SHAPE)
        stored = app.wait(".hw-prediction", f'.hw-result[data-strokes="{len(L_SHAPE)}"][data-row]')
        ids.append(int(stored["data"]["row"]))
    return ids


def history(app: AppPage, total: int) -> tuple[list[int], str]:
    """The row ids History shows once it says `total`, and whose view it is."""
    app.tab("History")
    app.page.locator(".hw-history .hw-refresh").click()
    app.page.wait_for_selector(f'.hw-history-summary [data-total="{total}"]')
    rows = app.page.locator(".hw-history .hw-history-row")
    ids = rows.locator(".hw-history-info").evaluate_all("els => els.map(e => Number(e.dataset.row))")
    assert rows.count() == len(ids) == min(total, 20)
    return sorted(ids), app.page.locator(".hw-history .hw-view").get_attribute("data-view")


def test_each_visitor_sees_only_their_own_history_and_the_teacher_sees_all(browser, server):
    pages = []
    try:
        a = open_page(browser, server)
        b = open_page(browser, server)
        pages += [a, b]
        a_key, b_key = key_of(a), key_of(b)
        assert a_key != b_key and min(len(a_key), len(b_key)) >= 22
        a_ids, b_ids = draw_letters(a, 2), draw_letters(b, 1)
        assert db_ids(server, "SELECT id FROM predictions WHERE visitor = ?", (a_key,)) == a_ids
        assert db_ids(server, "SELECT id FROM predictions WHERE visitor = ?", (b_key,)) == b_ids
        assert history(a, 2) == (a_ids, "visitor") and history(b, 1) == (b_ids, "visitor")

        # A's page hands B's key after its own: ignored, A's next drawing is still A's.
        a.page.evaluate("""(value) => { const input = document.querySelector('.hw-identity input');
            input.value = value; input.dispatchEvent(new Event('input', { bubbles: true })); }""",
                        json.dumps({"key": b_key}))
        a_ids += draw_letters(a, 1)
        assert db_ids(server, "SELECT id FROM predictions WHERE visitor = ?", (a_key,)) == a_ids
        assert history(a, 3) == (a_ids, "visitor")

        # A reload is a new kernel; the browser hands it the same key.
        a.page.reload()
        a.page.evaluate("window.__hwCanvasReady")
        assert key_of(a) == a_key and history(a, 3) == (a_ids, "visitor")
        # A wrong teacher's token is just a visitor.
        b.page.goto(server.url + "?admin=" + server.admin_token[:-1] + "x")
        b.page.evaluate("window.__hwCanvasReady")
        assert history(b, 1) == (b_ids, "visitor")

        teacher = open_page(browser, server, "?admin=" + server.admin_token)
        pages.append(teacher)
        everything = db_ids(server, "SELECT id FROM predictions")
        shown, view = history(teacher, len(everything))
        assert view == "teacher" and set(a_ids + b_ids) <= set(shown)
        tags = teacher.page.locator(".hw-history .hw-visitor").evaluate_all("els => els.map(e => e.dataset.visitor)")
        for key in (a_key, b_key):
            assert hashlib.sha256(key.encode()).hexdigest()[:6] in tags
        teacher.screenshot("history-teacher")
    finally:
        for app in pages:
            app.page.context.close()
