"""Words in any case read by pen models that never saw their writers, beside today's reader (issue 17).

    .venv/bin/python bench/words_any_case.py [--per-fold 800] [--seed 0]   # about 30 minutes on 2 busy cores
    .venv/bin/python bench/words_any_case.py --picture   # only docs/screenshots/words-any-case.png, a minute

UNIPEN's writers wrote into several files (capitals, lower-case letters, words), so the pen models
(`handwriting.words.pen`: words read from their pen strokes) are held out by lab, in the folds fixed in
`handwriting.words.folds.FOLDS`: fold K's pen model learnt from no file of fold K's labs, their letters
included. `handwriting ship pen --fold K` makes models/local/pen-fold<K>.keras; fold 0's is the shipped
models/pen.keras (`handwriting ship pen`), whose card names the labs it never learnt from. A pen model
whose card does not name every lab of its fold is refused (`--stand-in` measures it anyway); one given
with --pen-model that has no card at all is measured with a warning, unchecked. A fold with no pen model
is skipped, with a line saying so.

The fold models are pen models only. Pictures of words are read by the shipped word model
(models/words.keras, the strip model) for every fold: today's capitals-only model, which learnt from
UNIPEN's letters and words with no lab held out (these writers are not all unseen to it), but reads
capitals only.

For each fold K, the words of unipen/words.json written in fold K's labs, by case group (lower,
mixed, capitals; lab lav's random letter strings apart, never in the means), up to --per-fold of
each group drawn at random, are read
  - from their pen strokes, as the dashboard's pad gives them: by the pen model, and
  - drawn on paper (`strokes_on_paper`) and read as pictures: by the shipped word model,
by fold K's reader, Recognizer(letter model, models/words.keras, pen_model=fold K's pen model).read_word,
and, on the same words in the same run, by today's reader: the same letter model with the word model
from before issue 17 (--baseline) and no pen model (it had none: it reads strokes with its word model).
Raw readings, no lexicon: `raw` with its spaces dropped against the label in capitals, letters compared
case-insensitively: exact words and the character error rate (`handwriting.words.metrics`); beside them
the reading as written (`as_written`) exactly as the label is written, case included, and (apart, never
in place of raw) `word` with the built-in English lexicon, as the dashboard's Word tab reads. A mean over
folds weighs each fold by its group's words in words.json, not by how many were read.
The models answer through LiteRT, as in the dashboard (`--runtime`; a model with no conversion
beside it is converted once, into a file beside it).

With the shipped reader (pictures: the letter model and models/words.keras) and today's, also
bench_words.py's 300 scanned names (c) and its composed words (a) (the same seed). Both readers read
pictures with the same word model now, so these come out equal: they show that nothing regressed.
The floors of issue 17 are printed, PASS or FAIL: the case groups' are for pen-written words, so they
are judged on the words read from their strokes (the pad); the same words on paper are printed beside,
marked not a floor; then the names' and the composed words'. Everything goes to
bench/results/words_any_case.json.

Today's word model is not in the tree (fdc4d3f: the last commit before issue 17's models; today
models/words.keras is the same file again):
    git show fdc4d3f:models/words.keras > /tmp/hw/old-words.keras
    git show fdc4d3f:models/words.json > /tmp/hw/old-words.json    # its card, for its version
or --baseline PATH.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from bench_words import bench_names  # (c), read exactly as bench_words.py reads it

from handwriting.cards import card_path, load_card
from handwriting.imaging.paper import strokes_on_paper
from handwriting.paths import default_pen_model_path, default_word_model_path, shared_data_dir
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
READERS = ("fold reader", "today")
WAYS = ("strokes", "paper")  # strokes: the pen model (the floors); paper: the shipped word model (beside, no floor)
FLOOR_WAY = "strokes"  # issue 17's case-group floors are for pen-written words, as the dashboard's pad gives them
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

    def passed(self, mean: Mean) -> bool:
        return mean.exact >= self.exact and (self.character_error_rate is None or
                                             mean.character_error_rate <= self.character_error_rate)


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


@dataclass
class Aside:
    """A case group's words read on paper, printed beside the floors but not judged by them: the
    floors are for pen-written words, and pictures are read by the shipped capitals-only word model."""
    what: str
    value: float
    today: float

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
    """Why `path` is not fold `fold`'s pen model: its card is of another kind or does not name all the
    fold's labs among those it never learnt from; or None."""
    card = load_card(path)
    if card.get("kind", "pen") != "pen":
        return f"{path}: its card is of a {card['kind']} model, not a pen model, so it is not fold {fold}'s pen model"
    never = set(card.get("training", {}).get("labs never learnt from")
                or card.get("params", {}).get("held_out_labs") or [])
    missing = [name for name in FOLDS[fold] if name not in never]
    if not missing:
        return None
    return (f"{path}: its card does not name {', '.join(missing)} (fold {fold}) among the labs it never learnt "
            f"from ({', '.join(sorted(never)) or 'none'}), so it is not fold {fold}'s pen model")


def ship_command(fold: int) -> str:
    """The command that makes fold `fold`'s pen model (fold 0's: the shipped one)."""
    return f"handwriting ship pen{'' if fold == KEPT_OUT else f' --fold {fold}'}"


def pen_model_path(fold: int, given: dict[int, Path]) -> Path:
    """Fold `fold`'s pen model: as given, else for fold 0 the shipped one, else models/local/pen-fold<K>.keras."""
    if fold in given:
        return given[fold]
    if fold == KEPT_OUT:
        return default_pen_model_path()
    from handwriting.recipes import fold_model_path

    return fold_model_path(fold)


@dataclass
class FoldModel:
    """A fold's pen model, as found before reading: its file, version and how its card was checked."""
    fold: int
    path: str
    version: str
    card: str      # "checked", "not checked: no card, given explicitly" or "STAND-IN: <its problem>"

    @property
    def stand_in(self) -> bool:
        return self.card.startswith("STAND-IN")


def find_pen_model(fold: int, given: dict[int, Path], args) -> FoldModel | None:
    """Fold `fold`'s pen model with its card checked, None (and a printed line: the fold is skipped) when
    it is not there. A stand-in passes with a warning under --stand-in; a model given explicitly with no
    card at all passes with a warning, unchecked (a card-less model cannot say which labs it never learnt from)."""
    path = pen_model_path(fold, given)
    if not path.is_file():
        if fold in given:
            raise SystemExit(f"--pen-model {fold}={path}: no such file")
        print(f"fold {fold}: skipped, no pen model ({path}; make it: {ship_command(fold)})", flush=True)
        return None
    version = load_card(path)["version"]
    if fold in given and not card_path(path).is_file():
        print(f"WARNING, fold {fold}'s pen model {path} has no card: which labs it never learnt from is NOT checked "
              "(measured because --pen-model gave it)", flush=True)
        return FoldModel(fold, str(path), version, "not checked: no card, given explicitly")
    problem = card_problem(path, fold)
    if problem and not args.stand_in:
        raise SystemExit(f"{problem}; --stand-in measures it anyway (to try this script out)")
    if problem:
        print(f"STAND-IN, not a measurement of unseen writers: {problem}", flush=True)
    return FoldModel(fold, str(path), version, f"STAND-IN: {problem}" if problem else "checked")


def fold_reader(args, word_model: Path, pen: FoldModel | None):
    """Recognizer(letter model, the shipped word model, pen_model=`pen`): fold K's reader with fold K's
    pen model, the shipped reader of pictures with none (pictures never reach the pen model)."""
    from handwriting.recognize.reader import Recognizer

    return Recognizer(args.model, word_model=word_model, runtime=args.runtime,
                      pen_model=pen.path if pen else None)


def parse_pen_models(values: list[str]) -> dict[int, Path]:
    given = {}
    for value in values:
        fold, sep, path = value.partition("=")
        if not sep or not fold.isdigit() or int(fold) >= len(FOLDS) or not path:
            raise SystemExit(f"--pen-model {value!r}: give K=PATH with K a fold 0-{len(FOLDS) - 1}")
        given[int(fold)] = Path(path)
    return given


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------ reading

def read_fold(fold: int, words: list[dict], readers: dict, per_fold: int, seed: int) -> list[Cell]:
    """Fold `fold`'s words of every group, drawn and read by each reader, each way: from their
    strokes (the pen model) and on paper (the word model)."""
    cells = []
    for group in (*GROUPS, APART):
        every = [w for w in words if group_of(w) == group]
        if not every:
            continue
        cell = Cell(fold, group, len(every))
        started = time.perf_counter()
        chosen = sample(every, fold, group, per_fold, seed)
        for k, w in enumerate(chosen, 1):
            given = {"strokes": w["strokes"], "paper": strokes_on_paper(w["strokes"])}
            for reader, rec in readers.items():
                for way in WAYS:
                    cell.score(reader, way).add(w["label"], rec.read_word(given[way], lexicon=LEXICON))
            if k % 100 == 0 or k == len(chosen):
                print(f"  fold {fold} {group}: {k}/{len(chosen)} read ({time.perf_counter() - started:.0f} s)",
                      flush=True)
        cells.append(cell)
    return cells


def percent(value: float) -> str:
    return f"{100 * value:5.1f} %"


def row(name: str, words: int, read: int, way: str, got: dict[str, Mean | Score]) -> str:
    """One line of the tables: a group read one way, fold K's reader's numbers then today's."""
    parts = []
    for reader in READERS:
        m = got[reader]
        exact, cer, written, lexicon = (
            (m.exact, m.character_error_rate, m.as_written, m.with_lexicon) if isinstance(m, Mean) else
            (m.letters.exact_rate, m.letters.character_error_rate, m.written.exact_rate, m.lexicon.exact_rate))
        parts.append(f"{percent(exact)} {percent(cer)} {percent(written)} {percent(lexicon)}")
    return f"  {name:<15} {words:>7,} {read:>6,}  {way:<8} {parts[0]}   | {parts[1]}"


COLUMNS = f"{'exact':>7} {'CER':>7} {'written':>7} {'lexicon':>7}"  # as `row` prints each reader's numbers
HEADER = (f"  {'':<41}{'fold reader':^31}   |      today\n"
          f"  {'group':<15} {'words':>7} {'read':>6}  {'way':<8} {COLUMNS}   | {COLUMNS}")
WAY_NOTE = "strokes: the pen model (the floors); paper: the shipped word model, capitals only (no floor)"


def print_fold(fold: int, cells: list[Cell], pen: FoldModel, word_model: str) -> None:
    print(f"\nfold {fold} (labs {', '.join(FOLDS[fold])}; pen model {pen.path} ({pen.version}), word model "
          f"{word_model}); raw, no lexicon, letters case-insensitive; written = exact as written, case included;\n"
          f"  {WAY_NOTE}")
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
    """Fold 0's lower-case words (labs the shipped pen model never learnt from), half written with
    a stroke or more per letter, half joined up (a stroke per three letters or fewer), drawn at
    random, read from their pen strokes as the dashboard's pad gives them (`rec` with the shipped pen
    model), shown drawn on paper, each captioned label / reading as written; the words whose letters
    it misreads in red."""
    from handwriting.plots.words import read_words

    lower = [w for w in of_labs(words, FOLDS[KEPT_OUT]) if group_of(w) == "lower"]
    apart = [w for w in lower if len(w["strokes"]) >= len(w["label"])]
    joined = [w for w in lower if len(w["strokes"]) <= max(1, len(w["label"]) // 3)]
    rng = np.random.default_rng(seed)
    chosen = [kind[i] for kind in (apart, joined) for i in rng.choice(len(kind), count // 2, replace=False)]
    pictures = [strokes_on_paper(w["strokes"]) for w in chosen]  # for showing: the reader reads the strokes
    readings = [rec.read_word(w["strokes"]) for w in chosen]
    right = [r.raw.replace(" ", "") == w["label"].upper() for r, w in zip(readings, chosen, strict=True)]
    fig = read_words(pictures, [w["label"] for w in chosen], [r.as_written for r in readings], right,
                     title=f"Lower-case words of writers the shipped pen model never saw (fold 0's labs), read "
                           f"from their pen strokes: label / reading as written\nred: letters misread ({sum(right)} "
                           f"of {len(right)} right); top two rows a stroke or more per letter, bottom two joined up")
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


def print_means(means: list[Mean]) -> None:
    folds = ", ".join(map(str, sorted({k for m in means for k in m.folds}))) or "none"
    print(f"\nword-weighted over the folds read (folds {folds}; each fold weighed by its group's words in words.json); "
          f"raw, no lexicon, letters case-insensitive;\n  {WAY_NOTE}")
    print(HEADER)
    for group in (*GROUPS, "all but lav"):
        for way in WAYS:
            got = {m.reader: m for m in means if m.group == group and m.way == way}
            if len(got) == len(READERS):
                print(row(group, got["today"].words, got["today"].read, way, got))


def fold_checks(means: list[Mean]) -> tuple[list[Check], list[Aside], list[str]]:
    """The case groups' floors, judged on the words read from their strokes; the same words on paper
    beside them (not floors); and the floors no fold measured (no fold read, or no word of the group)."""
    checks, asides, unmeasured = [], [], []
    for floor in FLOORS:
        for way in WAYS:
            got = {m.reader: m for m in means if m.group == floor.group and m.way == way}
            if len(got) < len(READERS):
                if way == FLOOR_WAY:
                    unmeasured.append(f"{floor.group} words, {way} (floor {floor})")
                continue
            m = got["fold reader"]
            what = (f"{floor.group} words, {way} (folds {', '.join(map(str, m.folds))}): {percent(m.exact)} exact, "
                    f"CER {percent(m.character_error_rate)}")
            if way == FLOOR_WAY:
                checks.append(Check(what, str(floor), m.exact, got["today"].exact, floor.passed(m)))
            else:
                asides.append(Aside(what, m.exact, got["today"].exact))
    return checks, asides, unmeasured


def print_asides(asides: list[Aside]) -> None:
    for aside in asides:
        print(f"  ....  {aside.what}  (NOT a floor: pictures, read by the shipped capitals-only word model; "
              f"today {percent(aside.today)})")


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
    parser.add_argument("--pen-model", action="append", default=[], metavar="K=PATH",
                        help="read fold K's words from their strokes with this pen model instead (default: "
                             "models/pen.keras for fold 0, models/local/pen-fold<K>.keras for the others)")
    parser.add_argument("--stand-in", action="store_true",
                        help="measure pen models whose card does not hold their fold's labs out (to try the script "
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
                        help="only draw the docs' picture: fold 0's words read from their strokes by the shipped "
                             f"pen model (--pen-model 0=PATH: another) (default docs/screenshots/{PICTURE.name})")
    args = parser.parse_args()
    if args.per_fold < 1:
        parser.error("--per-fold must be at least 1")
    return args


def main() -> int:
    args = arguments()
    pens = parse_pen_models(args.pen_model)
    data = shared_data_dir()
    source = data / "unipen" / "words.json"
    if not source.is_file():
        print(f"{source}: not found (the real handwriting lives in ../shared/data)")
        return 1
    words = json.loads(source.read_text())
    word_model = default_word_model_path()  # the shipped word model: pictures, for every fold
    if args.picture:
        pen = find_pen_model(KEPT_OUT, pens, args)
        if pen is None:
            print(f"the picture is of words read from their strokes by the shipped pen model: make it "
                  f"({ship_command(KEPT_OUT)}) or give --pen-model {KEPT_OUT}=PATH")
            return 1
        draw_picture(fold_reader(args, word_model if word_model.is_file() else None, pen), words, args.seed,
                     args.picture)
        return 0
    if not args.baseline.is_file():
        print(f"{args.baseline}: no such file; today's word model is at commit {BEFORE}: "
              f"git show {BEFORE}:models/words.keras > {args.baseline}; git show {BEFORE}:models/words.json > "
              f"{args.baseline.with_suffix('.json')}   (or give --baseline PATH)")
        return 1
    if not word_model.is_file():
        print(f"{word_model}: no such file; the shipped word model reads the pictures")
        return 1
    # Every fold's pen model found and its card checked before anything is read: a refused model stops the run at once.
    found = {fold: pen for fold in args.folds if (pen := find_pen_model(fold, pens, args)) is not None}
    stand_in = any(pen.stand_in for pen in found.values())
    out = args.out or (None if args.stand_in else RESULTS)
    same = digest(word_model) == digest(args.baseline)
    shipped_words = f"{word_model} ({load_card(word_model)['version']}{', the same file as today' if same else ''})"
    from handwriting.recognize.reader import Recognizer

    today = Recognizer(args.model, word_model=args.baseline, runtime=args.runtime, pen_model=None)  # it had none
    print(f"letter model {today.path} ({today.version}); today's word model {args.baseline} "
          f"({load_card(args.baseline)['version']}), no pen model; pictures read by the shipped word model "
          f"{shipped_words}; {args.per_fold} words per fold and group, seed {args.seed}", flush=True)
    started = time.perf_counter()
    cells, readers, seconds = [], {}, {}
    for fold, pen in found.items():
        readers[fold] = fold_reader(args, word_model, pen)
        t = time.perf_counter()
        in_fold = [w for w in words if fold_of(w["writer"]) == fold]
        got = read_fold(fold, in_fold, {"fold reader": readers[fold], "today": today}, args.per_fold, args.seed)
        seconds[f"fold {fold}"] = round(time.perf_counter() - t)
        print_fold(fold, got, pen, str(word_model))
        cells += got
    means = fold_means(cells)
    print_means(means)
    checks, asides, unmeasured = fold_checks(means)
    groups = len(checks)

    # The names and composed words are pictures: the shipped reader reads them with the shipped word model,
    # today's with today's (the same file now, so they should come out equal: nothing regressed).
    names = composed = None
    shipped = readers.get(KEPT_OUT) or fold_reader(args, word_model, None)
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

    unchecked = ", ".join(sorted(pen.path for pen in found.values() if pen.card.startswith("not checked")))
    print(f"\nfloors of issue 17{' (STAND-IN pen models: not a measurement)' if stand_in else ''}"
          f"{f' (pen models whose card was not checked: {unchecked})' if unchecked else ''}:")
    for k, check in enumerate(checks):
        if k == groups:  # the paper way right under the case groups' floors, before the names and composed words
            print_asides(asides)
        print(f"  {'PASS' if check.passed else 'FAIL'}  {check.what}  "
              f"(floor {check.floor}; today {percent(check.today)})")
    if len(checks) == groups:
        print_asides(asides)
    for what in unmeasured:
        print(f"  ----  {what}: not measured")
    seconds["total"] = round(time.perf_counter() - started)
    print(f"({seconds['total']} s: {', '.join(f'{k} {v} s' for k, v in seconds.items() if k != 'total')})")
    if out is None:
        print("(no results file: --stand-in without --out)")
        return 0
    results = {
        "command": "python bench/words_any_case.py " + " ".join(sys.argv[1:]),
        "per_fold": args.per_fold, "seed": args.seed, "stand_in": stand_in, "runtime": args.runtime,
        "letter_model": str(today.path), "letter_model_version": today.version,
        "today": {"path": str(args.baseline), "version": load_card(args.baseline)["version"], "pen_model": None},
        "word_model": {"path": str(word_model), "version": load_card(word_model)["version"], "same_as_today": same,
                       "reads": "paper (pictures), every fold, and the names and composed words"},
        "pen_models": {fold: {"labs": list(FOLDS[fold]), **(asdict(found[fold]) if fold in found else {"path": None})}
                       for fold in args.folds},
        "floor_way": FLOOR_WAY,
        "cells": [{"fold": c.fold, "group": c.group, "words": c.words,
                   "readings": {key: s.rates() for key, s in c.scores.items()}} for c in cells],
        "means": [asdict(m) for m in means],
        "names": {reader: rates(s) for reader, s in names.items()} if names else None,
        "composed": {kind: {reader: rates(s) for reader, s in by.items()} for kind, by in composed.items()}
        if composed else None,
        "floors": [asdict(c) for c in checks],
        "beside, not floors": [asdict(a) for a in asides],
        "floors not measured": unmeasured,
        "seconds": seconds,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
