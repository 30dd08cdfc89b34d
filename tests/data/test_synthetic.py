"""The embedded default data set: reproducible, balanced, shaped like Kaggle data, and readable."""

from __future__ import annotations

import numpy as np
import pytest

from handwriting import LETTERS
from handwriting.data.dataset import Dataset
from handwriting.data.synthetic import distort, generate, glyph_variants, parse_path


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return generate(26 * 20, seed=11)


def test_same_seed_gives_byte_identical_images(sample):
    again = generate(26 * 20, seed=11)
    assert again.x.tobytes() == sample.x.tobytes()
    assert (again.y == sample.y).all() and (again.writer == sample.writer).all()


def test_different_seeds_give_different_images(sample):
    other = generate(26 * 20, seed=12)
    assert (other.x != sample.x).any(axis=(1, 2)).mean() > 0.95


def test_shape_type_and_tags(sample):
    assert sample.x.shape == (520, 28, 28) and sample.x.dtype == np.uint8
    assert sample.format == "synthetic"
    assert set(sample.source) == {"synthetic"}
    assert "synthetic" in sample.licences and "MIT" in sample.licences["synthetic"]
    for letter, writer in zip(sample.letters, sample.writer):
        assert writer in {v.id for v in glyph_variants(letter)}


def test_letters_are_balanced_and_all_present():
    assert set(generate(260, seed=0).per_letter().values()) == {10}
    counts = np.array(list(generate(53, seed=1).per_letter().values()))
    assert counts.min() >= 2 and counts.max() - counts.min() <= 1
    assert len(generate(0)) == 0
    with pytest.raises(ValueError, match="count"):
        generate(-1)


def test_images_are_fitted_and_centred_like_kaggle(sample):
    for image in sample.x:
        ink = image.astype(float)
        rows = np.flatnonzero((ink > 25).any(axis=1))
        cols = np.flatnonzero((ink > 25).any(axis=0))
        longer = max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)
        assert 19 <= longer <= 21
        cy = (ink.sum(axis=1) @ np.arange(28)) / ink.sum()
        cx = (ink.sum(axis=0) @ np.arange(28)) / ink.sum()
        # fit_and_center shifts by whole pixels (and keeps the 20x20 box inside the frame)
        assert abs(cy - 13.5) <= 1.5 and abs(cx - 13.5) <= 1.5


def test_every_letter_has_a_font_glyph_and_handwritten_variants():
    for letter in LETTERS:
        ids = [v.id for v in glyph_variants(letter)]
        assert "futural" in ids
        assert sum(i.startswith(f"skeleton:{letter}") for i in ids) >= 2, letter
    assert [v.id for v in glyph_variants("a")] == [v.id for v in glyph_variants("A")]
    with pytest.raises(ValueError, match="capital letter"):
        glyph_variants("AB")


def test_skeleton_path_language_and_its_errors():
    strokes = parse_path("M 0 1 L 0.4 0 L 0.8 1; M 0.2 0.6 L 0.6 0.6", spacing=0.1)
    assert len(strokes) == 2
    assert np.allclose(strokes[0][0], [0, 1]) and np.allclose(strokes[0][-1], [0.8, 1])
    assert any(np.allclose(p, [0.4, 0]) for p in strokes[0])  # the apex corner is kept
    assert np.hypot(*np.diff(strokes[0], axis=0).T).max() <= 0.1 + 1e-9
    arc = parse_path("A 0.5 0.5 0.5 0.5 0 360")[0]
    assert np.allclose(np.hypot(*(arc - 0.5).T), 0.5, atol=0.002)
    with pytest.raises(ValueError, match="stroke 2: unknown command 'Z'"):
        parse_path("M 0 0 L 1 1; Z 1 1", "test")
    with pytest.raises(ValueError, match="L before M"):
        parse_path("L 1 1")
    with pytest.raises(ValueError, match="Q needs 4 numbers"):
        parse_path("M 0 0 Q 1 1 2")


def test_distortion_keeps_the_letter_but_changes_it():
    """A nearest-centroid reader of the clean glyphs still reads most distorted copies."""
    from handwriting.imaging.strokes import render_strokes

    rng = np.random.default_rng(5)
    clean, distorted, labels = [], [], []
    for k, letter in enumerate(LETTERS):
        for variant in glyph_variants(letter):
            clean.append(render_strokes(list(variant.strokes)).astype(float).ravel())
            labels.append(k)
            copy = distort(variant.strokes, rng)
            assert sum(map(len, copy)) == sum(map(len, variant.strokes))
            distorted.append(render_strokes(copy).astype(float).ravel())
    clean, distorted, labels = np.array(clean), np.array(distorted), np.array(labels)
    assert np.abs(clean - distorted).mean() > 5      # not a copy
    nearest = ((distorted[:, None] - clean[None]) ** 2).sum(-1).argmin(1)
    assert (labels[nearest] == labels).mean() > 0.5  # but still the letter


@pytest.mark.shared
def test_synthetic_letters_teach_a_simple_reader_real_handwriting(shared_data):
    """A nearest-centroid reader fitted on synthetic letters alone reads real canvas letters."""
    real = np.load(shared_data / "real_letters.npz")
    keep = real["source"] == 1  # tessalonica_alfabet: letters drawn on a canvas by other people
    x_real, y_real = real["x"][keep].reshape(-1, 784) / 255.0, real["y"][keep]
    train = generate(26 * 80, seed=0)
    x = train.x.reshape(-1, 784) / 255.0
    centroids = np.stack([x[train.y == k].mean(axis=0) for k in range(26)])
    predicted = ((x_real[:, None] - centroids[None]) ** 2).sum(-1).argmin(1)
    accuracy = (predicted == y_real).mean()
    assert accuracy > 0.5, f"nearest centroid read {accuracy:.0%} of the real letters (chance 4%)"
