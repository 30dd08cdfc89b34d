"""Remove ruled and grid lines from an ink mask, and keep the writing that crosses them.

Card photos have grid lines, school paper has ruled lines, and a form has a frame: long straight
segments that thresholding keeps as ink. A segment is found as a long horizontal or vertical run
(in a band, so lines a few degrees askew count), then judged against the writing left when every
candidate is taken out: thinner than the writing, along the border, or far longer than a letter is
a line; a T's bar or an I's stem is not. Strokes crossing a removed line are bridged back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handwriting.imaging.measure import stroke_width

Box = tuple[slice, slice]  # (rows, columns) in the mask


def _runs(mask: np.ndarray, min_len: int) -> np.ndarray:
    """The pixels of horizontal runs of True at least `min_len` long."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    starts = np.argwhere(d == 1)
    ends = np.argwhere(d == -1)
    out = np.zeros(mask.shape, dtype=bool)
    long = (ends[:, 1] - starts[:, 1]) >= min_len
    for (row, s), (_, e) in zip(starts[long], ends[long]):
        out[row, s:e] = True
    return out


@dataclass
class _Segment:
    """A long straight run of ink along one axis: a candidate line."""

    axis: int                  # 0: horizontal, 1: vertical
    across: slice              # rows of a horizontal segment, columns of a vertical one
    along: slice               # its columns, or rows
    box: Box                   # where it lies in the mask
    pixels: np.ndarray         # bool, the segment's pixels inside `box`

    @property
    def length(self) -> int:
        return self.along.stop - self.along.start


def _line_candidates(mask: np.ndarray, min_len: tuple[int, int]) -> list[_Segment]:
    """Long straight horizontal and vertical segments, at least `min_len` (horizontal, vertical) long."""
    from scipy import ndimage

    found = []
    for axis in (0, 1):
        m = mask if axis == 0 else mask.T
        w = m.shape[1]
        need = min(min_len[axis], w)
        # A band a few pixels high catches lines photographed a few degrees off the horizontal,
        # and closing small breaks along it catches faint lines the threshold broke up.
        tol = max(1, int(round(0.006 * w)))
        band = ndimage.maximum_filter1d(m.view(np.uint8), size=2 * tol + 1, axis=0)
        band = ndimage.grey_closing(band, size=(1, max(3, int(0.02 * w)))).astype(bool)
        runs = _runs(band, need)
        if not runs.any():
            continue
        # Label the continuous runs (the ink of a faint line may be dashed), keep their ink.
        labels, _ = ndimage.label(runs, structure=np.ones((3, 3)))
        for i, sl in enumerate(ndimage.find_objects(labels), start=1):
            seg = (labels[sl] == i) & m[sl]
            cols = np.flatnonzero(seg.any(axis=0))
            if len(cols) == 0 or cols[-1] - cols[0] + 1 < need:
                continue
            box = sl if axis == 0 else (sl[1], sl[0])
            found.append(_Segment(axis, sl[0], sl[1], box, seg if axis == 0 else seg.T))
    return found


def _letter_height(mask: np.ndarray) -> float:
    """Typical height of the writing's components (not lines or grids spanning the picture)."""
    from scipy import ndimage

    h, w = mask.shape
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    heights = []
    for sl in ndimage.find_objects(labels):
        ch, cw = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if ch < 0.5 * h and cw < 0.5 * w and max(ch, cw) >= 0.01 * max(h, w):
            heights.append(ch)
    return float(np.median(heights)) if heights else 0.25 * min(h, w)


@dataclass
class _Writing:
    """The ink left when every candidate line is taken out: what the lines are judged against."""

    stroke: float                 # its stroke width (the whole ink's when little is left)
    area: int                     # its pixels
    rows: np.ndarray              # the rows and columns it occupies
    cols: np.ndarray
    labels: np.ndarray | None     # its components (letters only; None when nothing is left)
    boxes: list                   # their boxes
    letter_height: float = 0.0    # words and pages: the typical height of a letter


def remove_lines(mask: np.ndarray, text: bool, notes: list[str],
                 loose: np.ndarray | None = None) -> np.ndarray:
    """Remove ruled and grid lines: long straight segments that are not part of the writing.

    A segment is a line when it is clearly thinner than the writing, or runs from border to border
    along the picture's edge (the paper's edge, a frame). In a picture of one letter, a segment as
    thick as the writing is a line only when it stays apart from the writing and runs past it or
    along the border: a T's bar (touching its stem) stays. In a word or page, a segment much longer
    than any letter (25 stroke widths and a quarter of the picture) is a line.

    Lines are found in `loose` when given (ink at half the threshold: a faint ruled line the
    threshold broke into dashes is whole there); what is removed is the ink of `mask` along them.
    """
    h, w = mask.shape
    if text:
        lengths = (max(int(0.1 * w), 12), max(int(0.1 * h), 12))
    else:
        lengths = (max(int(0.45 * min(h, w)), 12),) * 2
    candidates = _line_candidates(mask if loose is None else loose, lengths)
    if loose is not None:
        candidates = [s for s in (_on_mask(c, mask) for c in candidates) if s is not None]
    if not candidates:
        return mask
    writing = _writing(mask, candidates, text)
    is_line = _is_line_in_text if text else _is_line_in_letter
    gone = [c for c in candidates if is_line(c, writing, mask.shape)]
    if not gone:
        return mask
    kept, band = _bridge(mask, gone)
    kept = _drop_broken_off(kept, band)
    kinds = sorted({"horizontal" if c.axis == 0 else "vertical" for c in gone})
    notes.append(f"removed {' and '.join(kinds)} line(s)")
    return kept


def _grown(box: Box, pad: int, shape: tuple[int, int]) -> Box:
    """`box` grown by `pad` pixels on every side, inside the picture."""
    return (slice(max(box[0].start - pad, 0), min(box[0].stop + pad, shape[0])),
            slice(max(box[1].start - pad, 0), min(box[1].stop + pad, shape[1])))


def _placed(c: _Segment, box: Box) -> np.ndarray:
    """The segment's pixels inside a larger `box` (bool, the box's shape)."""
    out = np.zeros((box[0].stop - box[0].start, box[1].stop - box[1].start), dtype=bool)
    out[c.box[0].start - box[0].start:c.box[0].stop - box[0].start,
        c.box[1].start - box[1].start:c.box[1].stop - box[1].start] = c.pixels
    return out


def _on_mask(c: _Segment, mask: np.ndarray) -> _Segment | None:
    """A segment found in the loose ink, as the ink of `mask` along it (None when there is none)."""
    from scipy import ndimage

    box = _grown(c.box, 1, mask.shape)
    px = ndimage.binary_dilation(_placed(c, box)) & mask[box]
    if not px.any():
        return None
    return _Segment(c.axis, box[c.axis], c.along, box, px)


def _writing(mask: np.ndarray, candidates: list[_Segment], text: bool) -> _Writing:
    from scipy import ndimage

    every = np.zeros_like(mask)
    for c in candidates:
        every[c.box] |= c.pixels
    rest = mask & ~every
    area, every_area = int(rest.sum()), int(every.sum())
    stroke = stroke_width(rest) if area > 0.15 * every_area else stroke_width(mask)
    rows, cols = np.flatnonzero(rest.any(axis=1)), np.flatnonzero(rest.any(axis=0))
    labels = None if text or not rows.size else ndimage.label(rest, structure=np.ones((3, 3)))[0]
    boxes = ndimage.find_objects(labels) if labels is not None else []
    return _Writing(stroke, area, rows, cols, labels, boxes, _letter_height(mask) if text else 0.0)


def _placement(c: _Segment, shape: tuple[int, int]) -> tuple[float, int, int, int]:
    """The segment's thickness, the picture's size along it and across it, and its distance
    from the nearer border across it."""
    h, w = shape
    dim, across = (w, h) if c.axis == 0 else (h, w)
    return c.pixels.sum() / c.length, dim, across, min(c.across.start, across - c.across.stop)


def _is_line_in_text(c: _Segment, writing: _Writing, shape: tuple[int, int]) -> bool:
    """In a word or a page, where letters' own strokes are candidates too: only a segment taller
    or wider than a letter can be a line."""
    thickness, dim, across, from_edge = _placement(c, shape)
    sw, letter_h = writing.stroke, writing.letter_height
    # The edge of the paper or of a dark frame runs from border to border along it.
    frame = c.length >= 0.95 * dim and from_edge < 0.06 * across and thickness < sw
    thin = thickness < 0.5 * sw and sw >= 3 and c.length >= 1.5 * letter_h
    return frame or thin or c.length >= max(3 * letter_h, 25 * sw)


def _is_line_in_letter(c: _Segment, writing: _Writing, shape: tuple[int, int]) -> bool:
    """In a picture of one letter: touching the writing, a segment is a line only if it runs far
    past what it touches on both sides (a ruled line through a letter), not if it spans it (a T's
    bar); apart from it, if it runs past the writing or along the border."""
    thickness, dim, across, from_edge = _placement(c, shape)
    sw = writing.stroke
    unlike = not 0.8 * sw <= thickness <= 1.5 * sw  # not a stroke of the writing
    touched = _touching(c, writing, shape)
    frame = c.length >= 0.95 * dim and from_edge < 0.06 * across and (unlike or touched is None)
    past = False
    if touched is not None:
        span = touched[1] - touched[0]
        far = max(0.1 * dim, 0.5 * span)
        past = c.along.start < touched[0] - far and c.along.stop > touched[1] + far
    if thickness < 0.6 * sw and sw >= 3 and (touched is None or past or c.length >= 0.9 * dim):
        return True  # a long line far thinner than the writing
    if len(writing.rows) == 0 or writing.area < 0.15 * c.pixels.sum():
        return False  # the writing is made of long strokes (an I, an L, a T): keep them
    if touched is None:
        extent = writing.cols if c.axis == 0 else writing.rows
        margin = 0.04 * dim
        beyond = c.along.start < extent[0] - margin and c.along.stop > extent[-1] + margin
        return frame or beyond or from_edge < 0.12 * across
    return frame or past


def _touching(c: _Segment, writing: _Writing, shape: tuple[int, int]) -> tuple[int, int] | None:
    """The extent along the segment of the writing it touches, or None if it touches none."""
    from scipy import ndimage

    if writing.labels is None:
        return None
    r = _grown(c.box, 3, shape)
    seg = ndimage.binary_dilation(_placed(c, r), iterations=2)
    ids = np.unique(writing.labels[r][seg])
    ids = ids[ids > 0]
    if len(ids) == 0:
        return None
    k = 1 if c.axis == 0 else 0
    return (min(writing.boxes[i - 1][k].start for i in ids), max(writing.boxes[i - 1][k].stop for i in ids))


def _bridge(mask: np.ndarray, gone: list[_Segment]) -> tuple[np.ndarray, np.ndarray]:
    """The mask without the lines, with strokes crossing a removed line bridged back across it;
    and the band around the lines (bool)."""
    from scipy import ndimage

    h, w = mask.shape
    removed = np.zeros_like(mask)
    for c in gone:
        removed[c.box] |= c.pixels
    kept = mask & ~removed
    gap = max(3, int(round(0.02 * max(h, w))))
    band = np.zeros_like(mask)
    for c in gone:
        across_px = c.box[c.axis]
        span = max(gap, across_px.stop - across_px.start + 4)  # the removed band, and a little
        r = _grown(c.box, span, mask.shape)
        # Across the line straight or slanting either way, as strokes cross it.
        straight = np.ones((span, 1) if c.axis == 0 else (1, span), dtype=bool)
        bridged = np.zeros(kept[r].shape, dtype=bool)
        for se in (straight, np.eye(span, dtype=bool), np.fliplr(np.eye(span, dtype=bool))):
            bridged |= ndimage.binary_closing(kept[r], structure=se)
        kept[r] |= removed[r] & bridged
        band[_grown(c.box, 3, mask.shape)] = True
    return kept, band


def _drop_broken_off(kept: np.ndarray, band: np.ndarray) -> np.ndarray:
    """Bits of a line the threshold broke off lie wholly along it: they go too."""
    from scipy import ndimage

    labels, n = ndimage.label(kept, structure=np.ones((3, 3)))
    if n:
        outside = np.bincount(labels[~band].ravel(), minlength=n + 1)
        along = outside == 0
        along[0] = False
        kept &= ~along[labels]
    return kept
