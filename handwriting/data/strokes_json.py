"""Pen trajectories as JSON: reading and checking the records, selecting them, drawing letters.

A strokes file is a list of `{"label", "strokes": [[[x, y], ...], ...], "writer", ...}` records
(`../shared/data/strokes_letters.json`, `strokes_words.json`, the dashboard's exports). A source
string may select records by field with wildcards: `strokes_words.json?writer=unipen:hpp/*`. Bad
records raise `DataError` naming the file, the record and the field.
"""

from __future__ import annotations

import fnmatch
import json
import math
from pathlib import Path

import numpy as np

from handwriting import LETTERS
from handwriting.data.dataset import DataError, Dataset
from handwriting.imaging.redraw import REDRAWN, redraw
from handwriting.imaging.strokes import DEFAULT_PEN_WIDTH, render_strokes


def split_filters(source: str | Path) -> tuple[str | Path, dict[str, str]]:
    """'file.json?flag=ok&writer=unipen:*' -> ('file.json', {'flag': 'ok', 'writer': 'unipen:*'})."""
    text = str(source)
    if "?" not in text:
        return source, {}
    from urllib.parse import parse_qsl

    path, query = text.split("?", 1)
    return path, dict(parse_qsl(query, keep_blank_values=True))


def matches(value, pattern: str) -> bool:
    return fnmatch.fnmatchcase(str(value), pattern)


def read_strokes_json(path: Path) -> list[dict]:
    """The records of a strokes JSON file, each validated: label, strokes, optional writer/source."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc})") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})") from None
    if not isinstance(records, list):
        raise DataError(f"{path}: expected a JSON list of records, got {type(records).__name__}")
    if not records:
        raise DataError(f"{path}: no records")
    for i, record in enumerate(records):
        where = f"{path}: record {i}"
        if not isinstance(record, dict):
            raise DataError(f"{where}: expected an object, got {type(record).__name__}")
        for key in ("label", "strokes"):
            if key not in record:
                raise DataError(f"{where}: missing field '{key}'")
        if not isinstance(record["label"], str) or not record["label"]:
            raise DataError(f"{where}: field 'label' must be a non-empty string")
        strokes = record["strokes"]
        if not isinstance(strokes, list) or not strokes:
            raise DataError(f"{where}: field 'strokes' must be a non-empty list of strokes")
        for j, stroke in enumerate(strokes):
            if not isinstance(stroke, list) or not stroke:
                raise DataError(f"{where}: strokes[{j}] must be a non-empty list of [x, y] points")
            for k, point in enumerate(stroke):
                if (not isinstance(point, list) or len(point) != 2
                        or not all(type(v) in (int, float) and math.isfinite(v) for v in point)):
                    raise DataError(f"{where}: strokes[{j}][{k}] is not an [x, y] pair of numbers: {point!r}")
    return records


def select_records(records: list[dict], filters: dict[str, str], path) -> list[dict]:
    """The records whose fields match each {field: wildcard pattern}; DataError if none do."""
    for key, pattern in filters.items():
        records = [r for r in records if key in r and matches(r[key], pattern)]
    if not records:
        raise DataError(f"{path}: no records match the selection {filters}")
    return records


def read_strokes_records(spec: str | Path) -> list[dict]:
    """The records of a strokes JSON file, optionally selected by field with * wildcards
    (`strokes_words.json?writer=unipen:hpp/*`). Raises DataError naming the file and record."""
    path, filters = split_filters(spec)
    return select_records(read_strokes_json(Path(path)), filters, path)


def load_strokes_json(path: Path, pen_widths: tuple[float, ...] = (DEFAULT_PEN_WIDTH,),
                      flags: tuple[str, ...] | None = None, filters: dict[str, str] | None = None,
                      redraws: int = 0, seed: int = 0) -> Dataset:
    """Pen trajectories of single capitals, rendered by the one stroke renderer at each pen width.

    `flags` keeps only records whose "flag" field is one of them (records without one are kept);
    `filters` keeps records whose fields match each {field: wildcard pattern}; `redraws` adds that
    many new drawings of each record (`handwriting.imaging.redraw`), each with a pen of random width between
    the thinnest and the broadest of `pen_widths`, their source marked as redrawn.
    """
    records = read_strokes_json(path)
    if flags is not None:
        records = [r for r in records if r.get("flag", flags[0]) in flags]
    records = select_records(records, filters or {}, path)
    labels = []
    for i, record in enumerate(records):
        label = record["label"].strip().upper()
        if len(label) != 1 or label not in LETTERS:
            raise DataError(f"{path}: record {i}: field 'label' is {record['label']!r}, not a letter A-Z "
                            "(word trajectories are read by the word tools, not as a letter data set)")
        labels.append(LETTERS.index(label))
    xs, ys, sources, writers = [], [], [], []
    for width in pen_widths:
        for record, label in zip(records, labels):
            xs.append(render_strokes(record["strokes"], pen_width=width))
        ys.extend(labels)
        sources.extend(_record_source(path, r) for r in records)
        writers.extend(str(r.get("writer", "")) for r in records)
    rng = np.random.default_rng(seed)
    for _ in range(redraws):
        for record, label in zip(records, labels):
            width = rng.uniform(min(pen_widths), max(pen_widths))
            xs.append(render_strokes(redraw(record["strokes"], rng), pen_width=width))
        ys.extend(labels)
        sources.extend(_record_source(path, r) + REDRAWN for r in records)
        writers.extend(str(r.get("writer", "")) for r in records)
    return Dataset(np.stack(xs), np.array(ys, dtype=np.uint8), np.array(sources), np.array(writers),
                   format="strokes-json")


def _record_source(path: Path, record: dict) -> str:
    writer = str(record.get("writer", ""))
    if ":" in writer:  # "unipen:lab/id" -> "unipen"
        return writer.split(":", 1)[0]
    return str(record.get("source", path.stem))
