"""Words in any case read by word models that never saw their writers, beside today's reader (issue 17).

    .venv/bin/python bench/words_any_case.py [--per-fold 800] [--seed 0]   # about 30 minutes on 2 busy cores
    .venv/bin/python bench/words_any_case.py --picture   # only docs/screenshots/words-any-case.png, a minute

UNIPEN's writers wrote into several files (capitals, lower-case letters, words), so the word models
are held out by lab, in the folds fixed in `handwriting.words.folds.FOLDS`: fold model K learnt from
no file of fold K's labs, their letters included (`handwriting ship words --fold K` makes
models/local/words-fold<K>.keras; fold 0's model is the shipped models/words.keras, whose card names
the labs it never learnt from). A model whose card does not name every lab of its fold is refused.

For each fold K, the words of unipen/words.json written in fold K's labs, by case group (lower,
mixed, capitals; lab lav's random letter strings apart, never in the means), up to --per-fold of
each group drawn at random, are read
  - drawn on paper (`strokes_on_paper`) and read as pictures, and
  - from their pen strokes, as the dashboard's pad gives them,
by Recognizer(letter model, fold K's word model).read_word and, on the same words in the same run,
by today's reader: the same letter model with the word model from before issue 17 (capitals only).
Raw readings, no lexicon: `raw` with its spaces dropped against the label in capitals, letters
compared case-insensitively: exact words and the character error rate (`handwriting.words.metrics`);
beside them the reading as written (`as_written`) exactly as the label is written, case included, and
(apart, never in place of raw) `word` with the built-in English lexicon, as the dashboard's Word tab reads.
A mean over folds weighs each fold by its group's words in words.json, not by how many were read.
The models answer through LiteRT, as in the dashboard (`--runtime`; a model with no conversion
beside it is converted once, into a file beside it).

With the shipped reader (fold 0's model) and today's, also bench_words.py's 300 scanned names (c)
and its composed words (a) (the same seed). The floors of issue 17 are printed, PASS or FAIL (the
case groups' on paper and from strokes each), and everything goes to bench/results/words_any_case.json.

Today's word model is not in the tree any more (fdc4d3f: the last commit before issue 17's models):
    git show fdc4d3f:models/words.keras > /tmp/hw/old-words.keras
    git show fdc4d3f:models/words.json > /tmp/hw/old-words.json    # its card, for its version
or --baseline PATH.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from bench_words import bench_names  # (c), read exactly as bench_words.py reads it

from handwriting.cards import load_card
from handwriting.imaging.paper import strokes_on_paper
from handwriting.paths import default_word_model_path, shared_data_dir
from handwriting.words.folds import FOLDS, KEPT_OUT, REPORTED_APART, case_group, fold_of, lab, of_labs
from handwriting.words.lexicon import Lexicon
from handwriting.words.metrics import WordScore
from handwriting.words.real_composed import composed_pictures

RESULTS = Path(__file__).parent / "results" / "words_any_case.json"
PICTURE = Path(__file__).parent.parent / "docs" / "screenshots" / "words-any-case.png"
BEFORE = "fdc4d3f"  # the last commit whose models/words.keras is today's word model (capitals only)
BASELINE = Path("/tmp/hw/old-words.keras")  # where `git show BEFORE:models/words.keras > ...` puts it
GROUPS = ("lower", "mixed", "capitals")
APART = "random strings"  # the group of REPORTED_APART's words, whatever their case
READERS = ("fold model", "today")
WAYS = ("paper", "strokes")
PER_FOLD = 800  # words per fold and group: 7 groups are larger, so ~6,350 words, each read 4 times (~0.16 s a word)
COMPOSED = 1600  # as bench_words.py's default: 1,200 words with letters apart, 400 with a touching pair
COMPOSED_SEED = 0  # bench_words.py's
LEXICON = Lexicon.builtin("en")  # the dashboard's Word tab's: its corrections are counted apart from raw


@dataclass(frozen=True)
class Floor:
    """A floor of issue 17 on a case group, word-weighted over the folds: the least share of words
    read exactly and, where set, the most character error rate."""
    group: str
    exact: float
    character_error_rate: float | None = None

    def __str__(self) -> str:
        cer = f", CER <= {100 * self.character_error_rate:.0f} %" if self.character_error_rate is not None else ""
        return f">= {100 * self.exact:.0f} % exact{cer}"


FLOORS = (Floor("lower", 0.60, 0.10), Floor("mixed", 0.60), Floor("capitals", 0.80))
NAMES_FLOOR = 0.55       # (c) all 300 names, exact
COMPOSED_MARGIN = 0.01   # (a) with letters apart: at most 1 point below today's reader


@dataclass
class Score:
    """One reader's readings of some words, one way: letters case-insensitive, as written, and
    with the built-in English lexicon's correction (measured apart: it never replaces `raw`)."""
    letters: WordScore   # raw (spaces dropped) against the label in capitals
    written: WordScore   # as written (spaces dropped) against the label as written
    lexicon: WordScore   # `word`: the lexicon's correction where one applies, else raw

    @classmethod
    def named(cls, name: str) -> Score:
        return cls(WordScore(name), WordScore(f"{name}, as written"), WordScore(f"{name}, with the lexicon"))

    def add(self, label: str, reading) -> None:
        self.letters.add(label.upper(), reading.raw.replace(" ", ""))
        self.written.add(label, reading.as_written.replace(" ", ""))
        self.lexicon.add(label.upper(), reading.word.replace(" ", ""))

    def rates(self) -> dict:
        return {"read": self.letters.words, "exact": round(self.letters.exact_rate, 4),
                "character_error_rate": round(self.letters.character_error_rate, 4),
                "as_written": round(self.written.exact_rate, 4), "with_lexicon": round(self.lexicon.exact_rate, 4)}


@dataclass
class Cell:
    """One fold's words of one group: how many words.json holds (the fold's weight in the means)
    and each reading of the words drawn from them, keyed "<reader>, <way>"."""
    fold: int
    group: str
    words: int
    scores: dict[str, Score] = field(default_factory=dict)

    def score(self, reader: str, way: str) -> Score:
        name = f"{reader}, {way}"
        return self.scores.setdefault(name, Score.named(f"fold {self.fold} {self.group}, {name}"))


@dataclass
class Mean:
    """A set of cells read one way by one reader, each cell weighted by its words in words.json."""
    group: str
    reader: str
    way: str
    folds: list[int]
    words: int            # the weight: the cells' words in words.json
    read: int             # the words read
    exact: float
    character_error_rate: float
    as_written: float
    with_lexicon: float   # `word` exact: the lexicon's help, apart from raw


@dataclass
class Check:
    """A floor of issue 17 against the number measured, with today's reader's beside it."""
    what: str
    floor: str
    value: float
    today: float
    passed: bool

    def __post_init__(self) -> None:
        self.value, self.today = round(self.value, 4), round(self.today, 4)


def weighted(cells: list[Cell], group: str, reader: str, way: str) -> Mean | None:
    """The cells' mean, each weighted by its words (None when none was read)."""
    cells = [c for c in cells if f"{reader}, {way}" in c.scores and c.scores[f"{reader}, {way}"].letters.words]
    if not cells:
        return None
    total = sum(c.words for c in cells)
    scores = [(c.words / total, c.scores[f"{reader}, {way}"]) for c in cells]
    return Mean(group, reader, way, sorted({c.fold for c in cells}), total, sum(s.letters.words for _, s in scores),
                round(sum(w * s.letters.exact_rate for w, s in scores), 4),
                round(sum(w * s.letters.character_error_rate for w, s in scores), 4),
                round(sum(w * s.written.exact_rate for w, s in scores), 4),
                round(sum(w * s.lexicon.exact_rate for w, s in scores), 4))


def group_of(record: dict) -> str:
    return APART if lab(record["writer"]) in REPORTED_APART else case_group(record["label"])


def sample(words: list[dict], fold: int, group: str, per_fold: int, seed: int) -> list[dict]:
    """Up to `per_fold` of the words, in file order; the draw depends on the fold and group only,
    so running fewer folds reads the same words."""
    order = (*GROUPS, APART).index(group)
    rng = np.random.default_rng([seed, fold, order])
    picked = rng.choice(len(words), min(per_fold, len(words)), replace=False) if words else []
    return [words[i] for i in sorted(picked)]


# ------------------------------------------------------------------------------ models

def card_problem(path: Path, fold: int) -> str | None:
    """Why `path` is not fold `fold`'s model (its card does not name all the fold's labs among
    those it never learnt from), or None."""
    never = set(load_card(path).get("params", {}).get("held_out_labs") or [])
    missing = [name for name in FOLDS[fold] if name not in never]
    if not missing:
        return None
    return (f"{path}: its card does not name {', '.join(missing)} (fold {fold}) among the labs it never learnt "
            f"from ({', '.join(sorted(never)) or 'none'}), so it is not fold {fold}'s model")


def fold_model(fold: int, given: dict[int, Path]) -> Path:
    if fold in given:
        return given[fold]
    if fold == KEPT_OUT:
        return default_word_model_path()
    from handwriting.recipes import fold_model_path

    return fold_model_path(fold)


def recognizer(path: Path, fold: int, args, what: str):
    """The reader with fold `fold`'s word model, its card checked (a stand-in passes with a warning)."""
    from handwriting.recognize.reader import Recognizer

    if not path.is_file():
        raise SystemExit(f"{path}: no {what} (train it: handwriting ship words"
                         f"{'' if fold == KEPT_OUT else f' --fold {fold}'})")
    problem = card_problem(path, fold)
    if problem and not args.stand_in:
        raise SystemExit(f"{problem}; --stand-in measures it anyway (to try this script out)")
    if problem:
        print(f"STAND-IN, not a measurement of unseen writers: {problem}", flush=True)
    return Recognizer(args.model, word_model=path, runtime=args.runtime)


def parse_fold_models(values: list[str]) -> dict[int, Path]:
    given = {}
    for value in values:
        fold, sep, path = value.partition("=")
        if not sep or not fold.isdigit() or int(fold) >= len(FOLDS) or not path:
            raise SystemExit(f"--fold-model {value!r}: give K=PATH with K a fold 0-{len(FOLDS) - 1}")
        given[int(fold)] = Path(path)
    return given


# ------------------------------------------------------------------------------ reading

def read_fold(fold: int, words: list[dict], readers: dict, per_fold: int, seed: int) -> list[Cell]:
    """Fold `fold`'s words of every group, drawn and read by each reader, on paper and from strokes."""
    cells = []
    for group in (*GROUPS, APART):
        every = [w for w in words if group_of(w) == group]
        if not every:
            continue
        cell = Cell(fold, group, len(every))
        started = time.perf_counter()
        chosen = sample(every, fold, group, per_fold, seed)
        for k, w in enumerate(chosen, 1):
            picture = strokes_on_paper(w["strokes"])
            for reader, rec in readers.items():
                cell.score(reader, "paper").add(w["label"], rec.read_word(picture, lexicon=LEXICON))
                cell.score(reader, "strokes").add(w["label"], rec.read_word(w["strokes"], lexicon=LEXICON))
            if k % 100 == 0 or k == len(chosen):
                print(f"  fold {fold} {group}: {k}/{len(chosen)} read ({time.perf_counter() - started:.0f} s)",
                      flush=True)
        cells.append(cell)
    return cells


def percent(value: float) -> str:
    return f"{100 * value:5.1f} %"


def row(name: str, words: int, read: int, way: str, got: dict[str, Mean | Score]) -> str:
    """One line of the tables: a group read one way, the fold model's numbers then today's."""
    parts = []
    for reader in READERS:
        m = got[reader]
        exact, cer, written, lexicon = (
            (m.exact, m.character_error_rate, m.as_written, m.with_lexicon) if isinstance(m, Mean) else
            (m.letters.exact_rate, m.letters.character_error_rate, m.written.exact_rate, m.lexicon.exact_rate))
        parts.append(f"{percent(exact)} {percent(cer)} {percent(written)} {percent(lexicon)}")
    return f"  {name:<15} {words:>7,} {read:>6,}  {way:<8} {parts[0]}   | {parts[1]}"


HEADER = (f"  {'group':<15} {'words':>7} {'read':>6}  {'way':<8} {'fold model: exact   CER   written  lexicon':<41}   | "
          "today: exact   CER   written  lexicon")


def print_fold(fold: int, cells: list[Cell], path: Path) -> None:
    print(f"\nfold {fold} (labs {', '.join(FOLDS[fold])}; word model {path}); raw, no lexicon, letters "
          "case-insensitive; written = exact as written, case included")
    print(HEADER)
    for cell in cells:
        for way in WAYS:
            got = {reader: cell.scores[f"{reader}, {way}"] for reader in READERS}
            print(row(cell.group, cell.words, got["today"].letters.words, way, got))
    counted = [c for c in cells if c.group in GROUPS]
    for way in WAYS:
        got = {reader: weighted(counted, "all", reader, way) for reader in READERS}
        if all(got.values()):
            print(row("all but lav", got["today"].words, got["today"].read, way, got))


# ------------------------------------------------------------------------------ (a) and (c)

def read_composed(readers: dict, data: Path, count: int) -> dict[str, dict[str, WordScore]]:
    """bench_words.py's composed words (a), same seed: {letters apart | one touching pair: {reader: score}}."""
    scores = {kind: {reader: WordScore(f"(a) composed words, {kind}, {reader}") for reader in readers}
              for kind in ("letters apart", "one touching pair")}
    for c in composed_pictures(data, count, COMPOSED_SEED):
        for reader, rec in readers.items():
            scores["one touching pair" if c.touching else "letters apart"][reader].add(
                c.word, rec.read_word(c.picture).raw.replace(" ", ""))
    return scores


def rates(score: WordScore) -> dict:
    return {"read": score.words, "exact": round(score.exact_rate, 4),
            "character_error_rate": round(score.character_error_rate, 4)}


# ------------------------------------------------------------------------------ the docs' picture

def draw_picture(rec, words: list[dict], seed: int, out: Path, count: int = 16) -> None:
    """Fold 0's lower-case words (labs the shipped word model never learnt from), half written with
    a stroke or more per letter, half joined up (a stroke per three letters or fewer), drawn at
    random, on paper as the reader is given them, each captioned label / reading as written; the
    words whose letters it misreads in red."""
    from handwriting.plots.words import read_words

    lower = [w for w in of_labs(words, FOLDS[KEPT_OUT]) if group_of(w) == "lower"]
    apart = [w for w in lower if len(w["strokes"]) >= len(w["label"])]
    joined = [w for w in lower if len(w["strokes"]) <= max(1, len(w["label"]) // 3)]
    rng = np.random.default_rng(seed)
    chosen = [kind[i] for kind in (apart, joined) for i in rng.choice(len(kind), count // 2, replace=False)]
    pictures = [strokes_on_paper(w["strokes"]) for w in chosen]
    readings = [rec.read_word(p) for p in pictures]
    right = [r.raw.replace(" ", "") == w["label"].upper() for r, w in zip(readings, chosen, strict=True)]
    fig = read_words(pictures, [w["label"] for w in chosen], [r.as_written for r in readings], right,
                     title=f"Lower-case words of writers the shipped word model never saw (fold 0's labs): "
                           f"label / reading as written\nred: letters misread ({sum(right)} of {len(right)} right); "
                           "top two rows a stroke or more per letter, bottom two joined up")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    print(f"{out}: {sum(right)}/{len(right)} read right", flush=True)


# ------------------------------------------------------------------------------ summing up

def fold_means(cells: list[Cell]) -> list[Mean]:
    """Every group's means over the folds (and all groups but lav's together), each reader, each way."""
    means = []
    for group in (*GROUPS, "all but lav"):
        chosen = [c for c in cells if c.group == group or (group == "all but lav" and c.group in GROUPS)]
        means += [m for way in WAYS for reader in READERS if (m := weighted(chosen, group, reader, way))]
    return means


def print_means(means: list[Mean], folds: str) -> None:
    print(f"\nword-weighted over folds {folds} (each fold weighed by its group's words in words.json); "
          "raw, no lexicon, letters case-insensitive")
    print(HEADER)
    for group in (*GROUPS, "all but lav"):
        for way in WAYS:
            got = {m.reader: m for m in means if m.group == group and m.way == way}
            if len(got) == len(READERS):
                print(row(group, got["today"].words, got["today"].read, way, got))


def fold_checks(means: list[Mean], folds: str) -> list[Check]:
    """The case groups' floors, on paper and from strokes."""
    checks = []
    for floor in FLOORS:
        for way in WAYS:
            got = {m.reader: m for m in means if m.group == floor.group and m.way == way}
            if len(got) < len(READERS):
                continue
            m = got["fold model"]
            ok = m.exact >= floor.exact and (floor.character_error_rate is None or
                                             m.character_error_rate <= floor.character_error_rate)
            checks.append(Check(f"{floor.group} words, {way} (folds {folds}): {percent(m.exact)} exact, "
                                f"CER {percent(m.character_error_rate)}", str(floor), m.exact, got["today"].exact, ok))
    return checks


def names_check(names: dict[str, WordScore]) -> Check:
    shipped, today = names["shipped"], names["today"]
    print(f"\n(c) 300 scanned names, letters compared, raw: shipped {percent(shipped.exact_rate)} exact "
          f"(CER {percent(shipped.character_error_rate)}), today {percent(today.exact_rate)} "
          f"(CER {percent(today.character_error_rate)})")
    return Check(f"(c) 300 scanned names: {percent(shipped.exact_rate)} exact", f">= {100 * NAMES_FLOOR:.0f} % exact",
                 shipped.exact_rate, today.exact_rate, shipped.exact_rate >= NAMES_FLOOR)


def composed_check(composed: dict[str, dict[str, WordScore]]) -> Check:
    for kind, by in composed.items():
        print(f"(a) composed words, {kind} ({by['shipped'].words:,}, seed {COMPOSED_SEED}): shipped "
              f"{percent(by['shipped'].exact_rate)} exact (CER {percent(by['shipped'].character_error_rate)}), "
              f"today {percent(by['today'].exact_rate)} (CER {percent(by['today'].character_error_rate)})")
    shipped, today = composed["letters apart"]["shipped"], composed["letters apart"]["today"]
    return Check(f"(a) composed words, letters apart ({shipped.words:,}): {percent(shipped.exact_rate)} exact",
                 f"at most {100 * COMPOSED_MARGIN:.0f} point below today, on >= 1,000 words",
                 shipped.exact_rate, today.exact_rate,
                 shipped.words >= 1000 and shipped.exact_rate >= today.exact_rate - COMPOSED_MARGIN)


# ------------------------------------------------------------------------------ main

def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-fold", type=int, default=PER_FOLD,
                        help=f"words read per fold and case group, drawn at random (default {PER_FOLD})")
    parser.add_argument("--seed", type=int, default=0, help="the draw of the words (default 0)")
    parser.add_argument("--folds", type=int, nargs="+", default=list(range(len(FOLDS))), choices=range(len(FOLDS)))
    parser.add_argument("--baseline", type=Path, default=BASELINE,
                        help=f"today's word model (default {BASELINE}: "
                             f"git show {BEFORE}:models/words.keras > {BASELINE})")
    parser.add_argument("--fold-model", action="append", default=[], metavar="K=PATH",
                        help="read fold K with this word model instead (default: models/words.keras for fold 0, "
                             "models/local/words-fold<K>.keras for the others)")
    parser.add_argument("--stand-in", action="store_true",
                        help="measure fold models whose card does not hold their fold's labs out (to try the script "
                             "out: the numbers are not of unseen writers; no results file unless --out)")
    parser.add_argument("--composed", type=int, default=COMPOSED,
                        help=f"composed words (a) (default {COMPOSED}; 0: none)")
    parser.add_argument("--no-names", action="store_true", help="skip the scanned names (c)")
    parser.add_argument("--model", default=None, help="letter model (default: the shipped models/handwriting.keras)")
    parser.add_argument("--runtime", default="litert", choices=["auto", "litert", "keras"],
                        help="what answers the models (default litert, as in the dashboard, and 3 times faster than "
                             "keras here: a model without a LiteRT conversion beside it is converted once)")
    parser.add_argument("--out", type=Path, help="results file (default bench/results/words_any_case.json)")
    parser.add_argument("--picture", nargs="?", type=Path, const=PICTURE, default=None,
                        help="only draw the docs' picture: fold 0's words read by the shipped reader "
                             f"(default docs/screenshots/{PICTURE.name})")
    args = parser.parse_args()
    if args.per_fold < 1:
        parser.error("--per-fold must be at least 1")
    return args


def main() -> int:
    args = arguments()
    given = parse_fold_models(args.fold_model)
    data = shared_data_dir()
    source = data / "unipen" / "words.json"
    if not source.is_file():
        print(f"{source}: not found (the real handwriting lives in ../shared/data)")
        return 1
    words = json.loads(source.read_text())
    if args.picture:
        rec = recognizer(fold_model(KEPT_OUT, given), KEPT_OUT, args, "shipped word model")
        draw_picture(rec, words, args.seed, args.picture)
        return 0
    if not args.baseline.is_file():
        print(f"{args.baseline}: no such file; today's word model is at commit {BEFORE}: "
              f"git show {BEFORE}:models/words.keras > {args.baseline}; git show {BEFORE}:models/words.json > "
              f"{args.baseline.with_suffix('.json')}   (or give --baseline PATH)")
        return 1
    stand_in = args.stand_in and any(card_problem(fold_model(k, given), k) for k in {*args.folds, KEPT_OUT}
                                     if fold_model(k, given).is_file())
    out = args.out or (None if args.stand_in else RESULTS)
    from handwriting.recognize.reader import Recognizer

    today = Recognizer(args.model, word_model=args.baseline, runtime=args.runtime)
    print(f"letter model {today.path} ({today.version}); today's word model {args.baseline} "
          f"({load_card(args.baseline)['version']}); {args.per_fold} words per fold and group, seed {args.seed}",
          flush=True)
    started = time.perf_counter()
    cells, models, readers, seconds = [], {}, {}, {}
    for fold in args.folds:
        path = fold_model(fold, given)
        readers[fold] = recognizer(path, fold, args, f"fold {fold} word model")
        models[fold] = {"path": str(path), "version": load_card(path)["version"], "labs": list(FOLDS[fold])}
        t = time.perf_counter()
        found = [w for w in words if fold_of(w["writer"]) == fold]
        got = read_fold(fold, found, {"fold model": readers[fold], "today": today}, args.per_fold, args.seed)
        seconds[f"fold {fold}"] = round(time.perf_counter() - t)
        print_fold(fold, got, path)
        cells += got
    folds = ", ".join(map(str, args.folds))
    means = fold_means(cells)
    print_means(means, folds)
    checks = fold_checks(means, folds)

    shipped = readers.get(KEPT_OUT)
    if shipped is None and (not args.no_names or args.composed):
        shipped = recognizer(fold_model(KEPT_OUT, given), KEPT_OUT, args, "shipped word model")
    names = composed = None
    if not args.no_names:
        t = time.perf_counter()
        names = {reader: bench_names(rec, data)[0] for reader, rec in (("shipped", shipped), ("today", today))}
        seconds["names"] = round(time.perf_counter() - t)
        checks.append(names_check(names))
    if args.composed:
        t = time.perf_counter()
        composed = read_composed({"shipped": shipped, "today": today}, data, args.composed)
        seconds["composed"] = round(time.perf_counter() - t)
        checks.append(composed_check(composed))

    print(f"\nfloors of issue 17{' (STAND-IN models: not a measurement)' if stand_in else ''}:")
    for check in checks:
        print(f"  {'PASS' if check.passed else 'FAIL'}  {check.what}  "
              f"(floor {check.floor}; today {percent(check.today)})")
    seconds["total"] = round(time.perf_counter() - started)
    print(f"({seconds['total']} s: {', '.join(f'{k} {v} s' for k, v in seconds.items() if k != 'total')})")
    if out is None:
        print("(no results file: --stand-in without --out)")
        return 0
    results = {
        "command": "python bench/words_any_case.py " + " ".join(sys.argv[1:]),
        "per_fold": args.per_fold, "seed": args.seed, "stand_in": stand_in, "runtime": args.runtime,
        "letter_model": str(today.path), "letter_model_version": today.version,
        "today": {"path": str(args.baseline), "version": load_card(args.baseline)["version"]},
        "fold_models": models,
        "cells": [{"fold": c.fold, "group": c.group, "words": c.words,
                   "readings": {key: s.rates() for key, s in c.scores.items()}} for c in cells],
        "means": [asdict(m) for m in means],
        "names": {reader: rates(s) for reader, s in names.items()} if names else None,
        "composed": {kind: {reader: rates(s) for reader, s in by.items()} for kind, by in composed.items()}
        if composed else None,
        "floors": [asdict(c) for c in checks],
        "seconds": seconds,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
