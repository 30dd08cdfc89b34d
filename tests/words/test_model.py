"""The word model's parts: its classes (A-Z, a-z) and their two cases folded, CTC decoding and scoring,
the case a text is written in, the strip it reads, composed training words in every style, the labs
held out of training, training and loading. (Its behaviour on real words: tests/model/test_word_reader.py.)"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from scipy import ndimage

from handwriting import LETTERS
from handwriting.words.corpus import DRAW_HEIGHT, composed_words, pen_word, redrawn_words
from handwriting.words.model import (BLANK, CHARSET, FRAMES, HEIGHT, INK_HEIGHT, MAX_LETTERS, WIDTH, alphabet,
                                    beam_search, fold_case, greedy, log_softmax,
                                    sequence_log_probability, strip, targets)
from tests.pictures import strokes_word


def columns_of(*classes) -> np.ndarray:
    """Log-probabilities, one column per entry: almost surely that class (0 = blank, 1 = A, ...)."""
    z = np.full((len(classes), 27), -9.0)
    for t, k in enumerate(classes):
        z[t, k] = 0.0
    return log_softmax(z)


def cased_columns(text: str) -> np.ndarray:
    """Cased log-probabilities (53 classes), one column per character of `text`: almost surely
    that letter in that case ('-' = blank)."""
    z = np.full((len(text), len(CHARSET) + 1), -9.0)
    for t, c in enumerate(text):
        z[t, BLANK if c == "-" else CHARSET.index(c) + 1] = 0.0
    return log_softmax(z)


def collapse(path) -> str:
    return "".join(LETTERS[k - 1] for k, _ in itertools.groupby(path) if k != BLANK)


# ------------------------------------------------------------------------------ the classes and their case

def test_the_classes_are_blank_then_capitals_then_lower_case_and_nothing_else():
    assert alphabet(27) == LETTERS and alphabet(53) == CHARSET == LETTERS + LETTERS.lower()
    for classes in (26, 28, 52, 54):
        with pytest.raises(ValueError, match=f"27 or 53 classes per column, not {classes}"):
            alphabet(classes)
    with pytest.raises(ValueError, match="not 30"):
        greedy(np.zeros((4, 30)))  # the decoders ask the same question


def test_fold_case_adds_up_each_letters_two_cases():
    rng = np.random.default_rng(0)
    cased = log_softmax(rng.normal(0, 2, (2, 5, 53)))
    folded = fold_case(cased)
    assert folded.shape == (2, 5, 27)
    assert np.allclose(np.exp(folded).sum(axis=-1), 1.0)                      # still a distribution
    assert np.allclose(folded[..., BLANK], cased[..., BLANK])
    n = len(LETTERS)
    assert np.allclose(np.exp(folded[..., 1:]), np.exp(cased[..., 1:1 + n]) + np.exp(cased[..., 1 + n:]))
    # 'a' 0.3 and 'A' 0.3 each lose to the blank's 0.4; together (0.6) the letter wins.
    column = np.full((1, 53), 1e-9)
    column[0, [BLANK, 1, 1 + n]] = 0.4, 0.3, 0.3
    assert greedy(np.log(column))[0] == "" and greedy(fold_case(np.log(column)))[0] == "A"
    plain = log_softmax(rng.normal(0, 2, (5, 27)))
    assert np.array_equal(fold_case(plain), plain)                             # an A-Z model's columns as they are


def test_the_cased_reading_keeps_what_folding_would_merge():
    """Cased columns read "Hello"; folded, the same columns read HELLO. A letter written twice in
    two cases with no blank between ("Aa") is two letters cased and one folded: the reader takes
    the text as written and capitalises it, not the folded reading."""
    hello = cased_columns("-Hel-lo-")                   # a doubled letter needs a blank between
    assert greedy(hello)[0] == "Hello" and beam_search(hello)[0][0] == "Hello"
    assert greedy(fold_case(hello))[0] == "HELLO"
    assert sequence_log_probability(hello, "Hello") > sequence_log_probability(hello, "HELLO") + 10
    aaron = cased_columns("-Aaron-")
    assert beam_search(aaron)[0][0] == "Aaron" and greedy(fold_case(aaron))[0] == "ARON"


# ------------------------------------------------------------------------------ decoding

def test_greedy_merges_repeats_and_needs_a_blank_between_double_letters():
    A, B = 1, 2
    assert greedy(columns_of(A, A, BLANK, B, B))[0] == "AB"
    assert greedy(columns_of(A, A, A))[0] == "A"
    assert greedy(columns_of(A, BLANK, A))[0] == "AA"
    text, columns = greedy(columns_of(BLANK, A, BLANK, BLANK, B, BLANK))
    assert text == "AB" and columns == [1, 4]


def test_sequence_probability_sums_every_path_that_reads_as_the_text():
    rng = np.random.default_rng(0)
    log_probs = log_softmax(rng.normal(0, 2, (5, 27)))
    for text in ["AB", "AA", "A", "BAB"]:
        used = sorted({BLANK} | {LETTERS.index(c) + 1 for c in text})  # other classes never collapse to it
        total = -np.inf
        for path in itertools.product(used, repeat=len(log_probs)):
            if collapse(path) == text:
                total = np.logaddexp(total, sum(log_probs[t, k] for t, k in enumerate(path)))
        assert sequence_log_probability(log_probs, text) == pytest.approx(total, abs=1e-9)
    assert sequence_log_probability(log_probs, "ABCDEF") == -np.inf  # 6 letters cannot fit in 5 columns


def test_beam_search_finds_the_most_probable_text_not_the_most_probable_path():
    # Column by column the best path is blank-blank ("" at 0.36), but "A" has more paths: 0.64.
    z = np.log(np.array([[0.6, 0.4], [0.6, 0.4]]))
    log_probs = np.full((2, 27), -50.0)
    log_probs[:, [BLANK, 1]] = z
    assert greedy(log_probs)[0] == ""
    texts = beam_search(log_probs, width=4)
    assert texts[0][0] == "A"
    for text, logp in texts:
        assert logp == pytest.approx(sequence_log_probability(log_probs, text), abs=1e-6)


# ------------------------------------------------------------------------------ the strip

def test_strip_fits_the_line_to_the_model_height_left_aligned():
    ink = np.zeros((200, 300), np.float32)
    ink[50:150, 100:200] = 1.0
    out, scale, origin = strip(ink)
    assert out.shape == (HEIGHT, WIDTH) and out.dtype == np.uint8
    rows, cols = np.flatnonzero(out.max(axis=1) > 127), np.flatnonzero(out.max(axis=0) > 127)
    assert len(rows) == INK_HEIGHT and cols[0] == 2 and len(cols) == pytest.approx(INK_HEIGHT, abs=1)
    assert origin == (100, 50) and scale == pytest.approx(0.28, abs=0.01)
    with pytest.raises(ValueError, match="no ink"):
        strip(np.zeros((50, 50)))
    long_line = np.ones((10, 1000), np.float32)  # wider than the strip holds: squeezed in
    assert np.flatnonzero(strip(long_line)[0].max(axis=0))[-1] < WIDTH


def test_targets_are_words_of_up_to_18_letters_in_either_case_and_nothing_else():
    assert MAX_LETTERS == 18
    rows = targets(["AB", "Z", "ab", "Hello", "x" * 18])
    assert rows.shape == (5, 1 + 18)
    assert rows[0, :4].tolist() == [2, 1, 2, 0] and rows[1, :3].tolist() == [1, 26, 0]
    assert rows[2, :4].tolist() == [2, 27, 28, 0]                     # a-z are classes 27-52
    assert rows[3, :7].tolist() == [5, 8, 31, 38, 38, 41, 0]
    assert rows[4, 0] == 18 and set(rows[4, 1:]) == {CHARSET.index("x") + 1}
    for bad in ["", "x" * 19, "A1", "A B", "Zoë", "-"]:
        with pytest.raises(ValueError, match=r"word 1: .* is not 1-18 letters A-Z, a-z"):
            targets(["fine", bad])


# ------------------------------------------------------------------------------ composed words

def pen_letters(writers=("w1", "w2")) -> list[dict]:
    from tests.pictures import STROKES

    return [{"label": c, "writer": w, "strokes": [[[x * 100, y * 100] for x, y in s] for s in STROKES[c]]}
            for w in writers for c in STROKES]


def test_composed_words_are_random_letters_as_strips_and_repeat_with_the_seed():
    from handwriting.data.synthetic import generate

    letters = generate(260, seed=0)
    x, texts = composed_words(40, images=letters.x, labels=letters.y, seed=3)
    assert x.shape == (40, HEIGHT, WIDTH) and x.dtype == np.uint8
    assert all(1 <= len(t) <= MAX_LETTERS and set(t) <= set(LETTERS) for t in texts)
    assert len(set(texts)) > 30 and (x.reshape(40, -1).max(axis=1) > 200).all()  # different words, all inked
    again, same = composed_words(40, images=letters.x, labels=letters.y, seed=3)
    assert same == texts and np.array_equal(again, x)
    assert composed_words(40, images=letters.x, labels=letters.y, seed=4)[1] != texts


def test_composed_words_need_every_letter():
    from handwriting.data.synthetic import generate

    letters = generate(260, seed=0)
    keep = letters.y != LETTERS.index("Q")
    with pytest.raises(ValueError, match="no Q"):
        composed_words(5, images=letters.x[keep], labels=letters.y[keep])
    with pytest.raises(ValueError, match="pen letters have no"):
        composed_words(5, pen_letters=pen_letters())  # the test strokes hold a few letters only
    with pytest.raises(ValueError, match="needs"):
        composed_words(5)
    bad = pen_letters()
    bad[3] = dict(bad[3], label="K2")
    with pytest.raises(ValueError, match=r"pen letter 3 \(writer 'w1'\): label 'K2' is not one letter A-Z or a-z"):
        composed_words(5, pen_letters=bad)
    no_z = alphabet_letters()
    with pytest.raises(ValueError, match=r"the pen letters have no z$"):
        composed_words(5, pen_letters=[r for r in no_z if r["label"] != "z"])  # every lower-case letter too


def alphabet_letters(writers=("unipen:aa/aa0", "unipen:bb/bb0"), letters: str = CHARSET) -> list[dict]:
    """Pen letters of every letter in both cases by each writer: a different zigzag per letter, each
    record its own strokes list."""
    return [{"label": c, "writer": w, "strokes": [[[0, 0], [30, 100], [60, 10 * (k % 7)], [90, 100]]]}
            for w in writers for k, c in enumerate(letters)]


def test_composed_pen_words_come_in_every_style_each_letter_drawn_from_its_own_case(monkeypatch):
    from handwriting.words import corpus

    # One case given: its words only.
    assert all(t.isupper() for t in composed_words(10, pen_letters=alphabet_letters(letters=LETTERS))[1])
    assert all(t.islower() for t in composed_words(10, pen_letters=alphabet_letters(letters=LETTERS.lower()))[1])
    records = alphabet_letters()
    label_of = {id(r["strokes"]): r["label"] for r in records}
    drawn = []
    real_pen_word = corpus.pen_word

    def pen_word_seen(letters, rng, height=DRAW_HEIGHT, text=None):
        drawn.append((text, "".join(label_of[id(s)] for s in letters)))
        return real_pen_word(letters, rng, height, text=text)

    monkeypatch.setattr(corpus, "pen_word", pen_word_seen)
    x, texts = composed_words(60, pen_letters=records, seed=1)
    assert x.shape == (60, HEIGHT, WIDTH) and len(set(texts)) > 50
    long = [t for t in texts if len(t) > 1]
    assert any(t.isupper() for t in long) and any(t.islower() for t in long)
    assert any(t[0].isupper() and t[1:].islower() for t in long)                     # capitalised
    assert all(t.isupper() or t.islower() or (t[0].isupper() and t[1:].islower()) for t in texts)
    # Every word went to pen_word with its text, each letter the strokes of a record of that letter
    # in that case: lower-case letters from the lower-case records.
    assert [text for text, _ in drawn] == texts and all(text == labels for text, labels in drawn)


def test_lower_case_letters_are_sized_and_set_on_the_baseline_as_written(monkeypatch):
    from handwriting.words import corpus

    monkeypatch.setattr(corpus, "_gap", lambda rng: 1.0)  # letters a letter height apart: one ink blob each
    square = [[[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]]]

    def boxes(text: str, seed: int) -> list[tuple[int, int]]:
        """(top, bottom) of each letter's ink, left to right, all letters drawn as the same square."""
        ink = pen_word([square] * len(text), np.random.default_rng(seed), text=text)
        labels, n = ndimage.label(ink > 0.5)
        found = sorted(ndimage.find_objects(labels), key=lambda sl: sl[1].start)
        assert n == len(text)
        return [(sl[0].start, sl[0].stop) for sl in found]

    for seed in range(5):
        (a_top, a_bottom), (g_top, g_bottom) = boxes("ag", seed)
        assert g_bottom - a_bottom > 0.2 * DRAW_HEIGHT           # a descender hangs below the line
        (a_top, a_bottom), (l_top, l_bottom) = boxes("al", seed)
        assert l_bottom - l_top > 1.3 * (a_bottom - a_top)      # an ascender: taller than an x-height letter
        assert abs(l_bottom - a_bottom) < 0.15 * DRAW_HEIGHT     # ... both on the baseline
        (a_top, a_bottom), (g_top, g_bottom) = boxes("AG", seed)
        assert abs(g_bottom - a_bottom) < 0.15 * DRAW_HEIGHT     # capitals stand on one line
        assert abs((g_bottom - g_top) - (a_bottom - a_top)) < 0.35 * DRAW_HEIGHT


def test_a_pen_word_overlaps_its_letters_sometimes_and_is_wider_with_more_letters():
    rng = np.random.default_rng(0)
    one = np.median([pen_word([strokes_word("K")], rng).shape[1] for _ in range(20)])
    four = np.array([pen_word([strokes_word(c) for c in "KITE"], rng).shape[1] for _ in range(40)])
    assert four.min() > 2 * one and four.max() > 1.5 * four.min()  # gaps from overlapping to wide
    assert (four < 3.6 * one).any() and (four > 4.5 * one).any()   # some overlap, some stand apart


def real_words(labs=("aa", "bb"), writers_per_lab: int = 3,
               texts=("take", "Kite", "LATE", "tea", "Ale", "TILE")) -> list[dict]:
    """Words as unipen/words.json holds them, in any case: every writer of each lab wrote the same list."""
    return [{"label": t, "writer": f"unipen:{lab}/{lab}{k}", "strokes": strokes_word(t.upper())}
            for lab in labs for k in range(writers_per_lab) for t in texts]


def test_redrawn_real_words_keep_their_text_and_vary_their_drawing():
    words = real_words(writers_per_lab=1, texts=("TAKE", "It"))[:2]
    x, texts = redrawn_words(words, copies=3, seed=0)
    assert x.shape == (6, HEIGHT, WIDTH) and texts == ["TAKE"] * 3 + ["It"] * 3    # the case kept
    assert not np.array_equal(x[0], x[1])             # another size, slant and pen each time
    widths = [np.flatnonzero(s.max(axis=0) > 100).max() for s in x[:3]]
    assert min(widths) > 100                            # a word fills the strip's width, not one letter's
    bad = [dict(words[0]), dict(words[1], label="I t")]
    with pytest.raises(ValueError, match=r"word 1 \(writer 'unipen:aa/aa0'\): label 'I t' is not 1-18 letters"):
        redrawn_words(bad, copies=1)
    bad[1] = dict(words[1], strokes=[[[0, 0], [1, "x"]]])
    with pytest.raises(ValueError, match=r"word 1 .*stroke 0"):
        redrawn_words(bad, copies=1)


def write_json(path, records) -> str:
    path.write_text(json.dumps(records))
    return str(path)


def test_held_out_labs_stay_out_of_every_file_and_their_words_are_the_test(tmp_path):
    from handwriting.words.corpus import check_words
    from handwriting.words.train import read_records

    words = real_words(labs=("aa", "bb", "cc"))
    words.append({"label": "KITE", "writer": "kenan:k1", "strokes": strokes_word("KITE")})
    letters = alphabet_letters(writers=("unipen:aa/aa0", "unipen:bb/bb1", "unipen:cc/cc2", "kenan:k1"))
    words_file = write_json(tmp_path / "words.json", words)
    letters_file = write_json(tmp_path / "letters.json", letters)
    held = ("aa", "cc")

    def pairs(records):
        return [(r["writer"], r["label"]) for r in records]

    def split(records):
        """(the records of writers outside the held-out labs, those inside), by the writer's name."""
        inside = [r for r in records if r["writer"].startswith(("unipen:aa/", "unipen:cc/"))]
        return [r for r in records if r not in inside], inside

    train, test = read_records([words_file], held, check_words)
    assert (pairs(train), pairs(test)) == tuple(map(pairs, split(words)))       # kenan's words train too
    assert {w for w, _ in pairs(test)} == {f"unipen:{lab}/{lab}{k}" for lab in held for k in range(3)}
    train, test = read_records([letters_file], held)
    assert (pairs(train), pairs(test)) == tuple(map(pairs, split(letters)))     # pen letters too
    train, test = read_records([words_file, f"{letters_file}?writer=unipen:*"], held)   # every file given
    assert pairs(train) == pairs(split(words)[0] + split(letters[:-len(CHARSET)])[0])
    assert pairs(test) == pairs(split(words)[1] + split(letters)[1])
    assert read_records([words_file])[1] == []                                                    # nothing held out
    assert read_records(words_file, held, check_words) == read_records([words_file], held, check_words)  # one spec
    bad = write_json(tmp_path / "bad.json", words[:2] + [dict(words[2], label="t e a")])
    with pytest.raises(ValueError, match=r"bad\.json: word 2 \(writer 'unipen:aa/aa0'\): label 't e a'"):
        read_records([words_file, bad], held, check_words)   # checked before any record is held out, named by file


def test_real_words_split_into_writers_and_texts_never_seen_and_words_to_train_on():
    """The capitals model's held-out words (`held_out`): a word is a test word when its writer's fold
    *and* its text's fold are held out, trains when neither is, and is dropped otherwise, so no
    test word's writer or text trains the model."""
    from handwriting.words.train import split_real_words, text_fold, writer_folds

    texts = ("TAKE", "KITE", "LATE", "TEA", "ALE", "TILE")   # text folds of 2: 1, 0, 1, 0, 1, 0
    words = real_words(labs=("aa", "bb"), writers_per_lab=3, texts=texts)
    # Each lab's writers dealt into the folds in turn: every fold holds writers of every lab.
    assert writer_folds(words, 2) == {"unipen:aa/aa0": 0, "unipen:aa/aa1": 1, "unipen:aa/aa2": 0,
                                      "unipen:bb/bb0": 0, "unipen:bb/bb1": 1, "unipen:bb/bb2": 0}
    fold_of = {t: text_fold(t, 2) for t in texts}
    assert sorted(fold_of.values()) == [0, 0, 0, 1, 1, 1]
    held_writers = {"unipen:aa/aa0", "unipen:aa/aa2", "unipen:bb/bb0", "unipen:bb/bb2"}
    train, test = split_real_words(words, 2, (0, 0))
    assert test == [w for w in words if w["writer"] in held_writers and fold_of[w["label"]] == 0]
    assert train == [w for w in words if w["writer"] not in held_writers and fold_of[w["label"]] == 1]
    assert len(test) == 4 * 3 and len(train) == 2 * 3       # the other 18 words have one of the two held out
    assert not {w["writer"] for w in train} & {w["writer"] for w in test}
    assert not {w["label"] for w in train} & {w["label"] for w in test}
    assert split_real_words(words, 2, (1, 1)) == (test, train)   # of two folds, the other pair swaps them


# ------------------------------------------------------------------------------ training and loading

def test_a_trained_word_model_saves_with_its_card_and_loads_without_custom_code(tmp_path):
    import keras

    from handwriting.words.folds import case_group
    from handwriting.words.model import WordModel
    from handwriting.words.train import WordTrainConfig, train_words

    out = tmp_path / "words.keras"
    lines = []
    _, card = train_words(WordTrainConfig(letters=["synthetic:520"], words=300, epochs=1, words_per_epoch=128,
                                          validation_words=20, model_path=str(out)), log=lines.append)
    assert out.is_file() and "epoch 1/1" in lines[-1]
    saved = json.loads(out.with_suffix(".json").read_text())
    assert saved["kind"] == "words" and "any case" in saved["task"]
    assert saved["sha256"] == card.get("sha256", saved["sha256"])
    assert saved["data"][0]["name"] == "synthetic" and "MIT" in saved["data"][0]["licence"]
    assert "Words read exactly" in out.with_suffix(".md").read_text()
    keras.saving.load_model(out, compile=False)   # plain Keras, no custom objects
    model = WordModel(out)
    log_probs = model.log_probs(np.zeros((3, HEIGHT, WIDTH), np.uint8))
    assert model.cased and log_probs.shape == (3, FRAMES, 53)       # blank, A-Z, a-z
    assert np.allclose(np.exp(log_probs).sum(axis=-1), 1.0, atol=1e-5)

    # It goes on learning with real words in any case and pen letters of both cases; the labs held
    # out are in neither, and their words, by how they are written, are its card's test.
    words = real_words(labs=("aa", "bb", "lav"))
    words_file = write_json(tmp_path / "real_words.json", words)
    letters_file = write_json(tmp_path / "pen_letters.json",
                              alphabet_letters(writers=("unipen:aa/aa0", "unipen:bb/bb0", "unipen:lav/lav0")))
    config = WordTrainConfig(letters=["synthetic:520"], pen_letters=[letters_file], words=100, epochs=1,
                             words_per_epoch=128, validation_words=20, real_words=[words_file],
                             held_out_labs=("aa", "lav"), real_copies=2, paper_share=0.5, init_model=str(out),
                             model_path=str(tmp_path / "tuned.keras"))
    _, tuned = train_words(config, log=lines.append)
    trained = [w for w in words if "/bb" in w["writer"]]
    real = next(d for d in tuned["data"] if d["name"].startswith("real pen-written words"))
    assert real["name"].startswith(f"real pen-written words ({len(trained)}: real_words.json)")
    assert 2 * len(trained) < real["count"] <= 3 * len(trained) and "UNIPEN" in real["licence"]  # + some on paper
    pen = next(d for d in tuned["data"] if d["name"].startswith("pen letters"))
    assert pen["count"] == len(CHARSET)                                 # bb's letters only
    for lab, kind in (("aa", ""), ("lav", " (random letter strings)")):  # lav is reported apart
        held = [w["label"] for w in words if f"/{lab}" in w["writer"]]
        found = {k: v for k, v in tuned["metrics"].items() if f"never learnt from ({lab})" in k}
        assert sorted(found) == sorted(f"real pen-written words{kind} of labs it never learnt from ({lab}), {case}, "
                                       "drawn on paper" for case in ("lower", "mixed", "capitals"))
        for key, numbers in found.items():
            case = key.split(", ")[-2]
            assert numbers["count"] == sum(case_group(t) == case for t in held)
            assert 0 <= numbers["accuracy_as_written"] <= numbers["accuracy"] <= 1
            assert numbers["character_error_rate"] >= 0
    assert tuned["params"]["held_out_labs"] == ["aa", "lav"] and tuned["params"]["real_words"] == [words_file]
    assert tuned["training"]["labs never learnt from"] == ["aa", "lav"]
    assert tuned["params"]["init_model"] == str(out)
    assert tuned["training"]["continued from"].startswith("words.keras (version ")  # what it had learnt before
    first, second = (keras.saving.load_model(p, compile=False).get_weights()[0]
                     for p in (out, tmp_path / "tuned.keras"))
    assert 0 < np.abs(second - first).max() < 0.5 * np.abs(first).max()  # went on from it, not afresh

    config.test_words = words_file
    with pytest.raises(ValueError, match="test_words or real_words"):
        train_words(config)
    config.test_words, config.held_out_labs = None, ("aa", "bb", "lav")  # every lab held out
    with pytest.raises(ValueError, match="no word is left to train on once the labs aa, bb, lav "):
        train_words(config)
    write_json(tmp_path / "real_words.json", words[:3] + [dict(words[3], label="Ta ke")])
    with pytest.raises(ValueError, match=r"real_words.json: word 3 \(writer 'unipen:aa/aa0'\): label 'Ta ke'"):
        train_words(config)


def test_a_file_that_is_not_a_word_model_is_refused(tmp_path):
    from handwriting.letters.model import build_model
    from handwriting.words.model import WordModel

    path = tmp_path / "letters.keras"
    build_model().save(path)
    with pytest.raises(ValueError, match="32 x 256 strips"):
        WordModel(path)


@pytest.mark.parametrize("label", ["KL", "Za", "abc", ""])
def test_a_pen_letter_label_of_more_or_fewer_than_one_letter_is_refused(label):
    records = alphabet_letters()
    records[3] = dict(records[3], label=label)
    with pytest.raises(ValueError, match=r"pen letter 3 .* is not one letter A-Z or a-z"):
        composed_words(5, pen_letters=records)


CAPITAL_TEXTS = ("TAKE", "KITE", "LATE", "TEA", "ALE", "TILE")


def test_a_capitals_model_refuses_words_in_lower_case_before_training(tmp_path, monkeypatch):
    from handwriting.words import train

    words_file = write_json(tmp_path / "words.json", real_words(labs=("aa",), writers_per_lab=1,
                                                                texts=("TAKE", "Kite", "tea")))
    monkeypatch.setattr(train, "run_loop", lambda *args, **kwargs: pytest.fail("it trained"))
    config = train.WordTrainConfig(letters=["synthetic:520"], words=40, epochs=1, words_per_epoch=64,
                                   validation_words=10, real_words=words_file, real_copies=1, paper_share=0.0,
                                   cased=False, model_path=str(tmp_path / "capitals.keras"))
    with pytest.raises(ValueError, match=r"cased=False reads capitals only, but 'Kite' is not in capitals"):
        train.train_words(config, log=lambda _: None)
    assert not list(tmp_path.glob("capitals.*"))              # no model, no card


def test_a_capitals_model_has_27_classes_and_holds_out_a_writer_fold_and_a_text_fold(tmp_path):
    """A tiny `cased=False` training, with the capitals model's real words held out by writer and
    text (`held_out`): an A-Z model, trained on the words split_real_words leaves it, its card reading
    the others."""
    from handwriting.words.model import WordModel
    from handwriting.words.train import WordTrainConfig, split_real_words, train_words

    words = real_words(labs=("aa", "bb"), writers_per_lab=3, texts=CAPITAL_TEXTS)
    words_file = write_json(tmp_path / "words.json", words)
    out = tmp_path / "capitals.keras"
    _, card = train_words(WordTrainConfig(letters=["synthetic:520"], words=200, epochs=1, words_per_epoch=64,
                                          validation_words=10, real_words=words_file, folds=2, held_out=(0, 0),
                                          real_copies=1, paper_share=0.0, cased=False, model_path=str(out)),
                          log=lambda _: None)
    model = WordModel(out)
    assert not model.cased and model.log_probs(np.zeros((2, HEIGHT, WIDTH), np.uint8)).shape == (2, FRAMES, 27)
    assert card["params"]["cased"] is False and card["params"]["held_out"] == [0, 0] and card["params"]["folds"] == 2
    train, test = split_real_words(words, 2, (0, 0))
    real = next(d for d in card["data"] if d["name"].startswith("real pen-written words"))
    assert real["count"] == len(train)                        # one redrawing each, none on paper
    [(key, numbers)] = [(k, v) for k, v in card["metrics"].items() if k.startswith("real pen-written words")]
    assert "writers and texts it never saw (writer fold 0, text fold 0 of 2), capitals, drawn on paper" in key
    assert numbers["count"] == len(test)
