"""The training loop's backups (`handwriting.letters.loop`): resumed by the run that wrote them only.

A tiny model in this process, on TensorFlow's default strategy: the backup a run leaves when it is
not finished is what a killed run leaves (the kill itself is tested in test_distribute.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from handwriting.letters.loop import KEY_FILE, Plan, backup_dir, backup_dir_for, run, task_of


def _train(backup, run_key: str, epochs: int = 2):
    """A 2-class softmax on 64 fixed points, `epochs` epochs; (the loop's result, its log)."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    optimizer = keras.optimizers.Adam(0.01)
    x = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    y = keras.utils.to_categorical((x[:, 0] > 0).astype(int), 2)
    lines: list[str] = []
    result = run(tf.distribute.get_strategy(), model, optimizer, keras.losses.categorical_crossentropy,
                 lambda epoch: tf.data.Dataset.from_tensor_slices((x, y)).batch(16), Plan(epochs), backup,
                 log=lines.append, run_key=run_key)
    return result, lines


@pytest.fixture
def backup(tmp_path):
    return backup_dir(tmp_path / "model.keras")


def test_the_same_run_resumes_its_backup(backup):
    first, _ = _train(backup, "recipe A", epochs=2)
    assert first.resumed_after == 0 and first.epochs_run == 2
    again, lines = _train(backup, "recipe A", epochs=3)
    assert again.resumed_after == 2 and again.epochs_run == 3
    assert len(again.history["loss"]) == 3   # the first run's two epochs and one more
    assert any("resuming after epoch 2" in line for line in lines)


def test_a_backup_of_other_settings_is_set_aside_not_resumed(backup):
    import tensorflow as tf

    _train(backup, "recipe A", epochs=2)
    folder = backup_dir_for(backup, task_of(tf.distribute.get_strategy()))
    other, lines = _train(backup, "recipe B", epochs=2)
    assert other.resumed_after == 0 and len(other.history["loss"]) == 2
    assert any("other settings" in line and "not resumed" in line for line in lines)
    aside = folder.with_name(folder.name + ".other-run")
    assert (aside / KEY_FILE).read_text() == "recipe A" and (aside / "checkpoint").exists()
    assert (folder / KEY_FILE).read_text() == "recipe B"


def test_an_unsigned_backup_is_not_resumed(backup):
    """A backup from before backups were signed cannot say which run wrote it."""
    import tensorflow as tf

    _train(backup, "recipe A", epochs=2)
    (backup_dir_for(backup, task_of(tf.distribute.get_strategy())) / KEY_FILE).unlink()
    again, _ = _train(backup, "recipe A", epochs=2)
    assert again.resumed_after == 0
