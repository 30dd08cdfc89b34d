"""Cut the ink of a word, a card or a page into lines and letter pieces.

Works on `handwriting.imaging.preprocess.InkImage` (paper flattened, ruled and grid lines removed).
Connected components are grouped into lines (left to right, following a slight slope), printed
field labels ending in a colon are dropped, accents and specks are attached or ignored, pieces
that share their columns (the strokes of an E drawn separately) are merged, and wide pieces are
cut where the column profile shows a thin joint (lightly touching letters) or, at a cost, a
shallower dip (overlapping letters). Which neighbouring pieces make one letter is left to the
recogniser (`handwriting.recognize.reader`), which reads the candidates; this module only proposes
them, with priors from their geometry.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from handwriting.imaging.preprocess import InkImage, NoInkError, letter_from_ink, stroke_width
from handwriting.imaging.strokes import as_arrays, draw_path

MAX_LETTER_WIDTH = 1.6   # a letter is at most this many line heights wide (W, M)
MAX_JOIN_GAP = 0.6       # pieces further apart than this (line heights) are not one letter
JOIN_LETTERS = 2.5       # log-prior cost of reading two letter-sized pieces as one letter
JOIN_PART = 0.3          # ... a letter and a bar or fragment beside it
WEAK_DEPTH = 1.3         # a shallower dip (ink rising this much on both sides) is a weak cut ...
WEAK_CUT = 1.0           # ... and reading letters apart there costs this in the log prior
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


def _box(sl) -> tuple[int, int, int, int]:
    return sl[1].start, sl[0].start, sl[1].stop, sl[0].stop


def _components(mask: np.ndarray) -> list[Piece]:
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    pieces = []
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is None:
            continue
        left, top, right, bottom = _box(sl)
        pieces.append(Piece(left, top, right, bottom, labels[sl] == i))
    return pieces


def _merge(a: Piece, b: Piece) -> Piece:
    left, top = min(a.left, b.left), min(a.top, b.top)
    right, bottom = max(a.right, b.right), max(a.bottom, b.bottom)
    mask = np.zeros((bottom - top, right - left), dtype=bool)
    for p in (a, b):
        mask[p.top - top:p.bottom - top, p.left - left:p.right - left] |= p.mask
    return Piece(left, top, right, bottom, mask, cut=a.cut, cut_cost=a.cut_cost, parts=a.parts + b.parts)


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _typical_height(pieces: list[Piece]) -> float:
    if not pieces:
        return 0.0
    biggest = max(p.area for p in pieces)
    tall = [p.height for p in pieces if p.area >= 0.2 * biggest] or [p.height for p in pieces]
    return float(np.median(tall))


def _cluster_lines(pieces: list[Piece]) -> list[list[Piece]]:
    """Group pieces into lines, left to right, each joining the line whose last piece it overlaps."""
    lines: list[list[Piece]] = []
    for p in sorted(pieces, key=lambda q: q.left):
        best, best_overlap = None, 0.0
        for line in lines:
            last = max(line[-3:], key=lambda q: q.height)  # the last few pieces follow a slope
            # How much of the new piece lies in the line's band (a speck's band attracts nothing).
            ov = _overlap(p.top, p.bottom, last.top, last.bottom) / max(1, min(p.height, last.height))
            ov = min(ov, _overlap(p.top, p.bottom, last.top, last.bottom) / max(1, p.height) * 2)
            if ov > best_overlap:
                best, best_overlap = line, ov
        if best is not None and best_overlap >= 0.4:
            best.append(p)
        else:
            lines.append([p])
    return lines


def _drop_label(pieces: list[Piece], height: float, notes: list[str]) -> list[Piece]:
    """Drop a printed field label ("NOM :", "PRENOM :"): everything up to its colon."""
    # A colon's dots are round; the bars of a small letter drawn in pieces (an F, an E) are not.
    small = [p for p in pieces if p.height <= 0.4 * height and p.width <= 0.4 * height
             and p.area >= 2 and max(p.width, p.height) <= 2.5 * min(p.width, p.height)]
    for a in small:
        for b in small:
            if b is a or b.top <= a.bottom:
                continue
            same_size = 0.4 <= (b.area + 1) / (a.area + 1) <= 2.5
            stacked = _overlap(a.left, a.right, b.left, b.right) >= 0.5 * min(a.width, b.width)
            close = b.top - a.bottom <= 0.6 * height
            if same_size and stacked and close:
                edge = max(a.right, b.right)
                after = [p for p in pieces if p.left >= edge]
                # A colon ends a label written before it and stands apart from what follows; two
                # bits of a broken letter, first in the line or inside a letter, are not one.
                before = any(p.right <= min(a.left, b.left) for p in pieces)
                straddled = any(p.left < edge < p.right for p in pieces if p is not a and p is not b)
                enough = sum(p.area for p in after) >= 0.2 * sum(p.area for p in pieces)
                if before and not straddled and after and enough:
                    notes.append("dropped a printed label ending in ':'")
                    return after
    return pieces


def _attach_small(pieces: list[Piece], height: float) -> list[Piece]:
    """Accents, dots and broken-off bits join the piece under or beside them; lone specks go."""
    big = [p for p in pieces if max(p.height, p.width) >= 0.3 * height]
    for p in pieces:
        if any(p is b for b in big):
            continue
        if not big:
            break
        cx = (p.left + p.right) / 2
        target = min(big, key=lambda b: abs((b.left + b.right) / 2 - cx))
        near_x = _overlap(p.left, p.right, target.left, target.right) > 0 or \
            min(abs(p.left - target.right), abs(target.left - p.right)) <= 0.15 * height
        near_y = _overlap(p.top, p.bottom, target.top - height // 2, target.bottom + height // 4) > 0
        if near_x and near_y and p.area >= 0.02 * target.area:
            i = next(k for k, b in enumerate(big) if b is target)
            big[i] = _merge(target, p)
    return big


def _join_broken(pieces: list[Piece], height: float) -> list[Piece]:
    """Join the parts of a letter broken across its height (a P's bowl and stem, a T's bar and
    stem): they share most of their columns and (almost) touch. Apart, the upper part can start a
    line of its own and draw the letters beside it away from their line. Small marks (a colon's
    dots, specks) are left to the line's own rules."""
    def part_of(a: Piece, b: Piece) -> bool:
        if min(max(a.height, a.width), max(b.height, b.width)) < 0.3 * height:
            return False
        gap = max(a.top, b.top) - min(a.bottom, b.bottom)  # < 0 when they overlap in height
        one_letter_high = max(a.bottom, b.bottom) - min(a.top, b.top) <= 1.5 * height  # not two lines' letters
        return _share_columns(a, b) and gap <= 0.2 * height and one_letter_high

    pieces = sorted(pieces, key=lambda p: p.left)
    i = 0
    while i < len(pieces):
        j = next((j for j in range(i + 1, len(pieces)) if part_of(pieces[i], pieces[j])), None)
        if j is None:
            i += 1
        else:
            pieces[i] = _merge(pieces[i], pieces.pop(j))
    return pieces


def _share_columns(a: Piece, b: Piece) -> bool:
    """Most of the narrower piece's columns are also the other's: strokes of one letter."""
    return _overlap(a.left, a.right, b.left, b.right) >= 0.6 * min(a.width, b.width)


def _merge_columns(pieces: list[Piece]) -> list[Piece]:
    """Merge pieces that share most of their columns: strokes of one letter drawn apart."""
    pieces = sorted(pieces, key=lambda p: p.left)
    changed = True
    while changed:
        changed = False
        for i in range(len(pieces) - 1):
            a, b = pieces[i], pieces[i + 1]
            if _share_columns(a, b):
                pieces[i:i + 2] = [_merge(a, b)]
                changed = True
                break
    return pieces


def _cut_wide(piece: Piece, height: float, stroke: float) -> list[Piece]:
    """Cut a wide piece where its column profile dips (touching letters): at thin necks freely, at
    shallower dips (letters overlapping) with a cost the reader must overcome (`cut_cost`)."""
    if piece.width <= 0.9 * height or piece.width < 8:
        return [piece]
    profile = piece.mask.sum(axis=0).astype(np.float32)
    smooth = np.convolve(profile, np.ones(3) / 3, mode="same")
    margin = max(int(0.2 * height), 1)
    reach = max(int(0.4 * height), 2)
    total = float(profile.sum())
    if piece.width <= 1.25 * height:
        # Maybe one wide letter (M, W): only a thin neck between two tall parts is a cut.
        limit, depth = max(1.6 * stroke, 2.0), 2.5
    else:
        # Surely two letters or more: any clear dip of the profile may be where they meet (the
        # recogniser decides which cuts to keep).
        limit, depth = max(3.0 * stroke, 0.5 * float(smooth.max())), 1.8

    def valleys(limit: float, depth: float) -> list[int]:
        # A joint between two letters is a neck with a letter's worth of ink on each side;
        # the end of a T's bar is thin too, but nothing rises beyond it.
        found = []
        for c in range(margin, piece.width - margin):
            left, right = smooth[max(0, c - reach):c], smooth[c + 1:c + 1 + reach]
            floor = max(smooth[c], 1.0)
            if (smooth[c] <= limit and smooth[c] <= smooth[c - 1] and smooth[c] <= smooth[c + 1]
                    and len(left) and len(right) and left.max() >= depth * floor and right.max() >= depth * floor
                    and profile[:c].sum() >= 0.15 * total and profile[c:].sum() >= 0.15 * total):
                found.append(c)
        return sorted(found, key=lambda c: (smooth[c], c))

    def spaced(candidates: list[int], cuts: list[int]) -> list[int]:
        cuts = list(cuts)
        for c in candidates:
            if all(abs(c - d) >= 0.25 * height for d in cuts):
                cuts.append(c)
        return cuts

    strong = spaced(valleys(limit, depth), [])
    # Shallower dips (letters overlapping, no thin neck) are offered too, at a price: the reader
    # reads the pieces apart only where they read much better apart than together.
    cuts = spaced(valleys(np.inf, WEAK_DEPTH), strong)
    if not cuts:
        return [piece]
    out = []
    bounds = [0] + sorted(cuts) + [piece.width]
    for k in range(len(bounds) - 1):
        sub = piece.mask[:, bounds[k]:bounds[k + 1]]
        rows = np.flatnonzero(sub.any(axis=1))
        if len(rows) == 0:
            continue
        out.append(Piece(piece.left + bounds[k], piece.top + int(rows[0]), piece.left + bounds[k + 1],
                         piece.top + int(rows[-1]) + 1, sub[rows[0]:rows[-1] + 1], cut=k > 0 or piece.cut,
                         cut_cost=WEAK_CUT if k > 0 and bounds[k] not in strong else 0.0))
    return out


def _separators(pieces: list[Piece], height: float) -> tuple[list[Piece], set[int]]:
    """Hyphens and dashes (flat pieces mid-line) become word breaks; wide gaps too."""
    kept, breaks = [], set()
    top = min(p.top for p in pieces)
    bottom = max(p.bottom for p in pieces)
    for k, p in enumerate(pieces):
        flat = p.height < 0.3 * height and p.width >= 0.25 * height and p.width > 2 * p.height
        middle = 0.3 <= ((p.top + p.bottom) / 2 - top) / max(bottom - top, 1) <= 0.75
        apart = 0 < k < len(pieces) - 1 and not p.cut and not pieces[k + 1].cut and \
            p.left > pieces[k - 1].right and p.right < pieces[k + 1].left
        if flat and middle and apart:
            breaks.add(len(kept))
            continue
        kept.append(p)
    return kept, {b for b in breaks if 0 < b < len(kept)}


def word_breaks(boxes: list[tuple[int, int, int, int]], height: float) -> set[int]:
    """Indices of letters that start a new word: gaps far wider than the line's usual gap."""
    gaps = [boxes[i][0] - max(b[2] for b in boxes[:i]) for i in range(1, len(boxes))]
    positive = [g for g in gaps if g > 0]
    if len(positive) < 2:
        return set()
    typical = float(np.median(positive))
    return {i for i, g in enumerate(gaps, start=1) if g > max(0.6 * height, 2.5 * typical)}


def _make_line(pieces: list[Piece], notes: list[str]) -> Line | None:
    height = _typical_height(pieces)
    if height <= 0:
        return None
    pieces = _drop_label(pieces, height, notes)
    pieces = _attach_small(pieces, height)
    if not pieces:
        return None
    pieces = _merge_columns(pieces)
    height = _typical_height(pieces)
    stroke = float(np.median([stroke_width(p.mask) for p in pieces]))
    cut = []
    for p in pieces:
        cut.extend(_cut_wide(p, height, stroke))
    cut.sort(key=lambda p: (p.left + p.right) / 2)
    cut, spaces = _separators(cut, height)
    if not cut:
        return None
    return Line(cut, height, stroke, spaces, notes)


def find_lines(page: InkImage, pieces: list[Piece] | None = None) -> list[Line]:
    """The lines of writing on a page, top to bottom, each with its pieces left to right.

    The pieces are the page's connected components, the parts of a letter broken across its
    height joined, unless given (one per pen stroke, say: kept as they are).
    """
    from_picture = pieces is None
    pieces = _components(page.mask) if from_picture else list(pieces)
    if not pieces:
        return []
    height = _typical_height(pieces)
    h, w = page.mask.shape
    stroke = page.stroke_width

    def writing(p: Piece) -> bool:
        if max(p.height, p.width) < 0.06 * height or p.area < 3:
            return False  # a speck (a colon's dot is bigger: it marks a printed label)
        long = max(p.height, p.width) >= 4 * max(1, min(p.height, p.width))
        if long and stroke >= 3 and stroke_width(p.mask) < 0.4 * stroke:
            return False  # a long mark far thinner than the writing: what is left of a ruled line
        edge = max(2, int(0.01 * max(h, w)))
        at_border = p.left < edge or p.top < edge or p.right > w - edge or p.bottom > h - edge
        return not (at_border and long)  # the edge of the paper or of a frame

    pieces = [p for p in pieces if writing(p)]
    if not pieces:
        return []
    lines = []
    # (Pen strokes stay apart: letters that overlap on the page were drawn with strokes of their own.)
    groups = _cluster_lines(_join_broken(pieces, height) if from_picture else pieces)
    # Small marks (accents, dots) may have formed lines of their own: give them to the nearest line.
    tall = [g for g in groups if max(p.height for p in g) >= 0.4 * height]
    for g in groups:
        if any(g is t for t in tall) or not tall:
            continue
        centre = np.mean([(p.top + p.bottom) / 2 for p in g])
        nearest = min(tall, key=lambda t: abs(np.mean([(p.top + p.bottom) / 2 for p in t]) - centre))
        nearest.extend(g)
    for g in (tall or groups):
        line = _make_line(g, list(page.notes))
        if line is not None:
            lines.append(line)
    lines.sort(key=lambda ln: (ln.top + ln.bottom) / 2)
    return lines


def stroke_line(page: InkImage, pieces: list[Piece]) -> Line | None:
    """One line made of every pen stroke of a word (a stroke, a bar or a dot, is no line of its own)."""
    return _make_line(sorted(pieces, key=lambda p: (p.left + p.right) / 2), list(page.notes)) if pieces else None


def main_line(page: InkImage) -> Line | None:
    """The line holding most of the ink (a word's own line, not a label above or a date below)."""
    lines = find_lines(page)
    if not lines:
        return None
    h = page.mask.shape[0]

    def weight(line: Line) -> float:
        # A line cut by the picture's top or bottom edge is a neighbour's, not the word's own.
        cut = line.top <= 1 or line.bottom >= h - 1
        return sum(p.area for p in line.pieces) * (0.3 if cut else 1.0)

    return max(lines, key=weight)


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


def render_word_strokes(strokes, letter_height: float = 64.0, pen_ratio: float = 0.11) -> InkImage:
    """Pen trajectories of a word -> an InkImage (white ink on black), about 64 pixels high.

    The pen is as wide, relative to the letters, as the training renderer's (2.2 px of 20).
    Raises ValueError for malformed strokes.
    """
    return word_strokes(strokes, letter_height, pen_ratio)[0]


PAPER_PEN = 0.11  # pen width / letter height: a ballpoint's 0.5 mm line on 4-5 mm capitals


def strokes_on_paper(strokes, height: int = 64, pen: float = PAPER_PEN) -> np.ndarray:
    """Pen strokes of a word drawn as dark ink on light paper (a grey uint8 image), about `height`
    pixels high: what a scan of the same word written with a ballpoint looks like."""
    ink = render_word_strokes(strokes, letter_height=height, pen_ratio=pen).ink
    return (np.clip(0.93 - 0.85 * ink, 0, 1) * 255).astype(np.uint8)


def word_strokes(strokes, letter_height: float = 64.0, pen_ratio: float = 0.11) -> tuple[InkImage, list[Piece]]:
    """Pen trajectories of a word -> its InkImage (as `render_word_strokes`) and one piece per stroke.

    Strokes know what the picture's connected components cannot: two letters that overlap on the
    page were still drawn with separate strokes. Raises ValueError for malformed strokes.
    """
    arrays = as_arrays(strokes)
    points = np.concatenate(arrays)
    lo = points.min(axis=0)
    extent = points.max(axis=0) - lo
    scale = letter_height / max(float(extent[1]), float(extent[0]) / 30, 1e-6)  # one line of capitals
    pen = pen_ratio * letter_height
    margin = int(pen) + 2
    width, height = (int(v) for v in np.ceil(extent * scale) + 2 * margin + 1)
    layers = []
    for stroke in arrays:
        canvas = Image.new("L", (width, height), 0)
        draw_path(ImageDraw.Draw(canvas), (stroke - lo) * scale + margin, pen)
        layers.append(np.asarray(canvas) > 127)
    mask = np.logical_or.reduce(layers)
    if not mask.any():
        raise NoInkError("nothing to read: the strokes draw no ink")
    pieces = []
    for layer in layers:
        rows, cols = np.flatnonzero(layer.any(axis=1)), np.flatnonzero(layer.any(axis=0))
        if len(rows):
            pieces.append(Piece(int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1,
                                layer[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]))
    page = InkImage(mask.astype(np.float32), mask, (1.0, 1.0), False, 0.5, "drawing", pen, ["rendered pen strokes"])
    return page, pieces
