"""The numbers behind the data notebooks: counts, ink, mean letters, PCA, near-duplicates,
non-letters and the layout check."""

from __future__ import annotations

import numpy as np
import pytest

from handwriting import LETTERS
from handwriting.data import explore
from handwriting.data.dataset import Dataset
from handwriting.data.synthetic import generate
from handwriting.imaging.letter import preprocess_image


@pytest.fixture(scope="module")
def letters() -> Dataset:
    return generate(260, seed=3)


def test_kaggle_counts_match_the_published_extremes():
    counts = explore.KAGGLE_AZ_COUNTS
    assert list(counts) == list(LETTERS)
    assert sum(counts.values()) == 372_451
    assert min(counts, key=counts.get) == "I" and counts["I"] == 1120
    assert max(counts, key=counts.get) == "O" and counts["O"] == 57825


def test_letter_counts_and_labels_from_counts_round_trip():
    counts = {letter: i % 4 for i, letter in enumerate(LETTERS)}
    y = explore.labels_from_counts(counts)
    assert y.dtype == np.uint8 and len(y) == sum(counts.values())
    assert explore.letter_counts(y).tolist() == [counts[letter] for letter in LETTERS]
    assert explore.letter_counts(np.array([25], dtype=np.uint8)).tolist() == [0] * 25 + [1]


def test_ink_amount_counts_pixels_at_half_intensity_or_more():
    images = np.zeros((3, 28, 28), dtype=np.uint8)
    images[1, :2, :5] = 255          # 10 ink pixels
    images[2, 0, :4] = [127, 128, 200, 90]  # 2 at or above 128
    assert explore.ink_amount(images).tolist() == [0, 10, 2]


def test_mean_images_average_each_letter_and_leave_absent_letters_empty():
    x = np.zeros((3, 28, 28), dtype=np.uint8)
    x[0, 5, 5], x[1, 5, 5], x[2, 0, 0] = 100, 200, 50
    means = explore.mean_images(Dataset(x, np.array([0, 0, 2])))
    assert means.shape == (26, 28, 28)
    assert means[0, 5, 5] == pytest.approx(150.0)
    assert means[2, 0, 0] == pytest.approx(50.0)
    assert not means[1].any() and not means[25].any()


def test_pca_orders_components_by_variance_and_projects_orthonormally():
    rng = np.random.default_rng(0)
    images = np.zeros((400, 28, 28))
    images[:, 3, 3] = rng.normal(128, 60, 400)  # the pixel that varies most
    images[:, 20, 20] = rng.normal(128, 20, 400)
    images = np.clip(images, 0, 255).astype(np.uint8)
    projection = explore.pca(images, components=3)
    first = projection.components[0].reshape(28, 28)
    assert abs(first[3, 3]) == pytest.approx(1.0, abs=1e-3)
    assert np.all(np.diff(projection.explained) <= 1e-12) and projection.explained.sum() <= 1.0 + 1e-9
    assert projection.components @ projection.components.T == pytest.approx(np.eye(3), abs=1e-4)
    points = projection.transform(images)
    assert points.shape == (400, 3)
    assert points[:, 0].std() > points[:, 1].std()


def test_pca_refuses_a_single_image():
    with pytest.raises(ValueError, match="at least 2"):
        explore.pca(np.zeros((1, 28, 28), np.uint8))


def _brute_force_repeats(images: np.ndarray, tolerance: float) -> set[int]:
    flat = images.reshape(len(images), -1).astype(np.float64)
    d = np.sqrt(((flat[:, None] - flat[None]) ** 2).mean(axis=2))
    return {j for j in range(len(images)) if (d[j, :j] <= tolerance).any()}


def test_near_duplicates_finds_planted_copies_and_only_them(letters):
    x = letters.x[:120].copy()
    rng = np.random.default_rng(1)
    x[50] = x[7]                                       # exact copy
    noisy = x[9].astype(int) + rng.integers(-6, 7, (28, 28)) * (x[9] > 0)
    x[60] = np.clip(noisy, 0, 255)                     # re-saved copy: RMS well under 8
    x[70] = np.roll(x[11], 3, axis=1)                  # the same letter moved: not a duplicate
    found = explore.near_duplicates(x, tolerance=8.0, block=32)
    assert found.total == 120 and found.exact == 1
    pairs = {tuple(p) for p in found.pairs.tolist()}
    assert (7, 50) in pairs and (9, 60) in pairs
    assert all(p[1] != 70 for p in pairs)
    assert set(found.pairs[:, 1].tolist()) == _brute_force_repeats(x, 8.0)
    assert found.near == len(found.pairs) and found.fraction == pytest.approx(found.near / 120)
    assert np.all(found.distances <= 8.0)


def test_near_duplicates_agree_with_brute_force_at_a_loose_tolerance(letters):
    x = letters.x[:150]
    found = explore.near_duplicates(x, tolerance=40.0, block=16)
    assert found.near > 0
    assert set(found.pairs[:, 1].tolist()) == _brute_force_repeats(x, 40.0)


def test_near_duplicates_of_nothing():
    found = explore.near_duplicates(np.zeros((1, 28, 28), np.uint8))
    assert (found.total, found.exact, found.near, found.fraction) == (1, 0, 0, 0.0)


def test_example_picture_is_dark_ink_on_light_paper_that_preprocessing_reads():
    picture = explore.example_picture("R", seed=2)
    assert picture.ndim == 3 and picture.shape[2] == 3 and picture.dtype == np.uint8
    assert np.median(picture) > 180                      # mostly light paper
    assert picture.min() < 100                           # with dark ink on it
    result = preprocess_image(picture)
    assert result.image.shape == (28, 28) and result.inverted
    assert explore.layout_summary(result.image[None])["longer side 19-21 px"] == 1.0


def test_layout_measures_box_and_centre_of_mass():
    image = np.zeros((1, 28, 28), np.uint8)
    image[0, 4:24, 10:14] = 255                          # a bar 20 tall, 4 wide
    geometry = explore.layout(image)
    assert geometry["longer_side"].tolist() == [20]
    assert geometry["centre_x"][0] == pytest.approx(11.5)
    assert geometry["centre_y"][0] == pytest.approx(13.5)
    summary = explore.layout_summary(image)
    assert summary["longer side 19-21 px"] == 1.0
    assert summary["centre of mass within 1.5 px of the middle"] == 0.0  # 2 px left of the middle


def test_synthetic_data_follows_the_convention(letters):
    summary = explore.layout_summary(letters.x)
    assert summary["longer side 19-21 px"] > 0.98
    assert summary["centre of mass within 1.5 px of the middle"] > 0.98
