"""Pieces that are not one letter each: touching letters cut apart, the parts of broken letters joined.

A connected component is a letter only in clean writing. Accents, dots and broken-off bits join the
piece under or beside them (`attach_small`); the parts of a letter broken across its height (a P's
bowl and stem) or drawn in strokes that share their columns (an E's bars) are merged
(`join_broken`, `merge_columns`); a wide piece is cut where its column profile dips (`cut_wide`):
at a thin neck freely (lightly touching letters), at a shallower dip (overlapping letters) at a
cost the reader must overcome. `handwriting.words.segment` applies them while finding lines.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import numpy as np

from handwriting.words.line import Piece, merge_pieces, overlap

WEAK_DEPTH = 1.3         # a shallower dip (ink rising this much on both sides) is a weak cut ...
WEAK_CUT = 1.0           # ... and reading letters apart there costs this in the log prior


def attach_small(pieces: list[Piece], height: float) -> list[Piece]:
    """Accents, dots and broken-off bits join the piece under or beside them; lone specks go."""
    big = [p for p in pieces if max(p.height, p.width) >= 0.3 * height]
    for p in pieces:
        if any(p is b for b in big):
            continue
        if not big:
            break
        cx = (p.left + p.right) / 2
        # The piece it lies over (or the nearest beside it), then the nearest centre: an i's dot over a
        # joined-up word drawn in one stroke is far from the word's centre, but over its ink.
        target = min(big, key=lambda b: (max(0, b.left - p.right, p.left - b.right), abs((b.left + b.right) / 2 - cx)))
        near_x = overlap(p.left, p.right, target.left, target.right) > 0 or \
            min(abs(p.left - target.right), abs(target.left - p.right)) <= 0.15 * height
        near_y = overlap(p.top, p.bottom, target.top - height // 2, target.bottom + height // 4) > 0
        # A pen stroke is never too small to keep: an i's dot or a t's bar is tiny beside a joined-up word
        # drawn in one stroke, and the pen model reads every stroke of a word (docs/words.md).
        if near_x and near_y and (p.area >= 0.02 * target.area or p.paths):
            i = next(k for k, b in enumerate(big) if b is target)
            big[i] = merge_pieces(target, p)
    return big


def join_broken(pieces: list[Piece], height: float) -> list[Piece]:
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
            pieces[i] = merge_pieces(pieces[i], pieces.pop(j))
    return pieces


def _share_columns(a: Piece, b: Piece) -> bool:
    """Most of the narrower piece's columns are also the other's: strokes of one letter."""
    return overlap(a.left, a.right, b.left, b.right) >= 0.6 * min(a.width, b.width)


def merge_columns(pieces: list[Piece]) -> list[Piece]:
    """Merge pieces that share most of their columns: strokes of one letter drawn apart."""
    pieces = sorted(pieces, key=lambda p: p.left)
    changed = True
    while changed:
        changed = False
        for i in range(len(pieces) - 1):
            a, b = pieces[i], pieces[i + 1]
            if _share_columns(a, b):
                pieces[i:i + 2] = [merge_pieces(a, b)]
                changed = True
                break
    return pieces


def cut_wide(piece: Piece, height: float, stroke: float) -> list[Piece]:
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
                         cut_cost=WEAK_CUT if k > 0 and bounds[k] not in strong else 0.0, paths=piece.paths))
    return out
