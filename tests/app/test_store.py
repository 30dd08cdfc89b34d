"""The predictions store: schema, corrections, visitors, export, several writers at once, crashes, bad
databases. Tests taking `location` run on a SQLite file and on a real PostgreSQL database."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from handwriting import data
from handwriting.app.store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    Store,
    StoreError,
    png_bytes,
)

PNG = png_bytes(np.zeros((8, 8), np.uint8))
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path) -> str:
    """A new database: a SQLite file, or an empty database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "p.sqlite")
    return request.getfixturevalue("postgres_url")


def raw_sql(location: str, *statements: str) -> list:
    """Run statements on the database behind the store's back; the last one's rows, if any."""
    if location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location, autocommit=True) as db:
            rows = []
            for statement in statements:
                cursor = db.execute(statement)
                rows = cursor.fetchall() if cursor.description else []
            return rows
    db = sqlite3.connect(location)
    try:
        rows = []
        for statement in statements:
            rows = db.execute(statement).fetchall()
        db.commit()
        return rows
    finally:
        db.close()


def fingerprint(location: str):
    """What a database holds, to check that a refused one was left untouched."""
    if location.startswith("postgresql://"):
        return raw_sql(location, "SELECT c.relname, c.relkind, c.relfilenode FROM pg_class c JOIN pg_namespace n "
                       "ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1"), \
            raw_sql(location, "SELECT * FROM customers ORDER BY name")
    return sha(Path(location)), sorted(p.name for p in Path(location).parent.iterdir())


def letter_image(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.zeros((28, 28), np.uint8)
    image[4:24, 8:20] = rng.integers(1, 255, size=(20, 12))
    return image


def add(store: Store, letter="A", source="draw", confidence=0.9, uncertain=False, strokes=None, **kw) -> int:
    return store.add(source, kw.pop("image", PNG), "test-1", letter, confidence,
                     [(letter, confidence), ("B", 1 - confidence)], uncertain,
                     preprocessed=kw.pop("preprocessed", png_bytes(letter_image(0))), strokes=strokes, **kw)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_database_is_versioned_wal_and_marked_as_ours(tmp_path):
    path = tmp_path / "sub" / "p.sqlite"
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()
    Store(path).close()  # reopening an up-to-date database changes nothing


def test_rows_round_trip_newest_first_with_filters(location, tmp_path):
    with Store(location) as store:
        strokes = [[[1, 2], [3.25, 4]], [[5, 6]]]
        first = add(store, "A", strokes=strokes)
        second = add(store, "B", source="upload", confidence=0.3, uncertain=True, name="b.jpg")
        third = add(store, "A", source="upload", name="a.png")
        assert [r.id for r in store.query()] == [third, second, first]
        r = store.get(first)
        assert (r.source, r.prediction, r.model_version, r.uncertain) == ("draw", "A", "test-1", False)
        assert r.top_k == [("A", 0.9), ("B", pytest.approx(0.1))]
        assert r.strokes == [[[1, 2], [3.2, 4]], [[5, 6]]] or r.strokes == [[[1, 2], [3.3, 4]], [[5, 6]]]
        assert r.image == PNG
        assert np.array_equal(r.preprocessed_array(), letter_image(0))
        assert [x.id for x in store.query(letter="A")] == [third, first]
        assert [x.id for x in store.query(uncertain=True)] == [second]
        assert [x.id for x in store.query(source="upload", letter="A")] == [third]
        assert store.count() == 3 and store.count(letter="B") == 1
        assert [x.id for x in store.query(limit=1, offset=1)] == [second]


def test_correction_is_kept_beside_the_prediction(location, tmp_path):
    with Store(location) as store:
        rid = add(store, "O")
        assert store.correct(rid, "q")
        r = store.get(rid)
        assert (r.prediction, r.correction, r.label) == ("O", "Q", "Q") and r.corrected
        assert [x.id for x in store.query(letter="Q")] == [rid]  # found by its corrected label
        assert [x.id for x in store.query(corrected=True)] == [rid]
        store.correct(rid, None)
        assert store.get(rid).correction is None and store.get(rid).prediction == "O"
        assert not store.correct(9999, "A")


def test_update_and_set_image_touch_one_row_and_delete_removes_it(location, tmp_path):
    with Store(location) as store:
        rid = add(store, "C", strokes=[[[0, 0], [1, 1]]])
        other = png_bytes(np.full((4, 4), 200, np.uint8))
        assert store.update(rid, PNG, "test-2", "G", 0.7, [("G", 0.7)], True, strokes=[[[0, 0]], [[2, 2]]])
        assert store.set_image(rid, other)
        r = store.get(rid)
        assert (r.prediction, r.model_version, r.uncertain, r.image, len(r.strokes)) == ("G", "test-2", True, other, 2)
        assert store.count() == 1
        assert store.delete(rid) and store.get(rid) is None
        assert not store.update(rid, PNG, "v", "A", 1.0)  # deleted from another tab: reported, not raised
        with pytest.raises(ValueError):
            store.set_image(rid, b"GIF89a")


def test_user_text_is_data_never_sql(location, tmp_path):
    nasty = "x'); DROP TABLE predictions; --.png"
    with Store(location) as store:
        rid = add(store, "A", source="upload", name=nasty)
        assert store.get(rid).name == nasty
        assert store.query(letter="A' OR '1'='1") == []
        assert store.count() == 1


def test_bad_source_and_non_png_are_refused(location, tmp_path):
    with Store(location) as store:
        with pytest.raises(ValueError):
            add(store, source="camera")
        with pytest.raises(ValueError):
            add(store, image=b"not a png")
        assert store.count() == 0


@pytest.mark.parametrize("content", [
    b"letter,pixel0\n0,0\n",                                  # a CSV someone pointed DB= at
    png_bytes(np.zeros((4, 4), np.uint8)),                    # a picture
    b"SQLite format 3\x00" + bytes(range(256)) * 40,          # a damaged database
])
def test_foreign_or_damaged_file_is_refused_and_left_untouched(tmp_path, content):
    path = tmp_path / "p.sqlite"
    path.write_bytes(content)
    before = sha(path)
    with pytest.raises(StoreError, match=str(path.name)):
        Store(path)
    assert sha(path) == before
    assert not (tmp_path / "p.sqlite-wal").exists()


def test_another_programs_database_is_refused_and_left_untouched(location):
    if not location.startswith("postgresql://"):
        Path(location).parent.mkdir(parents=True, exist_ok=True)
    raw_sql(location, "CREATE TABLE customers (name TEXT)", "INSERT INTO customers VALUES ('x')")
    before = fingerprint(location)
    with pytest.raises(StoreError, match="another program.*customers"):
        Store(location)
    assert fingerprint(location) == before


def test_damaged_pages_of_our_own_database_give_a_store_error(tmp_path):
    path = tmp_path / "p.sqlite"
    with Store(path) as store:
        add(store)
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    raw = bytearray(path.read_bytes())
    raw[100:len(raw)] = b"\xff" * (len(raw) - 100)  # keep the header, wreck every page
    path.write_bytes(bytes(raw))
    with pytest.raises(StoreError, match="damaged"):
        Store(path).query()


def test_newer_schema_is_refused(location):
    Store(location).close()
    if location.startswith("postgresql://"):
        raw_sql(location, f"UPDATE handwriting_store SET schema_version = {SCHEMA_VERSION + 1}")
    else:
        raw_sql(location, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer version"):
        Store(location)


def test_directory_is_refused(tmp_path):
    with pytest.raises(StoreError, match="directory"):
        Store(tmp_path)


WRITER = textwrap.dedent("""
    import sys
    from handwriting.app.store import Store, png_bytes
    import numpy as np
    location, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    png = png_bytes(np.zeros((4, 4), np.uint8))
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    sys.stdin.readline()  # start together: the first opens of a new database race too
    store = Store(location)
    for i in range(count):
        store.add("upload", png, "v", "A", 0.5, [("A", 0.5)], name=f"{tag}-{i}")
    print("done")
""")


def test_eight_processes_writing_at_once_lose_nothing(location):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, location, f"w{k}", "200"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for k in range(8)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:  # release them all at once
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and out.strip() == "done", err
    with Store(location) as store:
        names = [r.name for r in store.query(limit=None)]
        assert store.schema_version() == store.backend.latest_schema
    assert len(names) == 8 * 200 and set(names) == {f"w{k}-{i}" for k in range(8) for i in range(200)}


KILLED = textwrap.dedent("""
    import sys, time
    from handwriting.app.store import Store, png_bytes
    import numpy as np
    store = Store(sys.argv[1])
    png = png_bytes(np.zeros((4, 4), np.uint8))
    for i in range(40):
        rid = store.add("draw", png, "v", "A", 0.5, [("A", 0.5)], strokes=[[[i, i]]])
        print("committed", rid, flush=True)
    with store.backend.transaction() as tx:  # a transaction that never ends: killed half way
        for i in range(100000):
            tx.execute("INSERT INTO predictions (created, source, image, model_version, confidence, top_k, "
                       "uncertain) VALUES ('t', 'draw', ?, 'v', 0.1, '[]', ?)", (png, False))
            if i == 500:
                print("in-transaction", flush=True)
            if i > 500:
                time.sleep(0.001)
""")


def test_writer_killed_mid_transaction_loses_only_its_uncommitted_rows(location):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", KILLED, location], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    committed = []
    for line in proc.stdout:
        if line.startswith("committed"):
            committed.append(int(line.split()[1]))
        elif line.startswith("in-transaction"):
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    assert len(committed) == 40
    if not location.startswith("postgresql://"):
        assert raw_sql(location, "PRAGMA integrity_check") == [("ok",)]
    with Store(location) as store:
        assert sorted(r.id for r in store.query(limit=None)) == committed
        assert store.get(add(store)) is not None  # and it is still writable
        assert store.count() == 41


def test_export_gives_data_sets_the_loader_reads(location, tmp_path):
    with Store(location) as store:
        strokes = [[[0, 0], [10, 20], [20, 0]], [[5, 10], [15, 10]]]
        drawn = add(store, "H", strokes=strokes, preprocessed=png_bytes(letter_image(1)),
                    image=png_bytes(np.pad(np.full((20, 10), 255, np.uint8), 4)))
        uploaded = add(store, "O", source="upload", preprocessed=png_bytes(letter_image(2)),
                       image=png_bytes(np.pad(np.full((12, 12), 255, np.uint8), 6)))
        add(store, "Z")  # never corrected: not exported
        word = store.add("word", PNG, "v", "CAT", 0.8, [], raw="CAT")
        store.correct(drawn, "A")
        store.correct(uploaded, "Q")
        store.correct(word, "CAR")

        result = store.export(tmp_path / "out" / "corrections.npz")
        assert (result.count, result.with_strokes, result.skipped) == (2, 1, 1)
        ds = data.load(result.paths[0])
        assert "".join(ds.letters) == "AQ"
        assert np.array_equal(ds.x[0], letter_image(1)) and np.array_equal(ds.x[1], letter_image(2))
        assert set(ds.source) == {"dashboard-draw", "dashboard-upload"}
        strokes_ds = data.load(result.paths[1])
        assert "".join(strokes_ds.letters) == "A" and strokes_ds.x[0].max() > 0
        assert json.loads(result.paths[1].read_text())[0]["strokes"] == strokes

        folder = store.export(tmp_path / "out" / "corrections", fmt="folder")
        assert sorted(p.name for p in folder.paths[0].iterdir()) == ["A", "Q"]
        assert "".join(sorted(data.load(folder.paths[0]).letters)) == "AQ"


def test_export_with_nothing_corrected_says_so(location, tmp_path):
    with Store(location) as store:
        add(store)
        with pytest.raises(StoreError, match="no corrected"):
            store.export(tmp_path / "x.npz")
        assert not (tmp_path / "x.npz").exists()


def test_a_location_is_a_file_path_or_a_sqlite_url(tmp_path, monkeypatch):
    from handwriting.app.store import sqlite_file

    monkeypatch.chdir(tmp_path)
    assert sqlite_file("data/p.sqlite") == tmp_path / "data" / "p.sqlite"
    assert sqlite_file("sqlite:///data/p.sqlite") == tmp_path / "data" / "p.sqlite"
    assert sqlite_file(f"sqlite:///{tmp_path}/p.sqlite") == tmp_path / "p.sqlite"  # sqlite://// + absolute
    with pytest.raises(StoreError, match="sqlite:///relative/path"):
        sqlite_file("sqlite://p.sqlite")
    with pytest.raises(StoreError, match="unknown database URL scheme 'redis'"):
        Store("redis://localhost/0")
    assert list(tmp_path.iterdir()) == []  # nothing made on the way


# ----------------------------------------------------------------------------------- visitors

ALICE, BOB = "a" * 22, "B-_9" * 8


def test_visitor_keys_are_checked():
    from handwriting.app.store import check_visitor_key

    assert check_visitor_key(ALICE) == ALICE and check_visitor_key("x" * 128) == "x" * 128
    for bad in ("a" * 21, "x" * 129, "a" * 21 + "/", "a" * 21 + " ", "", None, 12345678901234567890123):
        with pytest.raises(ValueError, match="visitor key"):
            check_visitor_key(bad)


def test_each_visitor_reaches_only_their_rows_and_the_teacher_all(location, tmp_path):
    with Store(location) as store:
        old = add(store, "O")  # before visitors: nobody's, the teacher's view only
        alice, bob = store.scoped(ALICE), store.scoped(BOB)
        assert (store.visitor, alice.visitor, bob.visitor) == (None, ALICE, BOB)
        a = add(alice, "A", strokes=[[[0, 0], [1, 1]]])
        b = add(bob, "B")
        assert [r.id for r in alice.query()] == [a] and [r.id for r in bob.query()] == [b]
        assert [r.id for r in store.query()] == [b, a, old]
        assert [r.visitor for r in store.query()] == [BOB, ALICE, None]
        assert (alice.count(), bob.count(), store.count()) == (1, 1, 3)
        assert alice.count(letter="B") == 0 and alice.query(letter="B") == []
        # Bob's id and the old row's id behave for Alice exactly like a missing id.
        for other in (b, old):
            assert alice.get(other) is None
            assert not alice.update(other, PNG, "v", "Z", 1.0)
            assert not alice.set_image(other, png_bytes(np.ones((2, 2), np.uint8)))
            assert not alice.correct(other, "Z")
            assert not alice.delete(other)
        assert [(r.prediction, r.correction, r.image) for r in store.query()] == [("B", None, PNG), ("A", None, PNG),
                                                                                  ("O", None, PNG)]
        assert alice.correct(a, "H") and store.get(a).correction == "H"
        assert bob.correct(b, "E")
        assert alice.export(tmp_path / "alice.npz").count == 1
        assert list(np.load(tmp_path / "alice.npz")["id"]) == [a]
        [writer] = np.load(tmp_path / "alice.npz")["writer"]  # one writer per visitor, the key never written
        assert writer.startswith("dashboard:") and ALICE not in writer and writer != "dashboard:local"
        store.correct(old, "O")
        assert sorted(np.load(store.export(tmp_path / "all.npz").paths[0])["id"]) == [old, a, b]
        assert alice.delete(a) and store.get(a) is None and store.count() == 2
        assert [r.id for r in alice.rows()] == [] and [r.id for r in store.rows(batch=1)] == [old, b]


def test_a_schema_1_database_migrates_and_keeps_its_rows_as_nobodys(tmp_path):
    from handwriting.app.store.sqlite import MIGRATIONS

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)  # exactly what the first shipped version wrote
    for statement in MIGRATIONS[0]:
        db.execute(statement)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO predictions (created, source, image, model_version, prediction, confidence, top_k, "
               "uncertain, correction) VALUES ('2026-01-01T00:00:00.000Z', 'draw', ?, 'v1', 'K', 0.5, "
               "'[[\"K\", 0.5]]', 1, 'X')", (PNG,))
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION == 2
        [row] = store.query()
        assert (row.prediction, row.correction, row.uncertain, row.visitor, row.created) == (
            "K", "X", True, None, "2026-01-01T00:00:00.000Z")
        assert store.scoped(ALICE).query() == []
        new = add(store.scoped(ALICE))
        assert new > row.id and store.get(new).visitor == ALICE

