"""One training loop for every `tf.distribute` strategy, that resumes after a kill.

Why not `model.fit`: with Keras 3.15 / TensorFlow 2.21 it fails under MultiWorkerMirroredStrategy on
CPU (in Keras' symbolic build, then in its metric reduction). This is the plain loop TensorFlow's
guides describe: `strategy.run` of a replica step (GradientTape, the loss summed and divided by the
GLOBAL batch size, `optimizer.apply_gradients` inside the replica step, which sums the replicas'
gradients), and one loop for every strategy, the default one-device strategy included, so that one
device and many train the same way. The letter model (`letters.train`) and the word model
(`words.train`) both train through it.

Batches: the caller's data are GLOBAL batches, `per-replica batch x replicas`; TensorFlow splits
each among the replicas. The learning rate is kept as given (no linear scaling with the replica
count: the models train with Adam, whose step size does not grow with the batch).

Surviving a kill: at the end of every epoch each worker writes its own backup
(`tf.train.CheckpointManager`, in `<model stem>.backup/<task>-<i>/`): the model's variables (its
dropout seed state included), the optimizer's (its step, so the learning-rate schedule goes on),
the best weights so far and the loop's state (epochs done, early-stopping counter, best score,
history). Started again with the same command, the loop restores it and goes on after the last
completed epoch. Each epoch's data is a function of the seed and the epoch's number
(`epoch_data(epoch)`), so a resumed run sees what an uninterrupted one would have seen. A backup
is resumed only by the run that wrote it: each is signed with its run's settings (`run_key`, the
training config), and one left by a run of other settings (a recipe changed since) is set aside
and the run starts afresh, rather than going on from weights trained for something else.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

STRATEGIES = ("one", "mirrored", "multiworker")
LEARNING_RATE_RULE = "kept as given for the global batch (batch_size per replica x replicas), not scaled"


def make_strategy(name: str):
    """`one`: TensorFlow's default strategy (one device, as before); `mirrored`: every GPU of this
    machine (or its CPU); `multiworker`: several machines, as `TF_CONFIG` describes them. Create it
    before any other TensorFlow work: the multi-worker one sets up the collective ops."""
    import tensorflow as tf

    if name == "one":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        if not os.environ.get("TF_CONFIG"):
            raise ValueError("strategy 'multiworker' needs TF_CONFIG, the cluster and this worker's task "
                             "(docs/training.md#several-machines)")
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {name!r} (known: {', '.join(STRATEGIES)})")


@dataclass(frozen=True)
class Task:
    """This process's place in the cluster: the chief alone writes the model and its card."""
    name: str       # `worker-0`, `chief-0`, ...: the folder of its backup
    chief: bool


def task_of(strategy) -> Task:
    resolver = getattr(strategy, "cluster_resolver", None)
    spec = resolver.cluster_spec().as_dict() if resolver is not None else {}
    if not spec or not resolver.task_type:
        return Task("worker-0", True)
    kind, index = resolver.task_type, int(resolver.task_id or 0)
    return Task(f"{kind}-{index}", kind == "chief" or (kind == "worker" and index == 0 and "chief" not in spec))


def backup_dir(model_path: str | Path) -> Path:
    """Where the workers of a training into `model_path` keep their backups."""
    path = Path(model_path)
    return path.with_name(path.stem + ".backup")


@dataclass
class Plan:
    epochs: int
    patience: int | None = None      # early stopping on `monitor` (None: never stop early)
    restore_best: bool = False       # end with the best epoch's weights (as Keras' EarlyStopping)
    monitor: str = "val_accuracy"    # a key of `validate`'s answer; higher is better
    accuracy: bool = True            # outputs are class probabilities: log the training accuracy too


@dataclass
class LoopResult:
    history: dict[str, list[float]]
    epochs_run: int
    best_epoch: int                  # 1-based; 0 when nothing was monitored
    resumed_after: int               # epochs a killed run had completed (0: started afresh)
    seconds: float                   # training time, the killed run's included
    replicas: int
    task: Task
    images: int = 0                  # images trained on, all epochs


def run(strategy, model, optimizer, loss: Callable, epoch_data: Callable[[int], object], plan: Plan,
        backup: str | Path, validate: Callable[[object], dict] | None = None,
        callbacks: list | None = None, log: Callable[[str], None] | None = None, run_key: str = "") -> LoopResult:
    """Train `model` (built, with `optimizer`, inside `strategy.scope()`) for `plan.epochs`.

    `loss(targets, outputs)` gives per-example losses; `epoch_data(epoch)` a `tf.data.Dataset` of
    global batches `(inputs, targets)` or `(inputs, targets, sample weights)`; `validate(model)`,
    called on every worker at each epoch's end, a dict of numbers (`plan.monitor` among them).
    Keras callbacks get `on_epoch_end` with the epoch's logs, as under `fit`. `run_key` (the
    training's settings, as text) signs the backup: only a run with the same key resumes it."""
    import keras
    import tensorflow as tf

    task = task_of(strategy)
    folder = backup_dir_for(backup, task)
    _set_aside_if_foreign(folder, run_key, log)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / KEY_FILE).write_text(run_key)  # before any checkpoint, so every checkpoint is signed
    replicas = strategy.num_replicas_in_sync
    with strategy.scope():
        optimizer.build(model.trainable_variables)
    # The best weights and the loop's state are this worker's own (outside the strategy: never synchronised).
    best = [tf.Variable(v.numpy(), trainable=False) for v in model.weights]
    state = tf.Variable("{}", dtype=tf.string, trainable=False)
    checkpoint = tf.train.Checkpoint(model_variables=list(model.variables), optimizer_variables=list(optimizer.variables),
                                     best=best, state=state)
    manager = tf.train.CheckpointManager(checkpoint, str(folder), max_to_keep=1)
    done = {"epoch": 0, "wait": 0, "best": None, "best_epoch": 0, "history": {}, "seconds": 0.0, "images": 0,
            "stopped": False}
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).assert_consumed()
        done = json.loads(state.numpy().decode())
        if log:
            log(f"resuming after epoch {done['epoch']} from {folder}")
    resumed_after = done["epoch"]
    step = _step_function(strategy, model, optimizer, loss)
    cbs = keras.callbacks.CallbackList(callbacks or [], model=model)
    cbs.on_train_begin()
    model.stop_training = False
    for epoch in range(done["epoch"], 0 if done["stopped"] else plan.epochs):
        started = time.perf_counter()
        cbs.on_epoch_begin(epoch)
        totals = None
        for batch in strategy.experimental_distribute_dataset(epoch_data(epoch)):
            totals = step(batch) if totals is None else totals + step(batch)
        if totals is None:
            raise ValueError(f"epoch {epoch + 1}: the training data gave no batch")
        loss_sum, count, right, weight = (float(v) for v in totals.numpy())
        logs = {"loss": loss_sum / max(count, 1.0)}
        if plan.accuracy:
            logs["accuracy"] = right / max(weight, 1e-12)
        logs.update(validate(model) if validate else {})
        done["images"] += int(count)
        for key, value in logs.items():
            done["history"].setdefault(key, []).append(float(value))
        done["stopped"] = _early_stopping(done, plan, epoch, logs, model, best)
        done["epoch"] = epoch + 1
        done["seconds"] += time.perf_counter() - started
        cbs.on_epoch_end(epoch, logs)
        done["stopped"] = bool(done["stopped"] or model.stop_training)  # (a resumed run stops there too)
        state.assign(json.dumps(done))
        manager.save(checkpoint_number=epoch + 1)  # after the epoch: a kill from here on loses nothing
        if log:
            log(f"epoch {epoch + 1}/{plan.epochs} ({time.perf_counter() - started:.0f} s): "
                + ", ".join(f"{k} {v:.4f}" for k, v in logs.items()))
        if done["stopped"]:
            break
    if plan.restore_best and done["best"] is not None:
        model.set_weights([v.numpy() for v in best])
    cbs.on_train_end()
    return LoopResult(done["history"], done["epoch"], done["best_epoch"], resumed_after, done["seconds"],
                      replicas, task, done["images"])


def backup_dir_for(backup: str | Path, task: Task) -> Path:
    return Path(backup) / task.name


KEY_FILE = "run-key.txt"             # beside the checkpoint: the settings of the run that wrote it


def _set_aside_if_foreign(folder: Path, run_key: str, log: Callable[[str], None] | None) -> None:
    """A backup written by a run of other settings (or by a version that signed none) is moved to
    `<folder>.other-run` (replacing an older one there), so that this run starts afresh and the
    other's weights are not lost to an overwrite."""
    if not (folder / "checkpoint").exists():
        return
    key_file = folder / KEY_FILE
    if key_file.is_file() and key_file.read_text() == run_key:
        return
    aside = folder.with_name(folder.name + ".other-run")
    shutil.rmtree(aside, ignore_errors=True)
    folder.rename(aside)
    if log:
        log(f"{folder} holds a backup of a training with other settings: not resumed, moved to {aside.name}; "
            "starting afresh")


def finish(backup: str | Path, task: Task) -> None:
    """A finished run's backup is of no more use: this worker's goes, and the folder once empty."""
    shutil.rmtree(backup_dir_for(backup, task), ignore_errors=True)
    try:
        Path(backup).rmdir()
    except OSError:
        pass  # another worker's backup is still there (it removes its own)


def _early_stopping(done: dict, plan: Plan, epoch: int, logs: dict, model, best) -> bool:
    """Keras' EarlyStopping, kept in `done` so that a resumed run goes on counting: the first best
    epoch wins, the counter restarts at every better score, and training stops once it reaches
    `patience` (never after the first epoch)."""
    current = logs.get(plan.monitor)
    if current is None:
        return False
    if done["best"] is None:
        _keep(model, best)
        done["best_epoch"] = epoch + 1
    done["wait"] += 1
    if done["best"] is None or current > done["best"]:
        done["best"], done["best_epoch"], done["wait"] = float(current), epoch + 1, 0
        _keep(model, best)
        return False
    return plan.patience is not None and done["wait"] >= plan.patience and epoch > 0


def _keep(model, best) -> None:
    for kept, value in zip(best, model.weights):
        kept.assign(value)


def _step_function(strategy, model, optimizer, loss):
    """One global batch: each replica's loss scaled by the global example count, the gradients
    applied inside the replica step; returns [weighted loss sum, examples, weighted right answers,
    weight sum] over all replicas, for the epoch's logs."""
    import tensorflow as tf

    def replica_step(batch):
        inputs, targets, *rest = batch
        weights = rest[0] if rest else tf.ones(tf.shape(inputs)[:1], tf.float32)
        count = tf.cast(tf.shape(inputs)[0], tf.float32)
        context = tf.distribute.get_replica_context()
        total = context.all_reduce(tf.distribute.ReduceOp.SUM, count)  # the global batch, a short last one too
        with tf.GradientTape() as tape:
            outputs = model(inputs, training=True)
            weighted = loss(targets, outputs) * weights
            scaled = tf.math.divide_no_nan(tf.reduce_sum(weighted), total)
            if model.losses:
                scaled += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        grads = tape.gradient(scaled, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        right = tf.zeros(())
        if outputs.shape.rank == 2 and targets.shape.rank == 2 and targets.shape[-1] == outputs.shape[-1]:
            hits = tf.cast(tf.equal(tf.argmax(outputs, -1), tf.argmax(targets, -1)), tf.float32)
            right = tf.reduce_sum(hits * weights)
        return tf.stack([tf.reduce_sum(weighted), count, right, tf.reduce_sum(weights)])

    @tf.function(reduce_retracing=True)
    def step(batch):
        return strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(replica_step, args=(batch,)), axis=None)

    return step
