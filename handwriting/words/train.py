"""Train the word model (`handwriting.words.model`) on words composed from letters.

No labelled word pictures are needed: words are composed from letter images and, when given,
pen trajectories of letters (`handwriting.words.corpus`). The default config uses the embedded
synthetic letters only, so it trains anywhere; the shipped model adds the UNIPEN letters
(`handwriting ship words`: `handwriting.recipes`).

Real pen-written words train it too (`real_words`: UNIPEN's words in any case), each redrawn several
times and some drawn on paper. `held_out_labs` are labs (`handwriting.words.folds`) it never learns
from, in any file (their writers' letters included); their words, drawn on paper, are the test on
its card, by how they are written (lower case, capitalised or mixed, capitals). The shipped word
model, of capitals only (`cased=False`), holds out words the older way (`held_out`): one fold of
writers *and* one fold of texts, since its writers wrote the same word lists and a model that saw
FAMILY written by others may read it partly by heart.

With `reads="pen"` the same function trains the pen model (`handwriting.words.pen`) on the words'
trajectories instead of their pictures.

It trains through the letters' loop (`handwriting.letters.loop`): on one device or many
(`strategy`), `batch_size` per replica (global batch = batch_size x replicas, learning rate kept),
only the chief writing the model and card, and a killed run resuming after its last completed
epoch when started again with the same `model_path`. Epoch k trains on words k x words_per_epoch
onwards of one endless stream of shuffled passes over the composed words.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import zlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from handwriting import LETTERS
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

TASKS = {"strips": "handwritten words in any case (A-Z, a-z), read along the line (CRNN + CTC, 32 x 256 strips)",
         "pen": "handwritten words in any case (A-Z, a-z), read from the pen's trajectory (1-D convolutions, "
                "BiGRU + CTC, 256 resampled points)"}


SEEN_AS = {"strips": "drawn on paper", "pen": "their trajectories"}  # how the card's test words are read


@dataclass
class WordTrainConfig:
    letters: list[str] = field(default_factory=lambda: ["synthetic:26000"])  # letter images (any `data.load` spec)
    pen_letters: str | list[str] = field(default_factory=list)  # strokes JSONs of letters (with a selection) for pen words
    picture_share: float = 0.3       # share of words made of letter images when pen letters are given too
    words: int = 100_000             # composed training words
    epochs: int = 12
    words_per_epoch: int = 32_000
    batch_size: int = 64             # per replica: the global batch is batch_size x replicas
    learning_rate: float = 1e-3
    validation_words: int = 2_000    # composed words of other random letters, for the progress line
    test_words: str | None = None    # a strokes JSON of real words to read after training (never trained on)
    real_words: str | list[str] = field(default_factory=list)  # strokes JSONs of real pen-written words that train it
    held_out_labs: tuple[str, ...] = ()  # UNIPEN labs it never learns from: their real words are its test
    folds: int = 4                   # ... or the real words dealt into folds of writers and folds of texts,
    held_out: tuple[int, int] | None = None  # ... and (writer fold, text fold) never trains it: the card's test
    real_copies: int = 3             # redrawings of each real training word
    paper_share: float = 0.1         # ... and the share of them also drawn on paper
    init_model: str | None = None    # go on training this word model instead of starting afresh
    pen_widths: tuple[float, ...] = (1.5, 2.2, 3.0)
    seed: int = 0
    model_path: str = str(local_models_dir() / "words.keras")
    strategy: str = "one"            # one | mirrored | multiworker (handwriting.letters.loop)
    reads: str = "strips"            # what the model reads: "strips" (pictures) or "pen" (trajectories)
    cased: bool = True               # the model reads case (A-Z and a-z), else capitals only (A-Z)

    def to_dict(self) -> dict:
        """The card's `params`: what made the model. How it ran (`strategy`) is in its `training`."""
        d = dict(asdict(self), pen_widths=list(self.pen_widths), held_out_labs=list(self.held_out_labs),
                 held_out=None if self.held_out is None else list(self.held_out))
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


def read_records(specs: str | list[str], held_out_labs=(), check=None) -> tuple[list[dict], list[dict]]:
    """The records of strokes JSONs (with selections; one or a list), each file's passed to `check`
    (a ValueError it raises names the file): (those of writers outside `held_out_labs`, those inside)."""
    records = []
    for spec in [specs] if isinstance(specs, str) else specs:
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


def trajectories(strokes: list, rng: np.random.Generator | None = None) -> np.ndarray:
    """Words' strokes -> the pen model's inputs (float16 N x POINTS x FEATURES); with `rng`, each
    distorted and resampled at a random step (`handwriting.words.pen`)."""
    from handwriting.words.pen import FEATURES, POINTS, STEP, distort, pen_input

    out = np.zeros((len(strokes), POINTS, FEATURES), np.float16)
    for i, word in enumerate(strokes):
        if rng is None:
            out[i] = pen_input(word).features
        else:
            out[i] = pen_input(distort(word, rng), STEP * rng.uniform(0.8, 1.25)).features
    return out


def pen_words(records: list[dict], copies: int, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Real pen-written words, each distorted `copies` times, as pen-model inputs and their texts.
    Raises ValueError naming the word (index and writer) whose label or strokes are not a word's."""
    from handwriting.words.corpus import check_words

    check_words(records)
    rng = np.random.default_rng(seed)
    words = [r for r in records for _ in range(copies)]
    try:
        x = trajectories([w["strokes"] for w in words], rng)
    except (KeyError, ValueError):
        for i, record in enumerate(records):  # find the word, for the message
            try:
                trajectories([record["strokes"]])
            except (KeyError, ValueError) as error:
                raise ValueError(f"word {i} (writer {record.get('writer', '?')!r}): {error}") from None
        raise
    return x, [w["label"] for w in words]


def unseen_inputs(records: list[dict], reads: str) -> tuple[np.ndarray, list[str]]:
    """Real words never trained on, as the model reads them: drawn on paper and cut to their line
    (strips), or their trajectories as written (pen)."""
    if reads == "pen":
        return trajectories([r["strokes"] for r in records]), [r["label"] for r in records]
    return paper_strips(records)


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
    if config.reads not in TASKS:
        raise ValueError(f"reads: {config.reads!r} is not one of {', '.join(TASKS)}")
    strategy = make_strategy(config.strategy)  # first: the multi-worker one sets up TensorFlow's collectives
    import keras
    import tensorflow as tf

    from handwriting.words.corpus import check_words, composed_words, redrawn_words
    from handwriting.words.model import CHARSET, build_word_model, ctc_loss, log_softmax, targets
    from handwriting.words.pen import build_pen_model

    pen_model = config.reads == "pen"
    if pen_model and not config.cased:
        raise ValueError("the pen model reads case: cased=False is for the strip model")

    def build():
        return build_pen_model() if pen_model else build_word_model(classes=len(CHARSET if config.cased else LETTERS) + 1)

    started = time.time()
    if config.real_words and config.test_words:
        raise ValueError("give test_words or real_words, not both: with real_words the test is its held-out labs' words")
    keras.utils.set_random_seed(config.seed)
    real_train, real_test = read_records(config.real_words, config.held_out_labs, check_words)
    if config.held_out is not None:
        real_train, split_test = split_real_words(real_train, config.folds, config.held_out)
        real_test += split_test
    if config.real_words and not real_train:
        held = [f"the labs {', '.join(config.held_out_labs)}"] if config.held_out_labs else []
        if config.held_out is not None:
            held.append(f"writer fold {config.held_out[0]} and text fold {config.held_out[1]} of {config.folds}")
        raise ValueError(f"{config.real_words}: no word is left to train on once {' and '.join(held) or 'nothing'} "
                         "are held out")
    images = load(config.letters, pen_widths=config.pen_widths) if config.letters and not pen_model else None
    pen = read_records(config.pen_letters, config.held_out_labs)[0] if config.pen_letters else None
    kwargs = dict(pen_letters=pen, images=None if images is None else images.x,
                  labels=None if images is None else images.y, picture_share=config.picture_share,
                  trajectories=pen_model)
    x, texts = composed_words(config.words, seed=config.seed, **kwargs)
    vx, vtexts = composed_words(config.validation_words, seed=config.seed + 10_000, **kwargs)
    if pen_model:  # the pen model reads the composed words' trajectories, distorted as real ones are
        x, vx = trajectories(x, np.random.default_rng(config.seed)), trajectories(vx)
    log(f"composed {len(x)} training and {len(vx)} validation words in {time.time() - started:.0f} s")
    if real_train and pen_model:
        rx, rtexts = pen_words(real_train, config.real_copies, seed=config.seed)
        x, texts = np.concatenate([x, rx]), texts + rtexts
        real_strips = len(rx)
        log(f"added {len(real_train)} real words, distorted {config.real_copies} times ({time.time() - started:.0f} s)")
    elif real_train:
        rx, rtexts = redrawn_words(real_train, config.real_copies, seed=config.seed)
        on_paper = np.random.default_rng(config.seed).random(len(real_train)) < config.paper_share
        px, ptexts = paper_strips([w for w, p in zip(real_train, on_paper) if p])
        x, texts = np.concatenate([x, rx, px]), texts + rtexts + ptexts
        real_strips = len(rx) + len(px)
        log(f"added {len(real_train)} real words, redrawn {config.real_copies} times, {len(px)} drawn on paper: "
            f"{real_strips} strips ({time.time() - started:.0f} s)")

    global_batch = config.batch_size * strategy.num_replicas_in_sync
    with strategy.scope():
        model = keras.saving.load_model(config.init_model, compile=False) if config.init_model else build()
        steps = max(1, config.words_per_epoch // global_batch)
        schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, config.epochs * steps)
        optimizer = keras.optimizers.Adam(schedule)
    if not config.cased and any(t != t.upper() for t in texts):
        raise ValueError(f"cased=False reads capitals only, but {next(t for t in texts if t != t.upper())!r} is not "
                         "in capitals (give capital pen letters and words, or cased=True)")
    labels = targets(texts)

    def epoch_data(epoch: int):
        picks = stream_order(len(x), steps * global_batch, epoch, config.seed)
        return tf.data.Dataset.from_tensor_slices((x[picks], labels[picks])).batch(global_batch) \
            .map(lambda a, b: (tf.cast(a, tf.float32), b)).prefetch(tf.data.AUTOTUNE)

    predict = tf.function(lambda a: model(a, training=False), reduce_retracing=True)

    def read(inputs: np.ndarray) -> np.ndarray:
        logits = [np.asarray(predict(inputs[i:i + 256].astype(np.float32))) for i in range(0, len(inputs), 256)]
        return log_softmax(np.concatenate(logits)) if logits else np.zeros((0, 1, 1))

    def read_exactly(strips: np.ndarray, texts: list[str]) -> float:
        return exact(read(strips), texts) if len(strips) else 0.0

    done = run_loop(strategy, model, optimizer, ctc_loss, epoch_data,
                    Plan(config.epochs, monitor="validation_exact", accuracy=False), backup_dir(config.model_path),
                    lambda _: {"validation_exact": read_exactly(vx, vtexts)}, log=log,
                    run_key=json.dumps(asdict(config), sort_keys=True, default=str))
    history = done.history
    out = Path(config.model_path)
    # Only the chief writes the model and its card; the others, to a scratch folder deleted at the end.
    scratch = None if done.task.chief else Path(tempfile.mkdtemp(prefix=f"handwriting-{done.task.name}-"))
    if scratch is not None:
        out = scratch / out.name
    out.parent.mkdir(parents=True, exist_ok=True)
    saved = build()  # the same weights, plain, without the optimizer's state: a third of the file
    saved.set_weights(model.get_weights())
    saved.save(out)
    metrics = {"composed words (other random letters)": {"count": len(vx), "accuracy": history["validation_exact"][-1]}}
    if config.test_words:
        tx, ttexts = unseen_inputs(read_strokes_records(config.test_words), config.reads)
        score = read_exactly(tx, ttexts)
        name = Path(split_filters(config.test_words)[0]).name
        metrics[f"real pen-written words ({name}), {SEEN_AS[config.reads]}"] = {"count": len(tx), "accuracy": score}
        log(f"real pen-written words read exactly by the word model alone: {100 * score:.1f} %")
    if real_test:
        apart = of_labs(real_test, REPORTED_APART)
        for name, group in (("", without_labs(real_test, REPORTED_APART)), (" (random letter strings)", apart)):
            if not group:
                continue
            tx, ttexts = unseen_inputs(group, config.reads)
            labs = ", ".join(sorted({lab(w["writer"]) for w in group}))
            never = f"labs it never learnt from ({labs})" if config.held_out is None else \
                f"writers and texts it never saw (writer fold {config.held_out[0]}, text fold {config.held_out[1]} " \
                f"of {config.folds})"
            for case, numbers in held_out_metrics(list(read(tx)), ttexts).items():
                metrics[f"real pen-written words{name} of {never}, {case}, {SEEN_AS[config.reads]}"] = numbers
                log(f"held-out {case}{name}: {numbers}")
    sources = describe_sources(images) if images is not None else []
    if pen:
        cases = "capitals and lower case" if any(r["label"].islower() for r in pen) else "capitals"
        sources.append({"name": f"pen letters ({cases}) composed into words", "count": len(pen),
                        "licence": f"that of the letters' collection: {UNIPEN_LICENCE}"})
    if real_train:
        sources.append({"name": f"real pen-written words ({len(real_train)}: "
                                f"{', '.join(Path(split_filters(w)[0]).name for w in config.real_words)}), "
                                + ("distorted" if pen_model else "redrawn and drawn on paper"),
                        "count": real_strips,
                        "licence": f"that of the words' collection: {UNIPEN_LICENCE}"})
    card = new_card("pen" if pen_model else "words", TASKS[config.reads], command, data=sources, params=config.to_dict(),
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
