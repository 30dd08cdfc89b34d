"""The predictions store: schema, corrections, export, several writers at once, crashes, bad files."""

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
from handwriting.app.store import APPLICATION_ID, SCHEMA_VERSION, Store, StoreError, png_bytes

PNG = png_bytes(np.zeros((8, 8), np.uint8))
ROOT = Path(__file__).resolve().parents[2]


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


def test_rows_round_trip_newest_first_with_filters(tmp_path):
    with Store(tmp_path / "p.sqlite") as store:
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


def test_correction_is_kept_beside_the_prediction(tmp_path):
    with Store(tmp_path / "p.sqlite") as store:
        rid = add(store, "O")
        assert store.correct(rid, "q")
        r = store.get(rid)
        assert (r.prediction, r.correction, r.label) == ("O", "Q", "Q") and r.corrected
        assert [x.id for x in store.query(letter="Q")] == [rid]  # found by its corrected label
        assert [x.id for x in store.query(corrected=True)] == [rid]
        store.correct(rid, None)
        assert store.get(rid).correction is None and store.get(rid).prediction == "O"
        assert not store.correct(9999, "A")


def test_update_and_set_image_touch_one_row_and_delete_removes_it(tmp_path):
    with Store(tmp_path / "p.sqlite") as store:
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


def test_user_text_is_data_never_sql(tmp_path):
    nasty = "x'); DROP TABLE predictions; --.png"
    with Store(tmp_path / "p.sqlite") as store:
        rid = add(store, "A", source="upload", name=nasty)
        assert store.get(rid).name == nasty
        assert store.query(letter="A' OR '1'='1") == []
        assert store.count() == 1


def test_bad_source_and_non_png_are_refused(tmp_path):
    with Store(tmp_path / "p.sqlite") as store:
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


def test_another_programs_sqlite_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "other.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE customers (name TEXT)")
    db.execute("INSERT INTO customers VALUES ('x')")
    db.commit()
    db.close()
    before = sha(path)
    with pytest.raises(StoreError, match="another program.*customers"):
        Store(path)
    assert sha(path) == before


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


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "p.sqlite"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer version"):
        Store(path)


def test_directory_is_refused(tmp_path):
    with pytest.raises(StoreError, match="directory"):
        Store(tmp_path)


WRITER = textwrap.dedent("""
    import sys
    from handwriting.app.store import Store, png_bytes
    import numpy as np
    path, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    png = png_bytes(np.zeros((4, 4), np.uint8))
    store = Store(path)
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    sys.stdin.readline()  # start together
    for i in range(count):
        store.add("upload", png, "v", "A", 0.5, [("A", 0.5)], name=f"{tag}-{i}")
    print("done")
""")


def test_eight_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "p.sqlite"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"w{k}", "200"], stdin=subprocess.PIPE,
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
    with Store(path) as store:
        names = {r.name for r in store.query(limit=None)}
    assert names == {f"w{k}-{i}" for k in range(8) for i in range(200)}


KILLED = textwrap.dedent("""
    import sys, time
    from handwriting.app.store import Store, png_bytes
    import numpy as np
    store = Store(sys.argv[1])
    png = png_bytes(np.zeros((4, 4), np.uint8))
    for i in range(40):
        rid = store.add("draw", png, "v", "A", 0.5, [("A", 0.5)], strokes=[[[i, i]]])
        print("committed", rid, flush=True)
    with store._transaction() as db:  # a transaction that never ends: killed half way
        for i in range(100000):
            db.execute("INSERT INTO predictions (created, source, image, model_version, confidence, top_k, "
                       "uncertain) VALUES ('t', 'draw', ?, 'v', 0.1, '[]', 0)", (png,))
            if i == 500:
                print("in-transaction", flush=True)
            if i > 500:
                time.sleep(0.001)
""")


def test_writer_killed_mid_transaction_leaves_every_committed_row(tmp_path):
    path = tmp_path / "p.sqlite"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(path)], stdout=subprocess.PIPE,
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
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with Store(path) as store:
        assert sorted(r.id for r in store.query(limit=None)) == committed
        add(store)  # and it is still writable


def test_export_gives_data_sets_the_loader_reads(tmp_path):
    with Store(tmp_path / "p.sqlite") as store:
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


def test_export_with_nothing_corrected_says_so(tmp_path):
    with Store(tmp_path / "p.sqlite") as store:
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
