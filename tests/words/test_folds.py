"""The folds of UNIPEN labs the word models are measured on: every lab of the real words in one fold,
the labs that are one group of people kept together, and a writer's lab and fold read from its name."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from handwriting.words.folds import FOLDS, KEPT_OUT, REPORTED_APART, case_group, fold_of, lab, of_labs, without_labs

APPLE = ("apa", "apb", "apc", "apd", "ape", "app")


def writers_in(path) -> set[str]:
    """The writer of every record of a strokes JSON, read without parsing the strokes (words.json
    is 115 MB of them)."""
    return set(re.findall(r'"writer"\s*:\s*"([^"]*)"', path.read_text(encoding="utf-8")))


def test_a_writers_lab_and_fold_come_from_its_name():
    sta = next(k for k, labs in enumerate(FOLDS) if "sta" in labs)
    assert lab("unipen:sta/x") == "sta" and fold_of("unipen:sta/x") == sta
    assert lab("kenan:y") == "" and fold_of("kenan:y") is None          # another collection: in no fold
    assert fold_of("unipen:val/v1") is None                              # a lab of letters only trains every model
    assert lab("") == "" and fold_of("") is None


def test_the_folds_keep_one_group_of_people_together_and_sta_alone():
    labs = [name for fold in FOLDS for name in fold]
    assert len(labs) == len(set(labs))                                   # a lab is in one fold at most
    assert len({fold_of(f"unipen:{name}/w") for name in APPLE}) == 1     # the Apple labs: one group of people
    assert ("sta",) in FOLDS                                             # 28 % of the words: a fold of its own
    assert "sta" not in FOLDS[KEPT_OUT] and not set(APPLE) & set(FOLDS[KEPT_OUT])
    assert set(REPORTED_APART) == {"lav"} and fold_of("unipen:lav/w") is not None  # measured, but apart


def test_records_split_by_lab_and_words_by_how_they_are_written():
    records = [{"writer": w, "label": "x"} for w in ("unipen:sta/a", "unipen:lav/b", "kenan:c", "unipen:anj/d")]
    records.append({"label": "no writer"})
    inside, outside = of_labs(records, ("sta", "anj")), without_labs(records, ("sta", "anj"))
    assert [r.get("writer") for r in inside] == ["unipen:sta/a", "unipen:anj/d"]
    assert [r.get("writer") for r in outside] == ["unipen:lav/b", "kenan:c", None]
    assert [case_group(t) for t in ("take", "Take", "tAKE", "TAKE", "A", "a")] == \
        ["lower", "mixed", "mixed", "capitals", "capitals", "lower"]


@pytest.mark.shared
def test_every_lab_of_the_real_words_is_in_one_fold_and_no_person_in_two(shared_data):
    unipen = shared_data / "unipen"
    words = writers_in(unipen / "words.json")
    assert words and all(w.startswith("unipen:") for w in words)
    for name in {lab(w) for w in words}:
        assert sum(name in fold for fold in FOLDS) == 1, f"lab {name} of unipen/words.json is in no fold or in two"
    # The README: the same people wrote under several Apple labs, so split by writer name. Every name
    # found under two labs (of the words, the lower-case letters or the capitals) has them in one fold.
    capitals = {w for w in writers_in(shared_data / "strokes_letters.json") if w.startswith("unipen:")}
    labs_of = defaultdict(set)
    for writer in words | writers_in(unipen / "letters_lower.json") | capitals:
        labs_of[writer.split("/", 1)[1]].add(lab(writer))
    shared_names = {name: labs for name, labs in labs_of.items() if len(labs) > 1}
    assert shared_names                                                   # (the README's 26 Apple names, at least)
    for name, labs in shared_names.items():
        folds = {fold_of(f"unipen:{x}/{name}") for x in labs} - {None}
        assert len(folds) <= 1, f"writer {name} wrote under labs {sorted(labs)}, in folds {sorted(folds)}"
