"""Candidates cut from composed words, labelled by the ink they hold, for training the word reader."""

from __future__ import annotations

import numpy as np
import pytest

from handwriting.data.not_letters import NOT_A_LETTER
from handwriting.data.synthetic import generate
from handwriting.imaging.compose import ink_crop
from handwriting.words.pieces import HEIGHT, candidates, compose_word, label_candidate, word_pieces


def bar(width: int = 8) -> np.ndarray:
    """A letter-sized upright bar as a soft ink crop (HEIGHT high)."""
    return np.ones((HEIGHT, width), np.float32)


def test_compose_keeps_letters_in_order_and_knows_whose_ink_is_whose():
    crops = [bar(), bar(30), bar(14)]
    word = compose_word(crops, np.random.default_rng(0))
    ink, owner = word.ink, word.owner()
    assert ink.shape == owner.shape and 0 <= ink.min() and ink.max() <= 1
    assert set(np.unique(owner)) == {-1, 0, 1, 2}
    assert np.array_equal(owner >= 0, ink > 0.5)
    centres = [np.nonzero(owner == k)[1].mean() for k in range(3)]
    assert centres == sorted(centres)
    # each letter keeps about its own amount of ink (overlaps are given to one of the two)
    for k, crop in enumerate(crops):
        assert (owner == k).sum() >= 0.6 * crop.size


def test_a_candidate_is_a_letter_only_when_it_holds_all_of_one_letter_and_little_else():
    owner = -np.ones((10, 30), int)
    owner[:, 0:10] = 0
    owner[:, 12:22] = 1
    letters = [7, 3]
    own = np.zeros_like(owner, dtype=bool)
    own[:, 0:10] = True
    assert label_candidate(own, owner, letters) == 7
    own[:, 12:22] = True
    assert label_candidate(own, owner, letters) == NOT_A_LETTER      # two letters as one
    own[:] = False
    own[:, 12:16] = True
    assert label_candidate(own, owner, letters) == NOT_A_LETTER      # a part of a letter
    own[:, 12:20] = True
    assert label_candidate(own, owner, letters) is None              # most of one: neither, left out
    assert label_candidate(np.zeros_like(own), owner, letters) is None


def test_letters_far_apart_are_all_found_with_their_labels():
    letters = generate(26 * 4, seed=2)
    picks = [0, 27, 54]  # three different letters
    ink = np.zeros((2 * HEIGHT, 6 * HEIGHT), np.float32)
    owner = -np.ones(ink.shape, int)
    for k, i in enumerate(picks):  # a letter's width apart
        crop = ink_crop(letters.x[i], HEIGHT)
        x0 = HEIGHT // 2 + 2 * k * HEIGHT
        ink[HEIGHT // 2:HEIGHT // 2 + HEIGHT, x0:x0 + crop.shape[1]] = crop
        owner[HEIGHT // 2:HEIGHT // 2 + HEIGHT, x0:x0 + crop.shape[1]][crop > 0.5] = k
    images, labels = candidates(ink, owner, [int(letters.y[i]) for i in picks])
    assert sorted(label for label in labels if label != NOT_A_LETTER) == sorted(int(letters.y[i]) for i in picks)
    assert all(image.shape == (28, 28) and image.dtype == np.uint8 for image in images)


def test_word_pieces_count_share_and_seed():
    letters = generate(520, seed=3)
    x, y = word_pieces(letters.x, letters.y, 300, seed=1, not_letter_share=0.4)
    assert x.shape == (300, 28, 28) and x.dtype == np.uint8 and y.dtype == np.int32
    assert (y == NOT_A_LETTER).sum() == 120
    assert set(np.unique(y[y >= 0])) <= set(range(26)) and len(np.unique(y[y >= 0])) > 10
    again = word_pieces(letters.x, letters.y, 300, seed=1, not_letter_share=0.4)
    assert np.array_equal(x, again[0]) and np.array_equal(y, again[1])
    assert not np.array_equal(x, word_pieces(letters.x, letters.y, 300, seed=2, not_letter_share=0.4)[0])


def test_letters_cut_from_words_keep_their_labels():
    # A model-free check that labels follow the ink: a candidate labelled as a letter looks like
    # that letter's clean image far more than like the other letters' (nearest class mean).
    letters = generate(26 * 40, seed=4)
    x, y = word_pieces(letters.x, letters.y, 600, seed=0)
    means = np.stack([letters.x[letters.y == k].mean(axis=0) for k in range(26)]).reshape(26, -1)
    found = y >= 0
    flat = x[found].reshape(found.sum(), -1).astype(np.float64)
    distances = ((flat[:, None, :] - means[None]) ** 2).sum(axis=2)
    nearest = distances.argmin(axis=1)
    assert (nearest == y[found]).mean() > 0.5  # chance is 1 in 26


def test_blank_images_are_refused():
    with pytest.raises(ValueError, match="blank"):
        word_pieces(np.zeros((5, 28, 28), np.uint8), np.zeros(5, int), 10)
