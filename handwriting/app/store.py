"""The SQLite store of predictions the dashboard makes, and the users' corrections of them.

One file (`handwriting.paths.database_location()` unless told otherwise) shared by every Voila kernel:
each browser tab is its own process, so the store runs in WAL mode with a busy timeout, writes in
short `BEGIN IMMEDIATE` transactions and migrates its versioned schema on open. A file that is not
this store's database (another program's SQLite file, a damaged file, a picture) raises
`StoreError` and is never written to. Only parameterised SQL touches user-supplied values.

A correction is kept beside the prediction (never over it), and `export` turns the corrected
samples into a data set `handwriting.data.formats.load` reads (`.npz`, an image folder, strokes JSON).
"""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image

from handwriting import LETTERS
from handwriting.paths import database_location

APPLICATION_ID = 0x48574452  # "HWDR": marks the file as this store's, so a foreign SQLite file is refused
SOURCES = ("draw", "upload", "word")
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 30.0

# Entry i holds the statements that move the schema from version i to i + 1; never edit one that
# has shipped, add another.
MIGRATIONS: tuple[tuple[str, ...], ...] = ((
    """
    CREATE TABLE predictions (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so exports and open pages stay unambiguous
        created       TEXT    NOT NULL,                   -- UTC, ISO 8601 with milliseconds
        source        TEXT    NOT NULL CHECK (source IN ('draw', 'upload', 'word')),
        name          TEXT,                               -- the uploaded file's name, shown only, never a path
        image         BLOB    NOT NULL,                   -- the input picture as PNG
        preprocessed  BLOB,                               -- what the model saw: 28x28 PNG (a 28 x 28n strip for words)
        model_version TEXT    NOT NULL,
        prediction    TEXT,                               -- the letter or word read; NULL when nothing was read
        raw           TEXT,                               -- words: the reading before the lexicon correction
        confidence    REAL    NOT NULL,
        top_k         TEXT    NOT NULL,                   -- JSON [[letter, probability], ...]
        uncertain     INTEGER NOT NULL,
        strokes       TEXT,                               -- JSON pen trajectories when drawn
        correction    TEXT,                               -- the user's label, beside the prediction
        corrected     TEXT                                -- when the correction was made
    )""",
    "CREATE INDEX predictions_created ON predictions (created)",
    "CREATE INDEX predictions_prediction ON predictions (prediction)",
),)
SCHEMA_VERSION = len(MIGRATIONS)

_COLUMNS = ("id, created, source, name, image, preprocessed, model_version, prediction, raw, "
            "confidence, top_k, uncertain, strokes, correction, corrected")


class StoreError(RuntimeError):
    """The database cannot be used; the message names the file and what is wrong."""


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


def sqlite_file(location: str | Path) -> Path:
    """The SQLite file a database location names: a file path, or a `sqlite:///path` URL
    (`sqlite:////abs/path` for an absolute one, as SQLAlchemy writes them). Any other URL is refused
    with a StoreError, never taken for a file name; a password in it is not repeated."""
    text = str(location)
    scheme, sep, rest = text.partition("://")
    if not sep:
        return Path(text).expanduser().resolve()
    if scheme.lower() == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise StoreError(f"{masked(text)}: a SQLite URL is sqlite:///relative/path or sqlite:////absolute/path")
        return Path(rest[1:]).expanduser().resolve()
    if scheme.lower() in ("postgresql", "postgres") or scheme.lower().startswith("postgresql+"):
        raise StoreError(f"{masked(text)}: PostgreSQL is not supported by this version of the store; "
                         "give a SQLite file path (DB= / --db / HANDWRITING_DB)")
    raise StoreError(f"{masked(text)}: unknown database URL scheme {scheme!r}; give a SQLite file path "
                     "or sqlite:///path")


def masked(location: str) -> str:
    """A database location with any password replaced by ***, fit for messages and logs."""
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", location)


def _check_file(path: Path) -> None:
    """Refuse, before SQLite touches it, a file that is not a SQLite database."""
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with open(path, "rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the database file ({exc.strerror})") from None
    if header != SQLITE_HEADER:
        raise StoreError(f"{path}: not a SQLite database (it starts with {header[:8]!r}); "
                         "choose another file with DB= / HANDWRITING_DB - this one is left untouched")


class Store:
    """The predictions database. Safe to share between threads; one per process is enough."""

    def __init__(self, path: str | Path | None = None, timeout: float = BUSY_TIMEOUT_S):
        self.path = sqlite_file(path if path is not None else database_location())
        _check_file(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                       check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the database ({exc})") from None
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._migrate()
            self._set_wal()
            self._db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses no committed row
        except StoreError:
            self._db.close()
            raise
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"{self.path}: damaged or not a database ({exc}); "
                             "this file is left untouched") from None

    # ----------------------------------------------------------------------------------- opening

    def _set_wal(self) -> None:
        # Switching to WAL needs a moment alone with the file: several kernels starting together
        # may each be told "locked" even with a busy timeout, so retry briefly.
        for attempt in range(50):
            try:
                mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise StoreError(f"{self.path}: SQLite cannot use WAL mode here (journal mode {mode}); "
                                     "is the file on a network drive?")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                time.sleep(0.02 * (attempt + 1))
        raise StoreError(f"{self.path}: database stays locked; another program holds it")

    def _migrate(self) -> None:
        db = self._db
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        # Reading the schema parses the first page: a damaged file fails here, before any write.
        db.execute("SELECT name FROM sqlite_master").fetchall()
        if application_id == APPLICATION_ID and version == SCHEMA_VERSION:
            return
        with self._transaction():
            application_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = [r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            if application_id != APPLICATION_ID:
                if application_id != 0 or tables:
                    raise StoreError(
                        f"{self.path}: a SQLite database of another program (tables: "
                        f"{', '.join(tables[:5]) or 'none'}; application id {application_id:#x}); "
                        "choose another file with DB= / HANDWRITING_DB - this one is left untouched")
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: written by a newer version of handwriting "
                                 f"(schema {version}, this one knows up to {SCHEMA_VERSION}); upgrade")
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {step + 1}")

    @contextmanager
    def _transaction(self):
        """A write transaction that takes the write lock up front (no deadlock between readers
        upgrading to writers) and rolls back on any error."""
        with self._lock, self._errors():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _errors(self):
        """SQLite's errors on a damaged file as a StoreError naming the file."""
        try:
            yield
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: damaged database ({exc})") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----------------------------------------------------------------------------------- writing

    def add(self, source: str, image: bytes, model_version: str, prediction: str | None,
            confidence: float, top_k: Sequence[tuple[str, float]] = (), uncertain: bool = False,
            preprocessed: bytes | None = None, strokes: list | None = None, name: str | None = None,
            raw: str | None = None) -> int:
        """Store one prediction and return its id."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
        row = self._row_values(image, model_version, prediction, confidence, top_k, uncertain,
                               preprocessed, strokes, raw)
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO predictions (created, source, name, image, preprocessed, model_version, "
                "prediction, raw, confidence, top_k, uncertain, strokes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (now(), source, name, *row))
            return int(cursor.lastrowid)

    def update(self, record_id: int, image: bytes, model_version: str, prediction: str | None,
               confidence: float, top_k: Sequence[tuple[str, float]] = (), uncertain: bool = False,
               preprocessed: bytes | None = None, strokes: list | None = None,
               raw: str | None = None) -> bool:
        """Replace the prediction of a drawing that changed (one row per drawing, not per stroke).

        Returns False when the row is gone (deleted from another tab)."""
        row = self._row_values(image, model_version, prediction, confidence, top_k, uncertain,
                               preprocessed, strokes, raw)
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE predictions SET image = ?, preprocessed = ?, model_version = ?, prediction = ?, "
                "raw = ?, confidence = ?, top_k = ?, uncertain = ?, strokes = ? WHERE id = ?",
                (row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], int(record_id)))
            return cursor.rowcount > 0

    @staticmethod
    def _row_values(image, model_version, prediction, confidence, top_k, uncertain, preprocessed,
                    strokes, raw) -> tuple:
        if not isinstance(image, (bytes, bytearray, memoryview)) or not bytes(image[:8]) == b"\x89PNG\r\n\x1a\n":
            raise ValueError("image must be PNG bytes")
        top = [[str(letter), float(p)] for letter, p in top_k]
        return (bytes(image), None if preprocessed is None else bytes(preprocessed), str(model_version),
                prediction, raw, float(confidence), json.dumps(top), int(bool(uncertain)),
                None if strokes is None else json.dumps(_plain(strokes)))

    def set_image(self, record_id: int, image: bytes) -> bool:
        """Replace the stored picture (the drawing pad's pixels arrive after the prediction)."""
        if not bytes(image[:8]) == b"\x89PNG\r\n\x1a\n":
            raise ValueError("image must be PNG bytes")
        with self._transaction() as db:
            return db.execute("UPDATE predictions SET image = ? WHERE id = ?",
                              (bytes(image), int(record_id))).rowcount > 0

    def correct(self, record_id: int, label: str | None) -> bool:
        """Record the user's label beside the prediction (None removes the correction)."""
        if label is not None:
            label = str(label).strip().upper()
            if not label:
                label = None
        with self._transaction() as db:
            return db.execute("UPDATE predictions SET correction = ?, corrected = ? WHERE id = ?",
                              (label, now() if label is not None else None, int(record_id))).rowcount > 0

    def delete(self, record_id: int) -> bool:
        with self._transaction() as db:
            return db.execute("DELETE FROM predictions WHERE id = ?", (int(record_id),)).rowcount > 0

    # ----------------------------------------------------------------------------------- reading

    @staticmethod
    def _where(letter: str | None, uncertain: bool | None, source: str | None,
               corrected: bool | None) -> tuple[str, list]:
        clauses, params = [], []
        if letter:
            clauses.append("(prediction = ? OR correction = ?)")
            params += [letter, letter]
        if uncertain is not None:
            clauses.append("uncertain = ?")
            params.append(int(bool(uncertain)))
        if source:
            clauses.append("source = ?")
            params.append(source)
        if corrected is not None:
            clauses.append("correction IS NOT NULL" if corrected else "correction IS NULL")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def query(self, letter: str | None = None, uncertain: bool | None = None, source: str | None = None,
              corrected: bool | None = None, limit: int | None = 50, offset: int = 0) -> list[Record]:
        """Stored predictions, newest first; `letter` matches the prediction or the correction."""
        where, params = self._where(letter, uncertain, source, corrected)
        sql = f"SELECT {_COLUMNS} FROM predictions{where} ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [int(limit), int(offset)]
        with self._lock, self._errors():
            rows = self._db.execute(sql, params).fetchall()
        return [_record(row) for row in rows]

    def count(self, letter: str | None = None, uncertain: bool | None = None, source: str | None = None,
              corrected: bool | None = None) -> int:
        where, params = self._where(letter, uncertain, source, corrected)
        with self._lock, self._errors():
            return int(self._db.execute(f"SELECT COUNT(*) FROM predictions{where}", params).fetchone()[0])

    def get(self, record_id: int) -> Record | None:
        with self._lock, self._errors():
            row = self._db.execute(f"SELECT {_COLUMNS} FROM predictions WHERE id = ?",
                                   (int(record_id),)).fetchone()
        return _record(row) if row else None

    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # ----------------------------------------------------------------------------------- export

    def export(self, out: str | Path, fmt: str = "npz") -> ExportResult:
        """Write the corrected letter samples as a data set `handwriting.data.formats.load` reads.

        fmt "npz": `out` (.npz: x uint8 N x 28 x 28 = what the model saw, y 0-25, source, writer)
        plus, when some were drawn, `<out stem>.strokes.json` with their pen trajectories
        (`[{"label", "strokes", "writer", "source"}]`). fmt "folder": `out` becomes a folder of
        `<LETTER>/<id>.png` holding the original pictures, plus the same strokes JSON beside it.
        """
        if fmt not in ("npz", "folder"):
            raise ValueError(f"export format must be 'npz' or 'folder', got {fmt!r}")
        out = Path(out)
        records = self.query(corrected=True, limit=None)
        records.reverse()  # oldest first: a stable order as rows are added
        usable = [r for r in records if r.correction in LETTERS and len(r.correction) == 1
                  and r.source in ("draw", "upload") and r.preprocessed is not None]
        skipped = len(records) - len(usable)
        if not usable:
            raise StoreError("no corrected letters to export yet: correct or confirm some labels in History")
        paths: list[Path] = []
        if fmt == "npz":
            if out.suffix.lower() != ".npz":
                out = out.with_suffix(".npz")
            out.parent.mkdir(parents=True, exist_ok=True)
            x = np.stack([r.preprocessed_array() for r in usable]).astype(np.uint8)
            y = np.array([LETTERS.index(r.correction) for r in usable], dtype=np.uint8)
            source = np.array([f"dashboard-{r.source}" for r in usable])
            writer = np.array(["dashboard"] * len(usable))
            tmp = out.with_name(out.stem + ".tmp.npz")
            np.savez_compressed(tmp, x=x, y=y, source=source, writer=writer, id=np.array([r.id for r in usable]))
            os.replace(tmp, out)
            paths.append(out)
            strokes_path = out.with_name(out.stem + ".strokes.json")
        else:
            out.mkdir(parents=True, exist_ok=True)
            for r in usable:
                folder = out / r.correction  # the label is one of A-Z (checked above): never a user path
                folder.mkdir(exist_ok=True)
                (folder / f"{r.id}-{r.source}.png").write_bytes(r.image)
            paths.append(out)
            strokes_path = out.with_name(out.name + ".strokes.json")
        drawn = [r for r in usable if r.strokes]
        if drawn:
            strokes_path.write_text(json.dumps(
                [{"label": r.correction, "strokes": r.strokes, "writer": "dashboard:local",
                  "source": "dashboard-draw", "id": r.id} for r in drawn]))
            paths.append(strokes_path)
        return ExportResult(paths, len(usable), len(drawn), skipped)


def _plain(strokes) -> list:
    """Strokes as plain JSON lists of [x, y] (numbers rounded to 0.1 px: finer is noise)."""
    return [[[round(float(x), 1), round(float(y), 1)] for x, y in stroke] for stroke in strokes]


def _record(row) -> Record:
    return Record(
        id=int(row[0]), created=row[1], source=row[2], name=row[3], image=bytes(row[4]),
        preprocessed=None if row[5] is None else bytes(row[5]), model_version=row[6],
        prediction=row[7], raw=row[8], confidence=float(row[9]),
        top_k=[(str(a), float(b)) for a, b in json.loads(row[10])], uncertain=bool(row[11]),
        strokes=json.loads(row[12]) if row[12] else None, correction=row[13], corrected=row[14])
