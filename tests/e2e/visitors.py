"""What a visitor does in the end-to-end tests: open a page in a browser context of their own,
draw letters on the Draw pad, read their History (tests/e2e/test_visitors_e2e.py and
test_two_servers_e2e.py)."""

from __future__ import annotations

from handwriting.app.browser import PAGE_PROBES
from tests.e2e.conftest import AppPage

DRAW = "canvas.hw-draw-canvas"
L_SHAPE = [[(90, 50), (90, 230)], [(90, 230), (200, 230)]]  # two strokes, well over the tap size
KEY_NAME = "handwriting.visitor"  # the page script's localStorage entry


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
