"""One training function, with a plain config, for the notebook, `handwriting train` and the benchmarks.

It loads the named sources, holds whole writers out for validation (early stopping and the
uncertainty threshold), trains the CNN with augmentation in the input pipeline, and saves the
model as Keras' native `.keras` with its model card. It never writes the shipped model unless
asked to by path. The training letters are streamed from the sources' own arrays
(`handwriting.data.dataset.Rows`, `handwriting.letters.stream`): neither the sources nor the
training writers are copied into one array, so a cached Kaggle CSV or EMNIST set stays
memory-mapped; only the validation writers are copied out.

It trains through `handwriting.letters.loop` on one device or many (`strategy`: `one`, `mirrored`,
`multiworker` via TF_CONFIG; docs/training.md). `batch_size` is per replica: the global batch is
`batch_size x replicas`, and the learning rate is kept as given (not scaled with the replicas).
Only the chief writes the model and its card. A killed run started again with the same
`model_path` resumes after its last completed epoch (`<model stem>.backup/`, removed once done).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from handwriting import LETTERS
from handwriting.cards import LETTER_TASK, new_card, save_card
from handwriting.data.dataset import Dataset, Rows
from handwriting.data.formats import load, load_rows
from handwriting.data.not_letters import NOT_A_LETTER, from_letters
from handwriting.data.shared import UNIPEN_LICENCE
from handwriting.data.synthetic import LICENCE as SYNTHETIC_LICENCE
from handwriting.imaging.redraw import is_redrawn
from handwriting.imaging.strokes import DEFAULT_PEN_WIDTH
from handwriting.letters.augment import Augmentation
from handwriting.letters.evaluate import batched, calibrate_threshold, evaluate, metrics, probabilities
from handwriting.letters.loop import LEARNING_RATE_RULE, Plan, backup_dir, finish, make_strategy
from handwriting.letters.loop import run as run_loop
from handwriting.letters.split import class_weights, split_by_group
from handwriting.letters.stream import Part, batches
from handwriting.paths import local_models_dir

LICENCES = {"synthetic": SYNTHETIC_LICENCE, "unipen": UNIPEN_LICENCE}  # for sources that carry none


@dataclass
class TrainConfig:
    data: list[str] = field(default_factory=lambda: ["synthetic:26000"])
    epochs: int = 10
    batch_size: int = 256                    # per replica: the global batch is batch_size x replicas
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
    init_model: str | None = None            # fine-tune this .keras model instead of a new one
    width: int = 32
    dense: int = 128
    strategy: str = "one"                    # one | mirrored | multiworker (handwriting.letters.loop)

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
        """The card's `params`: what made the model. How it ran (`strategy`) is in its `training`."""
        d = asdict(self)
        d["pen_widths"] = list(self.pen_widths)
        del d["strategy"]
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


def describe_sources(data: Dataset | Rows) -> list[dict]:
    names, counts = np.unique(data.source, return_counts=True)
    return [{"name": str(n), "count": int(c), "licence": data.licences.get(str(n), _licence(str(n)))}
            for n, c in zip(names, counts)]


MADE_LICENCE = "that of the letters they are made of"


@dataclass
class ExtraPictures:
    """Pictures that train a model besides its training sources, and never validate it: made from
    the training letters (not-letters, word pieces) or gathered elsewhere (letters cut out of
    words). Named, counted and licensed on the model card as one row."""
    name: str
    images: np.ndarray  # uint8 N x 28 x 28
    labels: np.ndarray  # letter indices, NOT_A_LETTER (-1) for a picture that is no letter
    licence: str

    def __len__(self) -> int:
        return len(self.labels)

    def card_row(self) -> dict:
        row = {"name": self.name, "count": len(self)}
        doubts = int((self.labels == NOT_A_LETTER).sum())
        if 0 < doubts < len(self):  # (a row of only not-letters says so in its name)
            row["not_letters"] = doubts
        return dict(row, licence=self.licence)


# Makes extra pictures from the training letters (after the validation writers are held out) and
# the seed: e.g. word pieces composed of them (`handwriting.recipes`). The letters are `Rows`: their
# `x[i]`, `y`, `source`, `writer` and length as a `Dataset`'s, the images read when indexed.
PictureMaker = Callable[[Rows, int], ExtraPictures]


def _training_parts(letters: Rows, config: TrainConfig, extras: Sequence[ExtraPictures]) -> list[Part]:
    """The training parts for `handwriting.letters.stream.batches`, none copied: the rows taken from
    each source's images with their labels and weights (against letter imbalance), then each set of
    extra pictures (counting as much as a letter written alone; label -1: not a letter)."""
    weights = np.ones(len(letters), np.float32)
    if config.balance:
        table = class_weights(letters.y)
        weights = np.array([table.get(label, 0.0) for label in range(len(LETTERS))], np.float32)[letters.y]
    labels = letters.y.astype(np.int32)
    return [*(Part(images, labels[where], weights[where], rows) for images, rows, where in letters.runs()),
            *(Part(e.images, e.labels.astype(np.int32), np.ones(len(e), np.float32)) for e in extras)]


def _made_from_training(letters: Rows, config: TrainConfig, extras: Sequence[ExtraPictures | PictureMaker]
                        ) -> list[ExtraPictures]:
    """The extra pictures, in order: the config's not-letters, then `extras`, the makers among them
    given the training letters (after the validation writers are held out) and the seed."""
    made = []
    if config.not_letters > 0:
        doubts = from_letters(letters.x, round(config.not_letters * len(letters)), config.seed).images
        made.append(ExtraPictures("not-letters (handwriting.data.not_letters: pairs of the letters above read as one)",
                                  doubts, np.full(len(doubts), NOT_A_LETTER, np.int32), MADE_LICENCE))
    for extra in extras:
        made.append(extra if isinstance(extra, ExtraPictures) else extra(letters, config.seed))
    return made


def source_metrics(model, spec: str, pen_widths=(DEFAULT_PEN_WIDTH,)) -> dict[str, dict]:
    """Top-1/top-3 on a test source, one entry per source it holds (e.g. each real_letters source)."""
    data = load(spec, pen_widths=pen_widths)
    result = evaluate(model, data)
    name = Path(str(spec).split("?")[0]).name + ("?" + str(spec).split("?", 1)[1] if "?" in str(spec) else "")
    if "per_source" not in result:
        return {name: {k: v for k, v in result.items() if k != "per_letter"}}
    return {f"{Path(str(spec).split('?')[0]).stem}/{src}": m for src, m in result["per_source"].items()}


def train(config: TrainConfig, data: Dataset | None = None, validation: Dataset | None = None,
          verbose: int | str = "auto", callbacks: list | None = None,
          extras: Sequence[ExtraPictures | PictureMaker] = (), command: str | None = None) -> TrainResult:
    """Train, calibrate and save a model as `config` says; returns the model, history and card.

    `extras` train too, never validate, after the config's not-letters: pictures, or makers given
    the training letters once the validation writers are held out. `command`, the command line
    that made the model, goes on its card."""
    strategy = make_strategy(config.strategy)  # first: the multi-worker one sets up TensorFlow's collectives
    import keras
    import tensorflow as tf

    from handwriting.letters.model import build_model, with_shift_averaging
    from handwriting.runtime import traced_call

    keras.utils.set_random_seed(config.seed)
    # The same data and seed give the same model, bit for bit (without this the parallel input
    # pipeline's random augmentation depends on thread timing); no slower here on CPU.
    tf.config.experimental.enable_op_determinism()
    if data is None:
        letters = load_rows(config.data, limit=config.limit, seed=config.seed, pen_widths=config.pen_widths,
                            redraws=config.redraws)
    else:
        letters = Rows.of([data])
    if validation is None and config.validation:
        validation = load(config.validation, seed=config.seed, pen_widths=config.pen_widths)
    if validation is None:
        train_idx, val_idx = split_by_group(letters, config.validation_fraction, config.seed)
        # The training writers stay row numbers of the sources; the validation writers (a few) are copied.
        letters, validation = letters[train_idx], letters[val_idx].dataset()
        # Validate (stop, calibrate the threshold) on letters as written, not on redrawn copies.
        validation = validation[~is_redrawn(validation.source)]
    global_batch = config.batch_size * strategy.num_replicas_in_sync
    with strategy.scope():
        if config.init_model:
            model = keras.saving.load_model(config.init_model, compile=False)
            if model.name.endswith("_shift_averaged"):  # fine-tune the classifier inside
                model = next(layer for layer in model.layers if isinstance(layer, keras.Model))
        else:
            model = build_model(width=config.width, dense=config.dense)
        steps = max(1, int(np.ceil(len(letters) / global_batch))) * config.epochs
        schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps, alpha=0.05)
        optimizer = keras.optimizers.Adam(schedule)

    model_path = Path(config.model_path)
    made = _made_from_training(letters, config, extras)
    training = _training_parts(letters, config, made)
    augmentation = Augmentation() if config.augment else None

    def epoch_data(epoch: int):
        # Each epoch's order and augmentation follow from the seed and the epoch alone (the
        # augmentation's random ops take their seeds from the global seed), so that a resumed run
        # trains on what an uninterrupted one would have.
        tf.random.set_seed(config.seed * 1000 + epoch)
        return batches(training, global_batch, augmentation, config.seed, shuffle=True, epoch=epoch)

    predict = traced_call(model)

    def validate(model) -> dict:
        probs = batched(predict, validation.x, 2048)
        right = probs[np.arange(len(probs)), validation.y]
        return {"val_loss": float(-np.log(np.clip(right, 1e-7, 1.0)).mean()),
                "val_accuracy": float((probs.argmax(1) == validation.y).mean())}

    say = print if verbose else None
    backups = backup_dir(model_path)
    done = run_loop(strategy, model, optimizer, keras.losses.categorical_crossentropy, epoch_data,
                    Plan(config.epochs, config.patience, config.restore_best), backups, validate, callbacks, say,
                    run_key=json.dumps(asdict(config), sort_keys=True, default=str))
    weights = model.get_weights()
    model = keras.models.clone_model(model)  # plain variables, outside the strategy, without the optimizer
    model.set_weights(weights)
    if config.shift_average:
        model = with_shift_averaging(model)
    # Only the chief writes the model and its card; the other workers write theirs to a scratch
    # folder, deleted at the end (TensorFlow's advice: every worker saves, so that none waits).
    scratch = None if done.task.chief else Path(tempfile.mkdtemp(prefix=f"handwriting-{done.task.name}-"))
    final_path = model_path if scratch is None else scratch / model_path.name
    final_path.parent.mkdir(parents=True, exist_ok=True)
    model.save(final_path)
    seconds, epochs_run, history = done.seconds, done.epochs_run, done.history

    val_probs = probabilities(model, validation.x)
    val_metrics = metrics(validation.y, val_probs)
    val_acc = history.get("val_accuracy", [0])
    card = new_card(
        "letters", LETTER_TASK, command,
        data=describe_sources(letters) + [extra.card_row() for extra in made],
        validation=describe_sources(validation),
        params=config.to_dict(),
        training={
            "seconds": round(seconds, 1),
            "images_per_second": round(len(letters) * epochs_run / seconds),
            "epochs_run": epochs_run,
            "best_epoch": int(np.argmax(val_acc)) + 1,
            "strategy": config.strategy,
            "replicas": done.replicas,
            "global_batch": global_batch,
            "learning_rate_rule": LEARNING_RATE_RULE,
            **({"resumed after epoch": done.resumed_after} if done.resumed_after else {}),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
        },
        uncertainty_threshold=calibrate_threshold(validation.y, val_probs),
        metrics={"validation (held-out writers)": {k: v for k, v in val_metrics.items() if k != "per_letter"}},
    )
    for spec in config.test or []:
        card["metrics"].update(source_metrics(model, spec, config.pen_widths[:1]))
    save_card(final_path, card)
    finish(backups, done.task)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)
    return TrainResult(model, {k: [float(v) for v in vals] for k, vals in history.items()},
                       card, model_path, validation)
