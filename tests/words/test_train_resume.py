"""The word model's training survives a kill: started again, it resumes after its last completed
epoch and ends with the model of a training never interrupted (`handwriting.letters.loop`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from handwriting.cards import load_card
from handwriting.letters.loop import backup_dir

ROOT = Path(__file__).resolve().parents[2]

def test_a_killed_word_model_training_resumes(tmp_path):
    """The word model's loop: killed after its first epoch, started again, the same model as a
    training never interrupted."""
    from handwriting.words.model import HEIGHT, WIDTH, WordModel

    code = ("import sys; from handwriting.words.train import WordTrainConfig, train_words; "
            "train_words(WordTrainConfig(letters=['synthetic:520'], words=400, epochs=3, words_per_epoch=256, "
            "validation_words=20, model_path=sys.argv[1]))")

    def start(path: Path) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", code, str(path)], env=dict(os.environ, HANDWRITING_DATA_DIR=str(tmp_path / "datadir"), TF_CPP_MIN_LOG_LEVEL="3"), cwd=ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)

    def finished(process: subprocess.Popen) -> str:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-3000:]
        return out

    killed = tmp_path / "killed" / "words.keras"
    first = start(killed)
    marker = backup_dir(killed) / "worker-0" / "checkpoint"
    while not marker.exists() and first.poll() is None:
        time.sleep(0.1)
    assert first.poll() is None, "the run ended before its first backup: nothing was killed"
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate()
    assert "resuming after epoch" in finished(start(killed))
    assert load_card(killed)["training"]["epochs_run"] == 3 and not backup_dir(killed).exists()
    whole = tmp_path / "whole" / "words.keras"
    finished(start(whole))
    probe = np.random.default_rng(0).integers(0, 256, (4, HEIGHT, WIDTH), dtype=np.uint8)
    assert np.array_equal(WordModel(killed).log_probs(probe), WordModel(whole).log_probs(probe))
