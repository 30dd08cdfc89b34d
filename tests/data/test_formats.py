"""The loaders: each format read from small files in its exact real format, every bad input refused
with a message that says where, and the real files in ../shared/data read as their README says."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from handwriting import LETTERS
from handwriting.data.dataset import DataError, Dataset
from handwriting.data.formats import detect_format, load, read_idx, save
from handwriting.data.kaggle_csv import write_kaggle_csv
from handwriting.data.strokes_json import load_strokes_json, read_strokes_records
from tests.helpers import (all_letters_strokes, draw_letter_png, letter_images, stroke_record, write_emnist,
                           write_idx, write_strokes)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDWRITING_DATA_DIR", str(tmp_path / "datadir"))


# ----------------------------------------------------------------------------- Kaggle CSV + cache

def test_kaggle_csv_loads_every_line_and_is_cached(tmp_path):
    x, y = letter_images(30)
    path = write_kaggle_csv(tmp_path / "A_Z Handwritten Data.csv", x, y) or tmp_path / "A_Z Handwritten Data.csv"
    first = load(path)
    assert first.format == "kaggle-csv" and len(first) == 30
    np.testing.assert_array_equal(first.x, x)
    np.testing.assert_array_equal(first.y, y)
    cached = list((tmp_path / "datadir" / "interim" / "cache").iterdir())
    assert len(cached) == 1 and sorted(f.name for f in cached[0].iterdir()) == ["x.npy", "y.npy"]
    again = load(path)
    np.testing.assert_array_equal(again.x, x)
    np.testing.assert_array_equal(again.y, y)
    # served from the cache memory-mapped, not read into memory
    assert isinstance(again.x.base, np.memmap) and not again.x.flags.writeable


def test_emnist_is_cached_memory_mapped_and_follows_changes(tmp_path):
    x, y = letter_images(26)
    images = write_emnist(tmp_path, x, y)
    load(images)
    again = load(images)
    assert isinstance(again.x.base, np.memmap)
    np.testing.assert_array_equal(again.x, x)
    np.testing.assert_array_equal(again.y, y)
    write_emnist(tmp_path, x[:5], y[:5])
    os.utime(images, ns=(1, 10**18))
    assert len(load(images)) == 5


def test_kaggle_cache_follows_changes_to_the_file(tmp_path):
    path = tmp_path / "a.csv"
    x, y = letter_images(5)
    write_kaggle_csv(path, x, y)
    assert len(load(path)) == 5
    write_kaggle_csv(path, *letter_images(7))
    os.utime(path, ns=(1, 10**18))  # a new mtime even on coarse clocks
    assert len(load(path)) == 7


def test_damaged_cache_is_ignored(tmp_path):
    path = tmp_path / "a.csv"
    write_kaggle_csv(path, *letter_images(4))
    load(path)
    for f in (tmp_path / "datadir" / "interim" / "cache").glob("*/*.npy"):
        f.write_bytes(b"not an array")
    assert len(load(path)) == 4
    assert len(load(path)) == 4      # the damaged copy was replaced by a sound one
    assert not list((tmp_path / "datadir" / "interim" / "cache").glob("*.tmp-*"))


# ----------------------------------------------------------------------------- EMNIST

def test_emnist_is_transposed_to_kaggle_orientation_and_labels_shifted(tmp_path):
    x, y = letter_images(26)
    images = write_emnist(tmp_path, x, y)
    data = load(images)
    assert detect_format(images) == "emnist-idx"
    np.testing.assert_array_equal(data.x, x)   # the L-shapes come back upright, not mirrored
    np.testing.assert_array_equal(data.y, y)
    # either file of the pair may be named
    np.testing.assert_array_equal(load(tmp_path / "emnist-letters-test-labels-idx1-ubyte.gz").y, y)


def test_emnist_uncompressed_idx(tmp_path):
    x, y = letter_images(3)
    write_idx(tmp_path / "emnist-letters-train-images-idx3-ubyte", x.transpose(0, 2, 1), compress=False)
    write_idx(tmp_path / "emnist-letters-train-labels-idx1-ubyte", y + 1, compress=False)
    assert len(load(tmp_path / "emnist-letters-train-images-idx3-ubyte")) == 3


@pytest.mark.parametrize("problem", ["truncated", "label0", "missing_labels", "bad_magic", "count_mismatch"])
def test_emnist_bad_input(tmp_path, problem):
    x, y = letter_images(4)
    images = write_emnist(tmp_path, x, y)
    labels = tmp_path / "emnist-letters-test-labels-idx1-ubyte.gz"
    if problem == "truncated":
        import gzip
        raw = gzip.decompress(images.read_bytes())
        images.write_bytes(gzip.compress(raw[:-100]))
        match = "truncated"
    elif problem == "label0":
        write_idx(labels, np.array([1, 0, 2, 3], np.uint8))
        match = "record 2: label 0"
    elif problem == "missing_labels":
        labels.unlink()
        match = "missing"
    elif problem == "bad_magic":
        images.write_bytes(b"\x12\x34\x56\x78" + b"\0" * 100)
        match = "not an IDX"
    else:
        write_idx(labels, np.array([1, 2], np.uint8))
        match = "2,\\) labels for 4 images"
    with pytest.raises(DataError, match=match):
        load(images)


def test_read_idx_names_the_file(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(b"\0\0")
    with pytest.raises(DataError, match=str(path.name)):
        read_idx(path)


# ----------------------------------------------------------------------------- image folders and zips

def test_image_folder_reads_any_case_and_format(tmp_path):
    root = tmp_path / "letters"
    draw_letter_png(root / "L" / "one.png", "L")
    draw_letter_png(root / "l" / "two.jpg", "L")
    draw_letter_png(root / "A" / "three.bmp", "A", dark_on_light=False)
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("ignored")
    data = load(root)
    assert data.format == "image-folder"
    assert sorted(data.letters.tolist()) == ["A", "L", "L"]
    for image in data.x:  # white ink on black, fitted to 20 pixels, centred
        rows, cols = np.flatnonzero(image.any(1)), np.flatnonzero(image.any(0))
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 == 20
        assert image[0].max() == 0 and image[:, 0].max() == 0


def test_image_folder_bad_inputs(tmp_path):
    root = tmp_path / "letters"
    (root / "A").mkdir(parents=True)
    with pytest.raises(DataError, match="no images found"):
        load(root)
    (root / "A" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(DataError, match="broken.png"):
        load(root)
    (root / "A" / "broken.png").unlink()
    from PIL import Image
    Image.new("L", (40, 40), 255).save(root / "A" / "blank.png")
    with pytest.warns(UserWarning, match="blank.png: skipped, nothing to read"):
        with pytest.raises(DataError, match="no images found"):
            load(root)
    draw_letter_png(root / "A" / "inked.png", "A")
    with pytest.warns(UserWarning, match="blank.png"):
        assert len(load(root)) == 1


def test_image_zip_uses_parent_folder_as_label(tmp_path):
    import zipfile
    png = draw_letter_png(tmp_path / "x.png", "L")
    archive = tmp_path / "letters.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(png, "mysource/L/x.png")
        z.write(png, "other/T/y.png")
        z.writestr("mysource/README.txt", "ignored")
    data = load(archive)
    assert data.letters.tolist() == ["L", "T"]
    assert data.source.tolist() == ["mysource", "other"]
    (tmp_path / "fake.zip").write_bytes(b"PK nope")
    with pytest.raises(DataError, match="not a zip"):
        load(tmp_path / "fake.zip")


# ----------------------------------------------------------------------------- npz

def test_npz_round_trip_keeps_sources_and_writers(tmp_path):
    x, y = letter_images(10)
    data = Dataset(x, y, source=["s1"] * 5 + ["s2"] * 5, writer=[f"w{i % 2}" for i in range(10)])
    out = save(data, tmp_path / "d.npz")
    back = load(out)
    np.testing.assert_array_equal(back.x, x)
    assert back.source.tolist() == data.source.tolist()
    assert back.writer.tolist()[0].endswith("w0")


def test_npz_letters_as_strings(tmp_path):
    x, _ = letter_images(3)
    np.savez(tmp_path / "s.npz", x=x, y=np.array(["a", "B", "z"]))
    assert load(tmp_path / "s.npz").letters.tolist() == ["A", "B", "Z"]


@pytest.mark.parametrize("arrays, match", [
    (dict(y=np.zeros(3)), "missing array 'x'"),
    (dict(x=np.zeros((3, 28, 28))), "missing array 'y'"),
    (dict(x=np.zeros((3, 32, 32)), y=np.zeros(3)), "must be N x 28 x 28"),
    (dict(x=np.zeros((3, 28, 28)), y=np.zeros(4)), "field 'y' has shape"),
    (dict(x=np.zeros((3, 28, 28)), y=np.array([0, 26, 1])), "record 1: label 26"),
    (dict(x=np.full((2, 28, 28), 300), y=np.zeros(2)), "record 0: pixel out of range"),
    (dict(x=np.full((2, 28, 28), 0.5), y=np.zeros(2)), "non-integer pixels"),
    (dict(x=np.zeros((0, 28, 28)), y=np.zeros(0)), "empty"),
    (dict(x=np.zeros((1, 28, 28)), y=np.array(["AB"])), "'AB' is not a letter"),
])
def test_npz_bad_input(tmp_path, arrays, match):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError, match=match):
        load(tmp_path / "bad.npz")


def test_npz_not_an_archive(tmp_path):
    (tmp_path / "bad.npz").write_text("hello")
    with pytest.raises(DataError, match="bad.npz: not a readable"):
        load(tmp_path / "bad.npz")


# ----------------------------------------------------------------------------- strokes JSON

def test_strokes_json_renders_each_pen_width(tmp_path):
    path = write_strokes(tmp_path / "s.json", all_letters_strokes())
    data = load(path, pen_widths=(1.5, 3.0))
    assert len(data) == 52 and data.format == "strokes-json"
    assert data.writer[0] == "test:0" and data.source[0] == "test"
    thin, thick = data.x[0].astype(int).sum(), data.x[26].astype(int).sum()
    assert thick > 1.4 * thin  # the wider pen leaves more ink


def test_strokes_flags_filter(tmp_path):
    records = [dict(stroke_record("A"), flag="ok"), dict(stroke_record("B"), flag="suspect")]
    path = write_strokes(tmp_path / "s.json", records)
    assert load_strokes_json(path, flags=("ok",)).letters.tolist() == ["A"]


def test_selection_queries(tmp_path):
    records = [dict(stroke_record("A", "unipen:apa/1"), flag="ok"), dict(stroke_record("B", "kenan:P1"), flag="ok"),
               dict(stroke_record("C", "unipen:apb/2"), flag="suspect")]
    path = write_strokes(tmp_path / "s.json", records)
    assert load(f"{path}?flag=ok&writer=unipen:*").letters.tolist() == ["A"]
    assert load(f"{path}?writer=kenan:*").letters.tolist() == ["B"]
    with pytest.raises(DataError, match="no records match"):
        load(f"{path}?writer=nobody")
    x, y = letter_images(4)
    npz = save(Dataset(x, y, source=["s1", "s2", "s1", "s2"]), tmp_path / "d.npz")
    assert load(f"{npz}?source=s2").y.tolist() == [1, 3]
    with pytest.raises(DataError, match="cannot select by 'flag'"):
        load(f"{npz}?flag=ok")


@pytest.mark.parametrize("content, match", [
    ("", "line 1, column 1: invalid JSON"),
    ('[{"label": "A", "strokes": [[[0, 0]]]}', "invalid JSON"),
    ("{}", "expected a JSON list"),
    ("[]", "no records"),
    ('[{"label": "A", "strokes": [[[0, 0], [1, 1]]]}, 5]', "record 1: expected an object"),
    ('[{"strokes": [[[0, 0]]]}]', "record 0: missing field 'label'"),
    ('[{"label": "A"}]', "record 0: missing field 'strokes'"),
    ('[{"label": "A", "strokes": []}]', "record 0: field 'strokes' must be a non-empty list"),
    ('[{"label": "A", "strokes": [[]]}]', r"record 0: strokes\[0\] must be a non-empty list"),
    ('[{"label": "A", "strokes": [[[0, 0], [1]]]}]', r"record 0: strokes\[0\]\[1\] is not an \[x, y\] pair"),
    ('[{"label": "A", "strokes": [[[0, "a"]]]}]', r"strokes\[0\]\[0\] is not an \[x, y\] pair"),
    ('[{"label": "A", "strokes": [[[0, NaN]]]}]', r"strokes\[0\]\[0\]"),
    ('[{"label": "AB", "strokes": [[[0, 0], [5, 5]]]}]', "record 0: field 'label' is 'AB', not a letter"),
    ('[{"label": 3, "strokes": [[[0, 0]]]}]', "field 'label' must be a non-empty string"),
])
def test_strokes_bad_input(tmp_path, content, match):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(DataError, match=match):
        load(path)


def test_strokes_records_of_words_are_read_with_a_selection_and_bad_files_say_where(tmp_path):
    words = [{"label": "HI", "writer": "lab:a/1", "strokes": [[[0, 0], [0, 10]]]},
             {"label": "OK", "writer": "lab:b/2", "strokes": [[[0, 0], [5, 5]]]}]
    path = tmp_path / "w.json"
    path.write_text(json.dumps(words))
    assert [w["label"] for w in read_strokes_records(f"{path}?writer=lab:b/*")] == ["OK"]
    assert len(read_strokes_records(path)) == 2
    with pytest.raises(DataError, match="no records match"):
        read_strokes_records(f"{path}?writer=nobody")
    with pytest.raises(DataError, match="no such file"):
        read_strokes_records(tmp_path / "missing.json")
    path.write_text(json.dumps([{"label": "HI", "strokes": [[[0, 0], ["x", 1]]]}]))
    with pytest.raises(DataError, match=r"record 0: strokes\[0\]\[1\]"):
        read_strokes_records(path)


# ----------------------------------------------------------------------------- dispatch

def test_missing_and_unknown_sources(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load(tmp_path / "nope.csv")
    (tmp_path / "data.xyz").write_text("?")
    with pytest.raises(DataError, match="cannot tell the data format"):
        load(tmp_path / "data.xyz")


def test_several_sources_join_and_limit_is_reproducible(tmp_path):
    x, y = letter_images(20)
    npz = save(Dataset(x, y, source="a"), tmp_path / "a.npz")
    strokes = write_strokes(tmp_path / "s.json", all_letters_strokes())
    both = load([npz, strokes])
    assert len(both) == 46 and set(both.source.tolist()) == {"a", "test"}
    a, b = load([npz, strokes], limit=10, seed=3), load([npz, strokes], limit=10, seed=3)
    np.testing.assert_array_equal(a.x, b.x)
    assert len(a) == 10


def test_convert_to_csv_and_back(tmp_path):
    strokes = write_strokes(tmp_path / "s.json", all_letters_strokes())
    data = load(strokes)
    back = load(save(data, tmp_path / "out.csv"))
    np.testing.assert_array_equal(back.x, data.x)
    np.testing.assert_array_equal(back.y, data.y)


# ----------------------------------------------------------------------------- the real files

@pytest.mark.shared
def test_real_letters_npz(shared_data):
    data = load(shared_data / "real_letters.npz")
    meta = json.loads((shared_data / "real_letters.json").read_text())
    assert len(data) == meta["total"]
    for source in meta["sources"]:
        assert int((data.source == source["name"]).sum()) == source["count"]
    tess = data[data.source == "tessalonica_alfabet"]
    assert tess.per_letter() == source_counts(meta, "tessalonica_alfabet")


def source_counts(meta, name):
    return next(s for s in meta["sources"] if s["name"] == name)["count_per_class"]


@pytest.mark.shared
def test_real_strokes_render_like_the_real_28x28_letters(shared_data):
    """The renderer's output sits in the frame as the Kaggle-style real letters do."""
    strokes = load_strokes_json(shared_data / "strokes_letters.json", flags=("ok",))
    assert len(strokes) > 15000 and set(strokes.letters.tolist()) == set(LETTERS)
    assert {"unipen", "kenan"} <= set(strokes.source.tolist())
    real = load(shared_data / "real_letters.npz")

    def centre_and_box(x):
        ink = x.astype(np.float64)
        total = ink.sum(axis=(1, 2))
        cy = (ink.sum(axis=2) * np.arange(28)).sum(axis=1) / total
        any_rows, any_cols = x.any(axis=2), x.any(axis=1)
        height = 28 - np.argmax(any_rows, 1) - np.argmax(any_rows[:, ::-1], 1)
        width = 28 - np.argmax(any_cols, 1) - np.argmax(any_cols[:, ::-1], 1)
        return cy.mean(), np.maximum(height, width).mean()

    cy_s, box_s = centre_and_box(strokes.x[:2000])
    cy_r, box_r = centre_and_box(real.x)
    assert abs(cy_s - cy_r) < 0.5 and abs(box_s - box_r) < 1.5


@pytest.mark.shared
def test_real_word_trajectories_are_refused_as_letters(shared_data):
    with pytest.raises(DataError, match="not a letter A-Z"):
        load(shared_data / "strokes_words.json")


@pytest.mark.shared
def test_real_raw_zip_reads_every_original(shared_data):
    with pytest.warns(UserWarning, match="nothing to read"):  # a few originals are blank crops
        data = load(shared_data / "real_letters_raw.zip")
    assert 9180 <= len(data) <= 9192  # the README's count of originals, less the blank ones
    assert set(data.source.tolist()) == {"muti_kara_ocr", "tessalonica_alfabet", "singleletter"}


@pytest.mark.shared
def test_audit_of_the_real_letters_names_real_files(shared_data):
    """bench/real_letters_audit.json (a person's reading of the letters that bench_words composes
    words from) names originals of real_letters_raw.zip, and rejects only letters it looked at."""
    import zipfile
    from pathlib import Path

    audit = json.loads((Path(__file__).parents[2] / "bench" / "real_letters_audit.json").read_text())
    prefix = audit["audited"]["prefix"]
    looked_at = {f"{prefix}/{source}/{letter}/{name}" for source, by_letter in audit["audited"]["by_source"].items()
                 for letter, names in by_letter.items() for name in names}
    assert len(looked_at) == audit["audited"]["count"]
    with zipfile.ZipFile(shared_data / "real_letters_raw.zip") as z:
        assert looked_at <= set(z.namelist())
    assert set(audit["rejected"]) <= looked_at and all(audit["rejected"].values())
