"""Splits of a line's pieces into letters: the best reading, and the best reading as a given text.

A line is cut into pieces (`handwriting.words.segment`, `handwriting.words.line`); a letter is a run of up to MAX_GROUP
neighbouring pieces (a "candidate"), read by the letter model. Both questions are dynamic
programmes over the pieces:
- `best_split`: which runs read best as letters at all (the word reader's own reading);
- `align`: which split into len(text) runs reads best as *that* text's letters (to check a
  reading proposed by the word model, and to cut labelled words into letters for training).
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from handwriting import LETTERS
from handwriting.words.line import MAX_GROUP

Span = tuple[int, int]  # pieces i..j-1


@dataclass
class Candidates:
    """Every readable run of pieces of one line, with its picture, box, geometry prior and the
    letter model's 26 probabilities."""
    spans: list[Span]
    images: list[np.ndarray]
    boxes: list[tuple[int, int, int, int]]
    priors: list[float]
    probs: np.ndarray
    pieces: int  # how many pieces the line has

    def index(self) -> dict[Span, int]:
        return {span: k for k, span in enumerate(self.spans)}


def best_split(scores: dict[Span, float], n: int) -> list[Span]:
    """The split of pieces 0..n into consecutive runs with the best total score (runs missing
    from `scores` are not letters)."""
    best = [-math.inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    for j in range(1, n + 1):
        for i in range(max(0, j - MAX_GROUP), j):
            s = scores.get((i, j))
            if s is not None and best[i] + s > best[j]:
                best[j], back[j] = best[i] + s, i
    cuts, j = [], n
    while j > 0:
        cuts.append((back[j], j))
        j = back[j]
    return cuts[::-1]


def align_scored(probs_of, spans: list[Span], priors: list[float], n: int, text: str,
                 letter_cost: float = 0.0) -> tuple[list[Span], float] | None:
    """The split of pieces 0..n into len(text) runs that reads best as `text`, and its score (sum of
    log p(letter) + prior - letter_cost); None if no split can.

    `probs_of(k)` is the 26 probabilities of candidate `spans[k]`; `priors[k]` its geometry prior.
    """
    index = {span: k for k, span in enumerate(spans)}
    m = len(text)
    best = {(0, 0): 0.0}
    back: dict[tuple[int, int], int] = {}
    for j in range(1, n + 1):
        for t in range(1, m + 1):
            score, arg = -math.inf, None
            for i in range(max(0, j - MAX_GROUP), j):
                k = index.get((i, j))
                if k is None or (i, t - 1) not in best:
                    continue
                s = best[(i, t - 1)] + math.log(max(float(probs_of(k)[LETTERS.index(text[t - 1])]), 1e-9)) \
                    + priors[k] - letter_cost
                if s > score:
                    score, arg = s, i
            if arg is not None:
                best[(j, t)], back[(j, t)] = score, arg
    if m == 0 or (n, m) not in best:
        return None
    runs, j = [], n
    for t in range(m, 0, -1):
        i = back[(j, t)]
        runs.append((i, j))
        j = i
    return runs[::-1], best[(n, m)]


def align(probs_of, spans: list[Span], priors: list[float], n: int, label: str) -> list[Span] | None:
    """`align_scored` without the score: the runs of pieces that read best as `label`."""
    found = align_scored(probs_of, spans, priors, n, label)
    return None if found is None else found[0]
