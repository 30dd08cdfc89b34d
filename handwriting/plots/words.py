"""Figures of notebook 05: whole words as the word model reads them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from handwriting.plots.common import figure, show_image


def strips(images: np.ndarray, captions: Sequence[str], title: str = "What the word model reads",
           columns: int = 2) -> Figure:
    """Word-model strips (uint8 N x 32 x 256, white ink on black), a caption under each."""
    n = len(images)
    columns = max(1, min(columns, n))
    rows = max(1, int(np.ceil(n / columns)))
    fig = figure(4.2 * columns, 0.95 * rows + 0.5)
    axes = np.array(fig.subplots(rows, columns, squeeze=False))
    for k, ax in enumerate(axes.ravel()):
        if k < n:
            show_image(ax, images[k])
            ax.set_xlabel(captions[k], fontsize=9)
        else:
            ax.set_axis_off()
    fig.suptitle(title, fontweight="bold")
    return fig
