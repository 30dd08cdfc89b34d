"""Benchmark: the synthetic data set's images per second on one core, against bare rendering.

The baseline is `render_strokes` of the undistorted glyphs (the same variants, in the same
proportions), i.e. what the generator would cost if it only drew the letters; the ratio shows what
the distortions add. Also times the one-off start (decoding the Hershey font, parsing skeletons).
Generation is plain Python + NumPy + Pillow on one thread; the process is pinned to one CPU where
the OS allows it.

    .venv/bin/python bench/bench_synthetic.py [--count 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from handwriting import LETTERS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is shown")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    from handwriting.data import synthetic
    from handwriting.imaging.strokes import render_strokes

    t = time.perf_counter()
    table = {letter: synthetic.glyph_variants(letter) for letter in LETTERS}
    start = time.perf_counter() - t

    rng = np.random.default_rng(0)
    plain = []
    for k in range(args.count):
        variants = table[LETTERS[k % 26]]
        weights = np.array([v.weight for v in variants])
        plain.append(list(variants[rng.choice(len(variants), p=weights / weights.sum())].strokes))

    def baseline() -> float:
        t = time.perf_counter()
        for strokes in plain:
            render_strokes(strokes)
        return time.perf_counter() - t

    def ours() -> float:
        t = time.perf_counter()
        synthetic.generate(args.count, seed=0)
        return time.perf_counter() - t

    base_runs, our_runs = [], []
    for _ in range(args.repeat):  # interleaved, so background load hits both alike
        base_runs.append(baseline())
        our_runs.append(ours())
    base, mine = min(base_runs), min(our_runs)

    print(f"{args.count} images, best of {args.repeat}, one core; start-up (font + skeletons) "
          f"{start * 1000:.0f} ms")
    print(f"{'':52s} {'images/s':>9s} {'vs baseline':>12s}")
    print(f"{'render_strokes of the undistorted glyphs (baseline)':52s} "
          f"{args.count / base:9.0f} {'1.00x':>12s}")
    print(f"{'synthetic.generate (distort + render + tags)':52s} "
          f"{args.count / mine:9.0f} {base / mine:11.2f}x")


if __name__ == "__main__":
    main()
