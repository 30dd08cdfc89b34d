"""The folds of UNIPEN labs that the word models are measured on: writers a model never saw.

UNIPEN's writers wrote into several files (capitals, lower-case letters, words), so a fold is a set
of labs and a fold model learns from no file of its writers. The folds are fixed here, not drawn:
- the Apple labs (apa, apb, apc, apd, ape, app) are one group of people under several lab names,
  so they stay in one fold;
- `sta` alone is 28 % of the words: it is a fold by itself;
- fold 0 is a few small labs the shipped word model never learns from (its card names them): the
  browser test and the docs' pictures read their words;
- `lav` writes random letter strings, not words: it is reported apart (`REPORTED_APART`).
Labs in no fold (writers of letters only: val, uqb, aga, gmd, mot) train every model.
"""

from __future__ import annotations

FOLDS: tuple[tuple[str, ...], ...] = (
    ("anj", "not", "pcl", "ugi", "par", "dar", "imt", "huj", "atu", "bbd"),   # 0: kept out of the shipped model
    ("apa", "apb", "apc", "apd", "ape", "app", "hpb", "kar", "int", "nic"),   # 1: the Apple labs and others
    ("sta",),                                                                  # 2: sta alone
    ("hpp", "lex", "art", "pap", "lav"),                                       # 3: most writers of strokes_words.json
)
KEPT_OUT = 0                 # the fold the shipped word model never learns from
REPORTED_APART = ("lav",)    # random letter strings: measured, but not in the word-weighted means


def lab(writer: str) -> str:
    """'unipen:sta/w012' -> 'sta'; '' for writers of other collections."""
    source, _, rest = str(writer).partition(":")
    return rest.split("/")[0] if source == "unipen" else ""


def fold_of(writer: str) -> int | None:
    """The fold a writer's lab is in, None for labs in no fold (and other collections)."""
    name = lab(writer)
    return next((k for k, labs in enumerate(FOLDS) if name in labs), None)


def without_labs(records: list[dict], labs: tuple[str, ...] | list[str]) -> list[dict]:
    """The records whose writer is of none of `labs`."""
    drop = set(labs)
    return [r for r in records if lab(r.get("writer", "")) not in drop]


def of_labs(records: list[dict], labs: tuple[str, ...] | list[str]) -> list[dict]:
    """The records whose writer is of one of `labs`."""
    keep = set(labs)
    return [r for r in records if lab(r.get("writer", "")) in keep]


def case_group(label: str) -> str:
    """'lower', 'capitals' or 'mixed': how a word's label is written."""
    if label == label.lower():
        return "lower"
    return "capitals" if label == label.upper() else "mixed"
