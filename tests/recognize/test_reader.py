"""Recognising with the shipped model: letters from every kind of picture, uncertainty, real data,
and words as written (their case and the word model's alternatives, with and without a word model).

Needs models/handwriting.keras (skips with the reason when it is absent; CI has it). The accuracy
tests print what they measured (pytest -s shows it) and assert the issue's floors.
"""

from __future__ import annotations

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
    reading = rec.read_word(strokes_word("KITE"))
    check_as_written(reading)
    assert reading.raw == "KITE" and reading.alternatives
    if not rec.word_model.cased:   # the capitals-only model: as written is in capitals
        assert reading.as_written == "KITE" and all(t == t.upper() for t, _ in reading.alternatives)
    assert [check_as_written(r)["raw"] for r in rec.read_text(page_of(["TAKE", "KITE"]))] == ["TAKE", "KITE"]


def test_without_a_word_model_a_word_is_as_written_as_read_with_no_alternatives(rec):
    from handwriting.recognize.reader import Recognizer

    letters_only = Recognizer(rec.path, word_model=None)
    reading = letters_only.read_word(strokes_word("KITE"))
    d = check_as_written(reading)
    assert d["raw"] == d["as_written"] == "KITE" and d["alternatives"] == [] and reading.strip_text == ""
    nothing = check_as_written(letters_only.read_word([]))
    assert nothing["as_written"] == nothing["raw"] == "" and nothing["alternatives"] == []


def test_a_line_the_word_model_reads_in_lower_case_is_its_alone_word_by_word(rec, tmp_path):
    from handwriting.recognize.reader import Recognizer

    lower = Recognizer(rec.path, word_model=stand_in_word_model(tmp_path / "reads_k.keras", "k"))
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
    capitals = Recognizer(rec.path, word_model=stand_in_word_model(tmp_path / "reads_K.keras", "K"))
    assert not capitals.word_model.cased
    reading = capitals.read_word(strokes_word("KITE"))  # a capitals model: the letter model's cuts weigh in
    check_as_written(reading)
    assert reading.as_written == reading.raw and reading.alternatives[0][0] == "K"


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


def test_builtin_word_list():
    pytest.importorskip("spellchecker")
    lexicon = Lexicon.builtin("en", top=5000)
    assert "HOUSE" in lexicon and len(lexicon) > 3000
