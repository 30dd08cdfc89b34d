"""How well words are read: edit distance, exact match, character error rate.

Raw readings against their truth, both plain strings (compare letters only, or with spaces
dropped, as the caller decides). `WordScore` adds them up over a test set, as the word benchmark
prints them. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions from `a` to `b`."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def exact_match(truths: list[str], readings: list[str]) -> float:
    """Share of the words read exactly (0 for none)."""
    return sum(t == r for t, r in zip(truths, readings, strict=True)) / max(len(truths), 1)


def character_error_rate(truths: list[str], readings: list[str]) -> float:
    """Edit distance over all the words / their letters: 0 is perfect; can exceed 1 (extra letters)."""
    errors = sum(edit_distance(t, r) for t, r in zip(truths, readings, strict=True))
    return errors / max(sum(len(t) for t in truths), 1)


@dataclass
class WordScore:
    """Running totals over a test set, added one word at a time."""
    name: str
    words: int = 0
    exact: int = 0          # words read exactly
    errors: int = 0         # edit distance, summed
    letters: int = 0        # letters of the truths, summed
    right_length: int = 0   # readings with as many letters as their truth

    def add(self, truth: str, reading: str) -> None:
        self.words += 1
        self.exact += truth == reading
        self.errors += edit_distance(truth, reading)
        self.letters += len(truth)
        self.right_length += len(truth) == len(reading)

    @property
    def exact_rate(self) -> float:
        return self.exact / max(self.words, 1)

    @property
    def character_error_rate(self) -> float:
        return self.errors / max(self.letters, 1)

    def line(self) -> str:
        return (f"{self.name}: {self.exact}/{self.words} exact ({100 * self.exact_rate:.1f} %), "
                f"letters {100 * (1 - self.character_error_rate):.1f} %, "
                f"right number of letters {100 * self.right_length / max(self.words, 1):.1f} %")
