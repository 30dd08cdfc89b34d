"""The one recorded command that produces the shipped model, models/handwriting.keras + its card.

    .venv/bin/python bench/ship_model.py

Trains the shipped recipe (embedded synthetic set + UNIPEN pen trajectories, licensed data only)
for the epoch count the held-out runs found (bench/heldout.py -> bench/results/heldout.json),
with a tenth as many not-letters (touching pairs, letters with a sliver of a neighbour:
handwriting.negatives) so that bad cuts of a word read as unsure, and 15 % more pictures cut from
words composed of the training letters, as the word reader sees them (handwriting.word_pieces:
letters with their neighbours cut away, parts of letters, pairs), keeps a small group of UNIPEN
writers aside for early stopping and the uncertainty threshold, tests on writers it never saw,
and writes the held-out table into the card.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import numpy as np

from handwriting.corpus import TRAIN_PEN_WIDTHS
from handwriting.modelcard import save_card
from handwriting.paths import PROJECT_ROOT, models_dir, shared_data_dir
from handwriting.train import TrainConfig, train

HELDOUT = Path(__file__).parent / "results" / "heldout.json"


def main() -> int:
    shared = shared_data_dir()
    heldout = json.loads(HELDOUT.read_text()) if HELDOUT.is_file() else {}
    best = heldout.get("best_epochs") or [10]
    epochs = int(np.ceil(np.median(best)))
    config = TrainConfig(
        data=[f"synthetic:{heldout.get('settings', {}).get('synthetic', 26000)}", f"{shared / 'strokes_letters.json'}?flag=ok&writer=unipen:*"],
        test=[str(shared / "real_letters.npz"), f"{shared / 'strokes_letters.json'}?flag=ok&writer=kenan:*"],
        pen_widths=TRAIN_PEN_WIDTHS, epochs=epochs, patience=epochs, validation_fraction=0.05,
        shift_average=True, not_letters=0.1, word_pieces=0.15,
        model_path=str(models_dir() / "handwriting.keras"))
    result = train(config, verbose=2)
    card = dict(result.card)
    card["command"] = shlex.join([".venv/bin/python", "bench/ship_model.py", *sys.argv[1:]])
    # Name files as seen from the project root, not from this machine's folders.
    card["params"] = json.loads(json.dumps(card["params"]).replace(str(PROJECT_ROOT) + "/", "")
                                .replace(str(PROJECT_ROOT.parent), ".."))
    if heldout.get("labs"):
        card["metrics"][f"UNIPEN leave-one-lab-out (mean of {len(heldout['labs'])} labs)"] = {
            "accuracy": heldout["unipen_leave_one_lab_out_mean"],
            "count": sum(r["test_images"] for r in heldout["labs"].values())}
        card["heldout"] = {lab: r["held_out_accuracy"] for lab, r in heldout["labs"].items()}
    if heldout.get("synthetic_only"):
        card["synthetic_only_model"] = heldout["synthetic_only"]["scores"]
    save_card(result.model_path, card)
    print(json.dumps(card["metrics"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
