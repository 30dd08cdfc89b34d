"""The model card: what a model file was trained on, how, and how well it does.

Stored as JSON beside the model (`name.keras` -> `name.json`, read by the code) and as a short
Markdown page (`name.md`, read by people). The card records the model file's SHA-256, so a card
that describes some other file is caught. One builder for the letter and the word model
(`new_card`): one version scheme, times in UTC, and paths as seen from the project root, never
this machine's folders. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from pathlib import Path

from handwriting import LETTERS, __version__
from handwriting.paths import PROJECT_ROOT

DEFAULT_THRESHOLD = 0.5
KINDS = ("letters", "words", "pen")
LETTER_TASK = "handwritten capital letters A-Z, 28x28 grey images (white ink on black)"


def model_version(kind: str, created: _dt.datetime) -> str:
    """`letters-20261124T095545Z`: the model's kind and when it was made (UTC, ISO 8601 basic), so
    versions sort by age and two trainings never share one. (The versions stored in the predictions
    database are plain text: rows written under older schemes stay as they are.)"""
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r} (known: {', '.join(KINDS)})")
    return f"{kind}-{created.astimezone(_dt.timezone.utc):%Y%m%dT%H%M%SZ}"


def new_card(kind: str, task: str, command: str | None = None, created: _dt.datetime | None = None,
             **body) -> dict:
    """A model card: its version, creation time (UTC), library version, kind and task, the command
    line that made it (if given), then `body` (data, params, training, metrics, ...)."""
    created = created or _dt.datetime.now(_dt.timezone.utc)
    card = {"version": model_version(kind, created),
            "created": created.astimezone(_dt.timezone.utc).isoformat(timespec="seconds"),
            "library_version": __version__, "kind": kind, "task": task}
    if command:
        card["command"] = command
    return dict(card, **body)


def portable(value):
    """`value` (a card, or any JSON value in it) with the absolute paths of this machine's project
    written from the project root: `models/words.keras`, and `../shared/data/...` for the data
    beside it. Paths elsewhere (a scratch model in /tmp) stay as they are."""
    if isinstance(value, dict):
        return {k: portable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [portable(v) for v in value]
    if isinstance(value, str):
        return _BESIDE.sub("../", _INSIDE.sub("", value))
    return value


# A path starts the string or follows a separator (`data=...`, `"`, a space), never mid-path.
_START = r"(?<![\w.~/-])"
_INSIDE = re.compile(_START + re.escape(f"{PROJECT_ROOT}/"))
_BESIDE = re.compile(_START + re.escape(f"{PROJECT_ROOT.parent}/")) if PROJECT_ROOT.parent != PROJECT_ROOT.parent.parent \
    else re.compile(r"(?!)")  # (a project at the top of the file system has nothing beside it to name)


def card_path(model_path: str | Path) -> Path:
    return Path(model_path).with_suffix(".json")


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_card(model_path: str | Path) -> dict:
    """The card of a model; a minimal one (with a default threshold) if the model has none."""
    path = card_path(model_path)
    if not path.is_file():
        return {"version": f"{Path(model_path).stem} (no model card)", "letters": LETTERS,
                "uncertainty_threshold": DEFAULT_THRESHOLD, "data": [], "metrics": {}}
    card = json.loads(path.read_text())
    if not isinstance(card, dict):
        raise ValueError(f"{path}: not a model card (a JSON object), but a JSON {type(card).__name__}")
    card.setdefault("uncertainty_threshold", DEFAULT_THRESHOLD)
    return card


def save_card(model_path: str | Path, card: dict) -> tuple[Path, Path]:
    """Write `card` as JSON and Markdown beside the model, stamping the model file's hash; its
    paths as seen from the project root (`portable`)."""
    model_path = Path(model_path)
    card = dict(portable(card), model_file=model_path.name, sha256=file_sha256(model_path), letters=LETTERS)
    json_path = card_path(model_path)
    json_path.write_text(json.dumps(card, indent=2, sort_keys=False) + "\n")
    md_path = model_path.with_suffix(".md")
    md_path.write_text(to_markdown(card))
    return json_path, md_path


def _pct(value) -> str:
    return f"{100 * value:.1f} %" if isinstance(value, (int, float)) else str(value)


def to_markdown(card: dict) -> str:
    """A short human-readable page of the card."""
    lines = [f"# Model card: {card.get('model_file', 'model')}", "",
             f"- Version: `{card.get('version', '?')}`",
             f"- Created: {card.get('created', '?')}",
             f"- Task: {card.get('task', LETTER_TASK)}"]
    words = card.get("kind") == "words"
    if not words:
        lines.append(f"- Uncertainty threshold: {card.get('uncertainty_threshold', DEFAULT_THRESHOLD):.3f} "
                     "(answers below it are marked uncertain)")
    lines.append("")
    if card.get("command"):
        lines += ["Produced by:", "", f"    {card['command']}", ""]
    lines += ["## Training data", "", "| source | images | licence |", "|---|---:|---|"]
    for item in card.get("data", []):
        lines.append(f"| {item.get('name')} | {item.get('count', '')} | {item.get('licence', '')} |")
    params = card.get("params", {})
    if params:
        lines += ["", "## Parameters", ""]
        lines += [f"- {k}: `{v}`" for k, v in params.items()]
    training = card.get("training", {})
    if training:
        lines += ["", "## Training", ""]
        lines += [f"- {k}: {v}" for k, v in training.items()]
    metrics = card.get("metrics", {})
    if metrics:
        lines += (["", "## Accuracy (top-1) on writers the model never saw", "", "| test set | images | top-1 |",
                   "|---|---:|---:|"] if not words else
                  ["", "## Words read exactly (raw readings of the word model alone)", "", "| test set | words | exact |",
                   "|---|---:|---:|"])
        for name, m in metrics.items():
            if isinstance(m, dict) and "accuracy" in m:
                lines.append(f"| {name} | {m.get('count', '')} | {_pct(m['accuracy'])} |")
    if card.get("heldout"):
        lines += ["", "## Leave-one-lab-out over the UNIPEN labs", "",
                  "Trained without the lab, tested on it (same recipe, without shift averaging):", "",
                  "| held-out lab | top-1 |", "|---|---:|"]
        lines += [f"| {lab} | {_pct(acc)} |" for lab, acc in card["heldout"].items()]
    words = card.get("words_heldout")
    if words:
        lines += ["", "## Pen-written words, writers held out", "",
                  f"The {words.get('words')} UNIPEN words of strokes_words.json, each read by a model of this recipe "
                  f"trained without its writer ({words.get('folds')} folds of writers; the model above has seen "
                  "them all). Whole words exact, raw readings:", "",
                  "| read | this recipe | letters only (no words) |", "|---|---:|---:|",
                  f"| drawn on paper | {words.get('paper')} % | {words.get('baseline_paper')} % |",
                  f"| from the pen strokes | {words.get('strokes')} % | {words.get('baseline_strokes')} % |"]
    if card.get("synthetic_only_model"):
        lines += ["", "## The same network trained on the embedded synthetic data alone", "",
                  "| test set | top-1 |", "|---|---:|"]
        lines += [f"| {name} | {_pct(acc)} |" for name, acc in card["synthetic_only_model"].items()]
    if card.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in card["notes"]]
    return "\n".join(lines) + "\n"
