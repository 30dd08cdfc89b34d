"""Recognising with the shipped model: letters from every kind of picture, uncertainty, real data,
and words as written (their case and the word model's alternatives, with and without a word model).

Needs models/handwriting.keras (skips with the reason when it is absent; CI has it). The accuracy
tests print what they measured (pytest -s shows it) and assert the issue's floors.
"""

from __future__ import annotations

import itertools
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from handwriting import LETTERS
from handwriting.data.not_letters import from_nothing
from handwriting.imaging.decode import ImageReadError
from handwriting.imaging.letter import preprocess_image
from handwriting.imaging.strokes import render_strokes
from handwriting.words.lexicon import Lexicon
from tests.pictures import draw, encoded, letter_strokes, page_of, photo_page, strokes_word

SOURCES = ["muti_kara_ocr", "tessalonica_alfabet", "singleletter"]  # real_letters.npz's source order


# ------------------------------------------------------------------------------ the model call

def test_batched_and_single_calls_agree(rec):
    images = np.stack([render_strokes(letter_strokes(c)) for c in "AEKTI"])
    batch = rec.probabilities(images)
    single = np.stack([rec.probabilities(img[None])[0] for img in images])
    assert batch.shape == (5, 26) and np.allclose(batch.sum(axis=1), 1, atol=1e-4)
    assert np.allclose(batch, single, atol=1e-5)


def test_warming_traces_both_keras_models_before_the_first_reading(rec):
    from handwriting.recognize.reader import Recognizer

    fresh = Recognizer(rec.path, runtime="keras")  # the shipped word model too
    calls = [fresh.letter_model.predict.function, fresh.word_model.predict.function]
    assert [c.experimental_get_tracing_count() for c in calls] == [0, 0]
    fresh.warm()
    assert [c.experimental_get_tracing_count() for c in calls] == [1, 1]
    fresh.read_word(letter_strokes("K") + [[[x + 150, y] for x, y in s] for s in letter_strokes("T")])
    assert [c.experimental_get_tracing_count() for c in calls] == [1, 1]  # no tracing at the first reading


def test_card_threshold_and_version(rec):
    assert rec.threshold == pytest.approx(float(rec.card.get("uncertainty_threshold", 0.5)))
    assert rec.version == str(rec.card.get("version"))


def test_read_letter_reports_top_k_and_preprocessing(rec):
    reading = rec.read_letter(draw("K"), top_k=4)
    assert reading.letter == "K" and len(reading.top_k) == 4
    assert reading.top_k[0] == ("K", pytest.approx(reading.confidence))
    assert [p for _, p in reading.top_k] == sorted((p for _, p in reading.top_k), reverse=True)
    assert reading.preprocessed.image.shape == (28, 28) and reading.preprocessed.bbox is not None
    assert reading.uncertain == (reading.confidence < rec.threshold)


def test_strokes_read_like_the_training_renderer(rec):
    assert rec.read_strokes(letter_strokes("A")).letter == "A"
    empty = rec.read_strokes([])
    assert empty.letter is None and empty.uncertain and "nothing to read" in empty.message


@pytest.mark.parametrize("blank", ["white canvas", "transparent canvas", "empty photographed page"])
def test_nothing_to_read_is_not_a_confident_letter(rec, blank):
    source = {"white canvas": lambda: np.full((200, 200, 4), 255, np.uint8),
              "transparent canvas": lambda: np.zeros((200, 200, 4), np.uint8),
              "empty photographed page": lambda: photo_page(letter="")}[blank]()
    reading = rec.read_letter(source)
    assert reading.letter is None and reading.uncertain and reading.confidence == 0.0
    assert "nothing to read" in reading.message


def test_unreadable_file_raises(rec, tmp_path):
    bad = tmp_path / "x.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(ImageReadError):
        rec.read_letter(bad)


# ------------------------------------------------------------------------------ generated hard cases

def _hard_cases(letter: str, tmp_path) -> dict:
    clean = draw(letter)
    grey = np.asarray(clean.convert("L"))
    alpha = 255 - grey
    exif = Image.Exif()
    exif[0x0112] = 6
    cases = {
        "alpha-only ink PNG": encoded(Image.fromarray(np.dstack([np.zeros(grey.shape + (3,), np.uint8), alpha]), "RGBA"), "PNG"),
        "EXIF-rotated JPEG": encoded(clean.transpose(Image.Transpose.ROTATE_90), "JPEG", exif=exif),
        "CMYK JPEG": encoded(clean.convert("CMYK"), "JPEG"),
        "16-bit PNG": encoded(Image.fromarray(grey.astype(np.uint16) * 257), "PNG"),
        "photo-like page": photo_page(letter, angle=-6.0, seed=3),
    }
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
        path = tmp_path / f"{letter}.heic"
        clean.save(path, "HEIF", quality=90)
        cases["HEIC"] = path
    except Exception:  # an encoder-less pillow-heif build: HEIC decoding is tested where it can be
        pass
    return cases


@pytest.mark.parametrize("letter", ["A", "E", "K", "T"])
def test_hard_cases_read_as_the_clean_letter(rec, letter, tmp_path):
    assert rec.read_letter(draw(letter)).letter == letter  # the reference itself is readable
    for kind, source in _hard_cases(letter, tmp_path).items():
        reading = rec.read_letter(source)
        assert reading.letter == letter, f"{kind}: read {reading.letter} ({reading.top_k})"


# ------------------------------------------------------------------------------ real handwriting

@pytest.mark.shared
def test_real_originals_read_as_well_as_their_28x28_versions(rec, shared_data):
    """The pipeline on the original files (dark-ink JPEG crops, 1-bit PNGs, grey PNGs) against the
    same samples' 28x28 versions in real_letters.npz: at most 2 points below."""
    npz = np.load(shared_data / "real_letters.npz")
    x, y, source, group = npz["x"], npz["y"], npz["source"], npz["group"]
    idx = np.random.default_rng(0).choice(len(y), 1500, replace=False)
    raw, keep = [], []
    with zipfile.ZipFile(shared_data / "real_letters_raw.zip") as z:
        names = set(z.namelist())
        for i in idx:
            ext = "jpg" if SOURCES[source[i]] == "muti_kara_ocr" else "png"
            name = f"real_letters_raw/{SOURCES[source[i]]}/{LETTERS[y[i]]}/{group[i]}.{ext}"
            if name in names:  # (the npz's group is the file number for nearly all samples)
                raw.append(preprocess_image(z.read(name)).image)
                keep.append(i)
    keep = np.array(keep)
    assert len(keep) > 1400
    acc_raw = float((rec.probabilities(np.stack(raw)).argmax(axis=1) == y[keep]).mean())
    acc_npz = float((rec.probabilities(x[keep]).argmax(axis=1) == y[keep]).mean())
    print(f"\nreal originals through the pipeline: {acc_raw:.4f} top-1; their 28x28 versions: {acc_npz:.4f} "
          f"({len(keep)} samples)")
    assert acc_raw >= acc_npz - 0.02


@pytest.mark.shared
@pytest.mark.slow
def test_real_photo_cells(rec, shared_data):
    """The 600 cells cut from card photos (grey paper, shadows, grid lines): >= 95 % top-1."""
    files = sorted((shared_data / "photos").glob("*__sse__*.jpg"))
    assert len(files) == 600
    readings = rec.read_letters(files)
    labels = [f.name.split("__")[0] for f in files]
    right = [r.letter == label for r, label in zip(readings, labels)]
    accuracy = float(np.mean(right))
    wrong = [f"{f.name}->{r.letter}" for f, r, ok in zip(files, readings, right) if not ok]
    print(f"\nphoto cells: {accuracy:.4f} top-1 ({sum(right)}/{len(files)}); wrong: {', '.join(wrong[:12])}...")
    assert accuracy >= 0.95


@pytest.mark.shared
def test_debris_and_scribbles_are_doubted_more_than_letters(rec, shared_data):
    """Not-letters (suspect trajectories, scribbles) pass the threshold far less often than letters."""
    records = json.loads((shared_data / "strokes_letters.json").read_text())
    suspect = [r for r in records if r.get("flag") == "suspect"][:300]
    ok = [r for r in records if r.get("flag") == "ok"][::40]

    def confident(images) -> float:
        return float((rec.probabilities(images).max(axis=1) >= rec.threshold).mean())

    real = confident(np.stack([render_strokes(r["strokes"]) for r in ok]))
    debris = confident(np.stack([render_strokes(r["strokes"]) for r in suspect]))
    scrawl = confident(from_nothing(200, kinds=("scribble",)).images)
    print(f"\naccepted as confident: real letters {real:.3f}, suspect debris {debris:.3f}, scribbles {scrawl:.3f} "
          f"(threshold {rec.threshold:.3f})")
    assert debris < real - 0.2 and scrawl < real - 0.2


# ------------------------------------------------------------------------------ words as written

def stand_in_word_model(path, letter: str):
    """A word model file whose every column reads `letter` (`letter`'s case: 53 classes for a
    lower-case one, 27 for a capital), whatever the strip: a reading that is known in advance."""
    import keras

    from handwriting.words.model import CHARSET, FRAMES, HEIGHT, WIDTH, alphabet

    classes = len(CHARSET) + 1 if letter.islower() else len(LETTERS) + 1
    inputs = keras.Input(shape=(HEIGHT, WIDTH), name="strip")
    columns = keras.layers.Reshape((FRAMES, HEIGHT * WIDTH // FRAMES))(inputs)
    model = keras.Model(inputs, keras.layers.Dense(classes, name="logits")(columns))
    bias = np.zeros(classes, np.float32)
    bias[alphabet(classes).index(letter) + 1] = 10.0
    model.get_layer("logits").set_weights([np.zeros((HEIGHT * WIDTH // FRAMES, classes), np.float32), bias])
    model.save(path)
    return path


def check_as_written(reading) -> dict:
    """What every word reading promises about its case and alternatives; its dict, as JSON gives it."""
    d = json.loads(json.dumps(reading.to_dict()))
    assert d["as_written"] == reading.as_written and reading.as_written.upper() == reading.raw
    assert d["alternatives"] == [[t, round(p, 4)] for t, p in reading.alternatives]
    probs = [p for _, p in reading.alternatives]
    assert probs == sorted(probs, reverse=True) and all(0 <= p <= 1 for p in probs) and sum(probs) <= 1 + 1e-6
    assert len({t for t, _ in reading.alternatives}) == len(reading.alternatives)
    return d


def test_a_word_read_by_todays_models_keeps_how_it_is_written(rec):
    assert rec.word_model is not None
    reading = rec.read_word(strokes_word("KITE"))   # pen strokes: the pen model's, which reads case
    check_as_written(reading)
    assert reading.raw == "KITE" and reading.alternatives
    assert reading.read_from == ("pen" if rec.pen_model is not None else "picture")
    lines = rec.read_text(page_of(["TAKE", "KITE"]))  # a picture: the word model's
    assert [check_as_written(r)["raw"] for r in lines] == ["TAKE", "KITE"]
    if not rec.word_model.cased:   # the capitals-only model: as written is in capitals
        assert all(r.as_written == r.raw and all(t == t.upper() for t, _ in r.alternatives) for r in lines)


def test_without_a_word_model_a_word_is_as_written_as_read_with_no_alternatives(rec):
    from handwriting.recognize.reader import Recognizer

    letters_only = Recognizer(rec.path, word_model=None, pen_model=None)
    reading = letters_only.read_word(strokes_word("KITE"))
    d = check_as_written(reading)
    assert d["raw"] == d["as_written"] == "KITE" and d["alternatives"] == [] and reading.strip_text == ""
    nothing = check_as_written(letters_only.read_word([]))
    assert nothing["as_written"] == nothing["raw"] == "" and nothing["alternatives"] == []


def test_a_line_the_word_model_reads_in_lower_case_is_its_alone_word_by_word(rec, tmp_path):
    from handwriting.recognize.reader import Recognizer

    lower = Recognizer(rec.path, word_model=stand_in_word_model(tmp_path / "reads_k.keras", "k"), pen_model=None)
    assert lower.word_model.cased
    reading = lower.read_word(strokes_word("TAKE"))   # the letter model reads TAKE; the word model, "k"
    d = check_as_written(reading)
    assert (d["raw"], d["as_written"], d["word"]) == ("K", "k", "K")
    assert reading.alternatives[0][0] == "k" and reading.alternatives[0][1] > 0.5
    assert len(d["letters"]) == 1 and d["letters"][0]["letter"] == "K" and len(d["letters"][0]["box"]) == 4
    # Two words a few letter heights apart on a line of text: each word read on its own; read as one
    # word, the line is read whole (a wide gap inside a word must not part it).
    take_tea = strokes_word("TAKE") + [[[x + 4 * 140 + 300, y] for x, y in s] for s in strokes_word("TEA")]
    [line] = lower.read_text(take_tea)
    two = check_as_written(line)
    assert (two["raw"], two["as_written"]) == ("K K", "k k") and len(two["letters"]) == 2
    assert check_as_written(lower.read_word(take_tea))["raw"] == "K"
    boxes = [letter["box"] for letter in two["letters"]]
    assert boxes[0][2] < boxes[1][0]                  # each word's letter where that word is
    capitals = Recognizer(rec.path, word_model=stand_in_word_model(tmp_path / "reads_K.keras", "K"), pen_model=None)
    assert not capitals.word_model.cased
    reading = capitals.read_word(strokes_word("KITE"))  # a capitals model: the letter model's cuts weigh in
    check_as_written(reading)
    assert reading.as_written == reading.raw and reading.alternatives[0][0] == "K"


# ------------------------------------------------------------------------------ words drawn with a pen

def untrained_pen_model(path):
    """A pen model file straight from `build_pen_model`: what it reads, the tests set."""
    from handwriting.words.pen import build_pen_model

    build_pen_model(recurrent=8).save(path)
    return path


def spelling(text: str, features) -> np.ndarray:
    """Pen-model log-probabilities (N x FRAMES x 53) that almost surely read `text` as written in
    each trajectory of `features`, its letters spread evenly over the columns that hold points."""
    from handwriting.words.model import BLANK, CHARSET, log_softmax
    from handwriting.words.pen import FRAMES, POOL

    out = []
    for trajectory in np.asarray(features):
        columns = -(-(np.flatnonzero(trajectory.any(axis=1))[-1] + 1) // POOL)
        z = np.full((FRAMES, len(CHARSET) + 1), -9.0)
        z[:, BLANK] = 0.0
        for c, t in zip(text, np.linspace(0, columns - 1, len(text) + 2)[1:-1].round().astype(int)):
            z[t, BLANK], z[t, CHARSET.index(c) + 1] = -9.0, 0.0
        out.append(log_softmax(z))
    return np.stack(out)


@pytest.fixture
def pen_reader(rec, tmp_path, monkeypatch):
    """A Recognizer whose untrained pen model reads "hello" in any strokes, and the trajectories it
    was given; its stand-in word model reads "k" in any picture."""
    from handwriting.recognize.reader import Recognizer

    reader = Recognizer(rec.path, word_model=stand_in_word_model(tmp_path / "reads_k.keras", "k"),
                        pen_model=untrained_pen_model(tmp_path / "pen.keras"), runtime="keras")
    given = []

    def reads_hello(features):
        given.extend(np.asarray(features, np.float32))
        return spelling("hello", features)

    monkeypatch.setattr(reader.pen_model, "log_probs", reads_hello)
    return reader, given


def ink_ends(strokes) -> tuple[int, int]:
    """The left and right ends of the strokes' ink, in the pixels a reading's boxes are in."""
    from handwriting.words.segment import word_strokes

    _, pieces = word_strokes(strokes)
    return min(p.left for p in pieces), max(p.right for p in pieces)


def check_side_by_side(boxes, left: int, right: int) -> None:
    """Letter boxes left to right, each where the one before ends, from `left` to `right`."""
    assert [b[0] for b in boxes] == sorted({b[0] for b in boxes})
    assert all(a[2] == b[0] for a, b in itertools.pairwise(boxes))
    assert boxes[0][0] == left and boxes[-1][2] == right


def test_a_word_drawn_with_a_pen_is_read_by_the_pen_model_from_its_strokes(pen_reader):
    from handwriting.words.pen import FEATURES, POINTS, pen_input

    reader, given = pen_reader
    strokes = strokes_word("LIL")                     # a stroke a letter: each stroke a piece of its own
    reading = reader.read_word(strokes)
    d = check_as_written(reading)
    assert (d["as_written"], d["raw"], reading.strip_text) == ("hello", "HELLO", "hello")
    assert [letter["letter"] for letter in d["letters"]] == list("HELLO")
    assert len(given) == 1 and given[0].shape == (POINTS, FEATURES)
    assert np.allclose(given[0], pen_input(strokes).features, atol=1e-4)   # the strokes as drawn
    check_side_by_side([letter["box"] for letter in d["letters"]], *ink_ends(strokes))


def test_a_line_drawn_with_a_pen_is_read_by_the_pen_model_word_by_word(pen_reader):
    from handwriting.words.pen import pen_input

    reader, given = pen_reader
    # (Lone upright strokes, the I's, would touch the drawing's top and bottom: find_lines takes them for
    # the paper's edge.)
    first, second = strokes_word("LL"), [[[x + 2 * 140 + 300, y] for x, y in s] for s in strokes_word("LL")]
    [line] = reader.read_text(first + second)
    d = check_as_written(line)
    assert (d["as_written"], d["raw"]) == ("hello hello", "HELLO HELLO")
    assert len(given) == 3                            # the whole line, then each word on its own
    assert np.allclose(given[1], pen_input(first).features, atol=1e-4)
    assert np.allclose(given[2], pen_input(second).features, atol=1e-4)
    boxes = [letter["box"] for letter in d["letters"]]
    assert len(boxes) == 10 and boxes[4][2] < boxes[5][0]   # each word's letters where that word is


@pytest.mark.parametrize("word", ["letters of several strokes", "one joined-up stroke"])
def test_the_pen_model_reads_every_stroke_of_a_word_in_the_order_drawn(pen_reader, word):
    """Strokes of one letter (K's three, E's bar drawn after its body) and a cursive word's one long
    stroke are joined or cut into other pieces to read the picture; the pen model still reads them
    all, as drawn."""
    from handwriting.words.pen import pen_input

    strokes = {"letters of several strokes": strokes_word("KITE"),
               "one joined-up stroke": [[[x, 50 + 40 * np.sin(x / 12)] for x in range(0, 600, 4)]]}[word]
    reader, given = pen_reader
    reading = reader.read_word(strokes)
    assert len(given) == 1 and np.allclose(given[0], pen_input(strokes).features, atol=1e-4)
    assert check_as_written(reading)["as_written"] == "hello"


def test_a_picture_is_read_by_the_word_model_never_by_the_pen_model(pen_reader):
    reader, given = pen_reader
    picture = np.asarray(page_of(["TAKE"]))
    assert check_as_written(reader.read_word(picture))["as_written"] == "k"   # the stand-in word model's
    reader.read_text(picture)
    reader.weighing(picture)
    assert given == []


def test_without_a_pen_model_strokes_are_read_from_their_picture_as_before(rec, tmp_path):
    from handwriting.recognize.reader import Recognizer

    reader = Recognizer(rec.path, word_model=stand_in_word_model(tmp_path / "reads_k.keras", "k"), pen_model=None,
                        runtime="keras")
    assert reader.pen_model is None
    reading = reader.read_word(strokes_word("LIL"))
    assert (check_as_written(reading)["as_written"], reading.raw) == ("k", "K")


def test_warming_traces_the_pen_model_before_the_first_reading(rec, tmp_path):
    from handwriting.recognize.reader import Recognizer

    reader = Recognizer(rec.path, word_model=None, pen_model=untrained_pen_model(tmp_path / "pen.keras"),
                        runtime="keras")
    call = reader.pen_model.predict.function
    assert call.experimental_get_tracing_count() == 0
    reader.warm()
    assert call.experimental_get_tracing_count() == 1
    reader.read_word(strokes_word("LIL"))
    assert call.experimental_get_tracing_count() == 1   # no tracing at the first reading


def test_letters_read_behind_the_pen_are_still_placed_left_to_right():
    """"ties" written, the pen goes back to dot the i and cross the t: a pen model that reads the s
    only there, at the trajectory's end, reads it behind the letters before it. The letters' boxes
    still go left to right over the ink, side by side, in the order of the text."""
    from handwriting.words.line import line_ink
    from handwriting.words.model import BLANK, CHARSET, HEIGHT, WIDTH, fold_case, log_softmax
    from handwriting.words.pen import FRAMES, pen_input
    from handwriting.words.placement import place_letters
    from handwriting.words.reading import StripView
    from handwriting.words.segment import stroke_line, word_strokes

    ties = [[[0, 0], [0, 100]], [[60, 40], [60, 100]],                                   # t's stem, i's stem
            [[100, 75], [150, 75], [140, 50], [115, 45], [100, 65], [110, 95], [150, 100]],  # e
            [[210, 45], [180, 50], [185, 70], [205, 80], [200, 100], [175, 98]],         # s
            [[60, 15], [62, 16]], [[-25, 30], [25, 30]]]                                  # the i's dot, the t's bar
    page, pieces = word_strokes(ties)
    line = stroke_line(page, pieces)
    given = pen_input([path for p in pieces for _, path in p.paths])  # one stroke per piece, in order
    xs = given.column_x()
    t, s = 0, given.columns - 1
    i = next(c for c in range(given.columns) if xs[c] > xs[t] + 30)
    e = next(c for c in range(given.columns) if xs[c] > xs[i] + 40)
    assert xs[s] < xs[i] < xs[e]                      # the s's column is behind the i's
    z = np.full((FRAMES, len(CHARSET) + 1), -9.0)
    z[:, BLANK] = 0.0
    for c, column in zip("ties", (t, i, e, s)):
        z[column, BLANK], z[column, CHARSET.index(c) + 1] = -9.0, 0.0
    cased = log_softmax(z)
    view = StripView(np.zeros((HEIGHT, WIDTH), np.uint8), fold_case(cased), xs, given.columns,
                     line_ink(page, line), cased)
    assert view.written == "ties"
    boxes = [placed.box for placed in place_letters(line, view, "TIES")]
    check_side_by_side(boxes, min(p.left for p in line.pieces), max(p.right for p in line.pieces))


# ------------------------------------------------------------------------------ lexicon (no model)

def _probs(word: str, p: float = 0.9, swap: dict | None = None) -> np.ndarray:
    probs = np.full((len(word), 26), (1 - p) / 25)
    for i, c in enumerate(word):
        probs[i, LETTERS.index(c)] = p
    for i, (c, q) in (swap or {}).items():
        probs[i] = (1 - q - probs[i].max()) / 24
        probs[i, LETTERS.index(word[i])] = max(probs[i, LETTERS.index(word[i])], 0.0)
        probs[i, LETTERS.index(c)] = q
        probs[i] /= probs[i].sum()
    return probs


def test_lexicon_corrects_when_the_probabilities_allow(tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("# names\nHELLO\nWORLD\nélodie\nx\n")
    lexicon = Lexicon.from_file(words)
    assert "ELODIE" in lexicon and "X" not in lexicon and len(lexicon) == 3
    # Read "HFLLO": E was the second choice at 0.3, so HELLO is proposed.
    probs = _probs("HFLLO")
    probs[1, LETTERS.index("E")] = 0.3
    assert lexicon.correct(probs) == "HELLO"
    # Read "QXZZY" with certainty: no list word fits, nothing is proposed.
    assert lexicon.correct(_probs("QXZZY", p=0.999)) is None
    text, correction = lexicon.correct_text("HFLLO QXZZY", None, list(probs) + list(_probs("QXZZY", p=0.999)))
    assert text == "HELLO QXZZY" and correction == "HELLO QXZZY"


def test_lexicon_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.txt"):
        Lexicon.from_file(tmp_path / "nowhere.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("1234\n")
    with pytest.raises(ValueError, match="no words"):
        Lexicon.from_file(empty)


def test_builtin_word_list(tmp_path, monkeypatch):
    pytest.importorskip("spellchecker")
    monkeypatch.setenv("HANDWRITING_DATA_DIR", str(tmp_path))  # its cached copy goes there, not into data/
    lexicon = Lexicon.builtin("en", top=5000)
    assert "HOUSE" in lexicon and len(lexicon) > 3000


def test_the_builtin_word_list_is_kept_and_a_damaged_copy_is_built_again(tmp_path, monkeypatch):
    """Every dashboard kernel reads the list at start: it is kept ready in the cache folder."""
    pytest.importorskip("spellchecker")
    monkeypatch.setenv("HANDWRITING_DATA_DIR", str(tmp_path))
    built = Lexicon.builtin("en", top=5000)
    [kept] = (tmp_path / "interim" / "cache").glob("lexicon-en-5000-*.txt")
    assert set(kept.read_text().split()[1:]) == {w for ws in built.words.values() for w in ws}
    # What is kept is what is read: a copy without HOUSE gives a list without HOUSE.
    words = [w for w in kept.read_text().split()[1:] if w != "HOUSE"]
    kept.write_text(f"{len(words)}\n" + "".join(w + "\n" for w in words))
    assert "HOUSE" not in Lexicon.builtin("en", top=5000)
    # A damaged copy (cut short, cut at a line's end, not words, not text) is built again and replaced.
    good = kept.read_bytes()
    for damaged in (good[:-3], good[:good.rindex(b"\n", 0, -1) + 1], b"2\nHOUSE\nh0use\n", b"\xff\xfe"):
        kept.write_bytes(damaged)
        lexicon = Lexicon.builtin("en", top=5000)
        assert "HOUSE" in lexicon and lexicon.words == built.words
        assert set(kept.read_text().split()[1:]) == {w for ws in built.words.values() for w in ws}


def test_the_builtin_word_list_works_where_it_cannot_be_kept(tmp_path, monkeypatch):
    pytest.importorskip("spellchecker")
    (tmp_path / "interim").write_text("a file where the cache folder would go")
    monkeypatch.setenv("HANDWRITING_DATA_DIR", str(tmp_path))
    assert "HOUSE" in Lexicon.builtin("en", top=5000)
