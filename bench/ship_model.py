"""The one recorded command that produces the shipped model, models/handwriting.keras + its card.

    .venv/bin/python bench/ship_model.py [--aligned-words]

Trains the shipped recipe (embedded synthetic set + UNIPEN pen trajectories, licensed data only)
for the epoch count the held-out runs found (bench/heldout.py -> bench/results/heldout.json),
with a tenth as many not-letters (touching pairs, letters with a sliver of a neighbour:
handwriting.data.not_letters) so that bad cuts of a word read as unsure, and 15 % more pictures cut from
words composed of the training letters, as the word reader sees them (handwriting.words.pieces:
letters with their neighbours cut away, parts of letters, pairs), keeps a small group of UNIPEN
writers aside for early stopping and the uncertainty threshold, tests on writers it never saw,
and writes the held-out table into the card.

`--aligned-words` trains the measured but not shipped two-stage recipe instead: the same recipe
keeping its last epoch, saved as models/local/aligner.keras, aligns every UNIPEN pen-written word
of strokes_words.json with its label (handwriting.words.aligned_letters); then the same again with the
letters cut out of those words, saved as models/local/aligned-words.keras. It reads pen-written words of unseen writers better
(bench/words_heldout.py) but cards worse (the README says by how much).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import numpy as np

from handwriting.data.shared import TRAIN_PEN_WIDTHS
from handwriting.cards import save_card
from handwriting.paths import PROJECT_ROOT, local_models_dir, models_dir, shared_data_dir
from handwriting.letters.train import TrainConfig, train

HELDOUT = Path(__file__).parent / "results" / "heldout.json"
WORDS_HELDOUT = Path(__file__).parent / "results" / "words_heldout.json"  # bench/words_heldout.py


def recipe(model_path: str | Path, aligned_words: str | None = None, aligner: str | Path | None = None,
           restore_best: bool = True) -> TrainConfig:
    """The shipped training recipe, saving to `model_path`; with `aligned_words`, the two-stage
    recipe's second stage (both of its stages keep the last epoch: `restore_best=False`)."""
    shared = shared_data_dir()
    heldout = json.loads(HELDOUT.read_text()) if HELDOUT.is_file() else {}
    epochs = int(np.ceil(np.median(heldout.get("best_epochs") or [10])))
    return TrainConfig(
        data=[f"synthetic:{heldout.get('settings', {}).get('synthetic', 26000)}", f"{shared / 'strokes_letters.json'}?flag=ok&writer=unipen:*"],
        test=[str(shared / "real_letters.npz"), f"{shared / 'strokes_letters.json'}?flag=ok&writer=kenan:*"],
        pen_widths=TRAIN_PEN_WIDTHS, epochs=epochs, patience=epochs, restore_best=restore_best, validation_fraction=0.05,
        shift_average=True, not_letters=0.1, word_pieces=0.15, model_path=str(model_path),
        aligned_words=aligned_words, aligner=None if aligner is None else str(aligner))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aligned-words", action="store_true",
                        help="the two-stage recipe with letters cut out of the pen-written words (not shipped)")
    args = parser.parse_args()
    if args.aligned_words:
        aligner = local_models_dir() / "aligner.keras"
        train(recipe(aligner, restore_best=False), verbose=2)
        words = f"{shared_data_dir() / 'strokes_words.json'}?writer=unipen:*"
        # Not the shipped model: saved beside the aligner, for `--model` and the benchmarks.
        result = train(recipe(local_models_dir() / "aligned-words.keras", words, aligner, restore_best=False),
                       verbose=2)
    else:
        result = train(recipe(models_dir() / "handwriting.keras"), verbose=2)
    save_card(result.model_path, with_bench_results(result.card))
    print(json.dumps(result.card["metrics"], indent=1))
    return 0


def with_bench_results(card: dict) -> dict:
    """The card with the recording command and the held-out benchmarks' results (bench/results/)."""
    heldout = json.loads(HELDOUT.read_text()) if HELDOUT.is_file() else {}
    card = dict(card)
    card["command"] = shlex.join([".venv/bin/python", "bench/ship_model.py", *sys.argv[1:]])
    # Name files as seen from the project root, not from this machine's folders.
    card["params"] = json.loads(json.dumps(card["params"]).replace(str(PROJECT_ROOT) + "/", "")
                                .replace(str(PROJECT_ROOT.parent), ".."))
    if heldout.get("labs"):
        card["metrics"][f"UNIPEN leave-one-lab-out (mean of {len(heldout['labs'])} labs)"] = {
            "accuracy": heldout["unipen_leave_one_lab_out_mean"],
            "count": sum(r["test_images"] for r in heldout["labs"].values())}
        card["heldout"] = {lab: r["held_out_accuracy"] for lab, r in heldout["labs"].items()}
    if card["params"].get("aligned_words") and WORDS_HELDOUT.is_file():
        words = json.loads(WORDS_HELDOUT.read_text())
        card["words_heldout"] = {k: words[k] for k in ("words", "folds", "paper", "strokes", "baseline_paper",
                                                       "baseline_strokes")}
    if heldout.get("synthetic_only"):
        card["synthetic_only_model"] = heldout["synthetic_only"]["scores"]
    return card


if __name__ == "__main__":
    sys.exit(main())
