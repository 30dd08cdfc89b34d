"""`handwriting predict`: one result per file, JSON lines, bad files reported and the rest still read."""

from __future__ import annotations

import io
import json
import sys

import pytest
from PIL import Image

from handwriting.cli import main
from tests.pictures import draw, encoded, page_of


@pytest.fixture()
def files(tmp_path, rec):
    good = tmp_path / "k.png"
    draw("K").save(good)
    blank = tmp_path / "blank.png"
    Image.new("RGB", (120, 120), "white").save(blank)
    bad = {
        "zero bytes": tmp_path / "empty.jpg",
        "not an image": tmp_path / "notes.png",
        "truncated": tmp_path / "cut.jpg",
        "decompression bomb": tmp_path / "bomb.png",
        "directory": tmp_path / "folder",
        "missing": tmp_path / "nowhere.png",
    }
    bad["zero bytes"].write_bytes(b"")
    bad["not an image"].write_text("hello\n")
    bad["truncated"].write_bytes(encoded(draw("K"), "JPEG")[:700])
    Image.new("1", (11_000, 10_000)).save(bad["decompression bomb"])
    bad["directory"].mkdir()
    return good, blank, bad


def run_json(capsys, *args) -> tuple[int, list[dict]]:
    code = main(["predict", "--json", *map(str, args)])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def test_letters_json_and_bad_files(files, capsys):
    good, blank, bad = files
    code, results = run_json(capsys, good, *bad.values(), blank, "--top-k", "3")
    assert code == 1  # some files could not be read
    assert [r["file"] for r in results] == [str(good), *map(str, bad.values()), str(blank)]
    first = results[0]
    assert first["letter"] == "K" and set(first) >= {"file", "letter", "confidence", "top_k", "uncertain"}
    assert len(first["top_k"]) == 3 and first["top_k"][0][0] == "K"
    for kind, result in zip(bad, results[1:-1]):
        assert set(result) == {"file", "error"}, kind
        assert result["file"] in result["error"] or kind == "decompression bomb", kind
    last = results[-1]
    assert last["letter"] is None and last["uncertain"] is True and "nothing to read" in last["message"]


def test_all_good_files_exit_zero(files, capsys):
    good, blank, _ = files
    code, results = run_json(capsys, good, blank)
    assert code == 0 and len(results) == 2


def test_word_and_text(tmp_path, rec, capsys):
    word = tmp_path / "word.png"
    page_of(["TAKE"]).save(word)
    lines = tmp_path / "lines.jpg"
    page_of(["TAKE", "KITE"]).save(lines)
    lexicon = tmp_path / "words.txt"
    lexicon.write_text("TAKE\nKITE\n")
    code, results = run_json(capsys, word, "--word", "--lexicon", lexicon)
    assert code == 0
    w = results[0]
    assert w["word"] == "TAKE" and w["raw"] == "TAKE" and len(w["letters"]) == 4
    assert w["top_k"][0][0] == "TAKE" and {"letter", "confidence", "top_k", "uncertain", "box"} <= set(w["letters"][0])
    code, results = run_json(capsys, lines, "--text")
    t = results[0]
    assert code == 0 and t["text"] == "TAKE\nKITE" and t["raw"] == "TAKE\nKITE" and len(t["lines"]) == 2
    code, results = run_json(capsys, word, "--word", "--word-model", "none")  # letters alone
    assert code == 0 and results[0]["raw"] == "TAKE"


def test_human_output(files, capsys):
    good, blank, bad = files
    code = main(["predict", str(good), str(bad["not an image"]), str(blank)])
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert code == 1 and lines[0].startswith(f"{good}: K") and "error" in lines[1] and "nothing to read" in lines[2]
    assert "1 of 3" in out.err


def test_bad_options(files, capsys):
    good, _, _ = files
    assert main(["predict", str(good), "--top-k", "0"]) == 2
    assert main(["predict", str(good), "--lexicon", "words.txt"]) == 2  # only with --word/--text
    with pytest.raises(SystemExit):
        main(["predict", str(good), "--word", "--text"])
    assert main(["predict", str(good), "--model", str(good.parent / "none.keras")]) == 2
    assert main(["predict", str(good), "--word", "--word-model", str(good.parent / "none.keras")]) == 2
    assert "no word model file" in capsys.readouterr().err


class Terminal(io.StringIO):
    """A stderr that says it is a terminal (with no descriptor, tqdm takes its width from $COLUMNS)."""

    def isatty(self) -> bool:
        return True


def test_a_bar_over_the_files_on_a_terminal_and_never_with_json(files, capsys, monkeypatch):
    good, blank, _ = files
    monkeypatch.setenv("COLUMNS", "100")
    for json_flag in ([], ["--json"]):
        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        assert main(["predict", *json_flag, str(good), str(blank)]) == 0
        out = capsys.readouterr().out
        assert len(out.splitlines()) == 2 and "%|" not in out  # the answers alone on stdout
        if json_flag:
            assert terminal.getvalue() == ""
        else:
            shown = terminal.getvalue()
            assert "reading:" in shown and "/2 [" in shown and shown.endswith(" \r")  # cleared when done
