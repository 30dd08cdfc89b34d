"""The `handwriting` command: info, synth, convert, train, ship, litert, evaluate, predict, dashboard, db.

Each subcommand imports what it needs when it runs, so `handwriting info` starts in a fraction of
a second and never loads TensorFlow; the commands that need it get it through
`console.import_tensorflow`, without its C++ start-up lines.
"""

from __future__ import annotations

import argparse
import json
import sys

from handwriting import console
from handwriting.words.folds import FOLDS

# Commands whose code imports TensorFlow or Keras: main() imports it quietly before running them.
# `predict` does only when a model it reads has no fresh LiteRT conversion (`handwriting.runtime`).
TENSORFLOW_COMMANDS = {"evaluate", "train", "ship", "litert"}


def _resolve(value: str):
    """A papermill-style parameter value: JSON (numbers, true/false/null, lists) or else a string."""
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        lowered = value.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered in ("none", "null"):
            return None
        return value


def _print_json(obj) -> None:
    print(json.dumps(obj))


def cmd_info(args) -> int:
    from handwriting.data.formats import detect_format, load

    fmt = detect_format(args.data)
    with console.Stages("reading data", quiet=args.json):
        data = load(args.data)
    report = {"format": fmt, "count": len(data), "per_letter": data.per_letter()}
    if args.json:
        _print_json(report)
    else:
        print(f"{args.data}: {fmt}, {len(data)} images")
        counts = report["per_letter"]
        print("  " + "  ".join(f"{k}:{v}" for k, v in counts.items()))
        sources = sorted(set(data.source.tolist()))
        if len(sources) > 1:
            print(f"  sources: {', '.join(sources)}")
    return 0


def cmd_synth(args) -> int:
    from handwriting.data.formats import save
    from handwriting.data.synthetic import generate

    if args.count < 1:
        raise ValueError("--count must be at least 1")
    out = save(generate(args.count, seed=args.seed), args.out)
    print(f"wrote {args.count} images to {out}")
    return 0


def cmd_convert(args) -> int:
    from handwriting.data.formats import load, save

    with console.Stages("reading data", f"writing {args.out}") as stages:
        data = load(args.data)
        stages.next()
        out = save(data, args.out)
    print(f"wrote {len(data)} images to {out}")
    return 0


def cmd_train(args) -> int:
    from handwriting.letters.train import TrainConfig, train
    from handwriting.recipes import EXTRA_PARAMETERS, extra_pictures

    params = {}
    for name, value in args.parameters or []:
        value = _resolve(value)
        if name in params and name in ("data", "validation"):  # repeated -p data a -p data b
            params[name] = (params[name] if isinstance(params[name], list) else [params[name]]) + [value]
        else:
            params[name] = value
    extras = {name: params.pop(name) for name in EXTRA_PARAMETERS if name in params}  # pictures, not config
    config = TrainConfig.from_params(**params)
    result = train(config, verbose=2, extras=extra_pictures(**extras))
    print(f"saved {result.model_path} and its model card "
          f"(validation accuracy {result.card['metrics']['validation (held-out writers)']['accuracy']:.4f})")
    return 0


def cmd_evaluate(args) -> int:
    from handwriting.data.formats import load
    from handwriting.letters.evaluate import evaluate
    from handwriting.letters.reader import load_keras_model
    from handwriting.paths import default_model_path

    with console.Stages("reading data", "loading the model", "evaluating", quiet=args.json) as stages:
        data = load(args.data)
        stages.next()
        model = load_keras_model(args.model or default_model_path())
        stages.next()
        result = evaluate(model, data)
    if args.json:
        _print_json(result)
    else:
        print(f"{args.data}: {result['count']} images, top-1 {result['accuracy']:.4f}, "
              f"top-3 {result['top3_accuracy']:.4f}")
        for name, m in result.get("per_source", {}).items():
            print(f"  {name}: {m['count']} images, top-1 {m['accuracy']:.4f}, top-3 {m['top3_accuracy']:.4f}")
    return 0


def cmd_ship(args) -> int:
    from handwriting import recipes

    if args.model == "letters":
        result = recipes.ship_letters(aligned=args.aligned_words, strategy=args.strategy)
        print(f"saved {result.model_path} and its model card")
    else:
        if args.model == "words":
            saved = recipes.ship_words(force_composed=args.force_composed, strategy=args.strategy)
        else:
            saved = recipes.ship_pen(fold=args.fold, strategy=args.strategy)
        print(f"saved {saved} and its model card")
    return 0


def cmd_litert(args) -> int:
    from pathlib import Path

    from handwriting.paths import default_model_path, default_pen_model_path, default_word_model_path
    from handwriting.runtime import convert, fresh_conversion

    models = [Path(m) for m in args.models] or [p for p in (default_model_path(), default_word_model_path(),
                                                            default_pen_model_path()) if p.is_file()]
    for model in models:
        if not model.is_file():
            raise FileNotFoundError(f"{model}: no model file to convert")
        state = "up to date" if fresh_conversion(model) else "converted"
        with console.tensorflow_log_filtered():  # the converter's C++ log lines
            out = convert(model)
        print(f"{model}: {state}: {out}")
    return 0


def cmd_db(args) -> int:
    from handwriting.app.store import Store, StoreError
    from handwriting.app.store.transfer import copy_store

    try:
        with Store(args.source) as source, Store(args.destination) as destination:
            result = copy_store(source, destination, append=args.append)
    except StoreError as exc:
        print(f"handwriting db {args.action}: error: {exc}", file=sys.stderr)
        return 2
    ids = ("ids kept" if result.ids_kept else
           f"ids mapped: the destination held {result.before} rows, so the copies got new ids")
    print(f"copied {result.rows} rows from {result.source} to {result.destination} ({ids})")
    return 0


def _needs_tensorflow(args) -> bool:
    if args.command in TENSORFLOW_COMMANDS:
        return True
    if args.command != "predict":
        return False
    from pathlib import Path

    from handwriting.paths import default_model_path, default_word_model_path
    from handwriting.runtime import fresh_conversion, runtime_choice

    word = {"none": None, "default": default_word_model_path()}.get(args.word_model, args.word_model)
    models = [Path(m) for m in (args.model or default_model_path(), word) if m is not None]
    return runtime_choice() == "keras" or any(m.is_file() and fresh_conversion(m) is None for m in models)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="handwriting", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("info", help="format, image count and counts per letter of a data source")
    p.add_argument("data", help="Kaggle CSV, EMNIST idx file, image folder or zip, .npz, strokes .json, or 'synthetic'")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("synth", help="write the embedded synthetic data set")
    p.add_argument("--count", type=int, default=26_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="FILE.npz, or FILE.csv for the Kaggle CSV format")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("convert", help="convert any readable data source to .npz or Kaggle-format .csv")
    p.add_argument("data")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("train", help="train a model (same function as notebooks/03_training.ipynb)")
    p.add_argument("-p", "--parameter", dest="parameters", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="papermill-style parameter, e.g. -p epochs 1 -p limit 2000 -p data synthetic")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("ship", help="train a shipped model by its recipe (handwriting.recipes; about an hour)",
                       description="Train a shipped model by its recipe (handwriting.recipes) and write its card.")
    models = p.add_subparsers(dest="model", required=True)
    q = models.add_parser("letters", help="models/handwriting.keras")
    q.add_argument("--aligned-words", action="store_true",
                   help="the two-stage recipe with letters cut out of the pen-written words, into models/local/ "
                        "(measured, not shipped)")
    q = models.add_parser("words", help="models/words.keras, words in capitals, from pictures")
    q.add_argument("--force-composed", action="store_true",
                   help="train stage 1 (composed words) again even if models/local/words-composed.keras is there")
    q = models.add_parser("pen", help="models/pen.keras, words in any case, from the pen's trajectory")
    q.add_argument("--fold", type=int, choices=range(len(FOLDS)), metavar="K",
                   help="train the fold model that never sees fold K's labs instead, into models/local/ "
                        "(handwriting.words.folds; bench/words_any_case.py measures them)")
    for q in models.choices.values():
        q.add_argument("--strategy", choices=("one", "mirrored", "multiworker"), default="one",
                       help="one device, every GPU here, or several machines (TF_CONFIG): docs/training.md")
    p.set_defaults(func=cmd_ship)

    p = sub.add_parser("litert", help="convert models to LiteRT, what the dashboard's kernels answer with "
                                      "(handwriting.runtime)")
    p.add_argument("models", nargs="*", help=".keras models (default: the shipped letter, word and pen models)")
    p.set_defaults(func=cmd_litert)

    p = sub.add_parser("evaluate", help="accuracy of a model on a labelled data source")
    p.add_argument("data")
    p.add_argument("--model", help="a .keras model (default: the shipped model)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("db", help="manage the predictions database (SQLite file or postgresql:// URL)")
    actions = p.add_subparsers(dest="action", required=True)
    q = actions.add_parser("copy", help="copy every row (visitors, corrections) from one database to another")
    q.add_argument("source", help="a SQLite file, sqlite:///path or postgresql://user@host/database")
    q.add_argument("destination", help="the same kinds; must be empty unless --append")
    q.add_argument("--append", action="store_true", help="add to a database that has rows (the copies get new ids)")
    p.set_defaults(func=cmd_db)

    from handwriting.app import predict
    from handwriting.app import serve

    for module, command, help_text in (
        (predict, "predict", "read letters, words or lines from image files"),
        (serve, "dashboard", "serve the Voila dashboard"),
    ):
        p = sub.add_parser(command, help=help_text)
        module.add_arguments(p)
        p.set_defaults(func=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from handwriting.data.dataset import DataError

    try:
        if _needs_tensorflow(args):
            console.import_tensorflow(quiet=getattr(args, "json", False))
        return int(args.func(args) or 0)
    except (DataError, ValueError, FileNotFoundError) as exc:
        print(f"handwriting {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
