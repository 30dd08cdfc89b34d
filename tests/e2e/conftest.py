"""A real Voila server (started once per session, through the project's launcher, on a free port,
with its own database) and one Chromium page on it, shared by the end-to-end tests.

Timings measured on the way (page open -> canvas ready, pen-up -> prediction shown) are written to
test-artifacts/e2e/measurements.json beside the screenshots; they are reported, never asserted
(bench/bench_dashboard.py compares them with a baseline).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from handwriting.app.browser import CHROMIUM_ARGS, PAGE_PROBES
from handwriting.app.serve import stop_process
from handwriting.paths import PROJECT_ROOT, default_model_path
from tests.conftest import _missing

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
START_TIMEOUT = 180  # seconds for Voila to start and pre-render one kernel (with TensorFlow if not converted)
ADMIN_TOKEN = "e2e-teacher-" + "k" * 20  # the teacher's token: pages opened with ?admin= it see every row



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Measurements:
    def __init__(self):
        self.values: dict[str, object] = {}

    def __setitem__(self, key, value):
        self.values[key] = value

    def save(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "measurements.json").write_text(json.dumps(self.values, indent=2) + "\n")


@pytest.fixture(scope="session")
def measurements():
    m = Measurements()
    yield m
    m.save()


@pytest.fixture(scope="session")
def model_path() -> Path:
    path = default_model_path()
    if not path.is_file():
        _missing(f"no model at {path}: the dashboard's end-to-end tests need the shipped model")
    return path


class Server:
    """`url` opens a visitor's page; `url + "?admin=" + admin_token` the teacher's. `db` is what the
    launcher was given (a SQLite file, or a database URL)."""

    def __init__(self, url: str, db: Path | str, log: Path, process: subprocess.Popen):
        self.url, self.db, self.log, self.process = url, db, log, process
        self.admin_token = ADMIN_TOKEN

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def launch_server(work: Path, db: Path | str, model_path: Path, *options: str,
                  env: dict[str, str] | None = None) -> Server:
    """`handwriting.app.serve` on a free port with a pool of one kernel and `db`, started (not yet
    ready: see wait_ready), its output in work/voila.log; `options`/`env` are added to the launcher's."""
    log = work / "voila.log"
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), HANDWRITING_DATA_DIR=str(work / "data"), **(env or {}))
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "handwriting.app.serve", "--port", str(port), "--db", str(db),
             "--model", str(model_path), "--pool-size", "1", *options],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=PROJECT_ROOT)
    return Server(f"http://127.0.0.1:{port}/", db, log, process)


def wait_ready(server: Server) -> None:
    """Until the launcher prints the address (once the pool's kernel is ready); a failure (the server
    stopped) if it exits first or takes over START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    while "Dashboard: " not in server.log_text():
        if server.process.poll() is not None or time.monotonic() > deadline:
            stop_server(server)
            pytest.fail(f"Voila did not start (exit {server.process.poll()}):\n{server.log_text()[-3000:]}")
        time.sleep(0.2)


def stop_server(server: Server, artifact: str | None = None) -> None:
    """Stop the launcher (which stops Voila and its kernels); its log kept as test-artifacts/e2e/<artifact>."""
    stop_process(server.process, timeout=30)
    if artifact:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / artifact).write_text(server.log_text())


@pytest.fixture(scope="session")
def server(tmp_path_factory, model_path, chromium) -> Server:
    """`handwriting.app.serve` on a free port with a fresh database; stopped (kernels too) at the end."""
    work = tmp_path_factory.mktemp("voila")
    # The token in the environment: the launcher's --admin-token default, and what the kernels read.
    server = launch_server(work, work / "predictions.sqlite", model_path, env={"HANDWRITING_ADMIN_TOKEN": ADMIN_TOKEN})
    wait_ready(server)
    yield server
    stop_server(server, "voila.log")


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class AppPage:
    """The one dashboard page of the session, with what it saw on the way."""

    def __init__(self, page, server: Server):
        self.page, self.server = page, server
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.frames_sent: list = []  # what the page sent its kernel, message by message
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("websocket", lambda ws: ws.on("framesent", lambda frame: self.frames_sent.append(frame)))
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def tab(self, title: str) -> None:
        self.page.locator(".hw-tabs .lm-TabBar-tab", has_text=title).click()
        self.page.wait_for_timeout(300)

    def wait(self, root: str, selector: str, timeout: int = 30_000) -> dict:
        return self.page.evaluate("([r, s, t]) => window.__hwWait(r, s, t)", [root, selector, timeout])

    def screenshot(self, name: str) -> Path:
        """The whole app (the viewport grows to its height for the picture), as a test artifact."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        size = self.page.viewport_size
        height = self.page.evaluate("Math.ceil(document.querySelector('.hw-app').getBoundingClientRect().bottom + 24)")
        self.page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height, 4000))})
        self.page.wait_for_timeout(200)
        self.page.screenshot(path=str(path))
        self.page.set_viewport_size(size)
        return path

    def drag(self, canvas: str, strokes) -> None:
        """Each stroke as the mouse: press at its first point, move through the rest, release."""
        box = self.page.locator(canvas).bounding_box()
        element = self.page.locator(canvas).evaluate("c => [c.width, c.height]")
        sx, sy = box["width"] / element[0], box["height"] / element[1]
        mouse = self.page.mouse
        for stroke in strokes:
            x, y = stroke[0]
            mouse.move(box["x"] + x * sx, box["y"] + y * sy)
            mouse.down()
            for x, y in stroke[1:]:
                mouse.move(box["x"] + x * sx, box["y"] + y * sy)
            mouse.up()


@pytest.fixture(scope="session")
def app_page(browser, server, measurements) -> AppPage:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    context.add_init_script(PAGE_PROBES)
    page = context.new_page()
    app = AppPage(page, server)
    page.goto(server.url)
    measurements["page_open_to_canvas_ready_ms"] = round(page.evaluate("window.__hwCanvasReady"), 1)
    yield app
    context.close()
