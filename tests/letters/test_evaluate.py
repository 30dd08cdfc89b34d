"""The numbers reported about a model, computed from probabilities (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from handwriting.cards import load_card, save_card, to_markdown
from handwriting.letters.evaluate import calibrate_threshold, calibration, confusion, metrics, most_confused


def _probs(pred, n=26, conf=0.9):
    p = np.full((len(pred), n), (1 - conf) / (n - 1))
    p[np.arange(len(pred)), pred] = conf
    return p


def test_metrics_precision_recall_and_top3():
    y = np.array([0, 0, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 0])
    probs = _probs(pred)
    probs[4, 2] = 0.05  # true letter C is second choice for the last sample
    m = metrics(y, probs)
    assert m["count"] == 5 and m["accuracy"] == 0.6
    assert m["per_letter"]["A"] == {"count": 2, "precision": 0.5, "recall": 0.5}
    assert m["per_letter"]["B"] == {"count": 2, "precision": round(2 / 3, 4), "recall": 1.0}
    assert m["per_letter"]["C"]["recall"] == 0.0
    assert m["top3_accuracy"] == 1.0


def test_confusion_and_most_confused():
    y = np.array([14, 14, 14, 3, 20])
    pred = np.array([3, 3, 14, 14, 21])
    matrix = confusion(y, pred)
    assert matrix.sum() == 5 and matrix[14, 3] == 2
    assert most_confused(matrix)[0] == ("O", "D", 2)


def test_calibration_table_and_threshold():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 26, 1000)
    conf = rng.uniform(0.3, 1.0, 1000)
    pred = np.where(rng.uniform(size=1000) < conf, y, (y + 1) % 26)   # right as often as confident
    probs = np.stack([_probs([p], conf=c)[0] for p, c in zip(pred, conf)])
    table = calibration(y, probs)
    assert sum(row["count"] for row in table) == 1000
    assert table[-1]["accuracy"] > table[0]["accuracy"]
    t = calibrate_threshold(y, probs, reject_correct=0.05)
    right = pred == y
    assert abs((conf[right] < t).mean() - 0.05) < 0.01


def test_card_round_trip_and_markdown(tmp_path):
    model = tmp_path / "m.keras"
    model.write_bytes(b"weights")
    save_card(model, {"version": "v1", "metrics": {"set": {"count": 10, "accuracy": 0.95}},
                      "data": [{"name": "synthetic", "count": 5, "licence": "MIT"}]})
    card = load_card(model)
    assert card["version"] == "v1" and len(card["sha256"]) == 64
    md = (tmp_path / "m.md").read_text()
    assert "| set | 10 | 95.0 % |" in md and "| synthetic | 5 | MIT |" in md
    assert to_markdown(card) == md
    assert load_card(tmp_path / "other.keras")["uncertainty_threshold"] == 0.5
    (tmp_path / "list.json").write_text("[1, 2]")  # a JSON file beside a model that is no card
    with pytest.raises(ValueError, match=r"list.json: not a model card \(a JSON object\), but a JSON list"):
        load_card(tmp_path / "list.keras")


def test_card_shows_pen_written_words_with_writers_held_out():
    card = {"words_heldout": {"words": 1416, "folds": 2, "paper": 61.4, "strokes": 69.4,
                              "baseline_paper": 59.0, "baseline_strokes": 67.0}}
    md = to_markdown(card)
    assert "## Pen-written words, writers held out" in md and "trained without its writer (2 folds" in md
    assert "| drawn on paper | 61.4 % | 59.0 % |" in md and "| from the pen strokes | 69.4 % | 67.0 % |" in md
    assert "Pen-written words" not in to_markdown({})
