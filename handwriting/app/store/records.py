"""What every backend of the store shares: the row as read (`Record`), the errors, the checks of a
database location and of a visitor's key, and the values written to a row.

Kept apart from the `Store` facade so the backends (`sqlite`, `postgres`) can use them without
importing the facade that imports them.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image

SOURCES = ("draw", "upload", "word")
POSTGRES_SCHEMES = ("postgresql", "postgres")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VISITOR_KEY = re.compile(r"[A-Za-z0-9_-]{22,128}")  # >= 22 base64url characters = >= 128 bits

# The columns every backend reads, in `Record` order (each backend's DDL has them all).
COLUMNS = ("id, created, source, name, image, preprocessed, model_version, prediction, raw, "
           "confidence, top_k, uncertain, strokes, correction, corrected, visitor")


class StoreError(RuntimeError):
    """The database cannot be used; the message names it (password masked) and what is wrong."""


@dataclass
class Record:
    id: int
    created: str
    source: str
    name: str | None
    image: bytes
    preprocessed: bytes | None
    model_version: str
    prediction: str | None
    raw: str | None
    confidence: float
    top_k: list[tuple[str, float]]
    uncertain: bool
    strokes: list | None
    correction: str | None
    corrected: str | None
    visitor: str | None = None  # the visitor's key; None for rows stored before visitors existed

    @property
    def label(self) -> str | None:
        """The user's correction if any, else the prediction."""
        return self.correction if self.correction is not None else self.prediction

    def preprocessed_array(self) -> np.ndarray | None:
        if self.preprocessed is None:
            return None
        return np.asarray(Image.open(io.BytesIO(self.preprocessed)).convert("L"))


@dataclass
class ExportResult:
    paths: list[Path]
    count: int            # corrected letter samples exported
    with_strokes: int     # of which drawn (their pen trajectories are in the strokes JSON)
    skipped: int          # corrected rows that cannot be letter samples (words, labels not A-Z)


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def png_bytes(image: np.ndarray | Image.Image) -> bytes:
    """An image (PIL or uint8 array, grey/RGB/RGBA) as PNG bytes."""
    if not isinstance(image, Image.Image):
        image = Image.fromarray(np.asarray(image, dtype=np.uint8))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def check_visitor_key(key) -> str:
    """The key, if it is 22-128 characters of [A-Za-z0-9_-] (base64url, >= 128 bits); else ValueError."""
    if not isinstance(key, str) or not VISITOR_KEY.fullmatch(key):
        raise ValueError("a visitor key is 22 to 128 characters of A-Z, a-z, 0-9, '_' and '-' "
                         f"(got {'a ' + type(key).__name__ if not isinstance(key, str) else f'{len(key)} characters'})")
    return key


def masked(location: str) -> str:
    """A database location with any password replaced by ***, fit for messages and logs: the
    `user:password@` of a URL and a `password=` parameter (in a query string or a libpq conninfo)."""
    # Up to the last "@": a password holding an unencoded "@" is still hidden whole.
    text = re.sub(r"(://[^/@:?#]*:)\S*@", r"\1***@", str(location))
    return re.sub(r"(?i)(\bpassword\s*=\s*)('[^']*'|[^&\s]*)", r"\1***", text)


def scheme_of(location: str) -> str | None:
    """The lower-case URL scheme of a location (`postgresql+psycopg` -> `postgresql`), None for a path."""
    scheme, sep, _ = str(location).partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return None
    return scheme.lower().split("+")[0]


def sqlite_file(location: str | Path) -> Path:
    """The SQLite file a database location names: a file path, or a `sqlite:///path` URL
    (`sqlite:////abs/path` for an absolute one, as SQLAlchemy writes them). Any other URL is refused
    with a StoreError, never taken for a file name; a password in it is not repeated."""
    text = str(location)
    scheme = scheme_of(text)
    if scheme is None:
        return Path(text).expanduser().resolve()
    if scheme == "sqlite":
        rest = text.partition("://")[2]
        if not rest.startswith("/") or rest == "/":
            raise StoreError(f"{masked(text)}: a SQLite URL is sqlite:///relative/path or sqlite:////absolute/path")
        return Path(rest[1:]).expanduser().resolve()
    if scheme in POSTGRES_SCHEMES:
        raise StoreError(f"{masked(text)}: a PostgreSQL URL, not a SQLite file")
    raise StoreError(f"{masked(text)}: unknown database URL scheme {scheme!r}; give a SQLite file path, "
                     "sqlite:///path or postgresql://user@host/database")


def resolve_location(location: str | Path) -> str:
    """The location as another process started elsewhere should get it: an absolute path for a
    SQLite file, a PostgreSQL URL unchanged. An unknown scheme raises StoreError."""
    if scheme_of(str(location)) in POSTGRES_SCHEMES:
        return str(location)
    return str(sqlite_file(location))


def row_values(image, model_version, prediction, confidence, top_k: Sequence, uncertain, preprocessed,
               strokes, raw) -> tuple:
    """(image, preprocessed, model_version, prediction, raw, confidence, top_k, uncertain, strokes)
    checked and as stored."""
    if not isinstance(image, (bytes, bytearray, memoryview)) or not bytes(image[:8]) == PNG_SIGNATURE:
        raise ValueError("image must be PNG bytes")
    top = [[str(letter), float(p)] for letter, p in top_k]
    return (bytes(image), None if preprocessed is None else bytes(preprocessed), str(model_version),
            prediction, raw, float(confidence), json.dumps(top), bool(uncertain),
            None if strokes is None else json.dumps(plain_strokes(strokes)))


def plain_strokes(strokes) -> list:
    """Strokes as plain JSON lists of [x, y] (numbers rounded to 0.1 px: finer is noise)."""
    return [[[round(float(x), 1), round(float(y), 1)] for x, y in stroke] for stroke in strokes]


def record_from_row(row) -> Record:
    """A row of COLUMNS, from either backend, as a Record."""
    return Record(
        id=int(row[0]), created=row[1], source=row[2], name=row[3], image=bytes(row[4]),
        preprocessed=None if row[5] is None else bytes(row[5]), model_version=row[6],
        prediction=row[7], raw=row[8], confidence=float(row[9]),
        top_k=[(str(a), float(b)) for a, b in json.loads(row[10])], uncertain=bool(row[11]),
        strokes=json.loads(row[12]) if row[12] else None, correction=row[13], corrected=row[14],
        visitor=row[15])
