"""Train the word model (`handwriting.words.model`) on words composed from letters.

No labelled word pictures are needed: words are composed from letter images and, when given,
pen trajectories of letters (`handwriting.words.corpus`). The default config uses the embedded
synthetic letters only, so it trains anywhere; the shipped model adds the UNIPEN letters
(`handwriting ship words`: `handwriting.recipes`).

Real pen-written words can train it too (`real_words`), each redrawn several times. Their writers
wrote the same word lists, so holding writers out is not enough: a model that saw FAMILY written
by others may read it partly by heart. `held_out` keeps one fold of writers *and* one fold of
texts away from training, and the words in both are the real test on the card: writers and words
it never saw.

It trains through the letters' loop (`handwriting.letters.loop`): on one device or many
(`strategy`), `batch_size` per replica (global batch = batch_size x replicas, learning rate kept),
only the chief writing the model and card, and a killed run resuming after its last completed
epoch when started again with the same `model_path`. Epoch k trains on words k x words_per_epoch
onwards of one endless stream of shuffled passes over the composed words.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import zlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from handwriting.cards import load_card, new_card, save_card
from handwriting.data.formats import load
from handwriting.data.shared import UNIPEN_LICENCE
from handwriting.data.strokes_json import read_strokes_records, split_filters
from handwriting.letters.loop import LEARNING_RATE_RULE, Plan, backup_dir, finish, make_strategy
from handwriting.letters.loop import run as run_loop
from handwriting.letters.train import describe_sources
from handwriting.paths import local_models_dir

TASK = "words and lines of handwritten capitals A-Z, read along the line (CRNN + CTC, 32 x 256 strips)"


@dataclass
class WordTrainConfig:
    letters: list[str] = field(default_factory=lambda: ["synthetic:26000"])  # letter images (any `data.load` spec)
    pen_letters: str | None = None   # a strokes JSON of letters (with a selection) for pen-written words
    picture_share: float = 0.3       # share of words made of letter images when pen letters are given too
    words: int = 100_000             # composed training words
    epochs: int = 12
    words_per_epoch: int = 32_000
    batch_size: int = 64             # per replica: the global batch is batch_size x replicas
    learning_rate: float = 1e-3
    validation_words: int = 2_000    # composed words of other random letters, for the progress line
    test_words: str | None = None    # a strokes JSON of real words to read after training (never trained on)
    real_words: str | None = None    # a strokes JSON of real pen-written words that train it too
    folds: int = 4                   # ... dealt into folds of writers and folds of texts,
    held_out: tuple[int, int] = (0, 0)  # ... and (writer fold, text fold) never trains it: the card's test
    real_copies: int = 12            # redrawings of each real training word (besides one drawn on paper)
    init_model: str | None = None    # go on training this word model instead of starting afresh
    pen_widths: tuple[float, ...] = (1.5, 2.2, 3.0)
    seed: int = 0
    model_path: str = str(local_models_dir() / "words.keras")
    strategy: str = "one"            # one | mirrored | multiworker (handwriting.letters.loop)

    def to_dict(self) -> dict:
        """The card's `params`: what made the model. How it ran (`strategy`) is in its `training`."""
        d = dict(asdict(self), pen_widths=list(self.pen_widths), held_out=list(self.held_out))
        del d["strategy"]
        return d


def writer_folds(words: list[dict], folds: int) -> dict[str, int]:
    """Each lab's writers, sorted, dealt into folds in turn (so every fold holds every lab)."""
    labs = defaultdict(set)
    for w in words:
        writer = str(w.get("writer", ""))
        labs[writer.split("/")[0]].add(writer)
    return {writer: k % folds for lab in sorted(labs) for k, writer in enumerate(sorted(labs[lab]))}


def text_fold(text: str, folds: int) -> int:
    """The fold of a word's text: the same text is in the same fold whoever wrote it."""
    return zlib.crc32(text.encode()) % folds


def split_real_words(words: list[dict], folds: int, held_out: tuple[int, int]) -> tuple[list[dict], list[dict]]:
    """(training words: neither their writer's fold nor their text's fold is held out,
    test words: both are). Words with only one of the two held out are in neither."""
    writer_fold = writer_folds(words, folds)
    train, test = [], []
    for w in words:
        writer_out = writer_fold[str(w.get("writer", ""))] == held_out[0]
        text_out = text_fold(str(w["label"]), folds) == held_out[1]
        if writer_out and text_out:
            test.append(w)
        elif not writer_out and not text_out:
            train.append(w)
    return train, test


def exact(log_probs: np.ndarray, texts: list[str]) -> float:
    """Share of texts the model's best path reads exactly."""
    from handwriting.words.model import greedy

    return float(np.mean([greedy(lp)[0] == t for lp, t in zip(log_probs, texts)])) if texts else 0.0


def paper_strips(records: list[dict]) -> tuple[np.ndarray, list[str]]:
    """Real pen-written words drawn on paper and cut to their line, as the word reader sees them."""
    from handwriting.imaging.ink import TEXT_SIDE, extract_ink
    from handwriting.imaging.paper import strokes_on_paper
    from handwriting.words.line import line_ink
    from handwriting.words.model import HEIGHT, WIDTH, strip
    from handwriting.words.segment import main_line

    strips, texts = [], []
    for record in records:
        page = extract_ink(strokes_on_paper(record["strokes"]), max_side=TEXT_SIDE, text=True)
        line = main_line(page)
        if line is not None:
            strips.append(strip(line_ink(page, line))[0])
            texts.append(record["label"])
    return (np.stack(strips) if strips else np.zeros((0, HEIGHT, WIDTH), np.uint8)), texts


def stream_order(count: int, per_epoch: int, epoch: int, seed: int) -> np.ndarray:
    """The indices epoch `epoch` trains on: its stretch of one endless stream of shuffled passes
    over `count` words, each pass shuffled from the seed and the pass's number alone (so a resumed
    run trains on what an uninterrupted one would have)."""
    start = epoch * per_epoch
    passes = range(start // count, (start + per_epoch - 1) // count + 1)
    order = np.concatenate([np.random.default_rng([seed, p]).permutation(count) for p in passes])
    offset = start - passes[0] * count
    return order[offset:offset + per_epoch]


def continued_from(path: str) -> str:
    """What the model a training went on from had learnt, from its card (if it has one)."""
    try:
        card = load_card(path)
    except (OSError, ValueError):
        return Path(path).name
    done = card.get("training", {})
    return (f"{Path(path).name} (version {card.get('version', '?')}: {done.get('words', '?')} words, "
            f"{done.get('epochs', '?')} epochs, {done.get('seconds', '?')} s)")


def train_words(config: WordTrainConfig, log=print, command: str | None = None):
    """Compose the words, train, save the model and its card (naming `command`, the command line
    that made it, if given); returns (model, card)."""
    strategy = make_strategy(config.strategy)  # first: the multi-worker one sets up TensorFlow's collectives
    import keras
    import tensorflow as tf

    from handwriting.words.corpus import check_words, composed_words, redrawn_words
    from handwriting.words.model import build_word_model, ctc_loss, log_softmax, targets

    started = time.time()
    if config.real_words and config.test_words:
        raise ValueError("give test_words or real_words, not both: with real_words the test is its held-out words")
    keras.utils.set_random_seed(config.seed)
    real_train, real_test = [], None
    if config.real_words:
        records = read_strokes_records(config.real_words)
        try:
            check_words(records)
        except ValueError as error:
            raise ValueError(f"{config.real_words}: {error}") from None
        real_train, real_test = split_real_words(records, config.folds, config.held_out)
        if not real_train:
            raise ValueError(f"{config.real_words}: no word is left to train on once writer fold {config.held_out[0]} "
                             f"and text fold {config.held_out[1]} of {config.folds} are held out")
    images = load(config.letters, pen_widths=config.pen_widths) if config.letters else None
    pen = read_strokes_records(config.pen_letters) if config.pen_letters else None
    kwargs = dict(pen_letters=pen, images=None if images is None else images.x,
                  labels=None if images is None else images.y, picture_share=config.picture_share)
    x, texts = composed_words(config.words, seed=config.seed, **kwargs)
    vx, vtexts = composed_words(config.validation_words, seed=config.seed + 10_000, **kwargs)
    log(f"composed {len(x)} training and {len(vx)} validation words in {time.time() - started:.0f} s")
    if real_train:
        rx, rtexts = redrawn_words(real_train, config.real_copies, seed=config.seed)
        px, ptexts = paper_strips(real_train)
        x, texts = np.concatenate([x, rx, px]), texts + rtexts + ptexts
        real_strips = len(rx) + len(px)
        log(f"added {len(real_train)} real words, redrawn {config.real_copies} times and drawn on paper: "
            f"{real_strips} strips")

    global_batch = config.batch_size * strategy.num_replicas_in_sync
    with strategy.scope():
        model = keras.saving.load_model(config.init_model, compile=False) if config.init_model else build_word_model()
        steps = max(1, config.words_per_epoch // global_batch)
        schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, config.epochs * steps)
        optimizer = keras.optimizers.Adam(schedule)
    labels = targets(texts)

    def epoch_data(epoch: int):
        picks = stream_order(len(x), steps * global_batch, epoch, config.seed)
        return tf.data.Dataset.from_tensor_slices((x[picks], labels[picks])).batch(global_batch) \
            .map(lambda a, b: (tf.cast(a, tf.float32), b)).prefetch(tf.data.AUTOTUNE)

    predict = tf.function(lambda a: model(a, training=False), reduce_retracing=True)

    def read_exactly(strips: np.ndarray, texts: list[str]) -> float:
        logits = [np.asarray(predict(strips[i:i + 256].astype(np.float32))) for i in range(0, len(strips), 256)]
        return exact(log_softmax(np.concatenate(logits)), texts) if logits else 0.0

    done = run_loop(strategy, model, optimizer, ctc_loss, epoch_data,
                    Plan(config.epochs, monitor="validation_exact", accuracy=False), backup_dir(config.model_path),
                    lambda _: {"validation_exact": read_exactly(vx, vtexts)}, log=log)
    history = done.history
    out = Path(config.model_path)
    # Only the chief writes the model and its card; the others, to a scratch folder deleted at the end.
    scratch = None if done.task.chief else Path(tempfile.mkdtemp(prefix=f"handwriting-{done.task.name}-"))
    if scratch is not None:
        out = scratch / out.name
    out.parent.mkdir(parents=True, exist_ok=True)
    saved = build_word_model()  # the same weights, plain, without the optimizer's state: a third of the file
    saved.set_weights(model.get_weights())
    saved.save(out)
    metrics = {"composed words (other random letters)": {"count": len(vx), "accuracy": history["validation_exact"][-1]}}
    test = read_strokes_records(config.test_words) if config.test_words else real_test
    if test:
        tx, ttexts = paper_strips(test)
        read = read_exactly(tx, ttexts)
        name = Path(split_filters(config.test_words or config.real_words)[0]).name
        held = ", of writers and texts it never saw" if config.real_words else ""
        metrics[f"real pen-written words ({name}{held}), drawn on paper"] = {"count": len(tx), "accuracy": read}
        log(f"real pen-written words read exactly by the word model alone: {100 * read:.1f} %")
    sources = describe_sources(images) if images is not None else []
    if pen:
        sources.append({"name": "pen letters composed into words", "count": len(pen),
                        "licence": f"that of the letters' collection: {UNIPEN_LICENCE}"})
    if real_train:
        sources.append({"name": f"real pen-written words ({len(real_train)}), redrawn and drawn on paper",
                        "count": real_strips,
                        "licence": f"that of the words' collection: {UNIPEN_LICENCE}"})
    card = new_card("words", TASK, command, data=sources, params=config.to_dict(),
                    training={"seconds": round(time.time() - started), "words": len(x), "epochs": config.epochs,
                              "epochs_run": done.epochs_run, "strategy": config.strategy, "replicas": done.replicas,
                              "global_batch": global_batch, "learning_rate_rule": LEARNING_RATE_RULE,
                              **({"resumed after epoch": done.resumed_after} if done.resumed_after else {}),
                              "composed words read exactly, per epoch": [round(v, 4) for v in history["validation_exact"]],
                              **({"continued from": continued_from(config.init_model)} if config.init_model else {})},
                    metrics=metrics)
    save_card(out, card)
    finish(backup_dir(config.model_path), done.task)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)
    return saved, card
