"""Corrected samples of the store as a data set `handwriting.data.formats.load` reads, for fine-tuning.

Only rows a user labelled count (a correction, or a confirmed prediction); word rows and labels
that are not one letter are skipped and counted. Each visitor is one writer (a short hash of the
key, never the key itself), so a writer-level split keeps one person's letters on one side.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from handwriting import LETTERS
from handwriting.app.store.records import ExportResult, Record, StoreError


def writer_of(record: Record) -> str:
    """The writer a row counts as: `dashboard:local` before visitors, else `dashboard:<hash>`."""
    if record.visitor is None:
        return "dashboard:local"
    return "dashboard:" + hashlib.sha256(record.visitor.encode()).hexdigest()[:12]


def export_records(records: list[Record], out: str | Path, fmt: str = "npz") -> ExportResult:
    """Write the corrected letter samples among `records` (oldest first) to `out`.

    fmt "npz": `out` (.npz: x uint8 N x 28 x 28 = what the model saw, y 0-25, source, writer)
    plus, when some were drawn, `<out stem>.strokes.json` with their pen trajectories
    (`[{"label", "strokes", "writer", "source"}]`). fmt "folder": `out` becomes a folder of
    `<LETTER>/<id>.png` holding the original pictures, plus the same strokes JSON beside it.
    """
    if fmt not in ("npz", "folder"):
        raise ValueError(f"export format must be 'npz' or 'folder', got {fmt!r}")
    out = Path(out)
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
        writer = np.array([writer_of(r) for r in usable])
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
            [{"label": r.correction, "strokes": r.strokes, "writer": writer_of(r),
              "source": "dashboard-draw", "id": r.id} for r in drawn]))
        paths.append(strokes_path)
    return ExportResult(paths, len(usable), len(drawn), skipped)
