"""A page's kernel over the page's life, in a real browser on the session's real server
(tests/e2e/conftest.py): a page whose network drops and comes back keeps working, a page whose
kernel ended meanwhile says to reload, and a closed tab gives its kernel back at once. And a server
of its own under a base URL (as a JupyterHub service, docs/serving.md) works there and only there.

The idle culling of pages that leave without a word (tests/app/test_serve.py) is the fallback for
what these do in the browser.
"""

from __future__ import annotations

import re
import sqlite3
import time
import urllib.error
import urllib.request

import pytest

from handwriting.app.browser import PAGE_PROBES
from handwriting.app.serve import PROBE_PATH
from tests.e2e.conftest import ADMIN_TOKEN, AppPage, launch_server, stop_server, wait_ready
from tests.e2e.test_visitors_e2e import draw_letters
from tests.e2e.visitors import history, key_of

# Keeps every websocket the page opens, so a test can drop the kernel's as a network would.
SOCKETS = """(() => { const Native = window.WebSocket; window.__hwSockets = [];
  window.WebSocket = class extends Native {
    constructor(url, protocols) { super(url, protocols); window.__hwSockets.push(this); } }; })();"""
DROP = """() => window.__hwSockets.filter(s => s.url.includes('/channels') && s.readyState === 1)
  .map(s => { s.close(); return s.url; })"""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_page(browser, server, *scripts: str) -> AppPage:
    """A visitor's page with its pad ready; `scripts` run in it before the page's own."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    for script in (PAGE_PROBES, SOCKETS, *scripts):
        context.add_init_script(script)
    app = AppPage(context.new_page(), server)
    app.page.goto(server.url)
    app.page.evaluate("window.__hwCanvasReady")
    return app


def kernel_id(app) -> str:
    return re.search(r'"kernelId": "([0-9a-f-]{36})"', app.page.content()).group(1)


def wait_for_log(server, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in server.log_text():
        if time.monotonic() > deadline:
            pytest.fail(f"{text!r} not in the server's log:\n{server.log_text()[-3000:]}")
        time.sleep(0.2)


def test_a_page_back_from_a_network_drop_keeps_working(browser, server):
    """A phone locked for a moment, a train through a tunnel: the socket drops, the page reconnects."""
    app = open_page(browser, server)
    try:
        draw_letters(app, 1)
        reopened: list[str] = []
        app.page.on("websocket", lambda socket: reopened.append(socket.url))
        assert app.page.evaluate(DROP)  # the kernel's socket closes under the page
        assert len(draw_letters(app, 1)) == 1
        assert any(f"/api/kernels/{kernel_id(app)}/channels" in url for url in reopened)  # a new socket
        assert not app.page.locator(".hw-kernel-gone").count()
    finally:
        app.page.context.close()


def test_a_page_whose_kernel_ended_while_away_says_reload(browser, server):
    app = open_page(browser, server)
    try:
        kernel = kernel_id(app)
        request = urllib.request.Request(f"{server.url}voila/api/shutdown/{kernel}", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:  # as the culler would
            assert response.status == 204
        app.page.evaluate(DROP)  # if the server has not closed it already: the page comes back
        banner = app.page.locator(".hw-kernel-gone")
        banner.wait_for(timeout=30_000)
        assert "Reload the page" in banner.inner_text()
        banner.locator("button").click()  # the button reloads: a new kernel, a working pad
        app.page.evaluate("window.__hwCanvasReady")
        assert kernel_id(app) != kernel
        assert len(draw_letters(app, 1)) == 1
    finally:
        app.page.context.close()


def test_a_closed_tab_gives_its_kernel_back_at_once(browser, server):
    app = open_page(browser, server)
    kernel = kernel_id(app)
    app.page.close(run_before_unload=True)  # the page's goodbye beacon, as a browser closing the tab
    try:
        wait_for_log(server, f"Kernel shutdown: {kernel}")
    finally:
        app.page.context.close()


def printed(server, label: str) -> str:
    """The address the launcher printed after `label` ("Dashboard:", "Visitors:")."""
    lines = [line for line in server.log_text().splitlines() if line.startswith(label)]
    assert len(lines) == 1, server.log_text()[-3000:]
    return lines[0].split()[1]


def open_at(browser, server, url: str) -> tuple[AppPage, list[str]]:
    """A page of its own browser context at `url`, with the addresses of the websockets it opens."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.add_init_script(PAGE_PROBES)
    app, sockets = AppPage(context.new_page(), server), []
    app.page.on("websocket", lambda socket: sockets.append(socket.url))
    app.page.goto(url)
    app.page.evaluate("window.__hwCanvasReady")
    return app, sockets


def test_a_loading_page_runs_no_animation(browser, server):
    """Voila's spinning logo made each loading page draw 60 frames a second: with a class's pages
    loading on one machine, about 20 CPU-seconds over 8 pages (docs/serving.md). The logo stands
    still: when the page's HTML is in, nothing on it is animated."""
    app = open_page(browser, server, """document.addEventListener('DOMContentLoaded', () => {
      window.__hwLogo = !!document.querySelector('#loading .spinner');
      window.__hwAnimations = document.getAnimations().map(a => a.animationName || String(a.id)); });""")
    try:
        assert app.page.evaluate("window.__hwLogo")  # the loading logo was there
        assert app.page.evaluate("window.__hwAnimations") == []
    finally:
        app.page.context.close()


def test_under_a_base_url_everything_is_there_and_the_root_is_not_the_dashboard(tmp_path, model_path, browser):
    """--base-url /hw/: the printed addresses, the page and every request it makes, its kernel's socket,
    the visitor's key, the teacher's ?admin= view and a closing tab's goodbye all live under /hw/."""
    server = launch_server(tmp_path, tmp_path / "predictions.sqlite", model_path, "--base-url", "/hw/",
                           "--admin-token", ADMIN_TOKEN)  # with --pool-size 1, as every launch_server
    pages = []
    try:
        wait_ready(server)
        origin = server.url  # http://127.0.0.1:<port>/
        base = origin + "hw/"
        assert printed(server, "Visitors:") == base
        assert printed(server, "Dashboard:") == f"{base}?admin={ADMIN_TOKEN}"
        with pytest.raises(urllib.error.HTTPError) as root:
            urllib.request.urlopen(origin, timeout=30)
        assert root.value.code == 404  # Voila serves the notebook at any path under the base, none outside

        visitor, sockets = open_at(browser, server, printed(server, "Visitors:"))
        pages.append(visitor)
        ids = draw_letters(visitor, 1)  # a reading, stored: the kernel's socket works
        kernel = kernel_id(visitor)
        channels = "ws" + base.removeprefix("http") + f"api/kernels/{kernel}/channels"
        assert channels in [url.partition("?")[0] for url in sockets], sockets
        ours = [url for url in visitor.requests if url.startswith(origin)]
        assert ours and all(url.startswith(base) for url in ours), [u for u in ours if not u.startswith(base)]
        assert base + PROBE_PATH in [url.partition("?")[0] for url in ours]  # what the launcher's readiness fetches
        db = sqlite3.connect(tmp_path / "predictions.sqlite")
        try:
            assert db.execute("SELECT id, visitor FROM predictions").fetchall() == [(ids[0], key_of(visitor))]
        finally:
            db.close()

        teacher, _ = open_at(browser, server, printed(server, "Dashboard:"))
        pages.append(teacher)
        assert history(teacher, 1) == (ids, "teacher")

        visitor.page.close(run_before_unload=True)  # the goodbye beacon, to /hw/voila/api/shutdown/<id>
        wait_for_log(server, f"Kernel shutdown: {kernel}")
    finally:
        for app in pages:
            app.page.context.close()
        stop_server(server, "voila-base-url.log")
