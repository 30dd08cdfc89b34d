"""Held-out accuracy of the shipped recipe: leave-one-UNIPEN-lab-out, plus the synthetic-only model.

For each of the 7 UNIPEN labs, train on the embedded synthetic set and the other 6 labs and test
on the held-out lab (clean samples, flag == "ok"); then train on the embedded default alone. Every
model is also tested on the real_letters sources and the touchscreen writers. Prints a table and
writes bench/results/heldout.json (docs/measurements.md quotes it; the letter recipe's 8 epochs, `handwriting.recipes`,
are its median best epoch, rounded up).

    .venv/bin/python bench/heldout.py [--epochs 10] [--synthetic 26000] [--not-letters 0.1] [--word-pieces 0.15]
                                     [--redraws 0] [--labs apa,apb]

Offline and slow (20 to 45 minutes on 2 cores); not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from handwriting.data.dataset import Dataset
from handwriting.data.shared import labs, unseen_writer_sets, unipen
from handwriting.data.synthetic import generate
from handwriting.imaging.strokes import DEFAULT_PEN_WIDTH
from handwriting.letters.evaluate import evaluate
from handwriting.letters.train import TrainConfig, train
from handwriting.recipes import TRAIN_PEN_WIDTHS, word_piece_maker

RESULTS = Path(__file__).parent / "results" / "heldout.json"


def run(name, train_data, tests, args, workdir):
    config = TrainConfig(data=[name], epochs=args.epochs, seed=args.seed, batch_size=args.batch_size,
                         model_path=str(Path(workdir) / f"{name}.keras"), patience=args.epochs,
                         not_letters=args.not_letters)
    extras = [word_piece_maker(args.word_pieces)] if args.word_pieces > 0 else []
    result = train(config, data=train_data, verbose=0, extras=extras)
    scores = {test: evaluate(result.model, data)["accuracy"] for test, data in tests.items()}
    history = result.history["val_accuracy"]
    row = {"train_images": len(train_data), "best_epoch": int(np.argmax(history)) + 1,
           "val_accuracy": history, "seconds": result.card["training"]["seconds"],
           "images_per_second": result.card["training"]["images_per_second"], "scores": scores}
    print(f"{name}: " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()) +
          f" (best epoch {row['best_epoch']}, {row['images_per_second']} img/s)", flush=True)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--synthetic", type=int, default=26_000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--not-letters", type=float, default=0.1, help="share of not-letters, as shipped")
    parser.add_argument("--word-pieces", type=float, default=0.15, help="share of word pieces, as shipped")
    parser.add_argument("--redraws", type=int, default=0, help="new drawings of each trajectory (0, as shipped)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--labs", help="comma-separated subset of labs (default: all 7; 'none' to re-run "
                                       "only the synthetic-only model)")
    parser.add_argument("--skip-synthetic-only", action="store_true")
    args = parser.parse_args()

    started = time.time()
    uni = unipen(TRAIN_PEN_WIDTHS, redraws=args.redraws)
    uni_labs = labs(uni)
    uni_test = unipen(pen_widths=(DEFAULT_PEN_WIDTH,))  # held-out labs are tested at the pad's pen width
    test_labs = labs(uni_test)
    synthetic = generate(args.synthetic, seed=args.seed)
    tests = unseen_writer_sets()
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    results["settings"] = vars(args)
    results.setdefault("labs", {})
    with tempfile.TemporaryDirectory() as workdir:
        if not args.skip_synthetic_only:
            results["synthetic_only"] = run("synthetic-only", synthetic, dict(tests), args, workdir)
        chosen = [] if args.labs == "none" else args.labs.split(",") if args.labs else sorted(set(uni_labs))
        for lab in chosen:
            held = uni_test[test_labs == lab]
            train_data = Dataset.concat([synthetic, uni[uni_labs != lab]])
            lab_tests = dict(tests, **{f"unipen lab {lab} (held out)": held})
            row = run(f"without-{lab}", train_data, lab_tests, args, workdir)
            row["held_out_accuracy"] = row["scores"][f"unipen lab {lab} (held out)"]
            row["test_images"] = len(held)
            results["labs"][lab] = row
            RESULTS.parent.mkdir(exist_ok=True)
            RESULTS.write_text(json.dumps(results, indent=1))
    per_lab = [r["held_out_accuracy"] for r in results["labs"].values()]
    results["unipen_leave_one_lab_out_mean"] = float(np.mean(per_lab)) if per_lab else None
    results["best_epochs"] = [r["best_epoch"] for r in results["labs"].values()]
    RESULTS.write_text(json.dumps(results, indent=1))
    print(f"\nleave-one-lab-out mean over {len(per_lab)} labs: {results['unipen_leave_one_lab_out_mean']:.4f}")
    print(f"best epochs: {results['best_epochs']}; total {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
