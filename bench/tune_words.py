"""How much the word reader trusts the word model against the letter model's cuts: a grid.

    .venv/bin/python bench/tune_words.py [--word-model PATH]

For every line it scores the letter model's own reading and the word model's most probable texts
once (`Recognizer.weighing`), then re-chooses the text for each (weight, uncut) pair of the
grid (`Weighing.choose`). The pen-written words of strokes_words.json are dealt by writer into
two halves: the grid is chosen on half A plus 200 composed words made like (a)'s but drawn with
another seed (other words, other draws of the same letters: bench_words reads (a) with seed 0),
and reported on half B, which it never saw, against reading with letters alone (weight =
infinity) in the same run.
"""

from __future__ import annotations

import argparse
import json
import zlib

import numpy as np

from handwriting.imaging.paper import strokes_on_paper
from handwriting.paths import shared_data_dir
from handwriting.words.real_composed import composed_pictures

WEIGHTS = (0.5, 1.0, 1.5, 2.0, 3.0, 5.0)
UNCUTS = (2.0, 4.0, 6.0, 10.0, 1e9)
TUNING_SEED = 1  # not bench_words' seed 0: the constants are not chosen on (a)'s own words


def exact(rows, weight, uncut) -> float:
    ok = [truth == (weighing.choose(weight, uncut) if weight < np.inf else weighing.own)
          for truth, weighing in rows]
    return 100 * float(np.mean(ok))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--word-model", default="default")
    args = parser.parse_args()
    from handwriting.recognize.reader import Recognizer

    rec = Recognizer(word_model=args.word_model, pen_model=None)
    if rec.word_model is None:
        print("no word model (train one: handwriting ship words)")
        return 1
    words = json.loads((shared_data_dir() / "strokes_words.json").read_text())
    half = {"A": [], "B": []}
    for w in words:
        scores = rec.weighing(strokes_on_paper(w["strokes"]))
        if scores is not None:
            half["AB"[zlib.crc32(w["writer"].encode()) % 2]].append((w["label"], scores))
    composed = [(c.word, s) for c in composed_pictures(shared_data_dir(), 200, seed=TUNING_SEED)
                if (s := rec.weighing(c.picture)) is not None]
    tune = half["A"] + composed
    grid = {(w, u): exact(tune, w, u) for w in WEIGHTS for u in UNCUTS}
    print(f"grid on half A of the pen-written words ({len(half['A'])}) + {len(composed)} composed words, % exact:")
    print("weight \\ uncut " + " ".join(f"{u:>7g}" for u in UNCUTS))
    for w in WEIGHTS:
        print(f"{w:>14g} " + " ".join(f"{grid[(w, u)]:7.1f}" for u in UNCUTS))
    w, u = max(grid, key=grid.get)
    print(f"best: weight {w:g}, uncut {u:g}")
    for name, rows in (("half A (tuned on)", half["A"]), ("half B (never tuned on)", half["B"]),
                       ("composed words (seed 1)", composed)):
        print(f"{name}, {len(rows)} words: {exact(rows, w, u):.1f} % exact with the word model, "
              f"{exact(rows, np.inf, u):.1f} % with letters alone (the baseline)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
