"""The recipes of the shipped models: every parameter in code, and the one command that runs each.

    handwriting ship letters [--aligned-words]    # models/handwriting.keras and its card
    handwriting ship words [--force-composed]      # models/words.keras and its card
    handwriting ship pen [--fold K]                # models/pen.keras and its card (or a fold model)

The letter model learns from licensed data only: the embedded synthetic set (MIT) and the UNIPEN
pen trajectories (CC BY 4.0) drawn at three pen widths, for 8 epochs (the median best epoch of
the leave-one-UNIPEN-lab-out runs, `bench/heldout.py`, rounded up), keeping a twentieth of the
UNIPEN writers aside for the uncertainty threshold, and tested on writers it never saw. Besides
letters it learns what a bad cut of a word looks like: a tenth as many not-letters
(`handwriting.data.not_letters`) and 15 % more candidates cut from words composed of the training
letters, as the word reader sees them (`handwriting.words.pieces`).

`--aligned-words` trains the measured but not shipped two-stage recipe instead: the same recipe
keeping its last epoch, saved as models/local/aligner.keras, aligns every UNIPEN pen-written word
of strokes_words.json with its label (`handwriting.words.aligned_letters`); then the same again
with the letters cut out of those words, saved as models/local/aligned-words.keras. It reads
pen-written words of unseen writers better (`bench/words_heldout.py`) but cards worse.

The word model reads pictures of words in capitals, in two stages: composed words of random
letters (stage 1, about 35 minutes on two cores, kept in models/local/words-composed.keras and
skipped when that file is there), then 4 short epochs with the real pen-written words of
strokes_words.json mixed in, except one fold of writers and one fold of texts (of 3 each), which
its card reads (about 15 minutes). A word model of any case, trained the same way on
`unipen/words.json` (`WordTrainConfig(cased=True)`, the default), read unseen writers' lower-case
pictures (26-30 % exact against 0.3 %) but capitals worse than this one (docs/words.md): it is not shipped.

The pen model reads words drawn on the Word pad in any case, from their pen trajectories
(`handwriting.words.pen`): UNIPEN's real pen-written words (`unipen/words.json`), each distorted 5
times, and words composed of the UNIPEN capitals and lower-case letters, 20 epochs (about an hour
alone here). It never learns from the labs of fold 0 (`handwriting.words.folds`), whose words its card
reads; `handwriting ship pen --fold K` trains the same recipe without fold K instead, into
models/local/pen-fold<K>.keras: the fold models `bench/words_any_case.py` measures.

The shipped models are converted to LiteRT beside them (`handwriting.runtime`), the file the
dashboard's kernels answer with; their cards record both files' SHA-256.

Nothing here reads a benchmark's output: a release depends on this file and the data only.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from handwriting.data.dataset import Rows
from handwriting.data.not_letters import NOT_A_LETTER
from handwriting.letters.train import (MADE_LICENCE, ExtraPictures, PictureMaker, TrainConfig, TrainResult,
                                       describe_sources, train)
from handwriting.paths import local_models_dir, models_dir, shared_data_dir
from handwriting.runtime import convert
from handwriting.words import pieces
from handwriting.words.folds import FOLDS, KEPT_OUT
from handwriting.words.train import WordTrainConfig, train_words

TRAIN_PEN_WIDTHS = (1.5, 2.2, 3.0)  # the letters drawn with a fine, a medium and a broad pen
SYNTHETIC = "synthetic:26000"
LETTER_EPOCHS = 8
NOT_LETTERS = 0.1
WORD_PIECES = 0.15
WORD_EPOCHS = 20
PEN_EPOCHS, PEN_COPIES = 20, 5
COMPOSED = local_models_dir() / "words-composed.keras"  # the word model's stage 1
WORD_FOLDS, WORD_HELD_OUT = 3, (0, 0)  # the shipped word model never sees writer fold 0 and text fold 0 of 3
# The parameters of `handwriting train` and notebook 3 that are extra pictures, not TrainConfig's.
EXTRA_PARAMETERS = ("word_pieces", "aligned_words", "aligner")


def unipen_letters() -> str:
    return f"{shared_data_dir() / 'strokes_letters.json'}?flag=ok&writer=unipen:*"


# ------------------------------------------------------------------ what letters learn besides letters

def word_piece_maker(share: float) -> PictureMaker:
    """Makes `share` times as many candidates as there are training letters, cut from words
    composed of them (`handwriting.words.pieces`): half letters cut from words, half not-letters."""
    def make(letters: Rows, seed: int) -> ExtraPictures:
        images, labels = pieces.word_pieces(letters.x, letters.y, round(share * len(letters)), seed)
        return ExtraPictures("word pieces (handwriting.words.pieces: candidate cuts of words composed of the "
                             "letters above, letters and not-letters)", images, labels, MADE_LICENCE)
    return make


def aligned_word_letters(words: str, aligner: str | Path | None = None) -> list[ExtraPictures]:
    """The letters cut out of labelled pen-written words (a strokes JSON of words, optionally with a
    selection: `strokes_words.json?writer=unipen:*`), aligned with their labels by the model
    `aligner` (default: the shipped one), one row per collection; and the candidates the alignment
    passes over that straddle two letters, as not-letters (`handwriting.words.aligned_letters`)."""
    from handwriting.data.strokes_json import read_strokes_records
    from handwriting.letters.reader import LetterModel
    from handwriting.words.aligned_letters import word_letters

    # The candidates need the letter model only: no word model is loaded for the alignment.
    letters, negatives, _ = word_letters(LetterModel(aligner), read_strokes_records(words))
    rows = [ExtraPictures(row["name"], letters.x[letters.source == row["name"]],
                          letters.y[letters.source == row["name"]].astype(np.int32), row["licence"])
            for row in describe_sources(letters)]
    return rows + [ExtraPictures(
        "not-letters of aligned words (handwriting.words.aligned_letters: candidates straddling two letters)",
        negatives, np.full(len(negatives), NOT_A_LETTER, np.int32), MADE_LICENCE)]


def extra_pictures(word_pieces: float = 0.0, aligned_words: str | None = None,
                   aligner: str | Path | None = None) -> list[ExtraPictures | PictureMaker]:
    """What `handwriting train` and notebook 3 add to the training letters (`EXTRA_PARAMETERS`):
    this share of word pieces, and the letters of these aligned words. Letters as written in
    words train, but never validate (nor make word pieces)."""
    extras: list[ExtraPictures | PictureMaker] = [word_piece_maker(word_pieces)] if word_pieces > 0 else []
    return extras + (aligned_word_letters(aligned_words, aligner) if aligned_words else [])


# ------------------------------------------------------------------ the letter model

def letter_recipe(model_path: str | Path, restore_best: bool = True, limit: int | None = None,
                  epochs: int = LETTER_EPOCHS) -> TrainConfig:
    """The shipped letter model's training config, saving to `model_path`. The two-stage recipe
    keeps its last epoch (`restore_best=False`: the validation curve is flat from epoch 3, so its
    best epoch is chance); `limit` and `epochs` are for quick looks only."""
    shared = shared_data_dir()
    return TrainConfig(
        data=[SYNTHETIC, unipen_letters()], limit=limit,
        test=[str(shared / "real_letters.npz"), f"{shared / 'strokes_letters.json'}?flag=ok&writer=kenan:*"],
        pen_widths=TRAIN_PEN_WIDTHS, epochs=epochs, patience=epochs, restore_best=restore_best,
        validation_fraction=0.05, shift_average=True, not_letters=NOT_LETTERS, model_path=str(model_path))


def train_letters(model_path: str | Path, aligned_words: str | None = None, aligner: str | Path | None = None,
                  restore_best: bool = True, verbose: int | str = 2, command: str | None = None,
                  strategy: str = "one", **quick) -> TrainResult:
    """Train the letter recipe (with the letters of `aligned_words`, aligned by `aligner`: the
    two-stage recipe's second stage) on `strategy`'s devices (docs/training.md); `quick` = `limit`,
    `epochs` (`letter_recipe`)."""
    extras = [word_piece_maker(WORD_PIECES)] + (aligned_word_letters(aligned_words, aligner) if aligned_words else [])
    config = replace(letter_recipe(model_path, restore_best, **quick), strategy=strategy)
    return train(config, verbose=verbose, extras=extras, command=command)


def _convert_where_written(model_path: str | Path) -> None:
    """The LiteRT conversion the dashboard's kernels answer with (`handwriting.runtime`; its hash goes
    on the card), made where the model was written: by the chief alone in a multi-worker run."""
    if Path(model_path).is_file():
        convert(model_path)


def ship_letters(aligned: bool = False, strategy: str = "one") -> TrainResult:
    """`handwriting ship letters`: the shipped letter model, or (`aligned`) the two-stage recipe's
    models in models/local/, trained on `strategy`'s devices."""
    if not aligned:
        result = train_letters(models_dir() / "handwriting.keras", command="handwriting ship letters",
                               strategy=strategy)
        _convert_where_written(result.model_path)
        return result
    command = "handwriting ship letters --aligned-words"
    aligner = local_models_dir() / "aligner.keras"
    train_letters(aligner, restore_best=False, command=command, strategy=strategy)
    # Not the shipped model: saved beside the aligner, for `--model` and the benchmarks.
    return train_letters(local_models_dir() / "aligned-words.keras",
                         f"{shared_data_dir() / 'strokes_words.json'}?writer=unipen:*", aligner,
                         restore_best=False, command=command, strategy=strategy)


# ------------------------------------------------------------------ the word model

def composed_words_recipe(model_path: str | Path, words: int = 100_000, epochs: int = 12) -> WordTrainConfig:
    """Stage 1: words of random letters composed of the synthetic and the UNIPEN letters, as
    pictures and as pen trajectories drawn together; every real pen-written word is a test word."""
    return WordTrainConfig(letters=[SYNTHETIC, unipen_letters()], pen_letters=unipen_letters(), words=words,
                           epochs=epochs, test_words=str(shared_data_dir() / "strokes_words.json"),
                           pen_widths=TRAIN_PEN_WIDTHS, cased=False, model_path=str(model_path))


def fine_tune_recipe(model_path: str | Path, composed: str | Path, folds: int = WORD_FOLDS,
                     held_out: tuple[int, int] = WORD_HELD_OUT) -> WordTrainConfig:
    """Stage 2: from the composed-words model, real pen-written words mixed in (each redrawn 12
    times and drawn on paper), one fold of writers and one of texts held out."""
    return WordTrainConfig(letters=[SYNTHETIC, unipen_letters()], pen_letters=unipen_letters(), words=30_000,
                           epochs=4, learning_rate=3e-4, real_words=str(shared_data_dir() / "strokes_words.json"),
                           folds=folds, held_out=held_out, real_copies=12, paper_share=1.0, init_model=str(composed),
                           pen_widths=TRAIN_PEN_WIDTHS, seed=1, cased=False, model_path=str(model_path))


def ship_words(force_composed: bool = False, log=print, strategy: str = "one") -> Path:
    """`handwriting ship words`: stage 1 into `COMPOSED` (unless that file is there and not
    `force_composed`), then stage 2 into models/words.keras, on `strategy`'s devices
    (docs/training.md); returns its path."""
    command = "handwriting ship words"
    if force_composed or not COMPOSED.is_file():
        train_words(replace(composed_words_recipe(COMPOSED), strategy=strategy), log=log, command=command)
    else:
        log(f"stage 1: {COMPOSED} is there (--force-composed trains it again)")
    out = models_dir() / "words.keras"
    train_words(replace(fine_tune_recipe(out, COMPOSED), strategy=strategy), log=log, command=command)
    _convert_where_written(out)
    return out


# ------------------------------------------------------------------ the pen model

def pen_recipe(model_path: str | Path, fold: int = KEPT_OUT) -> WordTrainConfig:
    """The pen model's training config without the labs of `fold`, saving to `model_path`: the
    UNIPEN words' trajectories, each distorted 5 times, and random words composed of the UNIPEN
    capitals and lower-case letters (3 % of the real words are in capitals)."""
    shared = shared_data_dir()
    return WordTrainConfig(reads="pen", letters=[],
                           pen_letters=[unipen_letters(), str(shared / "unipen" / "letters_lower.json")],
                           real_words=[str(shared / "unipen" / "words.json")], held_out_labs=FOLDS[fold],
                           words=30_000, validation_words=1_000, real_copies=PEN_COPIES, epochs=PEN_EPOCHS,
                           words_per_epoch=36_000, model_path=str(model_path))


def fold_model_path(fold: int) -> Path:
    """Where `handwriting ship pen --fold K` saves the pen model that never saw fold K."""
    return local_models_dir() / f"pen-fold{fold}.keras"


def ship_pen(fold: int | None = None, log=print, strategy: str = "one") -> Path:
    """`handwriting ship pen`: models/pen.keras, which never learns from the kept-out fold; or
    (`fold`) the fold model without fold K in models/local/, on `strategy`'s devices; returns its path."""
    command = "handwriting ship pen" + (f" --fold {fold}" if fold is not None else "")
    out = models_dir() / "pen.keras" if fold is None else fold_model_path(fold)
    train_words(replace(pen_recipe(out, KEPT_OUT if fold is None else fold), strategy=strategy), log=log,
                command=command)
    if fold is None:
        _convert_where_written(out)
    return out
