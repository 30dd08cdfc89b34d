"""The project's own set-up: pip and conda ask for the same things; paths never follow the cwd."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from handwriting import paths

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = {_name(r): r.replace(" ", "") for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    conda_deps = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        item = line.split("#")[0].strip()
        if item.startswith("- ") and not item.startswith("- pip:") and not item.startswith("- -e"):
            spec = item[2:].strip()
            if _name(spec) not in ("python", "pip"):
                conda_deps[_name(spec)] = spec.replace(" ", "")
    assert conda_deps == pip_deps   # same names and the same lower bounds
    assert '-e ".[dev]"' in (ROOT / "environment.yml").read_text()  # installs the package itself


def test_paths_resolve_from_the_project_root_not_the_cwd(tmp_path):
    code = "from handwriting import paths; print(paths.default_model_path()); print(paths.database_location())"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDWRITING_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
    model, db = out.stdout.split()
    assert Path(model) == ROOT / "models" / "handwriting.keras"
    assert Path(db) == ROOT / "data" / "predictions.sqlite"


def test_settings_override_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("HANDWRITING_DB", str(tmp_path / "x.sqlite"))
    monkeypatch.setenv("HANDWRITING_MODEL", str(tmp_path / "m.keras"))
    assert paths.database_location() == str(tmp_path / "x.sqlite")
    assert paths.default_model_path() == tmp_path / "m.keras"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and ci.strip().splitlines()[-1] == "make test"
