"""Pen-written words (b) read by models that never saw their writers: the two-stage recipe, cross-validated.

    .venv/bin/python bench/words_heldout.py [--folds 2] [--aligner models/local/aligner.keras]

The two-stage recipe (`handwriting ship letters --aligned-words`) learns letters cut out of every
pen-written word of strokes_words.json (`handwriting.words.aligned_letters`), so reading those words with
its model would flatter it. Here each lab's writers are dealt into folds; for each fold, the
recipe trains on the words of the other folds and reads this fold's words, drawn on paper and from
their strokes. The baseline, in the same run and on the same words: the first stage (single
letters only, no words, keeping the last epoch), which is also the aligner. Prints a table and writes
bench/results/words_heldout.json (docs/experiments.md quotes it).

Offline and slow (about 5 minutes per fold on 2 cores, and 3 for the aligner unless given); not part
of the tests.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from handwriting.imaging.paper import strokes_on_paper
from handwriting.paths import shared_data_dir
from handwriting.recipes import train_letters
from handwriting.recognize.reader import Recognizer
from handwriting.words.train import writer_folds

RESULTS = Path(__file__).parent / "results" / "words_heldout.json"


def read(rec: Recognizer, words: list[dict]) -> dict[str, list[bool]]:
    """Exact or not, per word: drawn on paper (as bench_words' (b)) and from the pen strokes."""
    return {"paper": [rec.read_word(strokes_on_paper(w["strokes"])).raw.replace(" ", "") == w["label"] for w in words],
            "strokes": [rec.read_word(w["strokes"]).raw.replace(" ", "") == w["label"] for w in words]}


def percent(hits: list[bool]) -> float:
    return round(100 * sum(hits) / max(len(hits), 1), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--aligner", type=Path, help="reuse this first-stage model (handwriting ship letters --aligned-words "
                                                     "leaves it in models/local/aligner.keras) instead of training it")
    args = parser.parse_args()
    shared = shared_data_dir()
    words = json.loads((shared / "strokes_words.json").read_text())
    fold_of = writer_folds(words, args.folds)
    with tempfile.TemporaryDirectory() as tmp:
        aligner = args.aligner or Path(tmp) / "aligner.keras"
        if args.aligner is None:
            train_letters(aligner, restore_best=False, verbose=0)
        baseline = Recognizer(aligner, pen_model=None)
        rows, hits, base_hits = [], defaultdict(list), defaultdict(list)
        labs = []
        for fold in range(args.folds):
            held = [w for w in words if fold_of[w["writer"]] == fold]
            seen = Path(tmp) / f"words_{fold}.json"
            seen.write_text(json.dumps([w for w in words if fold_of[w["writer"]] != fold]))
            result = train_letters(Path(tmp) / f"fold_{fold}.keras", str(seen), aligner, restore_best=False, verbose=0)
            got, base = read(Recognizer(result.model_path, pen_model=None), held), read(baseline, held)
            for key in got:
                hits[key] += got[key]
                base_hits[key] += base[key]
            labs += [w["writer"].split("/")[0] for w in held]
            rows.append({"fold": fold, "words": len(held), "writers": len({w["writer"] for w in held}),
                         "paper": percent(got["paper"]), "strokes": percent(got["strokes"]),
                         "baseline_paper": percent(base["paper"]), "baseline_strokes": percent(base["strokes"]),
                         "aligned_letters": next(d["count"] for d in result.card["data"] if "aligned" in d["name"])})
            print(json.dumps(rows[-1]), flush=True)
    per_lab = {lab: {"words": labs.count(lab),
                     "paper": percent([h for h, x in zip(hits["paper"], labs) if x == lab]),
                     "baseline_paper": percent([h for h, x in zip(base_hits["paper"], labs) if x == lab])}
               for lab in sorted(set(labs))}
    summary = {"words": len(labs), "folds": args.folds,
               "paper": percent(hits["paper"]), "strokes": percent(hits["strokes"]),
               "baseline_paper": percent(base_hits["paper"]), "baseline_strokes": percent(base_hits["strokes"]),
               "per_fold": rows, "per_lab": per_lab}
    print(f"\n(b) pen-written words, each read by a model that never saw its writer ({len(labs)} words, "
          f"{args.folds} folds of writers):")
    print(f"  on paper:     {summary['paper']:5.1f} % exact   baseline (letters only) {summary['baseline_paper']:5.1f} %   "
          f"ratio {summary['paper'] / max(summary['baseline_paper'], 1e-9):.3f}")
    print(f"  from strokes: {summary['strokes']:5.1f} % exact   baseline (letters only) {summary['baseline_strokes']:5.1f} %   "
          f"ratio {summary['strokes'] / max(summary['baseline_strokes'], 1e-9):.3f}")
    for lab, row in per_lab.items():
        print(f"  {lab:12s} {row['words']:4d} words  {row['paper']:5.1f} %  (baseline {row['baseline_paper']:5.1f} %)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
