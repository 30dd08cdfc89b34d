"""Model cards: the shipped ones name no machine's folders and no parameter their trainer forgot;
one builder gives both models one version scheme, UTC times and paths from the project root."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import fields

import numpy as np
import pytest

from handwriting.cards import load_card, model_version, new_card, portable, save_card
from handwriting.letters.train import TrainConfig
from handwriting.paths import PROJECT_ROOT, models_dir
from handwriting.words.train import WordTrainConfig

CARDS = sorted(models_dir().glob("*.json"))
CONFIGS = {"letters": TrainConfig, "words": WordTrainConfig, "pen": WordTrainConfig}
# A path from the file system's root: at the start of a text or after a space, quote, bracket,
# "=" or ":" ("https://" is no path: its slash follows a slash).
ABSOLUTE = re.compile(r"(?:^|[\s=\"'(\[,:])/(?!/)[\w.~-]")


def _strings(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def test_there_are_shipped_cards():
    assert {p.name for p in CARDS} >= {"handwriting.json", "words.json", "pen.json"}


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.name)
def test_a_shipped_card_names_no_absolute_path(path):
    card = json.loads(path.read_text())
    found = [s for s in _strings(card) if ABSOLUTE.search(s) or str(PROJECT_ROOT) in s]
    markdown = path.with_suffix(".md").read_text()
    assert not found, f"{path.name}: absolute paths {found}"
    assert not ABSOLUTE.search(markdown) and str(PROJECT_ROOT) not in markdown, f"{path.with_suffix('.md').name}"


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.name)
def test_a_shipped_cards_params_are_its_training_configs(path):
    card = json.loads(path.read_text())
    config = CONFIGS[card["kind"]]
    unknown = sorted(set(card.get("params", {})) - {f.name for f in fields(config)})
    assert not unknown, f"{path.name}: params {unknown} are not {config.__name__}'s"


def test_the_absolute_path_check_catches_one():
    assert ABSOLUTE.search("/work/main/models/words.keras")
    assert ABSOLUTE.search("strokes.json?x=/tmp/a") and ABSOLUTE.search("from /home/x")
    assert not ABSOLUTE.search("../shared/data/strokes_letters.json?flag=ok&writer=unipen:*")
    assert not ABSOLUTE.search("https://zenodo.org/records/1 and 28x28 A/B")


def test_both_kinds_share_one_version_scheme_in_utc():
    when = dt.datetime(2026, 11, 24, 21, 55, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    letters, words = (new_card(kind, "task", created=when) for kind in ("letters", "words"))
    assert letters["version"] == "letters-20261124T205505Z" and words["version"] == "words-20261124T205505Z"
    assert letters["created"] == words["created"] == "2026-11-24T20:55:05+00:00"
    assert new_card("words", "task")["created"].endswith("+00:00")
    assert model_version("letters", when) < model_version("letters", when + dt.timedelta(seconds=1))
    with pytest.raises(ValueError, match="kind"):
        model_version("digits", when)


def test_saved_cards_name_paths_from_the_project_root(tmp_path):
    model = tmp_path / "m.keras"
    model.write_bytes(b"not really a model")
    shared = PROJECT_ROOT.parent / "shared" / "data"
    card = new_card("words", "task", command="handwriting ship words",
                    params={"real_words": str(shared / "strokes_words.json"),
                            "letters": ["synthetic:26000", f"{shared / 'strokes_letters.json'}?flag=ok"],
                            "init_model": str(PROJECT_ROOT / "models" / "local" / "w.keras"),
                            "model_path": str(model)},
                    training={"continued from": f"{PROJECT_ROOT / 'models' / 'local' / 'w.keras'} (version x)"})
    save_card(model, card)
    saved = load_card(model)
    assert saved["params"]["real_words"] == "../shared/data/strokes_words.json"
    assert saved["params"]["letters"] == ["synthetic:26000", "../shared/data/strokes_letters.json?flag=ok"]
    assert saved["params"]["init_model"] == "models/local/w.keras"
    assert saved["params"]["model_path"] == str(model)  # a scratch model outside the project keeps its path
    assert saved["training"]["continued from"] == "models/local/w.keras (version x)"
    assert saved["kind"] == "words" and saved["command"] == "handwriting ship words"
    assert "Words read exactly" not in model.with_suffix(".md").read_text()  # (no metrics)
    assert portable(f"/tmp{PROJECT_ROOT}/x") == f"/tmp{PROJECT_ROOT}/x"  # only paths that start there


def test_a_words_card_reads_as_one_in_markdown(tmp_path):
    model = tmp_path / "w.keras"
    model.write_bytes(b"x")
    save_card(model, new_card("words", "words", metrics={"real words": {"count": 3, "accuracy": np.float64(2 / 3)}}))
    text = model.with_suffix(".md").read_text()
    assert "Words read exactly" in text and "66.7 %" in text and "Uncertainty threshold" not in text
