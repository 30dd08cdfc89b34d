"""Word, name and card reading on real handwriting: raw readings, no lexicon.

    .venv/bin/python bench/bench_words.py            # every measurement, (a) to (e)
    .venv/bin/python bench/bench_words.py --only composed --count 400   # a quick look

(a) composed: words made of real letters from shared/data/real_letters_raw.zip (random English
    words of 2-12 letters, random gaps, baseline jitter and letter sizes, dark ink on paper), each
    word's letters from one source in turn (one hand per word); a quarter of them have lightly
    touching pairs, reported apart (`handwriting.words.real_composed`). Then how many words hold only letters a person reads as their
    label (bench/real_letters_audit.json: the most any reader can get right), and (a) again
    composed of those letters only; each time also the words' letters read one by one, with no
    segmentation and no word model.
(b) strokes: every pen-written word of shared/data/strokes_words.json, rendered as dark ink on
    light paper and read as an image (a minority are written in lower case); and the same words
    read from their strokes, as the dashboard's pad gives them (one piece per stroke). When the
    word model learnt real words (its card names `real_words`), reading all of them flatters it:
    the words whose writer and text it never saw are reported apart, and
    bench/word_model_folds.py reads every word with a model that never saw it.
(c) names: the 300 scanned name fields of shared/data/names/ (printed labels inside the crop);
    letters only are compared (hyphens and spaces dropped on both sides).
(d) cards: the 40 card photos of shared/data/photos/frames/, read as 3 lines of 5 letters.
(e) debris: how many not-letters (the `suspect` trajectories of strokes_letters.json, generated
    scribbles and ink blots, pairs of real letters read as one) the model card's threshold accepts
    as confident letters, next to how many real letters it marks uncertain.

Exact = the whole word right; letters = 1 - (edit distance / length): 1 - the character error
rate (`handwriting.words.metrics`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from handwriting import LETTERS
from handwriting.cards import load_card
from handwriting.imaging.letter import fit_and_center
from handwriting.imaging.paper import PEN, strokes_on_paper
from handwriting.paths import shared_data_dir
from handwriting.words.metrics import WordScore
from handwriting.words.real_composed import composed_pictures
from handwriting.words.train import split_real_words

CARD = ["ABCDI", "KOLMR", "EHXWT"]


def letters_only(text: str) -> str:
    return "".join(c for c in text.upper() if c in LETTERS)


# ------------------------------------------------------------------------------ (a) composed words

AUDIT = Path(__file__).parent / "real_letters_audit.json"  # a person's reading of the letters (a) uses


def audit() -> tuple[set[str], set[str]]:
    """(the crops a person looked at, those of them a person cannot read as their label)."""
    record = json.loads(AUDIT.read_text())
    prefix = record["audited"]["prefix"]
    looked_at = {f"{prefix}/{source}/{letter}/{name}" for source, by_letter in record["audited"]["by_source"].items()
                 for letter, names in by_letter.items() for name in names}
    return looked_at, set(record["rejected"])


def read_alone(rec, pieces: list[np.ndarray]) -> str:
    """A composed word's letters read one by one, each fitted and centred: the reader's letters
    without segmentation and without the word model."""
    singles = np.stack([fit_and_center(p)[0] for p in pieces])
    return "".join(LETTERS[i] for i in rec.probabilities(singles).argmax(axis=1))


def bench_composed(rec, data: Path, count: int, seed: int = 0) -> list[WordScore | str]:
    """(a) twice: with every letter, then with only the letters a person reads as their label
    (bench/real_letters_audit.json), each time with the same letters read alone; and how many
    words of the first are readable letter by letter."""
    looked_at, unreadable = audit()
    apart, touch = WordScore("(a) composed words, letters apart"), WordScore("(a) composed words, one touching pair")
    alone = WordScore("    the same letters read alone (fitted and centred, no segmentation)")
    per_source: dict[str, WordScore] = {}  # in the sources' order: words take them in turn
    readable, unaudited = 0, set()  # words of readable letters; letters nobody looked at
    for c in composed_pictures(data, count, seed):
        got = rec.read_word(c.picture).raw.replace(" ", "")
        (touch if c.touching else apart).add(c.word, got)
        unaudited.update(set(c.files) - looked_at)
        if not c.touching:
            per_source.setdefault(c.source, WordScore(f"    letters apart, words from {c.source}")).add(c.word, got)
            alone.add(c.word, read_alone(rec, c.pieces))
            readable += unreadable.isdisjoint(c.files)
    lines: list[WordScore | str] = [apart, *per_source.values(), touch, alone]
    lines.append(f"    words whose every letter a person reads as its label ({AUDIT.name}): "
                 f"{readable}/{apart.words} ({100 * readable / max(apart.words, 1):.1f} %), "
                 "the most a reader of single letters can get right")
    if unaudited:
        lines.append(f"    ({len(unaudited)} of the letters used were not looked at: the audit covers "
                     "40 letters per letter and source drawn with seed 0)")
    clean = WordScore(f"(a) composed words, letters apart, only letters a person reads as their label "
                  f"({len(unreadable)} of {len(looked_at)} left out)")
    clean_source: dict[str, WordScore] = {}
    clean_alone = WordScore("    the same letters read alone (fitted and centred, no segmentation)")
    for c in composed_pictures(data, count, seed, exclude=unreadable):
        if not c.touching:
            got = rec.read_word(c.picture).raw.replace(" ", "")
            clean.add(c.word, got)
            clean_source.setdefault(c.source, WordScore(f"    words from {c.source}")).add(c.word, got)
            clean_alone.add(c.word, read_alone(rec, c.pieces))
    return [*lines, clean, *clean_source.values(), clean_alone]


# ------------------------------------------------------------------------------ (b) pen-written words

def unseen_words(rec, words: list[dict]) -> tuple[list[dict], int] | None:
    """(the words whose writer and text the reader's word model never saw, how many it trained on),
    or None when it learnt no real words (its card names no `real_words`)."""
    params = load_card(rec.word_model.path).get("params", {}) if rec.word_model else {}
    if not params.get("real_words"):
        return None
    train, test = split_real_words(words, params["folds"], tuple(params["held_out"]))
    return test, len(train)


def bench_strokes(rec, data: Path, limit: int | None, pen: float = PEN) -> list[WordScore]:
    words = json.loads((data / "strokes_words.json").read_text())
    held = unseen_words(rec, words)
    if limit:
        words = [words[i] for i in np.random.default_rng(0).choice(len(words), limit, replace=False)]
    flattered = f" (flattered: the word model trained on {held[1]} of them)" if held else ""
    score = WordScore(f"(b) pen-written words of strokes_words.json rendered on paper (pen {pen:g} of the height){flattered}")
    drawn = WordScore("    the same words read from their pen strokes, as the dashboard's pad gives them (pen 0.11)")
    unseen = WordScore("    on paper, the words whose writer and text the word model never saw "
                   "(all words: bench/word_model_folds.py)")
    held_ids = {id(w) for w in held[0]} if held else set()
    for w in words:
        got = rec.read_word(strokes_on_paper(w["strokes"], pen=pen)).raw.replace(" ", "")
        score.add(w["label"], got)
        if id(w) in held_ids:
            unseen.add(w["label"], got)
        drawn.add(w["label"], rec.read_word(w["strokes"]).raw.replace(" ", ""))
    return [score, drawn] + ([unseen] if held else [])


# ------------------------------------------------------------------------------ (c) names, (d) cards

def bench_names(rec, data: Path) -> list[WordScore]:
    items = json.loads((data / "names" / "names.json").read_text())
    every, only = WordScore("(c) scanned name fields, all 300"), WordScore("(c) scanned name fields, letters A-Z only")
    for item in items:
        got = letters_only(rec.read_word(data / "names" / item["file"]).raw)
        truth = letters_only(item["label"])
        every.add(truth, got)
        if item.get("only_AZ"):
            only.add(truth, got)
    return [every, only]


def bench_cards(rec, data: Path) -> list[WordScore]:
    cards = WordScore("(d) card photos, 15 letters each (whole card)")
    lines = WordScore("(d) card photos, lines of 5")
    for f in sorted((data / "photos" / "frames").glob("*.jpg")):
        got = [ln.raw.replace(" ", "") for ln in rec.read_text(f)]
        cards.add("".join(CARD), "".join(got))
        for k, truth in enumerate(CARD):
            lines.add(truth, got[k] if k < len(got) else "")
    return [cards, lines]


# ------------------------------------------------------------------------------ (e) not a letter

def bench_debris(rec, data: Path, real_count: int = 3000) -> list[str]:
    from handwriting.data.not_letters import from_letters, from_nothing
    from handwriting.imaging.strokes import render_strokes

    letters = json.loads((data / "strokes_letters.json").read_text())
    suspect = [r for r in letters if r.get("flag") == "suspect"]
    ok = [r for r in letters if r.get("flag") == "ok"]
    ok = [ok[i] for i in np.random.default_rng(0).choice(len(ok), min(real_count, len(ok)), replace=False)]

    real = np.load(data / "real_letters.npz")["x"]
    lines = [f"(e) uncertainty threshold {rec.threshold:.3f} (model card)"]
    for name, images in (
        ("suspect trajectories of strokes_letters.json (debris: lone bars, fragments)",
         np.stack([render_strokes(r["strokes"]) for r in suspect])),
        ("generated scribbles", from_nothing(500, kinds=("scribble",)).images),
        ("generated ink blots", from_nothing(500, kinds=("blot",)).images),
        ("two real letters read as one (handwriting.data.not_letters on real_letters.npz)",
         from_letters(real, 1000, seed=1).images),
    ):
        top = rec.probabilities(images).max(axis=1)
        c = top >= rec.threshold
        lines.append(f"    {name}: {int(c.sum())}/{len(c)} accepted as confident letters ({100 * c.mean():.1f} %), "
                     f"mean top probability {top.mean():.2f}")
    images = np.stack([render_strokes(r["strokes"]) for r in ok])
    probs = rec.probabilities(images)
    truth = np.array([LETTERS.index(r["label"]) for r in ok])
    right = probs.argmax(axis=1) == truth
    unsure = probs.max(axis=1) < rec.threshold
    lines.append(f"    real letters (flag ok, {len(ok)}): mean top probability {probs.max(axis=1).mean():.2f}, "
                 f"{int(unsure.sum())} marked uncertain ({100 * unsure.mean():.1f} %), "
                 f"of them {int((unsure & right).sum())} read right ({100 * (unsure & right).mean():.1f} % of all "
                 f"wrongly doubted); {int((~unsure & ~right).sum())} confidently wrong")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["composed", "strokes", "names", "cards", "debris"], action="append")
    parser.add_argument("--count", type=int, default=1600,
                        help="composed words to make (default 1600, 1,200 of them with letters apart: "
                             "a few hundred move by several points from one draw to another)")
    parser.add_argument("--limit", type=int, default=None, help="pen-written words to read (default all)")
    parser.add_argument("--pen", type=float, default=PEN,
                        help=f"pen width of the pen-written words, as a share of the letter height (default {PEN})")
    parser.add_argument("--model", default=None)
    parser.add_argument("--word-model", default="default",
                        help="word model file, or 'none' to read with the letter model alone (default: the shipped one)")
    args = parser.parse_args()
    data = shared_data_dir()
    if not (data / "README.md").is_file():
        print(f"real handwriting not found at {data}")
        return 1
    from handwriting.recognize.reader import Recognizer

    # No pen model: (b)'s strokes are read from their picture, as before it (the pen model learnt from
    # these writers' words: bench/words_any_case.py reads pen words of labs it never saw).
    rec = Recognizer(args.model, word_model=None if args.word_model == "none" else args.word_model, pen_model=None)
    print(f"model {rec.path} version {rec.version}; word model "
          f"{rec.word_model.path if rec.word_model else 'none (letters alone)'}")
    parts = args.only or ["composed", "strokes", "names", "cards", "debris"]
    for part in parts:
        t = time.perf_counter()
        if part == "debris":
            print("\n".join(bench_debris(rec, data)))
            print(f"    ({time.perf_counter() - t:.1f} s)")
            continue
        if part == "composed":
            scores = bench_composed(rec, data, args.count)
        elif part == "strokes":
            scores = bench_strokes(rec, data, args.limit, args.pen)
        elif part == "names":
            scores = bench_names(rec, data)
        else:
            scores = bench_cards(rec, data)
        seconds = time.perf_counter() - t
        for s in scores:
            print(s if isinstance(s, str) else s.line())
        print(f"    ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
