"""The house rule of the package layout: a stage never imports a later one.

Stages, in pipeline order: imaging -> data -> letters -> words -> recognize -> app. Below them sit
the package constants (`handwriting/__init__.py`), `paths` and `cards`, which import no stage; above
them `cli`, `plots` and `recipes`, which may import any. Every import counts, lazy ones inside
functions included, so a shortcut taken to dodge TensorFlow's start-up still has to respect it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import handwriting

PACKAGE = Path(handwriting.__file__).parent
STAGES = ("imaging", "data", "letters", "words", "recognize", "app")
BOTTOM = {"handwriting", "paths", "cards", "runtime"}
TOP = {"cli", "console", "plots", "recipes", "__main__"}
MAX_LINES = 450


def _rank(module: str) -> int:
    """-1 for the bottom, the stage's index, or len(STAGES) for the top."""
    parts = module.split(".")
    first = parts[1] if len(parts) > 1 else "handwriting"
    if first in BOTTOM:
        return -1
    if first in STAGES:
        return STAGES.index(first)
    if first in TOP:
        return len(STAGES)
    raise AssertionError(f"{module}: not in a stage, the bottom or the top; add it to one in tests/test_layout.py")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every `handwriting` import in the file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "handwriting"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "handwriting":  # `from handwriting import X`: X may be a module
                found += [(node.lineno, f"handwriting.{a.name}") if (PACKAGE / a.name).exists()
                          or (PACKAGE / f"{a.name}.py").exists() else (node.lineno, "handwriting")
                          for a in node.names]
            elif node.module.split(".")[0] == "handwriting":
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}:{node.lineno}: relative import; the package uses absolute ones")
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_stage_imports_a_later_one(path):
    name = _module_name(path)
    own = _rank(name)
    later = [f"line {line}: {target}" for line, target in _imports(path) if own < len(STAGES) and _rank(target) > own]
    assert not later, f"{name} ({_where(own)}) imports a later stage: " + "; ".join(later)


def _where(rank: int) -> str:
    return "bottom" if rank < 0 else STAGES[rank] if rank < len(STAGES) else "top"


def test_the_rule_catches_a_lazy_import(tmp_path):
    """The walk sees an import inside a function, which a plain top-of-file scan would miss."""
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from handwriting.words.segment import find_lines\n    return find_lines\n")
    assert _imports(module) == [(2, "handwriting.words.segment")]
    assert _rank("handwriting.words.segment") > _rank("handwriting.letters.train")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_readable(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines (at most {MAX_LINES}): split it by job"


def test_few_modules_at_the_top():
    top = sorted(p.name for p in PACKAGE.glob("*.py")) + sorted(p.name for p in PACKAGE.iterdir()
                                                                 if p.is_dir() and p.name not in STAGES
                                                                 and (p / "__init__.py").exists())
    assert len(top) <= 10, top
