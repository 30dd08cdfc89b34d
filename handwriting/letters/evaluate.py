"""How good a model is on a labelled data set: accuracy, top-3, per-letter precision and recall,
the confusion matrix, the most confused pairs, and calibration of its confidence.

Works on probabilities, so the same numbers come out whether the model ran here, in a notebook
or in a benchmark.
"""

from __future__ import annotations

import numpy as np

from handwriting import LETTERS
from handwriting.data.dataset import Dataset


def batched(predict, images: np.ndarray, batch_size: int) -> np.ndarray:
    """float32 N x 26 from a compiled call (`handwriting.runtime`) over
    N x 28 x 28 images, `batch_size` at a time (each batch made float only when it is its turn)."""
    out = [np.asarray(predict(images[i:i + batch_size].astype(np.float32)))
           for i in range(0, len(images), batch_size)]
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, len(LETTERS)), np.float32)


def probabilities(model, images: np.ndarray, batch_size: int = 2048) -> np.ndarray:
    """N x 26 probabilities for uint8 N x 28 x 28 images, in batches through a compiled call."""
    from handwriting.runtime import traced_call

    return batched(traced_call(model), images, batch_size)


def confusion(y: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """26 x 26 counts: row = true letter, column = predicted letter."""
    matrix = np.zeros((len(LETTERS), len(LETTERS)), dtype=np.int64)
    np.add.at(matrix, (y, predicted), 1)
    return matrix


def metrics(y: np.ndarray, probs: np.ndarray) -> dict:
    """{"count", "accuracy", "top3_accuracy", "per_letter": {L: {count, precision, recall}}}."""
    y = np.asarray(y)
    predicted = probs.argmax(axis=1)
    top3 = np.argsort(-probs, axis=1)[:, :3]
    matrix = confusion(y, predicted)
    per_letter = {}
    for i, letter in enumerate(LETTERS):
        count, said = int(matrix[i].sum()), int(matrix[:, i].sum())
        if count or said:
            per_letter[letter] = {
                "count": count,
                "precision": round(matrix[i, i] / said, 4) if said else None,
                "recall": round(matrix[i, i] / count, 4) if count else None,
            }
    n = len(y)
    return {
        "count": int(n),
        "accuracy": round(float((predicted == y).mean()), 4) if n else None,
        "top3_accuracy": round(float((top3 == y[:, None]).any(axis=1).mean()), 4) if n else None,
        "per_letter": per_letter,
    }


def evaluate(model, data: Dataset) -> dict:
    """`metrics` of a Keras model on a data set, plus the same per source when there are several."""
    probs = probabilities(model, data.x)
    result = metrics(data.y, probs)
    sources = np.unique(data.source)
    if len(sources) > 1:
        result["per_source"] = {
            str(s): {k: v for k, v in metrics(data.y[data.source == s], probs[data.source == s]).items()
                     if k != "per_letter"}
            for s in sources
        }
    return result


def most_confused(matrix: np.ndarray, top: int = 10) -> list[tuple[str, str, int]]:
    """The most frequent (true, predicted) mistakes."""
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(-off, axis=None)[:top]
    pairs = [(LETTERS[i], LETTERS[j], int(off[i, j])) for i, j in zip(*np.unravel_index(order, off.shape))]
    return [p for p in pairs if p[2] > 0]


def calibration(y: np.ndarray, probs: np.ndarray, bins: int = 10) -> list[dict]:
    """Reliability table: per confidence bin, how many answers and how many were right."""
    conf = probs.max(axis=1)
    right = probs.argmax(axis=1) == y
    edges = np.linspace(0, 1, bins + 1)
    table = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (conf >= lo) & ((conf < hi) | (hi == 1.0))
        if sel.any():
            table.append({"low": float(lo), "high": float(hi), "count": int(sel.sum()),
                          "confidence": float(conf[sel].mean()), "accuracy": float(right[sel].mean())})
    return table


def calibrate_threshold(y: np.ndarray, probs: np.ndarray, reject_correct: float = 0.02) -> float:
    """The confidence below which an answer is marked uncertain.

    Chosen on held-out writers so that only `reject_correct` of the right answers fall below it;
    wrong answers and non-letters mostly sit lower and get flagged.
    """
    conf = probs.max(axis=1)
    right = probs.argmax(axis=1) == y
    if not right.any():
        return 0.5
    return float(np.clip(np.quantile(conf[right], reject_correct), 0.2, 0.95))
