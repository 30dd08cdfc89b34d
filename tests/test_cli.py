"""The `handwriting` command as users run it: a real subprocess, real files, JSON read back."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import numpy as np
import pytest

from handwriting import console
from handwriting.data.formats import load
from handwriting.data.kaggle_csv import write_kaggle_csv
from tests.helpers import all_letters_strokes, draw_letter_png, letter_images, write_emnist, write_strokes
from tests.pictures import photo_page


def run(*args, tmp_path, check=True):
    env = dict(os.environ, HANDWRITING_DATA_DIR=str(tmp_path / "datadir"))
    result = subprocess.run([sys.executable, "-m", "handwriting", *map(str, args)], capture_output=True,
                            text=True, env=env, timeout=600)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def run_on_terminal(*args, tmp_path, env=None) -> tuple[int, str, str]:
    """(exit status, stdout, what the terminal showed) with stderr on a 100-column pseudo-terminal,
    as when a user runs the command with its output piped on."""
    env = dict(os.environ, HANDWRITING_DATA_DIR=str(tmp_path / "datadir"), **(env or {}))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))  # tqdm draws to the width
    proc = subprocess.Popen([sys.executable, "-m", "handwriting", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=slave, env=env)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the command closed the terminal's other end
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    out = proc.stdout.read().decode()
    return proc.wait(timeout=600), out, shown.decode(errors="replace")


# The words of TensorFlow's C++ start-up lines, besides the line format console.TF_LOG_LINE knows.
TF_WORDS = re.compile(r"absl|oneDNN|cuda|cuInit|cpu_feature_guard|This TensorFlow binary|rebuild TensorFlow")


def tensorflow_lines(text: str) -> list[str]:
    return [ln for ln in re.split(r"[\r\n]+", text) if console.TF_LOG_LINE.match(ln) or TF_WORDS.search(ln)]


@pytest.fixture
def sources(tmp_path):
    x, y = letter_images(52)
    csv = tmp_path / "A_Z Handwritten Data.csv"
    write_kaggle_csv(csv, x, y)
    emnist = write_emnist(tmp_path, x[:26], y[:26])
    folder = tmp_path / "folder"
    for letter in "ABC":
        draw_letter_png(folder / letter / "1.png", letter)
    npz = tmp_path / "d.npz"
    np.savez(npz, x=x[:10], y=y[:10])
    strokes = write_strokes(tmp_path / "s.json", all_letters_strokes())
    return {"kaggle-csv": (csv, 52), "emnist-idx": (emnist, 26), "image-folder": (folder, 3),
            "npz": (npz, 10), "strokes-json": (strokes, 26)}


def test_info_json_for_every_format(sources, tmp_path):
    for fmt, (path, count) in sources.items():
        report = json.loads(run("info", path, "--json", tmp_path=tmp_path).stdout)
        assert report["format"] == fmt
        assert report["count"] == count
        assert sum(report["per_letter"].values()) == count
        assert list(report["per_letter"]) == list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def test_info_text_and_errors(sources, tmp_path):
    out = run("info", sources["npz"][0], tmp_path=tmp_path).stdout
    assert "npz, 10 images" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n")
    result = run("info", bad, tmp_path=tmp_path, check=False)
    assert result.returncode == 2
    assert "bad.csv" in result.stderr and "line 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_info_does_not_import_tensorflow(sources, tmp_path):
    code = ("import sys; from handwriting.cli import main; main(['info', sys.argv[1]]);"
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(sources["npz"][0])], capture_output=True, text=True,
                         env=dict(os.environ, HANDWRITING_DATA_DIR=str(tmp_path)))
    assert out.stdout.strip().endswith("False")


def test_convert_any_source_to_csv_and_npz(sources, tmp_path):
    out_csv = tmp_path / "out" / "letters.csv"
    run("convert", sources["strokes-json"][0], "--out", out_csv, tmp_path=tmp_path)
    first = out_csv.read_text().splitlines()[0].split(",")
    assert len(first) == 785 and first[0] == "0"   # no header: the first line is the first image
    out_npz = tmp_path / "out" / "letters.npz"
    run("convert", out_csv, "--out", out_npz, tmp_path=tmp_path)
    np.testing.assert_array_equal(load(out_npz).x, load(sources["strokes-json"][0]).x)
    result = run("convert", sources["npz"][0], "--out", tmp_path / "x.txt", tmp_path=tmp_path, check=False)
    assert result.returncode == 2 and ".npz or .csv" in result.stderr


def test_synth_writes_npz_and_csv(tmp_path):
    run("synth", "--count", 52, "--seed", 3, "--out", tmp_path / "s.npz", tmp_path=tmp_path)
    run("synth", "--count", 52, "--seed", 3, "--out", tmp_path / "s.csv", tmp_path=tmp_path)
    a, b = load(tmp_path / "s.npz"), load(tmp_path / "s.csv")
    np.testing.assert_array_equal(a.x, b.x)
    assert a.per_letter() == {letter: 2 for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def test_unknown_command_and_missing_file(tmp_path):
    assert run("frobnicate", tmp_path=tmp_path, check=False).returncode == 2
    result = run("info", tmp_path / "missing.npz", tmp_path=tmp_path, check=False)
    assert result.returncode == 2 and "missing.npz: no such file" in result.stderr


def test_bar_only_on_a_terminal_and_never_with_json(sources, tmp_path):
    path = sources["strokes-json"][0]
    code, out, shown = run_on_terminal("info", path, tmp_path=tmp_path)
    assert code == 0 and "strokes-json, 26 images" in out
    assert "reading data: 0/1 steps" in shown and "Traceback" not in shown
    code, out, shown = run_on_terminal("info", path, "--json", tmp_path=tmp_path)
    assert code == 0 and json.loads(out)["count"] == 26 and shown == ""
    assert run("info", path, tmp_path=tmp_path).stderr == ""      # piped: no bar


def test_tensorflow_log_filtered_keeps_other_lines_and_everything_on_error(capfd):
    tf_lines = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
                "I0000 00:00:1796595128.144196    8989 port.cc:153] oneDNN custom operations are on.\n"
                "E0000 00:00:1796595135.600516    8989 cuda_platform.cc:52] failed call to cuInit\n")
    with console.tensorflow_log_filtered():
        os.write(2, (tf_lines + "a warning of our own\n").encode())
    assert capfd.readouterr().err == "a warning of our own\n"
    with pytest.raises(ImportError), console.tensorflow_log_filtered():
        os.write(2, tf_lines.encode())
        raise ImportError("libtensorflow_framework.so.2: cannot open shared object file")
    assert capfd.readouterr().err == tf_lines


def test_a_failed_tensorflow_import_shows_everything(tmp_path):
    fake = tmp_path / "fake" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "import os\n"
        "os.write(2, b'I0000 00:00:1796595128.144196  8989 port.cc:153] oneDNN custom operations are on.\\n')\n"
        "raise ImportError('libtensorflow_framework.so.2: cannot open shared object file')\n")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(photo_page("K"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fake.parent), os.environ.get("PYTHONPATH", "")]),
               HANDWRITING_RUNTIME="keras")  # else predict answers through LiteRT, without TensorFlow
    result = subprocess.run([sys.executable, "-m", "handwriting", "predict", str(photo)], capture_output=True,
                            text=True, env=env, timeout=600)
    assert result.returncode != 0
    assert "port.cc:153] oneDNN" in result.stderr
    assert "ImportError: libtensorflow_framework.so.2: cannot open shared object file" in result.stderr


@pytest.mark.slow
def test_predict_a_photo_on_a_terminal_shows_the_answer_and_a_bar_but_no_tensorflow_log(tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(photo_page("K"))
    code, out, shown = run_on_terminal("predict", photo, tmp_path=tmp_path)
    assert code == 0 and out.startswith(f"{photo}: K")
    assert tensorflow_lines(shown) == [] and "XNNPACK" not in shown, shown
    # the shipped models' LiteRT conversions answer: TensorFlow is not even started
    assert "starting TensorFlow" not in shown and "reading: 100%" in shown and "1/1" in shown
