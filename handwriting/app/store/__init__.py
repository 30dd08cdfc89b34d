"""The store of predictions the dashboard makes, the users' corrections of them, and whose they are.

`Store(location)` opens a database by location (`handwriting.paths.database_location()` unless
told): a file path or `sqlite:///...` is a SQLite file (`sqlite`, one machine), `postgresql://...`
a PostgreSQL database (`postgres`, several servers). A URL is never turned into a file path and an
unknown scheme is a StoreError; a password never appears in a message (`masked`). Each backend has
its own DDL and migrations for the same logical schema and a marker saying the database is ours; a
database that is not ours is refused and left untouched. Only parameterised SQL touches values.

Each row belongs to a visitor (a random key the browser keeps) or, for rows from before visitors
existed, to nobody. `store.scoped(key)` is that visitor's view: it tags what it adds and sees,
changes, deletes and exports only that visitor's rows (another's id behaves like a missing one).
The unscoped store (`visitor` None) is the teacher's view of every row. A correction is kept
beside the prediction (never over it), and `export` turns the corrected samples into a data set.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Self

from handwriting.app.store.export import export_records
from handwriting.app.store.records import (
    COLUMNS,
    PNG_SIGNATURE,
    POSTGRES_SCHEMES,
    SOURCES,
    ExportResult,
    Record,
    StoreError,
    check_visitor_key,
    masked,
    now,
    png_bytes,
    record_from_row,
    resolve_location,
    row_values,
    scheme_of,
    sqlite_file,
)
from handwriting.app.store.sqlite import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    SQLiteBackend,
)
from handwriting.paths import database_location

__all__ = ["APPLICATION_ID", "BUSY_TIMEOUT_S", "MIGRATIONS", "SCHEMA_VERSION", "SOURCES", "ExportResult",
           "Record", "Store", "StoreError", "check_visitor_key", "masked", "now", "png_bytes",
           "resolve_location", "sqlite_file"]

BUSY_TIMEOUT_S = 30.0
_INSERT = ("INSERT INTO predictions (created, source, name, image, preprocessed, model_version, prediction, "
           "raw, confidence, top_k, uncertain, strokes, visitor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def open_backend(location: str | Path, timeout: float = BUSY_TIMEOUT_S):
    """The backend a location names: PostgreSQL for postgresql:// (postgres://), else SQLite."""
    if scheme_of(str(location)) in POSTGRES_SCHEMES:
        from handwriting.app.store.postgres import (
            PostgresBackend,  # psycopg only when asked for
        )

        return PostgresBackend(str(location), timeout)
    return SQLiteBackend(sqlite_file(location), timeout)


class Store:
    """The predictions database. Safe to share between threads; one per process is enough.

    `location` is the database (password masked) for display; `path` is the SQLite file, None on
    PostgreSQL. Views from `scoped` share the connection: closing any of them closes it."""

    def __init__(self, location: str | Path | None = None, timeout: float = BUSY_TIMEOUT_S):
        self.backend = open_backend(location if location is not None else database_location(), timeout)
        self.visitor: str | None = None

    @property
    def path(self) -> Path | None:
        return getattr(self.backend, "path", None)

    @property
    def location(self) -> str:
        return self.backend.location

    def scoped(self, visitor_key: str) -> Store:
        """The view of one visitor: it adds rows tagged with the key and reaches only those."""
        view = copy.copy(self)
        view.visitor = check_visitor_key(visitor_key)
        return view

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def schema_version(self) -> int:
        return self.backend.schema_version()

    # ----------------------------------------------------------------------------------- writing

    def add(self, source: str, image: bytes, model_version: str, prediction: str | None,
            confidence: float, top_k: Sequence[tuple[str, float]] = (), uncertain: bool = False,
            preprocessed: bytes | None = None, strokes: list | None = None, name: str | None = None,
            raw: str | None = None) -> int:
        """Store one prediction (the view's visitor's) and return its id."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
        row = row_values(image, model_version, prediction, confidence, top_k, uncertain, preprocessed, strokes, raw)
        with self.backend.transaction() as tx:
            return tx.insert(_INSERT, (now(), source, name, *row, self.visitor))

    def update(self, record_id: int, image: bytes, model_version: str, prediction: str | None,
               confidence: float, top_k: Sequence[tuple[str, float]] = (), uncertain: bool = False,
               preprocessed: bytes | None = None, strokes: list | None = None,
               raw: str | None = None) -> bool:
        """Replace the prediction of a drawing that changed (one row per drawing, not per stroke).

        Returns False when the row is gone (deleted from another tab) or not this visitor's."""
        row = row_values(image, model_version, prediction, confidence, top_k, uncertain, preprocessed, strokes, raw)
        return self._change("image = ?, preprocessed = ?, model_version = ?, prediction = ?, raw = ?, "
                            "confidence = ?, top_k = ?, uncertain = ?, strokes = ?", row, record_id)

    def set_image(self, record_id: int, image: bytes) -> bool:
        """Replace the stored picture (the drawing pad's pixels arrive after the prediction)."""
        if not bytes(image[:8]) == PNG_SIGNATURE:
            raise ValueError("image must be PNG bytes")
        return self._change("image = ?", (bytes(image),), record_id)

    def correct(self, record_id: int, label: str | None) -> bool:
        """Record the user's label beside the prediction (None removes the correction)."""
        if label is not None:
            label = str(label).strip().upper() or None
        return self._change("correction = ?, corrected = ?", (label, now() if label is not None else None),
                            record_id)

    def delete(self, record_id: int) -> bool:
        where, params = self._by_id(record_id)
        with self.backend.transaction() as tx:
            return tx.execute(f"DELETE FROM predictions{where}", params) > 0

    def _change(self, assignments: str, values: Sequence, record_id: int) -> bool:
        where, params = self._by_id(record_id)
        with self.backend.transaction() as tx:
            return tx.execute(f"UPDATE predictions SET {assignments}{where}", [*values, *params]) > 0

    def _by_id(self, record_id: int) -> tuple[str, list]:
        return self._where([("id = ?", int(record_id))])

    def _where(self, conditions: list[tuple[str, object]]) -> tuple[str, list]:
        """` WHERE ...` of the conditions (clause, value or None for none) and the view's visitor."""
        if self.visitor is not None:
            conditions = [*conditions, ("visitor = ?", self.visitor)]
        clauses, params = [], []
        for clause, value in conditions:
            clauses.append(clause)
            params += [] if value is None else list(value) if isinstance(value, tuple) else [value]
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    # ----------------------------------------------------------------------------------- reading

    def _filters(self, letter: str | None, uncertain: bool | None, source: str | None,
                 corrected: bool | None) -> tuple[str, list]:
        conditions: list[tuple[str, object]] = []
        if letter:
            conditions.append(("(prediction = ? OR correction = ?)", (letter, letter)))
        if uncertain is not None:
            conditions.append(("uncertain = ?", bool(uncertain)))
        if source:
            conditions.append(("source = ?", source))
        if corrected is not None:
            conditions.append(("correction IS NOT NULL" if corrected else "correction IS NULL", None))
        return self._where(conditions)

    def query(self, letter: str | None = None, uncertain: bool | None = None, source: str | None = None,
              corrected: bool | None = None, limit: int | None = 50, offset: int = 0) -> list[Record]:
        """Stored predictions, newest first; `letter` matches the prediction or the correction."""
        where, params = self._filters(letter, uncertain, source, corrected)
        sql = f"SELECT {COLUMNS} FROM predictions{where} ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [int(limit), int(offset)]
        return [record_from_row(row) for row in self.backend.read(sql, params)]

    def count(self, letter: str | None = None, uncertain: bool | None = None, source: str | None = None,
              corrected: bool | None = None) -> int:
        where, params = self._filters(letter, uncertain, source, corrected)
        return int(self.backend.read(f"SELECT COUNT(*) FROM predictions{where}", params)[0][0])

    def get(self, record_id: int) -> Record | None:
        where, params = self._by_id(record_id)
        rows = self.backend.read(f"SELECT {COLUMNS} FROM predictions{where}", params)
        return record_from_row(rows[0]) if rows else None

    def rows(self, batch: int = 500) -> Iterator[Record]:
        """Every row of the view, oldest first, read a batch at a time (for copying a store)."""
        last = 0
        while True:
            where, params = self._where([("id > ?", last)])
            rows = self.backend.read(f"SELECT {COLUMNS} FROM predictions{where} ORDER BY id LIMIT ?",
                                     [*params, int(batch)])
            if not rows:
                return
            for row in rows:
                yield record_from_row(row)
            last = int(rows[-1][0])

    # ----------------------------------------------------------------------------------- export

    def export(self, out: str | Path, fmt: str = "npz") -> ExportResult:
        """Write the view's corrected letter samples as a data set `handwriting.data.formats.load`
        reads (see `handwriting.app.store.export.export_records`)."""
        records = self.query(corrected=True, limit=None)
        records.reverse()  # oldest first: a stable order as rows are added
        return export_records(records, out, fmt)
