"""One training function, with a plain config, for the notebook, `handwriting train` and the benchmarks.

It loads the named sources, holds whole writers out for validation (early stopping and the
uncertainty threshold), trains the CNN with augmentation in the input pipeline, and saves the
model as Keras' native `.keras` with its model card. It never writes the shipped model unless
asked to by path.
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from handwriting import LETTERS, __version__
from handwriting.letters.augment import Augmentation, augment_batch
from handwriting.data.shared import UNIPEN_LICENCE
from handwriting.data.formats import load
from handwriting.data.dataset import Dataset
from handwriting.letters.evaluate import calibrate_threshold, evaluate, metrics, probabilities
from handwriting.letters.split import class_weights, split_by_group
from handwriting.cards import save_card
from handwriting.data.not_letters import NOT_A_LETTER, not_letters
from handwriting.paths import local_models_dir
from handwriting.imaging.redraw import is_redrawn
from handwriting.imaging.strokes import DEFAULT_PEN_WIDTH
from handwriting.data.synthetic import LICENCE as SYNTHETIC_LICENCE
from handwriting.words.pieces import word_pieces

LICENCES = {"synthetic": SYNTHETIC_LICENCE, "unipen": UNIPEN_LICENCE}  # for sources that carry none


@dataclass
class TrainConfig:
    data: list[str] = field(default_factory=lambda: ["synthetic:26000"])
    epochs: int = 10
    batch_size: int = 256
    learning_rate: float = 2e-3
    augment: bool = True
    limit: int | None = None
    seed: int = 0
    model_path: str = str(local_models_dir() / "handwriting.keras")
    validation_fraction: float = 0.1
    validation: list[str] | None = None     # sources for validation instead of a held-out group
    test: list[str] | None = None           # sources to test on after training (reported in the card)
    patience: int = 3
    # Keep the weights of the best validation epoch (True), or those of the last epoch (False: for a
    # fixed epoch count, where the learning rate has decayed and the best epoch of a flat
    # validation curve is chance).
    restore_best: bool = True
    pen_widths: tuple[float, ...] = (DEFAULT_PEN_WIDTH,)
    redraws: int = 0                         # new drawings of each pen trajectory (handwriting.imaging.redraw)
    balance: bool = True                     # class weights against letter imbalance
    shift_average: bool = False              # save a model that averages over 1-pixel shifts
    # Add this share of not-letters (handwriting.data.not_letters). They have no right letter, so the
    # training accuracy counts them as misses; the validation accuracy is over letters only.
    not_letters: float = 0.0
    # Add this share of candidates cut from words composed of the training letters, as the word
    # reader sees them (handwriting.words.pieces): half letters cut from words, half not letters.
    word_pieces: float = 0.0
    # Letters cut out of labelled pen-written words (handwriting.words.aligned_letters): a strokes JSON of
    # words, optionally with a selection (`strokes_words.json?writer=unipen:*`), aligned with its
    # labels by the model `aligner` (default: the shipped model). They train, never validate; the
    # candidates the alignment passes over that straddle two letters train as not-letters.
    aligned_words: str | None = None
    aligner: str | None = None
    init_model: str | None = None            # fine-tune this .keras model instead of a new one
    width: int = 32
    dense: int = 128

    @classmethod
    def from_params(cls, **params) -> "TrainConfig":
        """From papermill-style parameters: unknown names are an error, a single data string is a list."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(f"unknown training parameter(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        for key in ("data", "validation", "test"):
            if isinstance(params.get(key), str):
                params[key] = [params[key]]
        if "pen_widths" in params:
            params["pen_widths"] = tuple(float(w) for w in params["pen_widths"])
        return cls(**params)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["pen_widths"] = list(self.pen_widths)
        return d


@dataclass
class TrainResult:
    model: object
    history: dict
    card: dict
    model_path: Path
    validation: Dataset


def _licence(source: str) -> str:
    for key, licence in LICENCES.items():
        if source.startswith(key):
            return licence
    return "as stated by the data's owner"


def describe_sources(data: Dataset) -> list[dict]:
    names, counts = np.unique(data.source, return_counts=True)
    return [{"name": str(n), "count": int(c), "licence": data.licences.get(str(n), _licence(str(n)))}
            for n, c in zip(names, counts)]


MADE_LICENCE = "that of the letters they are made of"


def _pipeline(x: np.ndarray, y: np.ndarray, weights: np.ndarray, batch_size: int,
              augmentation: Augmentation | None, seed: int, shuffle: bool):
    """Batches of (images, target distributions, sample weights); labels -1 get uniform targets."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y.astype(np.int32), weights.astype(np.float32)))
    if shuffle:
        ds = ds.shuffle(min(len(x), 100_000), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)

    def prepare(a, b, w):
        target = tf.where(b[:, None] >= 0, tf.one_hot(b, len(LETTERS)), 1.0 / len(LETTERS))
        return tf.cast(a, tf.float32), target, w

    ds = ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    if augmentation is not None:
        ds = ds.map(lambda a, b, w: (augment_batch(a, augmentation), b, w), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def _training_arrays(data: Dataset, config: TrainConfig, aligned: tuple[Dataset, np.ndarray] | None = None,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict]]:
    """Images, labels (-1 = not a letter), per-sample weights (against letter imbalance) and the
    model card's rows for the pictures made from the training letters, and for the letters and
    not-letters of aligned words if given."""
    x, y = data.x, data.y.astype(np.int32)
    weights = np.ones(len(y), np.float32)
    if config.balance:
        table = class_weights(data.y)
        weights = np.array([table.get(label, 0.0) for label in range(len(LETTERS))], np.float32)[y]
    images, labels, made = [x], [y], []
    if config.not_letters > 0:
        extra = not_letters(data.x, round(config.not_letters * len(data)), config.seed)
        images.append(extra)
        labels.append(np.full(len(extra), NOT_A_LETTER, np.int32))
        made.append({"name": "not-letters (handwriting.data.not_letters: pairs of the letters above read as one)",
                     "count": len(extra), "licence": MADE_LICENCE})
    if config.word_pieces > 0:
        extra, extra_labels = word_pieces(data.x, data.y, round(config.word_pieces * len(data)), config.seed)
        images.append(extra)
        labels.append(extra_labels)
        made.append({"name": "word pieces (handwriting.words.pieces: candidate cuts of words composed of the "
                             "letters above, letters and not-letters)",
                     "count": len(extra), "not_letters": int((extra_labels == NOT_A_LETTER).sum()),
                     "licence": MADE_LICENCE})
    weights = [weights, np.ones(sum(len(e) for e in images[1:]), np.float32)]
    if aligned is not None:
        letters, negatives = aligned
        images += [letters.x, negatives]
        labels += [letters.y.astype(np.int32), np.full(len(negatives), NOT_A_LETTER, np.int32)]
        weights.append(np.ones(len(letters) + len(negatives), np.float32))  # as much as a letter written alone
        made += describe_sources(letters) + [
            {"name": "not-letters of aligned words (handwriting.words.aligned_letters: candidates straddling two letters)",
             "count": len(negatives), "licence": MADE_LICENCE}]
    weights = np.concatenate(weights)
    return np.concatenate(images), np.concatenate(labels), weights, made


def source_metrics(model, spec: str, pen_widths=(DEFAULT_PEN_WIDTH,)) -> dict[str, dict]:
    """Top-1/top-3 on a test source, one entry per source it holds (e.g. each real_letters source)."""
    data = load(spec, pen_widths=pen_widths)
    result = evaluate(model, data)
    name = Path(str(spec).split("?")[0]).name + ("?" + str(spec).split("?", 1)[1] if "?" in str(spec) else "")
    if "per_source" not in result:
        return {name: {k: v for k, v in result.items() if k != "per_letter"}}
    return {f"{Path(str(spec).split('?')[0]).stem}/{src}": m for src, m in result["per_source"].items()}


def train(config: TrainConfig, data: Dataset | None = None, validation: Dataset | None = None,
          verbose: int | str = "auto", callbacks: list | None = None) -> TrainResult:
    """Train, calibrate and save a model as `config` says; returns the model, history and card."""
    import keras
    import tensorflow as tf

    from handwriting.letters.model import build_model, with_shift_averaging

    keras.utils.set_random_seed(config.seed)
    # The same data and seed give the same model, bit for bit (without this the parallel input
    # pipeline's random augmentation depends on thread timing); no slower here on CPU.
    tf.config.experimental.enable_op_determinism()
    if data is None:
        data = load(config.data, limit=config.limit, seed=config.seed, pen_widths=config.pen_widths,
                    redraws=config.redraws)
    if validation is None and config.validation:
        validation = load(config.validation, seed=config.seed, pen_widths=config.pen_widths)
    if validation is None:
        train_idx, val_idx = split_by_group(data, config.validation_fraction, config.seed)
        data, validation = data[train_idx], data[val_idx]
        # Validate (stop, calibrate the threshold) on letters as written, not on redrawn copies.
        validation = validation[~is_redrawn(validation.source)]
    aligned = None
    if config.aligned_words:
        # Letters as written in words train, but never validate (nor make word pieces).
        from handwriting.recognize.reader import Recognizer
        from handwriting.words.aligned_letters import read_words, word_letters

        aligned = word_letters(Recognizer(config.aligner), read_words(config.aligned_words))[:2]

    if config.init_model:
        model = keras.saving.load_model(config.init_model, compile=False)
        if model.name.endswith("_shift_averaged"):  # fine-tune the classifier inside
            model = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    else:
        model = build_model(width=config.width, dense=config.dense)
    steps = max(1, int(np.ceil(len(data) / config.batch_size))) * config.epochs
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps, alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="categorical_crossentropy",
                  metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")])

    model_path = Path(config.model_path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = model_path.with_name(model_path.stem + ".checkpoint.keras")
    all_callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=config.patience,
                                      restore_best_weights=config.restore_best),
        keras.callbacks.ModelCheckpoint(checkpoint, monitor="val_accuracy", save_best_only=True),
        *(callbacks or []),
    ]
    x, y, weights, made = _training_arrays(data, config, aligned)
    train_ds = _pipeline(x, y, weights, config.batch_size, Augmentation() if config.augment else None,
                         config.seed, shuffle=True)
    val_ds = _pipeline(validation.x, validation.y, np.ones(len(validation), np.float32), 1024, None,
                       config.seed, shuffle=False)
    started = time.perf_counter()
    history = model.fit(train_ds, validation_data=val_ds, epochs=config.epochs, verbose=verbose, shuffle=False,
                        callbacks=all_callbacks)
    seconds = time.perf_counter() - started
    epochs_run = len(history.history["loss"])
    checkpoint.unlink(missing_ok=True)
    if config.shift_average:
        model = with_shift_averaging(model)
    model.save(model_path)

    val_probs = probabilities(model, validation.x)
    val_metrics = metrics(validation.y, val_probs)
    val_acc = history.history.get("val_accuracy", [0])
    card = {
        "version": f"{_dt.date.today().isoformat()}-{config.seed}",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "library_version": __version__,
        "data": describe_sources(data) + made,
        "validation": describe_sources(validation),
        "params": config.to_dict(),
        "training": {
            "seconds": round(seconds, 1),
            "images_per_second": round(len(data) * epochs_run / seconds),
            "epochs_run": epochs_run,
            "best_epoch": int(np.argmax(val_acc)) + 1,
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
        },
        "uncertainty_threshold": calibrate_threshold(validation.y, val_probs),
        "metrics": {"validation (held-out writers)": {k: v for k, v in val_metrics.items()
                                                      if k != "per_letter"}},
    }
    for spec in config.test or []:
        card["metrics"].update(source_metrics(model, spec, config.pen_widths[:1]))
    save_card(model_path, card)
    return TrainResult(model, {k: [float(v) for v in vals] for k, vals in history.history.items()},
                       card, model_path, validation)
