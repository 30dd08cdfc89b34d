"""The Kaggle A-Z CSV reader keeps every line, reads exactly what was written, and names the file,
line and field of anything malformed instead of returning part of a file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from handwriting.data import kaggle_csv
from handwriting.data.dataset import DataError
from handwriting.data.kaggle_csv import read_kaggle_csv, write_kaggle_csv


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images that use every digit count (0, 7, 42, 255 ...) and labels including 0 and 25."""
    rng = np.random.default_rng(seed)
    x = rng.choice(np.array([0, 0, 0, 1, 7, 9, 10, 42, 99, 100, 199, 200, 250, 255], np.uint8),
                   size=(n, 28, 28))
    x[:, 0, 0] = rng.integers(0, 256, n)
    y = rng.integers(0, 26, n).astype(np.uint8)
    y[0], y[-1] = 0, 25
    return x, y


def reference_text(x: np.ndarray, y: np.ndarray) -> str:
    """The format spelled out in plain Python: no header, label then 784 pixels, one a line."""
    return "".join(",".join(map(str, [int(label), *image.ravel().tolist()])) + "\n"
                   for image, label in zip(x, y))


def lines_of(x, y) -> list[str]:
    return reference_text(x, y).splitlines()


def write_text(path, text: str | bytes):
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 8 KB (4-5 lines each), so a small file exercises every chunk boundary."""
    monkeypatch.setattr(kaggle_csv, "CHUNK_BYTES", 8192)


# --- reading what was written ---------------------------------------------------------------

def test_writer_produces_exactly_the_kaggle_format(tmp_path):
    x, y = make_data(5)
    path = tmp_path / "a.csv"
    write_kaggle_csv(path, x, y)
    assert path.read_text() == reference_text(x, y)
    assert not list(tmp_path.glob("*.tmp"))


def test_round_trip_is_exact_and_keeps_the_first_line(tmp_path):
    x, y = make_data(50)
    path = tmp_path / "a.csv"
    write_kaggle_csv(path, x, y)
    x2, y2 = read_kaggle_csv(path)
    assert x2.dtype == np.uint8 and y2.dtype == np.uint8
    assert x2.shape == (50, 28, 28) and y2.shape == (50,)
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)


def test_single_line_file_is_one_image_not_a_header(tmp_path):
    x, y = make_data(1)
    x2, y2 = read_kaggle_csv(write_text(tmp_path / "one.csv", reference_text(x, y)))
    assert len(y2) == 1
    np.testing.assert_array_equal(x2[0], x[0])


@pytest.mark.parametrize("chunked", [False, True])
def test_missing_final_newline_and_crlf_are_accepted(tmp_path, request, chunked):
    if chunked:
        request.getfixturevalue("small_chunks")
    x, y = make_data(23)
    text = reference_text(x, y)
    for name, variant in [("no_final_newline", text[:-1]),
                          ("crlf", text.replace("\n", "\r\n")),
                          ("crlf_no_final_newline", text.replace("\n", "\r\n")[:-2])]:
        x2, y2 = read_kaggle_csv(write_text(tmp_path / f"{name}.csv", variant))
        np.testing.assert_array_equal(x2, x, err_msg=name)
        np.testing.assert_array_equal(y2, y, err_msg=name)


def test_many_chunks_round_trip(tmp_path, small_chunks):
    x, y = make_data(200, seed=3)
    path = tmp_path / "a.csv"
    write_kaggle_csv(path, x, y)
    x2, y2 = read_kaggle_csv(path)
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)


def test_leading_zeros_read_as_the_number(tmp_path):
    x, y = make_data(2)
    fields = lines_of(x, y)
    first = fields[0].split(",")
    first[1] = "007"
    fields[0] = ",".join(first)
    x2, _ = read_kaggle_csv(write_text(tmp_path / "z.csv", "\n".join(fields) + "\n"))
    assert x2[0, 0, 0] == 7


# --- malformed files ------------------------------------------------------------------------

def corrupt(tmp_path, line: int, field: int, text: str, n: int = 4, name: str = "bad.csv"):
    """A valid file of n lines with field `field` (1-based) of line `line` replaced by text."""
    x, y = make_data(n)
    rows = [row.split(",") for row in lines_of(x, y)]
    rows[line - 1][field - 1] = text
    return write_text(tmp_path / name, "\n".join(",".join(r) for r in rows) + "\n")


@pytest.mark.parametrize("text", ["0.5", "-1", "abc", "", " 5", "5 ", "1e2", "+3", "2\r5", "0007", "0000"])
def test_a_field_that_is_not_an_integer_is_named(tmp_path, text):
    path = corrupt(tmp_path, line=3, field=101, text=text)
    with pytest.raises(DataError) as err:
        read_kaggle_csv(path)
    message = str(err.value)
    assert str(path) in message
    assert "line 3" in message and "field 101" in message and "pixel 100" in message
    assert repr(text) in message


@pytest.mark.parametrize("field, text, what", [(1, "26", "label"), (1, "255", "label"),
                                               (2, "256", "pixel 1"), (785, "300", "pixel 784"),
                                               (400, "999", "pixel 399"), (5, "1000", "pixel 4")])
def test_values_out_of_range_are_named(tmp_path, field, text, what):
    path = corrupt(tmp_path, line=2, field=field, text=text)
    with pytest.raises(DataError) as err:
        read_kaggle_csv(path)
    message = str(err.value)
    assert str(path) in message and "line 2" in message
    assert f"field {field} ({what})" in message and text in message


@pytest.mark.parametrize("line, field, text", [(1, 1, ""), (1, 1, "1000"), (1, 2, ""),
                                                (4, 785, ""), (4, 785, "256")])
def test_bad_fields_at_the_ends_of_the_file_are_named(tmp_path, line, field, text):
    path = corrupt(tmp_path, line=line, field=field, text=text)
    with pytest.raises(DataError, match=rf"line {line}, field {field} .*{text!r}|{text} is out"):
        read_kaggle_csv(path)


def test_wrong_field_count_names_the_line(tmp_path):
    x, y = make_data(20)
    rows = lines_of(x, y)
    rows[11] = ",".join(rows[11].split(",")[:400])
    path = write_text(tmp_path / "short.csv", "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"line 12 has 400 fields, expected 785$") as err:
        read_kaggle_csv(path)
    assert str(path) in str(err.value)

    rows = lines_of(x, y)
    rows[4] += ",0"
    path = write_text(tmp_path / "long.csv", "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"line 5 has 786 fields, expected 785"):
        read_kaggle_csv(path)


@pytest.mark.parametrize("change, fields", [("one field short", 784), ("one field more", 786),
                                            ("a trailing comma", 786), ("two lines joined", 1570)])
def test_a_line_one_field_off_names_its_count(tmp_path, change, fields):
    """The field count is checked exactly, not just the number of separators of the file."""
    rows = lines_of(*make_data(4))
    if change == "one field short":
        rows[2] = rows[2].rsplit(",", 1)[0]
    elif change == "one field more":
        rows[2] += ",7"
    elif change == "a trailing comma":
        rows[2] += ","
    else:
        rows[2:4] = [rows[2] + "," + rows[3]]
    path = write_text(tmp_path / "off.csv", "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=rf"line 3 has {fields} fields, expected 785$"):
        read_kaggle_csv(path)


def test_truncated_last_line_is_hinted(tmp_path):
    x, y = make_data(6)
    text = reference_text(x, y)
    path = write_text(tmp_path / "cut.csv", text[:-700])
    with pytest.raises(DataError, match=r"line 6 has \d+ fields, expected 785 \(truncated file"):
        read_kaggle_csv(path)


def test_truncated_last_line_ending_exactly_at_a_chunk_end_is_hinted(tmp_path, small_chunks):
    rows = lines_of(*make_data(6))
    head = "".join(line + "\n" for line in rows[:3])
    tail = rows[3][:kaggle_csv.CHUNK_BYTES - 1 - len(head)] + "\n"
    path = write_text(tmp_path / "cut.csv", head + tail)
    assert path.stat().st_size == kaggle_csv.CHUNK_BYTES and tail.count(",") < 700
    with pytest.raises(DataError, match=r"line 4 has \d+ fields, expected 785 \(truncated"):
        read_kaggle_csv(path)


def test_blank_line_is_named(tmp_path):
    x, y = make_data(3)
    rows = lines_of(x, y)
    path = write_text(tmp_path / "blank.csv", rows[0] + "\n\n" + rows[1] + "\n")
    with pytest.raises(DataError, match=r"line 2 is blank"):
        read_kaggle_csv(path)


def test_a_header_line_is_refused_not_skipped(tmp_path):
    x, y = make_data(3)
    header = ",".join(["label"] + [f"pixel{i}" for i in range(784)])
    path = write_text(tmp_path / "header.csv", header + "\n" + reference_text(x, y))
    with pytest.raises(DataError, match=r"line 1, field 1 \(label\): 'label' is not an integer"):
        read_kaggle_csv(path)


def test_empty_missing_and_directory_are_errors(tmp_path):
    empty = write_text(tmp_path / "empty.csv", "")
    with pytest.raises(DataError, match="empty") as err:
        read_kaggle_csv(empty)
    assert str(empty) in str(err.value)
    with pytest.raises(DataError, match="no such file") as err:
        read_kaggle_csv(tmp_path / "missing.csv")
    assert "missing.csv" in str(err.value)
    with pytest.raises(DataError, match="directory") as err:
        read_kaggle_csv(tmp_path)
    assert str(tmp_path) in str(err.value)


def test_error_far_into_a_file_is_raised_with_its_line_number(tmp_path, small_chunks):
    """No partial result: an error in the last of many chunks still fails the whole read."""
    path = corrupt(tmp_path, line=150, field=785, text="x", n=150)
    with pytest.raises(DataError, match=r"line 150, field 785 \(pixel 784\): 'x'"):
        read_kaggle_csv(path)
    path = corrupt(tmp_path, line=77, field=300, text="256", n=150, name="range.csv")
    with pytest.raises(DataError, match=r"line 77, field 300 \(pixel 299\): 256 is out of range"):
        read_kaggle_csv(path)


@pytest.mark.parametrize("which", ["last line of the first chunk", "first line of the second chunk"])
def test_a_bad_line_beside_a_chunk_boundary_gets_its_own_number(tmp_path, small_chunks, which):
    """Line numbers carry over from chunk to chunk: a chunk ends after its last whole line."""
    rows = [row.split(",") for row in lines_of(*make_data(12))]
    text = "".join(",".join(r) + "\n" for r in rows)
    first_chunk_lines = text[:kaggle_csv.CHUNK_BYTES].count("\n")
    assert 2 <= first_chunk_lines < 10
    line = first_chunk_lines + (which == "first line of the second chunk")
    bad = "x" * len(rows[line - 1][1])          # as long as the field it replaces: same chunks
    rows[line - 1][1] = bad
    path = write_text(tmp_path / "bad.csv", "".join(",".join(r) + "\n" for r in rows))
    with pytest.raises(DataError, match=rf"line {line}, field 2 \(pixel 1\): '{bad}' is not an integer"):
        read_kaggle_csv(path)


def test_the_first_bad_line_is_reported(tmp_path, small_chunks):
    x, y = make_data(60)
    rows = [row.split(",") for row in lines_of(x, y)]
    rows[30][5] = "-1"
    rows[10][700] = "300"
    rows[50] = rows[50][:10]
    path = write_text(tmp_path / "bad.csv", "\n".join(",".join(r) for r in rows) + "\n")
    with pytest.raises(DataError, match=r"line 11, field 701"):
        read_kaggle_csv(path)


def test_a_line_longer_than_a_chunk_is_refused(tmp_path, small_chunks):
    x, y = make_data(3)
    rows = lines_of(x, y)
    rows[1] = rows[1] + "5" * 10_000
    with pytest.raises(DataError, match=r"line 2 is longer than"):
        read_kaggle_csv(write_text(tmp_path / "long.csv", "\n".join(rows) + "\n"))


def reference_read(data: bytes):
    """The rules in plain Python: what read_kaggle_csv must return, or None if it must refuse."""
    text = data.replace(b"\r\n", b"\n")
    if text.endswith(b"\n"):
        text = text[:-1]
    if not text:
        return None
    rows = []
    for line in text.split(b"\n"):
        fields = line.split(b",")
        if len(fields) != 785 or not all(1 <= len(f) <= 3 and f.isdigit() for f in fields):
            return None
        values = [int(f) for f in fields]
        if values[0] > 25 or max(values) > 255:
            return None
        rows.append(values)
    return np.array(rows, dtype=np.uint8)


def test_fast_reader_agrees_with_the_plain_rules_on_damaged_files(tmp_path, small_chunks):
    """Random byte damage either leaves a valid file, read exactly, or is refused: never misread."""
    x, y = make_data(12, seed=5)
    good = reference_text(x, y).encode()
    rng = np.random.default_rng(7)
    alphabet = b"0123456789,\n\r .-a"
    refused = 0
    for trial in range(300):
        data = bytearray(good)
        for _ in range(rng.integers(1, 3)):
            at = int(rng.integers(0, len(data)))
            action = rng.integers(0, 3)
            char = alphabet[rng.integers(0, len(alphabet))]
            if action == 0:
                data[at] = char
            elif action == 1:
                data.insert(at, char)
            else:
                del data[at]
        path = write_text(tmp_path / f"t{trial}.csv", bytes(data))
        expected = reference_read(bytes(data))
        if expected is None:
            with pytest.raises(DataError, match=rf"{path.name}: (line \d+|no lines|the file)"):
                read_kaggle_csv(path)
            refused += 1
        else:
            x2, y2 = read_kaggle_csv(path)
            np.testing.assert_array_equal(y2, expected[:, 0])
            np.testing.assert_array_equal(x2.reshape(len(x2), -1), expected[:, 1:])
        path.unlink()
    assert 50 < refused < 300     # both kinds of outcome were exercised


def test_importing_the_reader_does_not_import_numba():
    """numba (over 100 MB of memory) loads on the first read only: the dashboard imports the data
    package without ever reading a CSV."""
    code = "import sys, handwriting.data.kaggle_csv, handwriting.data.formats; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "False"


# --- writing --------------------------------------------------------------------------------

def test_writer_refuses_values_it_cannot_write(tmp_path):
    x, y = make_data(2)
    with pytest.raises(DataError, match="28 x 28"):
        write_kaggle_csv(tmp_path / "a.csv", x.reshape(2, 784), y)
    with pytest.raises(DataError, match="label"):
        write_kaggle_csv(tmp_path / "a.csv", x, np.array([0, 26]))
    with pytest.raises(DataError, match="image"):
        write_kaggle_csv(tmp_path / "a.csv", x.astype(int) + 1, y)
    with pytest.raises(DataError, match="labels of shape"):
        write_kaggle_csv(tmp_path / "a.csv", x, y[:1])
    assert not list(tmp_path.iterdir())
    with pytest.raises(DataError, match="image"):
        write_kaggle_csv(tmp_path / "a.csv", x + 0.5, y)
    with pytest.raises(DataError, match="image"):
        write_kaggle_csv(tmp_path / "a.csv", np.full(x.shape, np.nan), y)
    assert not list(tmp_path.iterdir())


def test_writer_accepts_whole_floats_and_other_integer_types(tmp_path):
    x, y = make_data(3)
    path = write_kaggle_csv(tmp_path / "f.csv", x.astype(np.float32), y.astype(np.int64))
    x2, y2 = read_kaggle_csv(path)
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)
