"""Benchmark: how fast the dashboard answers in a real browser (headless Chromium, Voila, the model).

Two figures, each next to a baseline measured in the same run on the same machine:

- page open -> canvas ready: from navigation start until the drawing pad is painted (the page has
  its kernel's widgets, and the pad has painted its paper). Baseline: the same Voila settings
  serving a notebook with one Button, until the button is shown. Goal: <= 3 s.
- pen-up -> prediction shown: from the browser's pointerup to the letter on the page, while
  replaying real pen trajectories (shared/data/strokes_letters.json, else simple synthetic
  strokes). Baseline: a click the kernel answers at once (Clear on an empty pad). Goal: <= 200 ms.
- pen-up -> word reading shown, on the Word tab: every stroke of real pen-written words
  (shared/data/strokes_words.json, else KITE in simple strokes) re-reads the word so far, with
  the letter model and the word model. Same baseline. Goal: <= 300 ms.

    .venv/bin/python bench/bench_dashboard.py [--loads 3] [--letters 40] [--words 12] [--out bench/results/dashboard.json]

Each page load takes a kernel that Voila pre-started and rendered; the next load waits until the
pool is full again, so every load is measured the way a visitor meets it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from handwriting.app.browser import (
    CHROMIUM_ARGS,
    PAGE_PROBES,
    WORD_AFTER,
    choose_letters,
    load_json,
    replayable,
)

SEEN_PROBE = """
window.__hwSeen = (selector) => new Promise((resolve) => {
  const check = () => document.querySelector(selector) ? resolve(performance.now()) : setTimeout(check, 5);
  check();
});
"""
BASELINE_NOTEBOOK = {
    "cells": [{"cell_type": "code", "execution_count": None, "id": "baseline", "metadata": {}, "outputs": [],
               "source": ["import ipywidgets as w\n", "b = w.Button(description='ok')\n",
                          "b.add_class('hw-baseline')\n", "b"]}],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                 "title": "baseline"},
    "nbformat": 4, "nbformat_minor": 5}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`handwriting.app.serve` on a free port; `wait_pool(n)` waits for the n-th filled kernel pool."""

    def __init__(self, work: Path, notebook: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = work / f"voila-{self.port}.log"
        self.baseline = notebook is not None
        command = [sys.executable, "-m", "handwriting.app.serve", "--port", str(self.port),
                   "--db", str(work / "predictions.sqlite"), "--pool-size", "1"]
        if notebook is not None:
            command += ["--notebook", str(notebook)]
        env = dict(os.environ, PYTHONPATH=str(ROOT), HANDWRITING_DATA_DIR=str(work / "data"))
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)

    def wait_pool(self, count: int, timeout: float = 240) -> None:
        """Until the `count`-th pre-started kernel has run the notebook (the dashboard says so in
        the log once its model is loaded; the baseline notebook has nothing to load)."""
        marker = "is filled with 1 kernel" if self.baseline else "handwriting dashboard: kernel ready"
        deadline = time.monotonic() + timeout
        while self.log.read_text(errors="replace").count(marker) < count:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Voila did not fill its kernel pool:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.2)
        time.sleep(2.0 if self.baseline else 0.5)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def open_times(browser, server: Server, loads: int, probe: str) -> list[float]:
    """Page open -> `probe` resolved (ms), once per fresh page, each on a pre-heated kernel."""
    times = []
    for i in range(loads):
        server.wait_pool(i + 1)
        time.sleep(1.0)  # let the previous page's kernel settle
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.add_init_script(PAGE_PROBES + SEEN_PROBE)
        page = context.new_page()
        page.goto(server.url)
        times.append(page.evaluate(probe))
        context.close()
    return times


def letters_to_draw(count: int) -> list[list]:
    from handwriting.paths import shared_data_dir

    path = shared_data_dir() / "strokes_letters.json"
    if path.is_file():
        samples = choose_letters(load_json(path), per_letter=max(1, -(-count // 26)))[:count]
        return [replayable(s["strokes"], 280, 280, margin=40) for s in samples]
    # Without the shared data: an L, a T and a V, over and over.
    shapes = [[[(90, 40), (90, 240), (200, 240)]], [[(50, 50), (230, 50)], [(140, 50), (140, 240)]],
              [[(60, 40), (140, 240), (220, 40)]]]
    return [shapes[i % 3] for i in range(count)]


WAIT = "([r, s, t]) => window.__hwWait(r, s, t)"


def open_page(browser, server: Server, pools: int):
    """(context, page) on the `pools`-th pre-started kernel, once the drawing pad is ready."""
    server.wait_pool(pools)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.add_init_script(PAGE_PROBES)
    page = context.new_page()
    page.goto(server.url)
    page.evaluate("window.__hwCanvasReady")
    return context, page


def canvas_frame(page, selector: str) -> tuple[float, float, float, float]:
    """(left, top, x scale, y scale): from the canvas's own pixels to the page's (the stylesheet
    may show a pad smaller than its pixels)."""
    box = page.locator(selector).bounding_box()
    width, height = page.locator(selector).evaluate("c => [c.width, c.height]")
    return box["x"], box["y"], box["width"] / width, box["height"] / height


def drag(page, frame: tuple[float, float, float, float], stroke) -> None:
    """One stroke (canvas pixels) as a mouse drag over the canvas."""
    left, top, sx, sy = frame
    page.mouse.move(left + stroke[0][0] * sx, top + stroke[0][1] * sy)
    page.mouse.down()
    for x, y in stroke[1:]:
        page.mouse.move(left + x * sx, top + y * sy)
    page.mouse.up()


def pen_up_times(browser, server: Server, count: int, pools: int) -> tuple[list[float], list[float]]:
    """(pen-up -> prediction shown, click -> answer) in ms, on one page (the `pools`-th kernel)."""
    context, page = open_page(browser, server, pools)
    frame = canvas_frame(page, "canvas.hw-draw-canvas")
    pen, clicks = [], []
    for strokes in letters_to_draw(count):
        page.locator(".hw-draw .hw-clear").click()
        page.evaluate(WAIT, [".hw-prediction", ".hw-result-empty", 30000])
        for stroke in strokes:
            drag(page, frame, stroke)
        shown = page.evaluate(WAIT, [".hw-prediction", f'.hw-result[data-strokes="{len(strokes)}"]', 30000])
        page.evaluate(WAIT, [".hw-prediction", f'.hw-result[data-strokes="{len(strokes)}"][data-row]', 30000])
        pen.append(shown["sinceUp"])
    page.locator(".hw-draw .hw-clear").click()
    page.evaluate(WAIT, [".hw-prediction", ".hw-result-empty", 30000])  # else the first seq read is stale
    for _ in range(max(10, count // 2)):
        seq = int(page.locator(".hw-prediction .hw-result").get_attribute("data-seq"))
        start = time.perf_counter()
        page.locator(".hw-draw .hw-clear").click()
        page.evaluate(WAIT, [".hw-prediction", f'.hw-result:not([data-seq="{seq}"])', 30000])
        clicks.append((time.perf_counter() - start) * 1000)
    context.close()
    return pen, clicks


def words_to_write(count: int) -> list[list]:
    from handwriting.paths import shared_data_dir

    path = shared_data_dir() / "strokes_words.json"
    if path.is_file():
        words = [w for w in load_json(path) if w["label"].isalpha() and 3 <= len(w["label"]) <= 8]
        picks = random.Random(0).sample(words, count)
        return [replayable(w["strokes"], 840, 240, margin=30) for w in picks]
    kite = [[(40, 40), (40, 200)], [(120, 40), (45, 130), (120, 200)], [(170, 40), (170, 200)],
            [(220, 40), (320, 40)], [(270, 40), (270, 200)], [(360, 40), (360, 200), (440, 200)],
            [(360, 40), (440, 40)], [(360, 120), (420, 120)]]
    return [kite for _ in range(count)]




def word_pen_up_times(browser, server: Server, count: int, pools: int) -> list[float]:
    """Pen-up -> the word reading after that stroke shown (ms), stroke by stroke, on the Word tab."""
    context, page = open_page(browser, server, pools)
    page.locator(".hw-tabs .lm-TabBar-tab", has_text="Word").click()
    page.locator("canvas.hw-word-canvas").wait_for()
    frame = canvas_frame(page, "canvas.hw-word-canvas")

    def seq() -> int:
        return int(page.locator(".hw-word-result .hw-word-box").get_attribute("data-seq"))

    times = []
    for strokes in words_to_write(count):
        before = seq()
        page.locator(".hw-word .hw-clear").click()
        page.evaluate(WORD_AFTER, [before, 30000])
        for stroke in strokes:
            before = seq()
            drag(page, frame, stroke)
            shown = page.evaluate(WORD_AFTER, [before, 30000])
            times.append(shown["sinceUp"])
            if shown["data"].get("word"):  # letters found: shown twice, before and after storing
                page.evaluate(WORD_AFTER, [before + 1, 30000])
    context.close()
    return times


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"n": len(values), "median_ms": round(statistics.median(values), 1),
            "p90_ms": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 1),
            "max_ms": round(max(values), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=3, help="page loads per server (default 3)")
    parser.add_argument("--letters", type=int, default=40, help="letters drawn for pen-up timing (default 40)")
    parser.add_argument("--words", type=int, default=12, help="words written on the Word tab (default 12)")
    parser.add_argument("--chromium", default=os.environ.get("HANDWRITING_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "dashboard.json")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        work = Path(tmp)
        baseline_nb = work / "baseline.ipynb"
        baseline_nb.write_text(json.dumps(BASELINE_NOTEBOOK))
        (work / "app").mkdir()
        (work / "base").mkdir()
        app, base = Server(work / "app"), Server(work / "base", baseline_nb)
        servers = [app, base]
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
                base_open = open_times(browser, base, args.loads, "window.__hwSeen('.hw-baseline')")
                base.stop()
                app_open = open_times(browser, app, args.loads, "window.__hwCanvasReady")
                pen, clicks = pen_up_times(browser, app, args.letters, args.loads + 1)
                word_pen = word_pen_up_times(browser, app, args.words, args.loads + 2)
                browser.close()
        finally:
            for server in servers:
                server.stop()
    result = {
        "page_open_to_canvas_ready": summary(app_open),
        "baseline_page_open_to_button_shown": summary(base_open),
        "page_open_ratio": round(statistics.median(app_open) / statistics.median(base_open), 2),
        "pen_up_to_prediction_shown": summary(pen),
        "baseline_click_round_trip": summary(clicks),
        "pen_up_ratio": round(statistics.median(pen) / statistics.median(clicks), 2),
        "word_pen_up_to_reading_shown": summary(word_pen),
        "word_pen_up_ratio": round(statistics.median(word_pen) / statistics.median(clicks), 2),
        "goals": {"page_open_ms": 3000, "pen_up_ms": 200, "word_pen_up_ms": 300},
        "machine": {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()]},
    }
    print(f"page open -> canvas ready   median {result['page_open_to_canvas_ready']['median_ms']:7.1f} ms "
          f"(baseline page {result['baseline_page_open_to_button_shown']['median_ms']:.1f} ms, "
          f"ratio {result['page_open_ratio']}x; goal <= 3000 ms)")
    print(f"pen-up -> prediction shown  median {result['pen_up_to_prediction_shown']['median_ms']:7.1f} ms, "
          f"p90 {result['pen_up_to_prediction_shown']['p90_ms']:.1f} ms "
          f"(baseline click round trip {result['baseline_click_round_trip']['median_ms']:.1f} ms, "
          f"ratio {result['pen_up_ratio']}x; goal <= 200 ms)")
    print(f"word pen-up -> reading shown median {result['word_pen_up_to_reading_shown']['median_ms']:7.1f} ms, "
          f"p90 {result['word_pen_up_to_reading_shown']['p90_ms']:.1f} ms "
          f"(baseline click round trip, ratio {result['word_pen_up_ratio']}x; goal <= 300 ms)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
