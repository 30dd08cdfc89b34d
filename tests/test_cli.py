"""The `handwriting` command as users run it: a real subprocess, real files, JSON read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from handwriting.data.formats import load
from handwriting.data.kaggle_csv import write_kaggle_csv
from tests.helpers import all_letters_strokes, draw_letter_png, letter_images, write_emnist, write_strokes


def run(*args, tmp_path, check=True):
    env = dict(os.environ, HANDWRITING_DATA_DIR=str(tmp_path / "datadir"))
    result = subprocess.run([sys.executable, "-m", "handwriting", *map(str, args)], capture_output=True,
                            text=True, env=env, timeout=600)
    if check:
        assert result.returncode == 0, result.stderr
    return result


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
