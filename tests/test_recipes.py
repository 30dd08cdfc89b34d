"""The recipes of the shipped models: their parameters are the shipped cards', and `handwriting ship` runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from handwriting import recipes
from handwriting.cards import portable
from handwriting.paths import models_dir
from handwriting.words.folds import FOLDS, KEPT_OUT


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
    config = recipes.word_recipe(models_dir() / "words.keras")
    assert config.held_out_labs == FOLDS[KEPT_OUT]        # the shipped model never learns from the kept-out fold
    assert portable(config.to_dict()) == _card("words.json")["params"]


def _trained_by_ship_words(monkeypatch, tmp_path) -> tuple[list, list]:
    """`recipes.ship_words` with training and conversion replaced by records of what they were asked."""
    trained, converted = [], []

    def train_words(config, log, command):
        trained.append((config, command))
        Path(config.model_path).parent.mkdir(parents=True, exist_ok=True)
        Path(config.model_path).write_bytes(b"a model")

    monkeypatch.setattr(recipes, "train_words", train_words)
    monkeypatch.setattr(recipes, "convert", converted.append)
    monkeypatch.setattr(recipes, "models_dir", lambda: tmp_path)
    monkeypatch.setattr(recipes, "local_models_dir", lambda: tmp_path / "local")
    return trained, converted


def test_ship_words_trains_the_shipped_model_without_the_kept_out_fold_and_converts_it(monkeypatch, tmp_path):
    trained, converted = _trained_by_ship_words(monkeypatch, tmp_path)
    assert recipes.ship_words(log=lambda _: None) == tmp_path / "words.keras"
    [(config, command)] = trained                          # one stage
    assert command == "handwriting ship words" and config.model_path == str(tmp_path / "words.keras")
    assert config.held_out_labs == FOLDS[KEPT_OUT] and config.init_model is None
    assert converted == [tmp_path / "words.keras"]         # the shipped model gets its LiteRT conversion


def test_ship_words_fold_k_trains_the_same_recipe_without_fold_k_into_models_local(monkeypatch, tmp_path):
    trained, converted = _trained_by_ship_words(monkeypatch, tmp_path)
    recipes.ship_words(log=lambda _: None)
    shipped = trained.pop()[0]
    for fold in range(len(FOLDS)):
        out = tmp_path / "local" / f"words-fold{fold}.keras"
        assert recipes.ship_words(fold=fold, log=lambda _: None) == out == recipes.fold_model_path(fold)
        config, command = trained.pop()
        assert command == f"handwriting ship words --fold {fold}" and config.model_path == str(out)
        assert config.held_out_labs == FOLDS[fold]
        assert replace(config, held_out_labs=shipped.held_out_labs, model_path=shipped.model_path) == shipped
    assert converted == [tmp_path / "words.keras"]         # fold models are measured, not shipped: no conversion


def test_ship_help_names_both_models():
    def run(*args):
        return subprocess.run([sys.executable, "-m", "handwriting", *args], capture_output=True, text=True,
                              check=True).stdout

    assert "letters" in run("ship", "--help") and "words" in run("ship", "--help")
    assert "--aligned-words" in run("ship", "letters", "--help")
    assert "--fold K" in run("ship", "words", "--help")
    wrong = subprocess.run([sys.executable, "-m", "handwriting", "ship", "words", "--fold", str(len(FOLDS))],
                           capture_output=True, text=True, check=False)
    assert wrong.returncode != 0 and "--fold" in wrong.stderr   # no such fold: refused before any training
