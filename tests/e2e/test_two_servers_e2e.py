"""Past one server: two real dashboard servers (`handwriting.app.serve`, two free ports) on one real
PostgreSQL database (tests/postgres.py), with the same teacher's token.

A visitor draws a letter on each server (each in their own Chromium context); the teacher's page on
either server shows both rows with their visitors' tags, while a visitor's page on B shows only B's
visitor's row. The database URL carries a password: neither launcher prints it, in the address or
anywhere in its log (its kernels' output included), and no page shows it.
"""

from __future__ import annotations

import hashlib

import psycopg
import pytest

from tests.e2e.conftest import ADMIN_TOKEN, launch_server, stop_server, wait_ready
from tests.e2e.visitors import draw_letters, history, key_of, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def tags_shown(app) -> set[str]:
    """The visitor tags (short hashes of the keys) on a History page."""
    return set(app.page.locator(".hw-history .hw-visitor").evaluate_all("els => els.map(e => e.dataset.visitor)"))


def tag(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:6]


def test_two_servers_on_one_postgres_database_share_the_teachers_view(
        tmp_path, model_path, chromium, browser, postgres_server, postgres_url):
    password = postgres_server.password
    assert password and password in postgres_url  # what must never come out
    servers, pages = [], []
    try:
        for name in ("a", "b"):  # both start at once: their kernels load side by side
            work = tmp_path / name
            work.mkdir()
            servers.append(launch_server(work, postgres_url, model_path, "--admin-token", ADMIN_TOKEN,
                                         "--pool-size", "1"))
        for server in servers:
            wait_ready(server)
        a, b = servers
        assert a.url != b.url

        visitor_a, visitor_b = open_page(browser, a), open_page(browser, b)
        pages += [visitor_a, visitor_b]
        a_key, b_key = key_of(visitor_a), key_of(visitor_b)
        assert a_key and b_key and a_key != b_key
        a_ids, b_ids = draw_letters(visitor_a, 1), draw_letters(visitor_b, 1)
        with psycopg.connect(postgres_url) as db:
            stored = dict(db.execute("SELECT id, visitor FROM predictions").fetchall())
        assert stored == {a_ids[0]: a_key, b_ids[0]: b_key}

        # Each visitor sees only their own row, whichever server stored the other's.
        assert history(visitor_b, 1) == (b_ids, "visitor") and tags_shown(visitor_b) <= {tag(b_key)}
        assert history(visitor_a, 1) == (a_ids, "visitor")

        for server in (a, b):
            teacher = open_page(browser, server, "?admin=" + ADMIN_TOKEN)
            pages.append(teacher)
            assert history(teacher, 2) == (sorted(a_ids + b_ids), "teacher"), server.url
            assert {tag(a_key), tag(b_key)} <= tags_shown(teacher), server.url

        for app in pages:
            assert password not in app.page.content(), app.page.url
        for server in servers:
            log = server.log_text()
            printed = [line for line in log.splitlines() if line.startswith("Dashboard: ")]
            assert len(printed) == 1 and printed[0].split()[1] == f"{server.url}?admin={ADMIN_TOKEN}", printed
            shown_db = [line for line in log.splitlines() if line.startswith("Predictions database: ")]
            assert shown_db and shown_db[0].startswith("Predictions database: postgresql://") and ":***@" in shown_db[0]
            assert password not in log, server.url
    finally:
        for app in pages:
            app.page.context.close()
        for server, name in zip(servers, ("a", "b")):
            stop_server(server, f"voila-two-servers-{name}.log")
    for server in servers:  # stopped: the log is complete now
        assert password not in server.log_text(), server.url
