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
    config = recipes.fine_tune_recipe(models_dir() / "words.keras", recipes.COMPOSED)
    card = _card("words.json")
    recipe = portable(config.to_dict())
    # The card predates these fields; what the recipe sets them to is what made the shipped model:
    # capitals only, every real training word also drawn on paper, pictures, no lab held out (folds instead).
    assert set(recipe) - set(card["params"]) == {"reads", "held_out_labs", "paper_share", "cased"}
    assert {k: recipe[k] for k in card["params"]} == card["params"]
    assert config.cased is False and config.paper_share == 1.0
    assert config.reads == "strips" and config.held_out_labs == ()
    assert (config.folds, config.held_out) == (recipes.WORD_FOLDS, recipes.WORD_HELD_OUT)
    assert recipes.composed_words_recipe(recipes.COMPOSED).cased is False   # stage 1 reads capitals only too


def test_the_pen_recipe_is_the_shipped_models():
    config = recipes.pen_recipe(models_dir() / "pen.keras")
    assert config.held_out_labs == FOLDS[KEPT_OUT] and config.reads == "pen"
    assert portable(config.to_dict()) == _card("pen.json")["params"]


def _trained_by_ship(monkeypatch, tmp_path) -> tuple[list, list]:
    """`recipes.ship_words` and `recipes.ship_pen` with training and conversion replaced by records
    of what they were asked (a training writes its model file, as the real one does)."""
    trained, converted = [], []

    def train_words(config, log, command):
        trained.append((config, command))
        Path(config.model_path).parent.mkdir(parents=True, exist_ok=True)
        Path(config.model_path).write_bytes(b"a model")

    monkeypatch.setattr(recipes, "train_words", train_words)
    monkeypatch.setattr(recipes, "convert", converted.append)
    monkeypatch.setattr(recipes, "models_dir", lambda: tmp_path)
    monkeypatch.setattr(recipes, "local_models_dir", lambda: tmp_path / "local")
    monkeypatch.setattr(recipes, "COMPOSED", tmp_path / "local" / "composed.keras")
    return trained, converted


def test_ship_words_skips_stage_one_when_it_is_there(monkeypatch, tmp_path):
    trained, converted = _trained_by_ship(monkeypatch, tmp_path)
    composed, out = recipes.COMPOSED, tmp_path / "words.keras"
    assert recipes.ship_words(log=lambda _: None, strategy="mirrored") == out
    [(one, command_one), (two, command_two)] = trained
    assert command_one == command_two == "handwriting ship words"
    assert one == replace(recipes.composed_words_recipe(composed), strategy="mirrored")   # stage 1, into COMPOSED
    assert two == replace(recipes.fine_tune_recipe(out, composed), strategy="mirrored")  # stage 2 goes on from it
    assert two.init_model == str(composed) and two.model_path == str(out)
    assert converted == [out]                              # the shipped model gets its LiteRT conversion, stage 1 not
    composed.write_bytes(b"stage 1")
    trained.clear()
    lines = []
    recipes.ship_words(log=lines.append)
    assert [(c.init_model, c.model_path) for c, _ in trained] == [(str(composed), str(out))]   # stage 2 only
    assert composed.read_bytes() == b"stage 1" and any(str(composed) in line for line in lines)
    trained.clear()
    recipes.ship_words(force_composed=True, log=lambda _: None)
    assert [Path(c.model_path) for c, _ in trained] == [composed, out]
    assert composed.read_bytes() == b"a model"             # trained again
    assert converted == [out] * 3


def test_ship_pen_trains_the_pen_recipe_and_converts_it(monkeypatch, tmp_path):
    trained, converted = _trained_by_ship(monkeypatch, tmp_path)
    out = tmp_path / "pen.keras"
    assert recipes.ship_pen(log=lambda _: None, strategy="mirrored") == out
    [(config, command)] = trained                          # one stage
    assert command == "handwriting ship pen" and config == replace(recipes.pen_recipe(out), strategy="mirrored")
    assert config.reads == "pen" and config.held_out_labs == FOLDS[KEPT_OUT] and config.init_model is None
    assert converted == [out]


def test_ship_pen_fold_k_trains_the_same_recipe_without_fold_k_into_models_local(monkeypatch, tmp_path):
    trained, converted = _trained_by_ship(monkeypatch, tmp_path)
    recipes.ship_pen(log=lambda _: None)
    shipped = trained.pop()[0]
    for fold in range(len(FOLDS)):
        out = tmp_path / "local" / f"pen-fold{fold}.keras"
        assert recipes.ship_pen(fold=fold, log=lambda _: None) == out == recipes.fold_model_path(fold)
        config, command = trained.pop()
        assert command == f"handwriting ship pen --fold {fold}" and config.model_path == str(out)
        assert config.held_out_labs == FOLDS[fold]
        assert replace(config, held_out_labs=shipped.held_out_labs, model_path=shipped.model_path) == shipped
    assert not trained and converted == [tmp_path / "pen.keras"]   # fold models are not converted


def test_ship_runs_the_recipe_the_command_names(monkeypatch):
    from handwriting import cli

    asked = []
    monkeypatch.setattr(cli, "_needs_tensorflow", lambda _: False)   # the recipes are stand-ins: no TensorFlow
    monkeypatch.setattr(recipes, "ship_words", lambda **kw: asked.append(("words", kw)) or Path("words.keras"))
    monkeypatch.setattr(recipes, "ship_pen", lambda **kw: asked.append(("pen", kw)) or Path("pen.keras"))
    assert cli.main(["ship", "words"]) == 0
    assert cli.main(["ship", "words", "--force-composed", "--strategy", "mirrored"]) == 0
    assert cli.main(["ship", "pen", "--fold", "1"]) == 0
    assert asked == [("words", {"force_composed": False, "strategy": "one"}),
                     ("words", {"force_composed": True, "strategy": "mirrored"}),
                     ("pen", {"fold": 1, "strategy": "one"})]


def test_ship_help_names_every_model():
    def run(*args, check=True):
        return subprocess.run([sys.executable, "-m", "handwriting", *args], capture_output=True, text=True,
                              check=check)

    assert all(model in run("ship", "--help").stdout for model in ("letters", "words", "pen"))
    assert "--aligned-words" in run("ship", "letters", "--help").stdout
    words, pen = run("ship", "words", "--help").stdout, run("ship", "pen", "--help").stdout
    assert "--force-composed" in words and "--fold" not in words   # the word model has no fold models
    assert "--fold K" in pen and "--force-composed" not in pen     # the pen model trains in one stage
    for wrong in (("pen", "--fold", str(len(FOLDS))), ("words", "--fold", "0")):
        refused = run("ship", *wrong, check=False)
        assert refused.returncode != 0 and "--fold" in refused.stderr   # refused before any training
