"""The one recorded command that produces the shipped word model, models/words.keras + its card.

    .venv/bin/python bench/ship_words.py

Trains `handwriting.word_model` on 100,000 words of random letters composed from licensed
letters only: the embedded synthetic set (MIT) and the UNIPEN capitals of
strokes_letters.json (CC BY 4.0), as letter pictures and as pen trajectories drawn together
(`handwriting.word_corpus`). The real pen-written words of strokes_words.json never train it:
they are read afterwards and the result goes into the card. About 30 minutes on two cores.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handwriting.modelcard import save_card  # noqa: E402
from handwriting.paths import PROJECT_ROOT, models_dir, shared_data_dir  # noqa: E402
from handwriting.train_words import WordTrainConfig, train_words  # noqa: E402


def recipe(model_path: str | Path, words: int = 100_000, epochs: int = 12) -> WordTrainConfig:
    unipen = f"{shared_data_dir() / 'strokes_letters.json'}?flag=ok&writer=unipen:*"
    return WordTrainConfig(letters=["synthetic:26000", unipen], pen_letters=unipen, words=words, epochs=epochs,
                           test_words=str(shared_data_dir() / "strokes_words.json"), model_path=str(model_path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=100_000, help="composed training words")
    parser.add_argument("--epochs", type=int, default=12, help="epochs of 32,000 words")
    parser.add_argument("--out", default=str(models_dir() / "words.keras"), help="where to save (default: the shipped model)")
    args = parser.parse_args()
    out = Path(args.out)
    _, card = train_words(recipe(out, args.words, args.epochs))
    card["command"] = shlex.join([".venv/bin/python", str(Path(__file__).resolve().relative_to(PROJECT_ROOT)),
                                  *sys.argv[1:]])
    save_card(out, card)
    print(f"saved {out} and its card")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
