"""`handwriting db copy`: a SQLite history into PostgreSQL and back, every row and every field kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from handwriting.app.store import Store, png_bytes
from tests.app.test_store import ALICE, BOB, add, letter_image

ROOT = Path(__file__).resolve().parents[2]


def db_copy(*args: str):
    return subprocess.run([sys.executable, "-m", "handwriting", "db", "copy", *args], capture_output=True,
                          text=True, check=False, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=300, cwd=ROOT)


def fill(store: Store) -> None:
    add(store, "O")  # from before visitors
    a = add(store.scoped(ALICE), "A", strokes=[[[0, 0], [4.5, 9]]], preprocessed=png_bytes(letter_image(3)))
    deleted = add(store.scoped(ALICE), "X")
    add(store.scoped(BOB), "B", source="upload", name="b.png", uncertain=True)
    store.scoped(BOB).add("word", png_bytes(np.ones((4, 12), np.uint8)), "w1", "CAT", 0.7, [], raw="CAR")
    store.scoped(ALICE).correct(a, "h")
    store.delete(deleted)  # a gap in the ids: kept as it is


def test_a_sqlite_history_goes_to_postgresql_and_back_whole(tmp_path, postgres_url, postgres_server):
    sqlite = tmp_path / "history.sqlite"
    with Store(sqlite) as store:
        fill(store)
        original = store.query(limit=None)
    done = db_copy(str(sqlite), postgres_url)
    assert done.returncode == 0, done.stderr
    assert "copied 4 rows" in done.stdout and "ids kept" in done.stdout
    assert postgres_server.password not in done.stdout + done.stderr and ":***@" in done.stdout
    with Store(postgres_url) as pg:
        assert pg.query(limit=None) == original
        assert [r.id for r in pg.scoped(ALICE).query()] == [r.id for r in original if r.visitor == ALICE]
        assert add(pg) == max(r.id for r in original) + 1  # new rows continue after the copied ids
        copied = pg.query(limit=None)
    back = tmp_path / "back.sqlite"
    done = db_copy(postgres_url, f"sqlite:///{back}")
    assert done.returncode == 0 and "copied 5 rows" in done.stdout, done.stderr
    with Store(back) as store:
        assert store.query(limit=None) == copied


def test_a_destination_with_rows_is_refused_unless_appending(tmp_path, postgres_url):
    src, dst = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    with Store(src) as a, Store(dst) as b:
        fill(a)
        kept = add(b, "K")
    refused = db_copy(str(src), str(dst))
    assert refused.returncode == 2 and "holds 1 rows already" in refused.stderr and "--append" in refused.stderr
    with Store(dst) as b:
        assert [r.id for r in b.query(limit=None)] == [kept]
    appended = db_copy(str(src), str(dst), "--append")
    assert appended.returncode == 0, appended.stderr
    assert "ids mapped" in appended.stdout and "copied 4 rows" in appended.stdout
    with Store(src) as a, Store(dst) as b:
        rows = b.query(limit=None)
        assert len(rows) == 5 and len({r.id for r in rows}) == 5
        strip = lambda r: {k: v for k, v in vars(r).items() if k != "id"}
        assert [strip(r) for r in rows[:4]] == [strip(r) for r in a.query(limit=None)]
    same = db_copy(str(src), f"sqlite:///{src}")
    assert same.returncode == 2 and "same database" in same.stderr
    unknown = db_copy(str(src), "mysql://u:hunter22@h/db")
    assert unknown.returncode == 2 and "unknown database URL scheme" in unknown.stderr
    assert "hunter22" not in unknown.stderr
