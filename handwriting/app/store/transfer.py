"""Copying every row of one store into another (SQLite -> PostgreSQL and back): `handwriting db copy`.

Everything a row holds goes across: the pictures, the prediction, the correction and when it was
made, the visitor it belongs to, the time it was stored. Into an empty store the ids are kept, so
exported samples and links stay the same; into a store that already has rows (only when asked)
the copied rows get new ids, and the result says so. The destination is written in one transaction:
a copy that fails half way leaves it as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from handwriting.app.store import Store, StoreError

_COLUMNS = ("created, source, name, image, preprocessed, model_version, prediction, raw, confidence, top_k, "
            "uncertain, strokes, correction, corrected, visitor")


@dataclass
class CopyResult:
    source: str         # masked locations
    destination: str
    rows: int           # rows copied
    ids_kept: bool      # False: the destination had rows, the copies got new ids
    before: int         # rows the destination held before


def copy_store(source: Store, destination: Store, append: bool = False) -> CopyResult:
    """Copy every row of `source` into `destination` (both unscoped: every visitor's rows)."""
    if source.visitor is not None or destination.visitor is not None:
        raise ValueError("copy whole stores, not one visitor's view")
    if source.location == destination.location:
        raise StoreError(f"{source.location}: source and destination are the same database")
    rows = 0
    with destination.backend.transaction() as tx:
        before = int(tx.fetch("SELECT COUNT(*) FROM predictions")[0][0])
        if before and not append:
            raise StoreError(f"{destination.location}: holds {before} rows already; copy into an empty "
                             "database, or add them with new ids (--append)")
        keep = before == 0
        columns = ("id, " if keep else "") + _COLUMNS
        insert = f"INSERT INTO predictions ({columns}) VALUES ({', '.join('?' * (columns.count(',') + 1))})"
        for r in source.rows():
            values = (r.created, r.source, r.name, r.image, r.preprocessed, r.model_version, r.prediction, r.raw,
                      r.confidence, json.dumps([[a, b] for a, b in r.top_k]), bool(r.uncertain),
                      None if r.strokes is None else json.dumps(r.strokes), r.correction, r.corrected, r.visitor)
            tx.insert(insert, ((r.id,) if keep else ()) + values)
            rows += 1
        if keep:
            destination.backend.after_explicit_ids(tx)
    return CopyResult(source.location, destination.location, rows, keep, before)
