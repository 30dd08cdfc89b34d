"""The one recorded command that produces the shipped word model, models/words.keras + its card.

    .venv/bin/python bench/ship_words.py [--composed models/local/words-composed.keras]

Two stages, from licensed data only:
1. `handwriting.words.model` learns 100,000 words of random letters composed from the embedded
   synthetic letters (MIT) and the UNIPEN capitals of strokes_letters.json (CC BY 4.0), as letter
   pictures and as pen trajectories drawn together (`handwriting.words.corpus`). About 35 minutes
   on two cores; saved as models/local/words-composed.keras (skipped when that file is there, or
   given with --composed).
2. It goes on learning for 4 short epochs with the real pen-written words of strokes_words.json
   (UNIPEN, CC BY 4.0) mixed in, each redrawn 12 times, except one fold of writers and one fold of
   texts (of 3 each): the words in both are read afterwards for the card, and the tests read them.
   About 15 minutes. `bench/word_model_folds.py` measures this stage cross-validated.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handwriting.cards import save_card  # noqa: E402
from handwriting.paths import PROJECT_ROOT, local_models_dir, models_dir, shared_data_dir  # noqa: E402
from handwriting.words.train import WordTrainConfig, train_words  # noqa: E402


COMPOSED = local_models_dir() / "words-composed.keras"
FOLDS, HELD_OUT = 3, (0, 0)  # the shipped model never sees the words of writer fold 0 and text fold 0 of 3


def unipen_letters() -> str:
    return f"{shared_data_dir() / 'strokes_letters.json'}?flag=ok&writer=unipen:*"


def recipe(model_path: str | Path, words: int = 100_000, epochs: int = 12) -> WordTrainConfig:
    """Stage 1: composed words only; every real pen-written word is a test word."""
    return WordTrainConfig(letters=["synthetic:26000", unipen_letters()], pen_letters=unipen_letters(), words=words,
                           epochs=epochs, test_words=str(shared_data_dir() / "strokes_words.json"),
                           model_path=str(model_path))


def fine_tune_recipe(model_path: str | Path, composed: str | Path, folds: int = FOLDS,
                     held_out: tuple[int, int] = HELD_OUT) -> WordTrainConfig:
    """Stage 2: from the composed-words model, real pen-written words mixed in, one fold held out."""
    return WordTrainConfig(letters=["synthetic:26000", unipen_letters()], pen_letters=unipen_letters(), words=30_000,
                           epochs=4, learning_rate=3e-4, real_words=str(shared_data_dir() / "strokes_words.json"),
                           folds=folds, held_out=held_out, init_model=str(composed), seed=1, model_path=str(model_path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=100_000, help="composed training words of stage 1")
    parser.add_argument("--epochs", type=int, default=12, help="epochs of 32,000 words of stage 1")
    parser.add_argument("--composed", type=Path, default=COMPOSED,
                        help="the stage 1 model: trained and saved here unless the file is there")
    parser.add_argument("--out", default=str(models_dir() / "words.keras"), help="where to save (default: the shipped model)")
    args = parser.parse_args()
    command = shlex.join([".venv/bin/python", str(Path(__file__).resolve().relative_to(PROJECT_ROOT)), *sys.argv[1:]])
    if not args.composed.is_file():
        _, card = train_words(recipe(args.composed, args.words, args.epochs))
        save_card(args.composed, dict(card, command=command))
    out = Path(args.out)
    _, card = train_words(fine_tune_recipe(out, args.composed))
    save_card(out, dict(card, command=command))
    print(f"saved {out} and its card")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
