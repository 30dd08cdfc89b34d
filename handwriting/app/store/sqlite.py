"""The SQLite backend of the store: one file shared by every kernel of one machine.

Each browser tab is its own process, so the file runs in WAL mode with a busy timeout, writes in
short `BEGIN IMMEDIATE` transactions and migrates its versioned schema on open. A file that is not
this store's database (another program's SQLite file, a damaged file, a picture) raises
`StoreError` and is never written to: SQLite's `application_id` marks the file as ours.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from handwriting.app.store.records import StoreError

APPLICATION_ID = 0x48574452  # "HWDR": marks the file as this store's, so a foreign SQLite file is refused
SQLITE_HEADER = b"SQLite format 3\x00"

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
), (
    # Version 2: whose row it is (the browser's random key); rows from before stay NULL = the teacher's.
    "ALTER TABLE predictions ADD COLUMN visitor TEXT",
    "CREATE INDEX predictions_visitor ON predictions (visitor, id)",
))
SCHEMA_VERSION = len(MIGRATIONS)


class Transaction:
    """The statements of one write transaction; `?` placeholders, as in every backend."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def execute(self, sql: str, params=()) -> int:
        """Run a statement; the number of rows it changed."""
        return self._db.execute(sql, params).rowcount

    def insert(self, sql: str, params=()) -> int:
        """Run an INSERT of one row; its id."""
        return int(self._db.execute(sql, params).lastrowid)

    def fetch(self, sql: str, params=()) -> list[tuple]:
        return self._db.execute(sql, params).fetchall()


class SQLiteBackend:
    """A connection to one SQLite file. Safe to share between threads."""

    name = "SQLite"
    latest_schema = SCHEMA_VERSION

    def __init__(self, path: Path, timeout: float):
        self.path = path
        self.location = str(path)
        _check_file(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the database ({exc})") from None
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
            raise StoreError(f"{path}: damaged or not a database ({exc}); this file is left untouched") from None

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
        with self.transaction():
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
    def transaction(self):
        """A write transaction that takes the write lock up front (no deadlock between readers
        upgrading to writers) and rolls back on any error."""
        with self._lock, self._errors():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._db)
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def read(self, sql: str, params=()) -> list[tuple]:
        with self._lock, self._errors():
            return self._db.execute(sql, params).fetchall()

    @contextmanager
    def _errors(self):
        """SQLite's errors on a damaged file as a StoreError naming the file."""
        try:
            yield
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: damaged database ({exc})") from None

    def schema_version(self) -> int:
        return int(self.read("PRAGMA user_version")[0][0])

    def after_explicit_ids(self, tx: Transaction) -> None:
        """Nothing to do: AUTOINCREMENT follows the largest id ever inserted."""

    def close(self) -> None:
        with self._lock:
            self._db.close()


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
