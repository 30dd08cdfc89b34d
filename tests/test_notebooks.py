"""The data-science notebooks run top to bottom on a fresh kernel.

01 and 02 are quick with their defaults (the embedded synthetic data), so nbval runs them as a new
user would; 03 (training), 04 (evaluation) and 05 (words) run through papermill with tiny parameters. The
notebooks are stored without outputs and with one `parameters` cell whose defaults need no download.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from handwriting.paths import PROJECT_ROOT, default_model_path

NOTEBOOKS = PROJECT_ROOT / "notebooks"
STORY = ["01_eda.ipynb", "02_features.ipynb", "03_training.ipynb", "04_evaluation.ipynb", "05_words.ipynb"]
QUICK = ["01_eda.ipynb", "02_features.ipynb"]


def parameters(name: str) -> dict[str, str]:
    """The defaults of a notebook's `parameters` cell, as source text (papermill's own reading)."""
    import papermill

    return {k: v["default"] for k, v in papermill.inspect_notebook(str(NOTEBOOKS / name)).items()}


def execute(name: str, out_dir: Path, **params) -> nbformat.NotebookNode:
    import papermill

    out = out_dir / name
    papermill.execute_notebook(str(NOTEBOOKS / name), str(out), parameters=params, cwd=str(NOTEBOOKS),
                               kernel_name="python3", progress_bar=False, log_output=False)
    return nbformat.read(out, as_version=4)


def outputs(nb, kind: str) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if o.output_type in ("display_data", "execute_result") and kind in o.get("data", {})]


@pytest.mark.parametrize("name", STORY)
def test_notebook_is_stored_clean_with_one_parameters_cell(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "papermill needs exactly one cell tagged `parameters`"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0] is tagged[0], "the parameters come first, so injected values override them"
    assert all(not c.outputs and c.execution_count is None for c in code), "stored without outputs"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert parameters(name)["data"] == '"synthetic"', "the default data is the embedded one"


def test_parameters_are_the_documented_ones():
    assert {"data", "limit", "seed"} <= set(parameters("01_eda.ipynb"))
    training = parameters("03_training.ipynb")
    assert {"data", "epochs", "batch_size", "learning_rate", "augment", "limit", "seed",
            "model_path"} <= set(training)
    # Training never writes the shipped model unless told to.
    assert training["model_path"] == '"models/local/handwriting.keras"'
    assert parameters("04_evaluation.ipynb")["model_path"] == '"models/handwriting.keras"'
    assert parameters("05_words.ipynb")["model_path"] == '"models/local/words.keras"'


def test_training_parameters_are_all_training_config_fields():
    """Every parameter of 03 reaches TrainConfig.from_params, which refuses unknown names, or is
    one of the extra pictures the recipes make (word pieces, aligned words: the words stage)."""
    from dataclasses import fields

    from handwriting.letters.train import TrainConfig
    from handwriting.recipes import EXTRA_PARAMETERS

    names = set(parameters("03_training.ipynb"))
    assert names <= {f.name for f in fields(TrainConfig)} | set(EXTRA_PARAMETERS)
    assert set(EXTRA_PARAMETERS) <= names  # the notebook offers what `handwriting train` offers


@pytest.mark.slow
def test_quick_notebooks_pass_nbval_with_their_defaults():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
         *(str(NOTEBOOKS / name) for name in QUICK)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_training_notebook_trains_and_saves_a_model_with_its_card(tmp_path):
    model_path = tmp_path / "models" / "tiny.keras"
    nb = execute("03_training.ipynb", tmp_path, epochs=1, limit=800, batch_size=128,
                 model_path=str(model_path))
    assert model_path.is_file()
    card = json.loads(model_path.with_suffix(".json").read_text())
    assert card["params"]["epochs"] == 1 and card["params"]["limit"] == 800
    assert card["data"] and all(source["licence"] for source in card["data"])
    assert card["training"]["epochs_run"] == 1 and card["training"]["seconds"] > 0
    assert 0 < card["uncertainty_threshold"] < 1
    assert "Training data" in model_path.with_suffix(".md").read_text()
    assert len(outputs(nb, "image/png")) == 1          # the learning curves
    assert outputs(nb, "text/markdown")                # the model card, shown
    assert not (tmp_path / "models" / "tiny.backup").exists()  # a finished run's backup is cleaned up


@pytest.mark.slow
def test_evaluation_notebook_evaluates_a_model(tmp_path):
    model = default_model_path()
    if not model.is_file():
        pytest.skip(f"no model at {model} to evaluate")
    nb = execute("04_evaluation.ipynb", tmp_path, model_path=str(model), limit=520, non_letter_count=40)
    # precision/recall, confusion, mistakes, calibration, rejection, non-letter gallery
    assert len(outputs(nb, "image/png")) >= 6
    tables = "".join(o["data"]["text/plain"] for o in outputs(nb, "text/html"))
    assert "top-3 accuracy" in tables and "read as" in tables


@pytest.mark.slow
def test_words_notebook_trains_a_word_model_and_compares_the_readers(tmp_path):
    model_path = tmp_path / "models" / "words.keras"
    nb = execute("05_words.ipynb", tmp_path, words=300, epochs=1, words_per_epoch=256, model_path=str(model_path))
    assert model_path.is_file()
    card = json.loads(model_path.with_suffix(".json").read_text())
    assert card["params"]["words"] == 300 and "words in any case" in card["task"]
    assert len(outputs(nb, "image/png")) == 2          # composed words, and words it never saw
    tables = "".join(o["data"]["text/plain"] for o in outputs(nb, "text/html"))
    assert "letters alone" in tables and "with the word model" in tables
