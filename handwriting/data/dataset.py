"""The one in-memory data set type that every loader returns and every stage consumes.

Images are uint8 N x 28 x 28, white ink on black, upright (the Kaggle A-Z / MNIST orientation);
labels are 0-25 for A-Z; each sample may carry the source it came from and its writer, so splits
can hold whole writers or sources out. `Rows` takes rows of several data sets as one without
copying their images: what training streams from.
"""

from __future__ import annotations

from collections.abc import Sequence
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
        rows = head_rows(len(self), limit, seed)
        return self if rows is None else self[rows]

    @staticmethod
    def concat(parts: list["Dataset"]) -> "Dataset":
        return Rows.of(parts).dataset()


def head_rows(n: int, limit: int | None, seed: int = 0) -> np.ndarray | None:
    """The ascending numbers of the rows `head` keeps of `n`: `limit` drawn at random, reproducibly
    (None: it keeps them all)."""
    if limit is None or limit >= n:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size=int(limit), replace=False))


@dataclass
class Rows:
    """Rows of one or more data sets taken as one, their images neither joined nor copied: what
    training streams from (`handwriting.letters.stream`), so that images memory-mapped from a cache
    stay on disk until a batch reads them. The labels, sources and writers (a few bytes a row) are
    joined as a `Dataset` has them, so the split and the model card take `Rows` as one; `x` reads
    images only when indexed; `dataset()` copies the rows out."""
    parts: list[Dataset]
    index: np.ndarray   # the numbers of the rows taken, ascending (each once), over the parts one after another
    y: np.ndarray
    source: np.ndarray
    writer: np.ndarray

    def __post_init__(self) -> None:
        total = sum(len(p) for p in self.parts)
        if len(self.index) and (self.index[0] < 0 or self.index[-1] >= total or (np.diff(self.index) <= 0).any()):
            raise DataError(f"row numbers must be ascending, within 0-{total - 1}")

    @classmethod
    def of(cls, parts: Sequence[Dataset]) -> "Rows":
        """Every row of `parts`, in order."""
        if not parts:
            raise DataError("no data sets to join")
        return cls(list(parts), np.arange(sum(len(p) for p in parts)), np.concatenate([p.y for p in parts]),
                   np.concatenate([p.source for p in parts]), np.concatenate([p.writer for p in parts]))

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, index) -> "Rows":
        """A subset (ascending index array, boolean mask or slice); no image is read."""
        return Rows(self.parts, self.index[index], self.y[index], self.source[index], self.writer[index])

    def head(self, limit: int | None, seed: int = 0) -> "Rows":
        """The rows `Dataset.head` would keep of these joined."""
        rows = head_rows(len(self), limit, seed)
        return self if rows is None else self[rows]

    @property
    def format(self) -> str:
        return "+".join(dict.fromkeys(p.format for p in self.parts))

    @property
    def licences(self) -> dict[str, str]:
        licences: dict[str, str] = {}
        for p in self.parts:
            licences.update(p.licences)
        return licences

    @property
    def x(self) -> "RowImages":
        return RowImages(self)

    def starts(self) -> np.ndarray:
        """Where each part's rows begin in the numbering of `index` (and, last, the total)."""
        return np.concatenate([[0], np.cumsum([len(p) for p in self.parts])]).astype(np.int64)

    def runs(self) -> list[tuple[np.ndarray, np.ndarray, slice]]:
        """For each part: its images, the numbers of the rows taken from them, and where those rows
        stand among these."""
        starts = self.starts()
        cuts = np.searchsorted(self.index, starts)
        return [(p.x, self.index[lo:hi] - start, slice(lo, hi))
                for p, start, lo, hi in zip(self.parts, starts, cuts[:-1], cuts[1:])]

    def dataset(self) -> Dataset:
        """The rows as one in-memory `Dataset`: a part itself when they are all of it, in order;
        else their images copied, once."""
        if len(self.parts) == 1 and len(self) == len(self.parts[0]):
            return self.parts[0]
        x = np.empty((len(self), 28, 28), np.uint8)
        for images, rows, where in self.runs():
            # (the rows are in range: "clip" only spares the whole copy that "raise" buffers `out` in)
            np.take(images, rows, axis=0, out=x[where], mode="clip")
        return Dataset(x, self.y, self.source, self.writer, self.format, self.licences)


class RowImages:
    """The images of `Rows`, read when indexed: one (`x[i]`) or a few (`x[numbers]`, copied)."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, key) -> np.ndarray:
        numbers, starts = self.rows.index[key], self.rows.starts()
        part = np.searchsorted(starts, numbers, "right") - 1
        if np.ndim(numbers) == 0:
            return self.rows.parts[part].x[numbers - starts[part]]
        images = np.empty((len(numbers), 28, 28), np.uint8)
        for k in np.unique(part):
            mine = part == k
            images[mine] = self.rows.parts[k].x[numbers[mine] - starts[k]]
        return images


def _strings(values, n: int, default: str) -> np.ndarray:
    if values is None or isinstance(values, str):
        value = default if values is None else values
        return np.full(n, value, dtype=f"<U{max(len(value), 1)}")
    values = np.asarray(values).astype(str)
    if values.shape != (n,):
        raise DataError(f"{n} images but {values.shape} per-sample tags")
    return values
