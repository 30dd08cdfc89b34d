"""Pen-written words (b) read with a word model that also learnt real words, cross-validated.

    .venv/bin/python bench/word_model_folds.py [--folds 2] [--composed models/local/words-composed.keras]

The shipped word model goes on training on real pen-written words of strokes_words.json
(`handwriting ship words`), so reading those words with it would flatter it. UNIPEN's writers wrote
the same word lists, so holding writers out is not enough either: a model that saw FAMILY
written by others may read it partly by heart. Here the words are dealt into folds of writers and
folds of texts (`handwriting.words.train.split_real_words`); for each (writer fold, text fold) one
model goes on training on the words of the other writers *with other texts*, and reads the words
in both folds.
Every word is read once, by a model that never saw its writer nor its text.

The baseline, in the same run and on the same words: the reader with the composed-words model it
started from (what `bench_words.py` measured before), and with letters alone. Prints a table and
writes bench/results/word_model_folds.json (docs/measurements.md quotes it).

Offline and slow (about 10 minutes per model on 2 cores); not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from words_heldout import percent, read  # (the same two readings, the same rounding)

from handwriting.paths import shared_data_dir
from handwriting.recipes import COMPOSED, fine_tune_recipe
from handwriting.recognize.reader import Recognizer
from handwriting.words.train import split_real_words, train_words

RESULTS = Path(__file__).parent / "results" / "word_model_folds.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--composed", type=Path, default=COMPOSED,
                        help="the composed-words model to go on from (handwriting ship words leaves it there)")
    parser.add_argument("--only", help="one model, 'writer fold,text fold' (a quick look; no results file)")
    parser.add_argument("--words", type=int, help="composed words per model (default: the shipped recipe's)")
    parser.add_argument("--epochs", type=int, help="epochs per model (default: the shipped recipe's)")
    args = parser.parse_args()
    if not args.composed.is_file():
        print(f"{args.composed}: no composed-words model (train it: handwriting ship words)")
        return 2
    spec = str(shared_data_dir() / "strokes_words.json")
    words = json.loads(Path(spec).read_text())
    cells = [(i, j) for i in range(args.folds) for j in range(args.folds)]
    if args.only:
        cells = [tuple(int(v) for v in args.only.split(","))]
    letters_alone, composed = Recognizer(word_model=None, pen_model=None), \
        Recognizer(word_model=args.composed, pen_model=None)
    hits, rows = {name: defaultdict(list) for name in ("tuned", "composed", "letters")}, []
    with tempfile.TemporaryDirectory() as tmp:
        for cell in cells:
            _, held = split_real_words(words, args.folds, cell)
            config = fine_tune_recipe(Path(tmp) / f"fold_{cell[0]}_{cell[1]}.keras", args.composed, args.folds, cell)
            if args.words:
                config.words = args.words
            if args.epochs:
                config.epochs = args.epochs
            _, card = train_words(config, log=lambda m: print(f"  [{cell}] {m}", flush=True))
            readers = {"tuned": Recognizer(word_model=config.model_path, pen_model=None), "composed": composed, "letters": letters_alone}
            row = {"writer fold": cell[0], "text fold": cell[1], "words": len(held),
                   "trained on real words": next(d["count"] for d in card["data"] if d["name"].startswith("real"))}
            for name, rec in readers.items():
                got = read(rec, held)
                for key in got:
                    hits[name][key] += got[key]
                    row[f"{name} {key}"] = percent(got[key])
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {"words": len(hits["tuned"]["paper"]), "folds": args.folds, "per_model": rows,
               **{f"{name} {key}": percent(h[key]) for name, h in hits.items() for key in ("paper", "strokes")}}
    print(f"\n(b) pen-written words, each read by a word model that never saw its writer nor its text "
          f"({summary['words']} words, {args.folds} x {args.folds} folds):")
    for key, what in (("paper", "on paper    "), ("strokes", "from strokes")):
        tuned, base, alone = (summary[f"{n} {key}"] for n in ("tuned", "composed", "letters"))
        print(f"  {what}: {tuned:5.1f} % exact   baseline (composed-words model) {base:5.1f} %   ratio "
              f"{tuned / max(base, 1e-9):.3f}   letters alone {alone:5.1f} %")
    if not args.only:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
