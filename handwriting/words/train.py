"""Train the word model (`handwriting.words.model`) on words composed from letters.

No labelled word pictures are needed: words are composed from letter images and, when given,
pen trajectories of letters (`handwriting.words.corpus`). The default config uses the embedded
synthetic letters only, so it trains anywhere; the shipped model adds the UNIPEN letters
(`handwriting ship words`: `handwriting.recipes`).

Real pen-written words train it too (`real_words`: UNIPEN's words in any case), each redrawn several
times and some drawn on paper. `held_out_labs` are labs (`handwriting.words.folds`) it never learns
from, in any file (their writers' letters included); their words, drawn on paper, are the test on
its card, by how they are written (lower case, capitalised or mixed, capitals).

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
from handwriting.words.folds import REPORTED_APART, case_group, lab, of_labs, without_labs
from handwriting.words.metrics import WordScore

TASK = "handwritten words in any case (A-Z, a-z), read along the line (CRNN + CTC, 32 x 256 strips)"


@dataclass
class WordTrainConfig:
    letters: list[str] = field(default_factory=lambda: ["synthetic:26000"])  # letter images (any `data.load` spec)
    pen_letters: list[str] = field(default_factory=list)  # strokes JSONs of letters (with a selection) for pen words
    picture_share: float = 0.3       # share of words made of letter images when pen letters are given too
    words: int = 100_000             # composed training words
    epochs: int = 12
    words_per_epoch: int = 32_000
    batch_size: int = 64             # per replica: the global batch is batch_size x replicas
    learning_rate: float = 1e-3
    validation_words: int = 2_000    # composed words of other random letters, for the progress line
    test_words: str | None = None    # a strokes JSON of real words to read after training (never trained on)
    real_words: list[str] = field(default_factory=list)  # strokes JSONs of real pen-written words that train it
    held_out_labs: tuple[str, ...] = ()  # UNIPEN labs it never learns from: their real words are its test
    real_copies: int = 3             # redrawings of each real training word
    paper_share: float = 0.1         # ... and the share of them also drawn on paper
    init_model: str | None = None    # go on training this word model instead of starting afresh
    pen_widths: tuple[float, ...] = (1.5, 2.2, 3.0)
    seed: int = 0
    model_path: str = str(local_models_dir() / "words.keras")
    strategy: str = "one"            # one | mirrored | multiworker (handwriting.letters.loop)

    def to_dict(self) -> dict:
        """The card's `params`: what made the model. How it ran (`strategy`) is in its `training`."""
        d = dict(asdict(self), pen_widths=list(self.pen_widths), held_out_labs=list(self.held_out_labs))
        del d["strategy"]
        return d


def read_records(specs: list[str], held_out_labs=(), check=None) -> tuple[list[dict], list[dict]]:
    """The records of strokes JSONs (with selections), each file's passed to `check` (a ValueError
    it raises names the file): (those of writers outside `held_out_labs`, those inside)."""
    records = []
    for spec in specs:
        found = read_strokes_records(spec)
        if check is not None:
            try:
                check(found)
            except ValueError as error:
                raise ValueError(f"{split_filters(spec)[0]}: {error}") from None
        records += found
    return without_labs(records, held_out_labs), of_labs(records, held_out_labs)


def held_out_metrics(log_probs: list[np.ndarray], texts: list[str]) -> dict:
    """The card's numbers for real words never trained on, by how they are written: exact words
    (case-insensitive, as `raw` reads), the character error rate, and exact as written."""
    from handwriting.words.model import fold_case, greedy

    groups: dict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        groups[case_group(text)].append(i)
    out = {}
    for group in ("lower", "mixed", "capitals"):
        if not groups[group]:
            continue
        raw = WordScore(group)
        written = 0
        for i in groups[group]:
            raw.add(texts[i].upper(), greedy(fold_case(log_probs[i]))[0])
            written += greedy(log_probs[i])[0] == texts[i]
        out[group] = {"count": raw.words, "accuracy": round(raw.exact_rate, 4),
                      "character_error_rate": round(raw.character_error_rate, 4),
                      "accuracy_as_written": round(written / raw.words, 4)}
    return out


def exact(log_probs: np.ndarray, texts: list[str]) -> float:
    """Share of texts the model's best path reads exactly, letters compared case-insensitively."""
    from handwriting.words.model import fold_case, greedy

    return float(np.mean([greedy(fold_case(lp))[0] == t.upper() for lp, t in zip(log_probs, texts)])) if texts else 0.0


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
        raise ValueError("give test_words or real_words, not both: with real_words the test is its held-out labs' words")
    keras.utils.set_random_seed(config.seed)
    real_train, real_test = read_records(config.real_words, config.held_out_labs, check_words)
    if config.real_words and not real_train:
        raise ValueError(f"{', '.join(config.real_words)}: no word is left to train on once the labs "
                         f"{', '.join(config.held_out_labs)} are held out")
    images = load(config.letters, pen_widths=config.pen_widths) if config.letters else None
    pen = read_records(config.pen_letters, config.held_out_labs)[0] if config.pen_letters else None
    kwargs = dict(pen_letters=pen, images=None if images is None else images.x,
                  labels=None if images is None else images.y, picture_share=config.picture_share)
    x, texts = composed_words(config.words, seed=config.seed, **kwargs)
    vx, vtexts = composed_words(config.validation_words, seed=config.seed + 10_000, **kwargs)
    log(f"composed {len(x)} training and {len(vx)} validation words in {time.time() - started:.0f} s")
    if real_train:
        rx, rtexts = redrawn_words(real_train, config.real_copies, seed=config.seed)
        on_paper = np.random.default_rng(config.seed).random(len(real_train)) < config.paper_share
        px, ptexts = paper_strips([w for w, p in zip(real_train, on_paper) if p])
        x, texts = np.concatenate([x, rx, px]), texts + rtexts + ptexts
        real_strips = len(rx) + len(px)
        log(f"added {len(real_train)} real words, redrawn {config.real_copies} times, {len(px)} drawn on paper: "
            f"{real_strips} strips ({time.time() - started:.0f} s)")

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

    def read(strips: np.ndarray) -> np.ndarray:
        logits = [np.asarray(predict(strips[i:i + 256].astype(np.float32))) for i in range(0, len(strips), 256)]
        return log_softmax(np.concatenate(logits)) if logits else np.zeros((0, 1, 1))

    def read_exactly(strips: np.ndarray, texts: list[str]) -> float:
        return exact(read(strips), texts) if len(strips) else 0.0

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
    if config.test_words:
        tx, ttexts = paper_strips(read_strokes_records(config.test_words))
        score = read_exactly(tx, ttexts)
        name = Path(split_filters(config.test_words)[0]).name
        metrics[f"real pen-written words ({name}), drawn on paper"] = {"count": len(tx), "accuracy": score}
        log(f"real pen-written words read exactly by the word model alone: {100 * score:.1f} %")
    if real_test:
        apart = of_labs(real_test, REPORTED_APART)
        for name, group in (("", without_labs(real_test, REPORTED_APART)), (" (random letter strings)", apart)):
            if not group:
                continue
            tx, ttexts = paper_strips(group)
            labs = ", ".join(sorted({lab(w["writer"]) for w in group}))
            for case, numbers in held_out_metrics(list(read(tx)), ttexts).items():
                metrics[f"real pen-written words{name} of labs it never learnt from ({labs}), {case}, "
                        f"drawn on paper"] = numbers
                log(f"held-out {case}{name}: {numbers}")
    sources = describe_sources(images) if images is not None else []
    if pen:
        sources.append({"name": "pen letters (capitals and lower case) composed into words", "count": len(pen),
                        "licence": f"that of the letters' collection: {UNIPEN_LICENCE}"})
    if real_train:
        sources.append({"name": f"real pen-written words ({len(real_train)}: "
                                f"{', '.join(Path(split_filters(w)[0]).name for w in config.real_words)}), "
                                "redrawn and drawn on paper",
                        "count": real_strips,
                        "licence": f"that of the words' collection: {UNIPEN_LICENCE}"})
    card = new_card("words", TASK, command, data=sources, params=config.to_dict(),
                    training={"seconds": round(time.time() - started), "words": len(x), "epochs": config.epochs,
                              "epochs_run": done.epochs_run, "strategy": config.strategy, "replicas": done.replicas,
                              "global_batch": global_batch, "learning_rate_rule": LEARNING_RATE_RULE,
                              **({"resumed after epoch": done.resumed_after} if done.resumed_after else {}),
                              "composed words read exactly, per epoch": [round(v, 4) for v in history["validation_exact"]],
                              **({"continued from": continued_from(config.init_model)} if config.init_model else {}),
                              **({"labs never learnt from": list(config.held_out_labs)} if config.held_out_labs else {})},
                    metrics=metrics)
    save_card(out, card)
    finish(backup_dir(config.model_path), done.task)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)
    return saved, card
