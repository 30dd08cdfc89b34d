"""Page clean-up before the ink is read: what lies beyond the paper, and a page photographed askew.

A phone photo of a card or a sheet often shows the table around it and the paper's own edges, and
is seldom taken square. The dark table and the edges would read as huge strokes, and ruled lines
at an angle would not be found as lines; so they are dropped, and the page turned level by its
ruled lines, before line removal and segmentation.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image


def skew_angle(mask: np.ndarray) -> float:
    """The angle (degrees) of ruled or grid lines photographed askew, or 0 when there are none.

    Each trial angle projects the ink onto rows along that slope; long straight lines make one
    row very full. Only a line spanning half the picture counts.
    """
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    if len(xs) == 0:
        return 0.0
    if len(xs) > 60_000:
        pick = np.random.default_rng(0).choice(len(xs), 60_000, replace=False)
        ys, xs, share = ys[pick], xs[pick], 60_000 / len(xs)
    else:
        share = 1.0
    xs = xs - w / 2.0

    def fullest(angle: float) -> float:
        rows = np.round(ys - xs * math.tan(math.radians(angle))).astype(np.int64)
        rows -= rows.min()
        return float(np.bincount(rows).max()) / share

    straight = fullest(0.0)
    best, angle = straight, 0.0
    for a in np.arange(-12.0, 12.01, 1.0):
        score = fullest(float(a))
        if score > best:
            best, angle = score, float(a)
    for a in (angle - 0.5, angle + 0.5):
        score = fullest(a)
        if score > best:
            best, angle = score, a
    if angle == 0.0 or best < 0.5 * w or best < 1.3 * straight:
        return 0.0
    return angle


def turn(a: np.ndarray, angle: float) -> np.ndarray:
    """Turn a float image by -angle degrees about its centre (same size, zeros brought in)."""
    return np.asarray(Image.fromarray(a.astype(np.float32), mode="F").rotate(
        angle, resample=Image.Resampling.BILINEAR, fillcolor=0.0))


def drop_backdrop(mask: np.ndarray, notes: list[str]) -> np.ndarray:
    """Drop what lies beyond the paper: dark table or frame regions reaching in from the border.

    They are far thicker than any pen stroke (or than a stroke could be at all) and touch the
    border. Only their thick parts go, so a letter that a ruled line joins to them stays.
    """
    from scipy import ndimage

    h, w = mask.shape
    dist = ndimage.distance_transform_edt(mask)
    ridge = (dist > 0) & (dist >= ndimage.maximum_filter(dist, size=3))
    half = float(np.median(dist[ridge])) if ridge.any() else 1.0  # a typical stroke's half width
    limit = max(3.0 * half, 0.06 * min(h, w))
    core = dist > limit
    if not core.any():
        return mask
    # The thick regions: every pixel within `limit` of their core.
    thick = ndimage.distance_transform_edt(~core) <= limit + 1.5
    labels, n = ndimage.label(thick)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    border = border[border > 0]
    if len(border) == 0:
        return mask
    drop = np.isin(labels, border)
    notes.append("ignored dark regions beyond the paper's edge")
    return mask & ~ndimage.binary_dilation(drop, iterations=2)


def drop_paper_edges(mask: np.ndarray, notes: list[str]) -> np.ndarray:
    """Drop the paper's edges photographed askew: long thin lines crossing from border to border.

    (Level ones are left to the line removal, which knows grid and ruled lines too.)
    """
    from scipy import ndimage

    h, w = mask.shape
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    drop = np.zeros(n + 1, dtype=bool)
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        bh, bw = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        length = math.hypot(bh, bw)
        across = min(bh, bw)
        ends = (sl[1].start <= 1 and sl[1].stop >= w - 1) if bw >= bh else (sl[0].start <= 1 and sl[0].stop >= h - 1)
        if not ends or length < 0.6 * (w if bw >= bh else h):
            continue
        own = labels[sl] == i
        area = int(own.sum())
        slanted = across / max(bh, bw) > math.tan(math.radians(2.5))
        # One line, not lines and writing joined: a single run of ink across it almost everywhere.
        along = own if bw >= bh else own.T
        runs = (np.diff(along.astype(np.int8), axis=0) == 1).sum(axis=0) + along[0]
        single = float(np.mean(runs == 1)) >= 0.9
        if length / max(area / length, 1.0) >= 25 and slanted and single:
            drop[i] = True
    if not drop.any():
        return mask
    notes.append("ignored the paper's edge")
    return mask & ~drop[labels]
