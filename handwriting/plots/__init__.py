"""Every figure the notebooks draw, as functions that return a matplotlib Figure.


The notebooks stay a sequence of calls; the figures get titles, labelled axes and letters as
tick labels in one place, and tests can check them. Figures are made without pyplot (no global
figure list, no backend needed: papermill and CI run headless); a notebook shows a Figure that
ends a cell, and `fig.savefig(...)` writes it. Images are drawn as the model sees them: white ink
on black. Nothing here imports TensorFlow.


One module per notebook stage; the notebooks call them as `plots.<figure>`.
"""

from handwriting.plots.common import letter_colours
from handwriting.plots.data import (
    compare_letter_counts,
    duplicate_pairs,
    ink_amount,
    letter_counts,
    mean_letters,
    pixel_histogram,
    projection,
    sample_grid,
)
from handwriting.plots.inputs import (
    augmentation_grid,
    class_weights,
    normalisation,
    split_counts,
)
from handwriting.plots.letters import (
    confusion_heatmap,
    gallery,
    learning_curves,
    mistakes,
    per_source,
    precision_recall,
    rejection,
    reliability,
)
from handwriting.plots.words import read_words, strips

__all__ = ["letter_colours", "letter_counts", "compare_letter_counts", "sample_grid", "mean_letters", "pixel_histogram", "ink_amount", "duplicate_pairs", "projection", "normalisation", "split_counts", "class_weights", "augmentation_grid", "learning_curves", "confusion_heatmap", "precision_recall", "gallery", "mistakes", "reliability", "rejection", "per_source", "strips", "read_words"]
