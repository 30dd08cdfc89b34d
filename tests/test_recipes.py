"""The recipes of the shipped models: their parameters are the shipped cards', and `handwriting ship` runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from handwriting import recipes
from handwriting.cards import portable
from handwriting.paths import models_dir


def _card(name: str) -> dict:
    return json.loads((models_dir() / name).read_text())


def test_the_letter_recipe_is_the_shipped_models():
    config = recipes.letter_recipe(models_dir() / "handwriting.keras")
    card = _card("handwriting.json")
    assert config.epochs == 8 == card["training"]["epochs_run"]
    recipe = portable(config.to_dict())
    # (the card predates restore_best and redraws; it records every other parameter)
    assert {k: recipe[k] for k in card["params"]} == card["params"]
    assert any(row["name"].startswith("word pieces") for row in card["data"])


def test_the_word_recipe_is_the_shipped_models():
    config = recipes.fine_tune_recipe(models_dir() / "words.keras", recipes.COMPOSED)
    assert portable(config.to_dict()) == _card("words.json")["params"]


def test_ship_words_skips_stage_one_when_it_is_there(monkeypatch, tmp_path):
    trained, converted = [], []

    def train_words(config, log, command):
        trained.append((config, command))
        Path(config.model_path).write_bytes(b"a model")

    monkeypatch.setattr(recipes, "train_words", train_words)
    monkeypatch.setattr(recipes, "convert", converted.append)
    monkeypatch.setattr(recipes, "models_dir", lambda: tmp_path)
    monkeypatch.setattr(recipes, "COMPOSED", tmp_path / "composed.keras")
    assert recipes.ship_words(log=lambda _: None) == tmp_path / "words.keras"
    assert [c.model_path for c, _ in trained] == [str(tmp_path / "composed.keras"), str(tmp_path / "words.keras")]
    assert {command for _, command in trained} == {"handwriting ship words"}
    assert converted == [tmp_path / "words.keras"]  # the shipped model gets its LiteRT conversion
    (tmp_path / "composed.keras").write_bytes(b"stage 1")
    trained.clear()
    recipes.ship_words(log=lambda _: None)
    assert [c.init_model for c, _ in trained] == [str(tmp_path / "composed.keras")]  # stage 2 only
    trained.clear()
    recipes.ship_words(force_composed=True, log=lambda _: None)
    assert len(trained) == 2


def test_ship_help_names_both_models():
    def run(*args):
        return subprocess.run([sys.executable, "-m", "handwriting", *args], capture_output=True, text=True,
                              check=True).stdout

    assert "letters" in run("ship", "--help") and "words" in run("ship", "--help")
    assert "--aligned-words" in run("ship", "letters", "--help")
    assert "--force-composed" in run("ship", "words", "--help")
