"""The notebooks' figures: titled, labelled, letters as tick labels, and showing the right numbers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure

from handwriting import LETTERS, plots
from handwriting.data import explore

ALPHABET = list(LETTERS)


def rendered(fig: Figure) -> Figure:
    """Draw the figure to PNG, as a notebook would (catches layout and text errors), and return it."""
    assert isinstance(fig, Figure)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=40)
    assert buffer.getvalue()[:4] == b"\x89PNG"
    assert fig.get_suptitle(), "every figure has a title"
    return fig


def ticks(ax, axis: str = "x") -> list[str]:
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in labels]


def bar_heights(ax) -> list[float]:
    return [p.get_height() for p in ax.patches]


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.fixture(scope="module")
def images() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = np.zeros((130, 28, 28), np.uint8)
    for i in range(130):
        r, c = rng.integers(4, 20, 2)
        x[i, r:r + 6, c:c + 3 + i % 5] = 255
    return x, (np.arange(130) % 26).astype(np.uint8)


def test_letter_counts_draws_each_letter_count_and_names_the_extremes():
    counts = {letter: 100 + 10 * i for i, letter in enumerate(LETTERS)}
    counts["I"], counts["O"] = 7, 700
    fig = rendered(plots.letter_counts(counts))
    ax = fig.axes[0]
    assert bar_heights(ax) == [counts[letter] for letter in LETTERS]
    assert ticks(ax) == ALPHABET
    assert ax.get_xlabel() == "letter" and ax.get_ylabel() == "images"
    assert "rarest I (7)" in ax.get_title() and "commonest O (700)" in ax.get_title() and "100.0x" in ax.get_title()
    colours = [p.get_facecolor() for p in ax.patches]
    assert colours[8] != colours[0] and colours[14] != colours[0] and colours[8] != colours[14]


def test_letter_counts_of_balanced_data_says_so():
    ax = rendered(plots.letter_counts([50] * 26)).axes[0]
    assert "balanced" in ax.get_title()
    assert len({p.get_facecolor() for p in ax.patches}) == 1


def test_letter_counts_stacks_sources():
    a, b = np.arange(26), np.full(26, 5)
    fig = rendered(plots.letter_counts({"scans": a, "pad": b}))
    ax = fig.axes[0]
    assert len(ax.patches) == 52
    tops = [p.get_y() + p.get_height() for p in ax.patches[26:]]
    assert tops == pytest.approx((a + b).tolist())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["scans", "pad"]


def test_letter_counts_rejects_a_wrong_number_of_counts():
    with pytest.raises(ValueError, match="26"):
        plots.letter_counts([1, 2, 3])


def test_compare_letter_counts_gives_one_panel_per_data_set():
    fig = rendered(plots.compare_letter_counts({"mine": [10] * 26, "Kaggle": explore.KAGGLE_AZ_COUNTS}))
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title().startswith("mine: balanced")
    assert fig.axes[1].get_title().startswith("Kaggle: rarest I (1,120), commonest O (57,825)")
    assert all(ticks(ax) == ALPHABET for ax in fig.axes)


def test_sample_grid_has_a_row_per_letter_named_on_the_left(images):
    x, y = images
    ax = rendered(plots.sample_grid(x, y, per_letter=4)).axes[0]
    assert ticks(ax, "y") == ALPHABET
    mosaic = ax.images[0].get_array()
    assert mosaic.shape == (26 * 30 - 2, 4 * 30 - 2)
    # Row r holds images of letter r only.
    for r in (0, 7, 25):
        tile = mosaic[r * 30:r * 30 + 28, 30:58]
        assert any(np.array_equal(tile, x[i]) for i in np.flatnonzero(y == r))
    # Only the letters that occur get a row; a letter with fewer images leaves its row's end black.
    ax = rendered(plots.sample_grid(x[:29], y[:29], per_letter=2)).axes[0]
    assert ticks(ax, "y") == ALPHABET
    assert not ax.images[0].get_array()[30 * 5:30 * 5 + 28, 30:].any()
    ax = rendered(plots.sample_grid(x[y < 3], y[y < 3], per_letter=2)).axes[0]
    assert ticks(ax, "y") == ["A", "B", "C"]


def test_mean_letters_titles_each_letter_with_its_count():
    means = np.random.default_rng(1).uniform(0, 255, (26, 28, 28))
    fig = rendered(plots.mean_letters(means, counts=list(range(26))))
    assert [ax.get_title() for ax in fig.axes] == [f"{letter} ({i:,})" for i, letter in enumerate(LETTERS)]


def test_pixel_histogram_counts_every_grey_level(images):
    x, _ = images
    ax = rendered(plots.pixel_histogram(x)).axes[0]
    assert bar_heights(ax) == np.bincount(x.ravel(), minlength=256).tolist()
    assert ax.get_yscale() == "log"
    assert "background" in ax.get_xlabel() and ax.get_ylabel()
    assert f"{(x == 0).mean():.0%} of pixels are background" in ax.get_title()


def test_ink_amount_shows_the_distribution_and_a_box_per_letter(images):
    x, y = images
    fig = rendered(plots.ink_amount(explore.ink_amount(x), y))
    left, right = fig.axes
    assert left.get_xlabel().startswith("ink pixels") and left.get_ylabel() == "images"
    assert ticks(right) == ALPHABET and right.get_xlabel() == "letter"
    assert f"median {np.median(explore.ink_amount(x)):.0f}" in left.get_title()


def test_duplicate_pairs_shows_the_pairs_or_says_there_are_none():
    x = np.random.default_rng(2).integers(0, 256, (30, 28, 28)).astype(np.uint8)
    y = (np.arange(30) % 26).astype(np.uint8)
    x[20] = x[3]
    found = explore.near_duplicates(x)
    fig = rendered(plots.duplicate_pairs(x, found, y))
    shown = [ax.get_title() for ax in fig.axes if ax.images]
    assert shown == ["D #3", "U #20\nRMS 0.0"]
    assert "1 of 30 images (3.3%)" in fig.get_suptitle() and "1 exactly" in fig.get_suptitle()

    none = explore.near_duplicates(x[:3])
    fig = rendered(plots.duplicate_pairs(x[:3], none))
    assert "no near-duplicates within the tolerance" in texts(fig)


def test_projection_colours_points_by_letter_and_labels_the_axes(images):
    x, y = images
    projection = explore.pca(x)
    fig = rendered(plots.projection(projection.transform(x), y, projection.explained))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ALPHABET
    assert sorted(texts(fig)) == ALPHABET
    assert f"{projection.explained[0]:.1%} of pixel variance" in ax.get_xlabel()
    assert "component 2" in ax.get_ylabel()


def test_projection_labels_are_pushed_apart():
    points = np.random.default_rng(0).normal(size=(260, 2))
    y = (np.arange(260) % 26).astype(np.uint8)
    centres = np.zeros((26, 2))  # every letter at the same place
    spread = plots.data._spread(centres, points)
    span = np.ptp(points, axis=0)
    d = np.hypot(*((spread[:, None] - spread[None]) / span).transpose(2, 0, 1))
    np.fill_diagonal(d, 1.0)
    assert d.min() > 0.02
    fig = rendered(plots.projection(points * 0.01, y))  # all clouds on top of each other
    positions = np.array([t.get_position() for t in fig.axes[0].texts])
    assert len(positions) == 26 and len(np.unique(positions.round(6), axis=0)) == 26


def test_normalisation_shows_picture_input_and_rescaled_values():
    picture = explore.example_picture("A", seed=0)
    from handwriting.imaging.letter import preprocess_image

    result = preprocess_image(picture)
    fig = rendered(plots.normalisation(picture, result.image, result.bbox))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith(f"as given: {picture.shape[1]} x {picture.shape[0]} px")
    assert "28 x 28" in titles[1] and "/ 255" in titles[2]
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert legend == ["scaled: longer side 20 px", "centre of mass", "centre of the frame"]


def test_split_counts_stacks_training_and_validation_and_flags_missing_letters():
    train = np.full(26, 90)
    val = np.full(26, 10)
    val[4] = 0
    fig = rendered(plots.split_counts(train, val))
    top, bottom = fig.axes
    assert bar_heights(top)[:26] == train.tolist() and bar_heights(top)[26:] == val.tolist()
    assert bar_heights(bottom) == pytest.approx((100 * val / (train + val)).tolist())
    assert ticks(bottom) == ALPHABET and bottom.get_ylabel() == "validation share (%)"
    assert "missing from one side: E" in top.get_title()


def test_class_weights_draws_one_bar_per_letter():
    weights = {i: 0.5 + i / 10 for i in range(26)}
    fig = rendered(plots.class_weights({"kaggle": weights, "mine": {i: 1.0 for i in range(26)}}))
    assert len(fig.axes) == 2
    assert bar_heights(fig.axes[0]) == pytest.approx([weights[i] for i in range(26)])
    assert ticks(fig.axes[1]) == ALPHABET and fig.axes[1].get_xlabel() == "letter"
    assert fig.axes[0].get_title().startswith("kaggle: weights 0.50 to 3.00")


def test_augmentation_grid_puts_the_original_first(images):
    x, y = images
    fig = rendered(plots.augmentation_grid(x[:3], {"shift": x[3:6], "rotation": x[6:9]}, y[:3]))
    assert len(fig.axes) == 9
    assert [ax.get_title() for ax in fig.axes[:3]] == ["original", "shift", "rotation"]
    assert [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()] == ["A", "B", "C"]
    assert np.array_equal(fig.axes[4].images[0].get_array(), x[4])


def test_learning_curves_plot_training_and_validation_per_epoch():
    history = {"loss": [2.0, 1.0, 0.5], "val_loss": [2.1, 1.2, 0.9],
               "accuracy": [0.3, 0.6, 0.8], "val_accuracy": [0.4, 0.7, 0.75]}
    fig = rendered(plots.learning_curves(history, best_epoch=3))
    loss, acc = fig.axes
    assert loss.get_xlabel() == "epoch" and "loss" in loss.get_ylabel() and acc.get_ylabel() == "accuracy"
    lines = {line.get_label(): line for line in acc.lines}
    assert list(lines["training"].get_ydata()) == history["accuracy"]
    assert list(lines["validation"].get_ydata()) == history["val_accuracy"]
    assert list(lines["training"].get_xdata()) == [1, 2, 3]
    assert "best epoch (3)" in lines


def test_confusion_heatmap_has_letters_on_both_axes_and_row_percentages():
    matrix = np.zeros((26, 26), int)
    np.fill_diagonal(matrix, 10)
    matrix[0, 0], matrix[0, 14] = 3, 1   # A: 75 % right, 25 % read as O
    fig = rendered(plots.confusion_heatmap(matrix))
    ax = fig.axes[0]
    assert ticks(ax, "x") == ALPHABET and ticks(ax, "y") == ALPHABET
    assert ax.get_xlabel() == "predicted letter" and ax.get_ylabel() == "true letter"
    assert fig.axes[1].get_ylabel() == "% of the true letter's images"
    cells = texts(fig)
    assert cells.count("75") == 1 and cells.count("25") == 1 and cells.count("100") == 25
    assert len(cells) == 27  # empty cells carry no text
    assert ax.get_title().startswith("254 images, 99.6% read right")


def test_precision_recall_draws_both_per_letter():
    per_letter = {letter: {"count": 5, "precision": 0.5 + i / 100, "recall": 0.9 - i / 100}
                  for i, letter in enumerate(LETTERS)}
    per_letter["Q"] = {"count": 0, "precision": None, "recall": None}
    ax = rendered(plots.precision_recall(per_letter)).axes[0]
    heights = bar_heights(ax)
    assert heights[:26][0] == pytest.approx(0.9) and heights[26:][0] == pytest.approx(0.5)
    assert heights[16] == 0.0
    assert ticks(ax) == ALPHABET and ax.get_ylabel() == "fraction"  # Q at 0: the axis starts at 0
    assert ax.get_title() == "lowest recall: Z"


def test_precision_recall_zooms_and_says_so():
    per_letter = {letter: {"count": 5, "precision": 0.95, "recall": 0.9} for letter in LETTERS}
    ax = rendered(plots.precision_recall(per_letter)).axes[0]
    assert ax.get_ylim() == pytest.approx((0.8, 1.0))
    assert ax.get_ylabel() == "fraction (axis from 80%)"


def test_mistakes_shows_the_most_confident_wrong_answers_first(images):
    x, _ = images
    y_true = np.array([0, 1, 2, 3], np.uint8)
    y_pred = np.array([0, 4, 5, 3], np.uint8)
    confidence = np.array([0.99, 0.6, 0.9, 0.5])
    fig = rendered(plots.mistakes(x[:4], y_true, y_pred, confidence))
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["C -> F (90%)", "B -> E (60%)"]
    assert "2 of 2" in fig.get_suptitle()


def test_gallery_without_images_says_so():
    fig = rendered(plots.gallery(np.zeros((0, 28, 28), np.uint8), [], "Nothing"))
    assert texts(fig) == ["nothing to show"]


def test_reliability_draws_accuracy_per_confidence_bin():
    table = [{"low": 0.5, "high": 0.6, "count": 10, "confidence": 0.55, "accuracy": 0.4},
             {"low": 0.9, "high": 1.0, "count": 90, "confidence": 0.95, "accuracy": 0.95}]
    fig = rendered(plots.reliability(table))
    left, right = fig.axes
    assert bar_heights(left) == [0.4, 0.95] and bar_heights(right) == [10, 90]
    assert left.get_xlabel().startswith("model confidence") and left.get_ylabel() == "accuracy"
    assert "expected calibration error 1.5%" in right.get_title()  # (10 * 0.15 + 0) / 100


def test_rejection_reports_the_share_flagged_below_the_threshold():
    letters = np.array([0.99, 0.95, 0.9, 0.5])
    others = np.array([0.2, 0.3, 0.95, 0.4])
    kinds = np.array(["blot", "scribble", "blot", "scribble"])
    fig = rendered(plots.rejection(letters, others, 0.8, kinds))
    left, right = fig.axes
    legend = [t.get_text() for t in left.get_legend().get_texts()]
    assert legend == ["letters (25.0% flagged)", "not letters (75.0% flagged)", "threshold 0.80"]
    assert ticks(right, "y") == ["letters", "blot", "scribble"]
    assert [p.get_width() for p in right.patches] == [25.0, 50.0, 100.0]
    assert right.get_xlabel() == "flagged as uncertain (%)"


def test_per_source_draws_top1_and_top3_with_counts():
    per_source = {"scans": {"count": 100, "accuracy": 0.8, "top3_accuracy": 0.9},
                  "pad": {"count": 20, "accuracy": 0.95, "top3_accuracy": 1.0}}
    ax = rendered(plots.per_source(per_source)).axes[0]
    assert bar_heights(ax) == [0.8, 0.95, 0.9, 1.0]
    assert ticks(ax) == ["scans\n(100 images)", "pad\n(20 images)"]
    assert ax.get_ylabel() == "accuracy" and ax.get_xlabel() == "source"


def test_letter_colours_are_26_distinct():
    colours = plots.letter_colours()
    assert len(colours) == 26 and len(set(map(tuple, colours))) == 26


def test_strips_caption_each_word_and_leave_spare_panels_blank():
    images = np.zeros((3, 32, 256), np.uint8)
    images[1, 4:28, 2:60] = 255
    fig = rendered(plots.strips(images, ["AB", "CDE", "F"], columns=2))
    shown = [ax for ax in fig.axes if ax.get_images()]
    assert [ax.get_xlabel() for ax in shown] == ["AB", "CDE", "F"]
    assert shown[1].get_images()[0].get_array().max() == 255
    assert len(fig.axes) == 4 and not fig.axes[3].axison  # 3 words in a 2-column grid


def test_read_words_caption_label_and_reading_and_mark_failures_red():
    pictures = [np.full((40, 120), 230, np.uint8) for _ in range(3)]
    fig = rendered(plots.read_words(pictures, ["cat", "dog", "Emu"], ["cat", "dug", ""], [True, False, False]))
    shown = [ax for ax in fig.axes if ax.get_images()]
    labels = [ax.xaxis.label for ax in shown]
    assert [t.get_text() for t in labels] == ["cat / cat", "dog / dug", "Emu / (nothing)"]
    assert labels[0].get_color() == "black" and labels[1].get_color() == labels[2].get_color() != "black"
    with pytest.raises(ValueError, match="one of each per word"):
        plots.read_words(pictures, ["cat"], ["cat"], [True])
