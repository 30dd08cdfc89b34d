"""One letter to the model's 28x28 (`handwriting.imaging.letter`): the training data's convention,
and what the pipeline reports it decided. Pictures of every kind ending as that letter are in
test_decode, test_ink and test_page; reading them with the model is in tests/recognize.
"""

from __future__ import annotations

import numpy as np

from handwriting.imaging.letter import Preprocessed, fit_and_center, preprocess_image
from tests.pictures import draw


def test_fit_and_center_fits_20_box_and_centres_mass():
    ink = np.zeros((100, 60), np.float32)
    ink[10:90, 20:30] = 1.0  # a tall bar
    image, box = fit_and_center(ink)
    rows, cols = np.flatnonzero(image.max(axis=1) > 25), np.flatnonzero(image.max(axis=0) > 25)
    assert rows[-1] - rows[0] + 1 == 20  # the longer side is 20 pixels
    assert cols[-1] - cols[0] + 1 < 6     # the aspect ratio is kept
    ys, xs = np.nonzero(image)
    weights = image[ys, xs].astype(float)
    assert abs(np.average(ys, weights=weights) - 13.5) <= 1 and abs(np.average(xs, weights=weights) - 13.5) <= 1
    assert box == (20, 10, 30, 90)


def test_result_reports_what_was_decided():
    pre = preprocess_image(draw("E", box=(40, 30, 120, 170)))
    assert isinstance(pre, Preprocessed) and pre.image.shape == (28, 28) and pre.image.dtype == np.uint8
    assert pre.inverted is True  # dark ink on light paper
    left, top, right, bottom = pre.bbox
    assert abs(left - 40) <= 10 and abs(top - 30) <= 10 and abs(right - 120) <= 10 and abs(bottom - 170) <= 10
    assert 0 < pre.threshold < 1
    assert pre.image.max() == 255 and pre.image[0].max() == 0  # white ink on black, margins empty
