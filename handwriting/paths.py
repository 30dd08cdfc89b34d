"""Where the project's files live.

Every path resolves from the project root (or an explicit environment setting), never from the
current directory, so notebooks, Voila and the command line all find the same files.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _setting(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    """Where users put data and where generated data goes (`HANDWRITING_DATA_DIR`)."""
    return _setting("HANDWRITING_DATA_DIR", PROJECT_ROOT / "data")


def cache_dir() -> Path:
    """Parsed copies of slow-to-read sources (git-ignored, safe to delete)."""
    return data_dir() / "interim" / "cache"


def models_dir() -> Path:
    return PROJECT_ROOT / "models"


def default_model_path() -> Path:
    """The model the dashboard and the command line use (`HANDWRITING_MODEL` overrides)."""
    return _setting("HANDWRITING_MODEL", models_dir() / "handwriting.keras")


def default_word_model_path() -> Path:
    """The word model read beside the letter model when it exists (`HANDWRITING_WORD_MODEL`
    overrides; `handwriting.words.model`)."""
    return _setting("HANDWRITING_WORD_MODEL", models_dir() / "words.keras")


def default_pen_model_path() -> Path:
    """The pen model that reads words drawn as pen strokes, when it exists (`HANDWRITING_PEN_MODEL`
    overrides; `handwriting.words.pen`)."""
    return _setting("HANDWRITING_PEN_MODEL", models_dir() / "pen.keras")


def local_models_dir() -> Path:
    """Where user training runs save models; git-ignored and never the shipped model."""
    return models_dir() / "local"


def database_location() -> str:
    """Where predictions are stored (`HANDWRITING_DB` overrides): a SQLite file path or a database
    URL, exactly as given. A URL is never turned into a file path here: the store reads it
    (`handwriting.app.store.sqlite_file`)."""
    return os.environ.get("HANDWRITING_DB") or str(data_dir() / "predictions.sqlite")


def shared_data_dir() -> Path:
    """The team's real handwriting collection beside the repository (`HANDWRITING_SHARED_DATA`)."""
    return _setting("HANDWRITING_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data")
