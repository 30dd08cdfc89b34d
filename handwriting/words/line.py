"""A line of writing cut into pieces, and what its geometry says about which pieces make one letter.

A `Piece` is a connected component, several merged, or part of a cut one (`handwriting.words.
cut_and_join`); a `Line` holds its pieces left to right with the height of its letters
(`handwriting.words.segment` finds them). A letter is a run of up to MAX_GROUP neighbouring pieces
(a candidate): the line says which runs can be one letter and what the geometry costs in the log
prior (pieces far apart, two letter-sized pieces joined, a group far wider than the letter it reads
as), and `group_image` cuts a candidate out as a 28x28 letter. Which candidates are letters is
decided by reading them (`handwriting.words.reading`). Nothing here imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from handwriting.imaging.ink import InkImage
from handwriting.imaging.letter import letter_from_ink

MAX_LETTER_WIDTH = 1.6   # a letter is at most this many line heights wide (W, M)
MAX_JOIN_GAP = 0.6       # pieces further apart than this (line heights) are not one letter
JOIN_LETTERS = 2.5       # log-prior cost of reading two letter-sized pieces as one letter
JOIN_PART = 0.3          # ... a letter and a bar or fragment beside it
MAX_GROUP = 4            # a letter is made of at most this many pieces
NEAR = 0.08              # pieces whose ink comes this close (line heights) are one broken stroke
# Width / height that 90 % of each capital stays under (UNIPEN pen trajectories, CC BY 4.0): a
# group of pieces far wider than the letter it reads as is more likely two letters.
WIDEST = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                  (0.98, 1.02, 1.19, 1.15, 1.15, 1.11, 1.2, 1.0, 1.17, 1.22, 1.14, 1.11, 1.56,
                   1.28, 1.27, 0.96, 1.41, 1.01, 1.06, 1.33, 1.14, 1.07, 1.66, 1.11, 0.84, 1.38)))


@dataclass
class Piece:
    """A connected component, several merged, or part of a cut one, at working resolution."""

    left: int
    top: int
    right: int
    bottom: int
    mask: np.ndarray          # bool (bottom - top) x (right - left)
    cut: bool = False         # separated from its left neighbour by a column cut, not by a gap
    cut_cost: float = 0.0     # log-prior cost of reading it apart from that neighbour (a weak cut)
    parts: int = 1            # connected components merged into it
    # The pen strokes it holds, for the pen model: (place in the order they were drawn, points (x, y)
    # in working pixels). Merged pieces hold both's; each part of a cut one holds all of its strokes.
    paths: tuple[tuple[int, np.ndarray], ...] = ()

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def area(self) -> int:
        return int(self.mask.sum())


@dataclass
class Line:
    """One line of writing: its pieces left to right and the height of its letters."""

    pieces: list[Piece]
    height: float             # typical letter height (pixels)
    stroke: float             # typical stroke width (pixels)
    spaces: set[int] = field(default_factory=set)  # piece indices after a hyphen or dash
    notes: list[str] = field(default_factory=list)

    @property
    def top(self) -> int:
        return min(p.top for p in self.pieces)

    @property
    def bottom(self) -> int:
        return max(p.bottom for p in self.pieces)

    def gap(self, i: int) -> float:
        """Horizontal gap between piece i-1 and piece i (negative when they overlap)."""
        return self.pieces[i].left - max(p.right for p in self.pieces[:i])

    def joinable(self, i: int, j: int) -> bool:
        """Can pieces i..j-1 be one letter?"""
        if j - i == 1:
            return True
        if any(k in self.spaces for k in range(i + 1, j)):
            return False
        width = max(p.right for p in self.pieces[i:j]) - self.pieces[i].left
        gaps = [self.gap(k) for k in range(i + 1, j)]
        return width <= MAX_LETTER_WIDTH * self.height and max(gaps) <= MAX_JOIN_GAP * self.height

    def spans(self) -> list[tuple[int, int]]:
        """Every run of neighbouring pieces i..j-1 that could be one letter: the reader's candidates."""
        n = len(self.pieces)
        return [(i, j) for i in range(n) for j in range(i + 1, min(n, i + MAX_GROUP) + 1) if self.joinable(i, j)]

    def space_before(self, i: int) -> bool:
        return i in self.spaces

    def width_cost(self, box: tuple[int, int, int, int], letter: str) -> float:
        """Log-prior cost of a letter read from a group of pieces much wider than that letter is."""
        if letter not in WIDEST:
            return 0.0
        aspect = (box[2] - box[0]) / max(self.height, 1.0)
        return 3.0 * max(0.0, aspect / WIDEST[letter] - 1.15)

    def letter_like(self, p: Piece) -> bool:
        """One stroke or joined strokes big enough to be a letter (not bars, not a fragment)."""
        return p.parts == 1 and p.height >= 0.6 * self.height and p.area >= 0.3 * self.typical_area

    @property
    def typical_area(self) -> float:
        return float(np.median([p.area for p in self.pieces]))

    def join_cost(self, k: int) -> float:
        """Log-prior cost of reading pieces k-1 and k (apart on the page) as one letter.

        Pieces whose ink nearly touches are most likely one stroke broken (a faint or jagged
        line): joining them costs nothing more than re-joining a cut. Otherwise two pieces that
        each look like a whole letter are most likely two letters; a bar or a fragment beside a
        letter may be a part of it (an E's arms, a K's second stroke). Any gap between them
        makes the join less likely still.
        """
        a, b = self.pieces[k - 1], self.pieces[k]
        if ink_distance(a, b) <= NEAR * self.height:
            return 0.0
        cost = JOIN_LETTERS if self.letter_like(a) and self.letter_like(b) else JOIN_PART
        return cost + 4.0 * max(0.0, self.gap(k) / self.height - 0.05)


def ink_distance(a: Piece, b: Piece) -> float:
    """Shortest distance (pixels) between the ink of two pieces."""
    left, top = min(a.left, b.left), min(a.top, b.top)
    right, bottom = max(a.right, b.right), max(a.bottom, b.bottom)
    not_b = np.ones((bottom - top, right - left), dtype=bool)
    not_b[b.top - top:b.bottom - top, b.left - left:b.right - left] &= ~b.mask
    distance = ndimage.distance_transform_edt(not_b)[a.top - top:a.bottom - top, a.left - left:a.right - left]
    return float(distance[a.mask].min())


def merge_pieces(a: Piece, b: Piece) -> Piece:
    """Two pieces as one (the left one's cut stays the merged piece's)."""
    left, top = min(a.left, b.left), min(a.top, b.top)
    right, bottom = max(a.right, b.right), max(a.bottom, b.bottom)
    mask = np.zeros((bottom - top, right - left), dtype=bool)
    for p in (a, b):
        mask[p.top - top:p.bottom - top, p.left - left:p.right - left] |= p.mask
    return Piece(left, top, right, bottom, mask, cut=a.cut, cut_cost=a.cut_cost, parts=a.parts + b.parts,
                 paths=a.paths + b.paths)


def overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    """How many pixels the ranges a0..a1 and b0..b1 share."""
    return max(0, min(a1, b1) - max(a0, b0))


def group_image(page: InkImage, line: Line, i: int, j: int):
    """The 28x28 image of pieces i..j-1 as one letter, its box (working pixels) and a log prior.

    The prior discourages letters much wider than the line is high and letters joined across
    wide gaps; re-joining pieces of one cut component costs nothing.
    """
    group = line.pieces[i:j]
    left, top = min(p.left for p in group), min(p.top for p in group)
    right, bottom = max(p.right for p in group), max(p.bottom for p in group)
    pad = 2
    h, w = page.mask.shape
    l0, t0, r0, b0 = max(left - pad, 0), max(top - pad, 0), min(right + pad, w), min(bottom + pad, h)
    own = np.zeros((b0 - t0, r0 - l0), dtype=bool)
    for p in group:
        own[p.top - t0:p.bottom - t0, p.left - l0:p.right - l0] |= p.mask
    others = np.zeros_like(own)
    for p in line.pieces[max(0, i - 2):i] + line.pieces[j:j + 2]:
        # neighbours' pixels inside this box (overlapping letters) are not this letter's ink
        y0, y1 = max(p.top, t0), min(p.bottom, b0)
        x0, x1 = max(p.left, l0), min(p.right, r0)
        if y0 < y1 and x0 < x1:
            others[y0 - t0:y1 - t0, x0 - l0:x1 - l0] |= p.mask[y0 - p.top:y1 - p.top, x0 - p.left:x1 - p.left]
    soft = page.ink[t0:b0, l0:r0] * (ndimage.binary_dilation(own) & ~others)
    try:
        image, (bl, bt, br, bb), _ = letter_from_ink(soft)
    except ValueError:
        return None, (left, top, right, bottom), -1e9
    height = line.height
    prior = 0.0
    width = right - left
    if width > 1.5 * height:
        prior -= 3.0 * (width / height - 1.5)
    if max(width, bottom - top) < 0.4 * height:
        prior -= 2.0  # a speck-sized letter is more likely a broken-off bit of its neighbour
    for k in range(i + 1, j):
        if not line.pieces[k].cut:
            prior -= line.join_cost(k)
    prior -= group[0].cut_cost
    return image, (l0 + bl, t0 + bt, l0 + br, t0 + bb), prior


def line_ink(page: InkImage, line: Line) -> np.ndarray:
    """The page's soft ink of one line's pieces only (their edges kept), zero elsewhere."""
    own = np.zeros(page.mask.shape, dtype=bool)
    for p in line.pieces:
        own[p.top:p.bottom, p.left:p.right] |= p.mask
    return page.ink * ndimage.binary_dilation(own, iterations=2)
