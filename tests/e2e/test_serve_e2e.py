"""A page's kernel over the page's life, in a real browser on the session's real server
(tests/e2e/conftest.py): a page whose network drops and comes back keeps working, a page whose
kernel ended meanwhile says to reload, and a closed tab gives its kernel back at once.

The idle culling of pages that leave without a word (tests/app/test_serve.py) is the fallback for
what these do in the browser.
"""

from __future__ import annotations

import re
import time
import urllib.request

import pytest

from handwriting.app.browser import PAGE_PROBES
from tests.e2e.conftest import AppPage
from tests.e2e.test_visitors_e2e import draw_letters

# Keeps every websocket the page opens, so a test can drop the kernel's as a network would.
SOCKETS = """(() => { const Native = window.WebSocket; window.__hwSockets = [];
  window.WebSocket = class extends Native {
    constructor(url, protocols) { super(url, protocols); window.__hwSockets.push(this); } }; })();"""
DROP = """() => window.__hwSockets.filter(s => s.url.includes('/channels') && s.readyState === 1)
  .map(s => { s.close(); return s.url; })"""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_page(browser, server) -> AppPage:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.add_init_script(PAGE_PROBES)
    context.add_init_script(SOCKETS)
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
