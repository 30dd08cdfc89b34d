"""The one in-memory data set type that every loader returns and every stage consumes.

Images are uint8 N x 28 x 28, white ink on black, upright (the Kaggle A-Z / MNIST orientation);
labels are 0-25 for A-Z; each sample may carry the source it came from and its writer, so splits
can hold whole writers or sources out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from handwriting import LETTERS


class DataError(ValueError):
    """A data file is missing, malformed or out of range; the message says where."""


@dataclass
class Dataset:
    x: np.ndarray
    y: np.ndarray
    source: np.ndarray | None = None
    writer: np.ndarray | None = None
    format: str = "memory"
    licences: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.x = np.asarray(self.x)
        self.y = np.asarray(self.y)
        if self.x.ndim != 3 or self.x.shape[1:] != (28, 28) or self.x.dtype != np.uint8:
            raise DataError(f"images must be uint8 N x 28 x 28, got {self.x.dtype} {self.x.shape}")
        if self.y.shape != (len(self.x),):
            raise DataError(f"{len(self.x)} images but labels of shape {self.y.shape}")
        self.y = self.y.astype(np.uint8, copy=False)
        if len(self.y) and int(self.y.max()) >= len(LETTERS):
            raise DataError(f"label {int(self.y.max())} is out of range 0-25")
        n = len(self.x)
        self.source = _strings(self.source, n, self.format)
        self.writer = _strings(self.writer, n, "")

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index) -> "Dataset":
        """A subset (index array, boolean mask or slice), keeping sources and writers."""
        return Dataset(self.x[index], self.y[index], self.source[index], self.writer[index],
                       self.format, dict(self.licences))

    @property
    def letters(self) -> np.ndarray:
        """The labels as letters ('A'..'Z')."""
        return np.array(list(LETTERS))[self.y]

    def per_letter(self) -> dict[str, int]:
        counts = np.bincount(self.y, minlength=len(LETTERS))
        return {letter: int(c) for letter, c in zip(LETTERS, counts)}

    def head(self, limit: int | None, seed: int = 0) -> "Dataset":
        """At most `limit` samples, drawn at random but reproducibly (None keeps all)."""
        if limit is None or limit >= len(self):
            return self
        rng = np.random.default_rng(seed)
        return self[np.sort(rng.choice(len(self), size=int(limit), replace=False))]

    @staticmethod
    def concat(parts: list["Dataset"]) -> "Dataset":
        if not parts:
            raise DataError("no data sets to join")
        if len(parts) == 1:
            return parts[0]
        licences: dict[str, str] = {}
        for p in parts:
            licences.update(p.licences)
        return Dataset(
            np.concatenate([p.x for p in parts]),
            np.concatenate([p.y for p in parts]),
            np.concatenate([p.source.astype(object) for p in parts]).astype(str),
            np.concatenate([p.writer.astype(object) for p in parts]).astype(str),
            "+".join(dict.fromkeys(p.format for p in parts)),
            licences,
        )


def _strings(values, n: int, default: str) -> np.ndarray:
    if values is None or isinstance(values, str):
        value = default if values is None else values
        return np.full(n, value, dtype=f"<U{max(len(value), 1)}")
    values = np.asarray(values).astype(str)
    if values.shape != (n,):
        raise DataError(f"{n} images but {values.shape} per-sample tags")
    return values
