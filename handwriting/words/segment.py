"""Find the lines of writing on a word, a card or a page, each cut into letter pieces.

Works on `handwriting.imaging.ink.InkImage` (paper flattened, ruled and grid lines removed).
Connected components (or, for pen strokes, one piece per stroke) are grouped into lines (left to
right, following a slight slope), printed field labels ending in a colon are dropped, specks and
the remains of ruled lines are ignored, hyphens and dashes become word breaks; the pieces are
mended on the way (`handwriting.words.cut_and_join`: accents attached, broken letters joined,
touching letters cut). Which neighbouring pieces make one letter is left to the reader
(`handwriting.words.reading`), which reads the candidates of each `handwriting.words.line.Line`.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from handwriting.imaging.ink import InkImage
from handwriting.imaging.measure import stroke_width
from handwriting.imaging.paper import LETTER_HEIGHT, PEN, draw_word
from handwriting.words.cut_and_join import attach_small, cut_wide, join_broken, merge_columns
from handwriting.words.line import Line, Piece, overlap

WORD_GAP = 0.8  # pieces further apart than this many line heights are two words


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
            ov = overlap(p.top, p.bottom, last.top, last.bottom) / max(1, min(p.height, last.height))
            ov = min(ov, overlap(p.top, p.bottom, last.top, last.bottom) / max(1, p.height) * 2)
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
            stacked = overlap(a.left, a.right, b.left, b.right) >= 0.5 * min(a.width, b.width)
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


def word_groups(line: Line) -> list[Line]:
    """A line cut into its words where the gap between pieces is wide: far wider than the line's
    usual gap (`word_breaks`), or wider than WORD_GAP line heights (a joined-up word is one or two
    pieces, so it has no usual gap to compare with)."""
    boxes = [(p.left, p.top, p.right, p.bottom) for p in line.pieces]
    breaks = word_breaks(boxes, line.height) | {i for i in range(1, len(boxes)) if line.gap(i) > WORD_GAP * line.height}
    edges = [0, *sorted(breaks), len(boxes)]
    return [Line(line.pieces[a:b], line.height, line.stroke, notes=line.notes) for a, b in zip(edges, edges[1:])]


def _make_line(pieces: list[Piece], notes: list[str]) -> Line | None:
    height = _typical_height(pieces)
    if height <= 0:
        return None
    pieces = _drop_label(pieces, height, notes)
    pieces = attach_small(pieces, height)
    if not pieces:
        return None
    pieces = merge_columns(pieces)
    height = _typical_height(pieces)
    stroke = float(np.median([stroke_width(p.mask) for p in pieces]))
    cut = []
    for p in pieces:
        cut.extend(cut_wide(p, height, stroke))
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
    groups = _cluster_lines(join_broken(pieces, height) if from_picture else pieces)
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


def word_strokes(strokes, letter_height: float = LETTER_HEIGHT, pen_ratio: float = PEN) -> tuple[InkImage, list[Piece]]:
    """Pen trajectories of a word -> its InkImage (as `paper.draw_word`) and one piece per stroke.

    Strokes know what the picture's connected components cannot: two letters that overlap on the
    page were still drawn with separate strokes. Raises ValueError for malformed strokes.
    """
    drawn = draw_word(strokes, letter_height, pen_ratio)
    pieces = []
    for k, (layer, path) in enumerate(zip(drawn.strokes, drawn.paths)):
        rows, cols = np.flatnonzero(layer.any(axis=1)), np.flatnonzero(layer.any(axis=0))
        if len(rows):
            pieces.append(Piece(int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1,
                                layer[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1], paths=((k, path),)))
    return drawn.page, pieces
