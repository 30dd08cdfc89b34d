"""Driving the dashboard from a real browser: Chromium's flags, the page's timing probes, and real
pen trajectories chosen and scaled for replaying on the pads as mouse drags.

Shared by the end-to-end tests (tests/e2e) and the dashboard benchmark (bench/bench_dashboard.py),
so both drive the page the same way.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from handwriting import LETTERS

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Installed in the page before its own scripts: timestamps for pen-up and for the first paint of the pad.
PAGE_PROBES = """
window.__hw = { up: 0 };
// The pen lifting: pointerup (mouse, finger or stylus; the pad cancels the mouse's own mouseup).
document.addEventListener('pointerup', () => { window.__hw.up = performance.now(); }, true);
window.__hwCanvasReady = new Promise((resolve) => {
  const check = () => {
    const c = document.querySelector('canvas.hw-draw-canvas');
    if (c && c.width > 0) {
      try {
        if (c.getContext('2d').getImageData(3, 3, 1, 1).data[3] === 255) { resolve(performance.now()); return; }
      } catch (e) {}
    }
    setTimeout(check, 5);
  };
  check();
});
// Resolves when `selector` matches inside `root`, with the time since the last pen-up (ms).
window.__hwWait = (root, selector, timeout) => new Promise((resolve, reject) => {
  const box = document.querySelector(root);
  const found = () => box.querySelector(selector);
  const done = (el) => resolve({ sinceUp: performance.now() - window.__hw.up, data: Object.assign({}, el.dataset) });
  if (found()) { done(found()); return; }
  const observer = new MutationObserver(() => {
    const el = found();
    if (el) { observer.disconnect(); clearTimeout(timer); done(el); }
  });
  observer.observe(box, { subtree: true, childList: true, attributes: true, characterData: true });
  const timer = setTimeout(() => {
    observer.disconnect();
    reject(new Error('timeout waiting for ' + selector));
  }, timeout);
});
"""


# Resolves when the word box shows a sequence number above `after`: (ms since the last pen-up, its data).
WORD_AFTER = """([after, timeout]) => new Promise((resolve, reject) => {
  const started = performance.now();
  const check = () => {
    const el = document.querySelector('.hw-word-result .hw-word-box');
    if (el && Number(el.dataset.seq) > after) {
      resolve({ sinceUp: performance.now() - window.__hw.up, data: Object.assign({}, el.dataset) });
    } else if (performance.now() - started > timeout) {
      reject(new Error('timeout waiting for a word reading after ' + after));
    } else { setTimeout(check, 1); }
  };
  check();
})"""


def load_json(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def choose_letters(records: list[dict], per_letter: int = 4, seed: int = 0) -> list[dict]:
    """`per_letter` clean samples of each letter A-Z, each from a different writer, reproducibly."""
    rng = np.random.default_rng(seed)
    by_letter = defaultdict(list)
    for r in records:
        if r.get("flag", "ok") == "ok" and r["label"] in LETTERS:
            by_letter[r["label"]].append(r)
    chosen = []
    for letter in LETTERS:
        seen = set()
        for i in rng.permutation(len(by_letter[letter])):
            r = by_letter[letter][i]
            if r["writer"] not in seen:
                seen.add(r["writer"])
                chosen.append(r)
            if len(seen) == per_letter:
                break
    return chosen


def fit(strokes, width: float, height: float, margin: float) -> list[np.ndarray]:
    """Strokes scaled (aspect kept) and centred into a width x height pad, `margin` from its edges."""
    arrays = [np.asarray(s, dtype=float) for s in strokes]
    pts = np.concatenate(arrays)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    extent = np.maximum(hi - lo, 1e-6)
    scale = min((width - 2 * margin) / extent[0], (height - 2 * margin) / extent[1])
    offset = np.array([width, height]) / 2 - (lo + hi) / 2 * scale
    return [a * scale + offset for a in arrays]


def resample(stroke: np.ndarray, points: int) -> np.ndarray:
    """At most `points` points of a stroke, evenly spaced along its recorded points, ends kept."""
    if len(stroke) <= points:
        return stroke
    keep = np.unique(np.linspace(0, len(stroke) - 1, points).round().astype(int))
    return stroke[keep]


def replayable(strokes, width: float, height: float, margin: float,
               points: int = 28) -> list[list[tuple[float, float]]]:
    """What the test sends as mouse moves: fitted to the pad, resampled, rounded to 0.1 px."""
    return [[(round(float(x), 1), round(float(y), 1)) for x, y in resample(s, points)]
            for s in fit(strokes, width, height, margin)]
