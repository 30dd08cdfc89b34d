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

from tests.e2e.visitors import draw_letters, history, key_of, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

def db_ids(server, sql: str, params=()) -> list[int]:
    db = sqlite3.connect(server.db, timeout=10)
    try:
        return sorted(row[0] for row in db.execute(sql, params).fetchall())
    finally:
        db.close()


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
