"""The shared real handwriting: which of it may train a model, its labs, and who a model never saw.

Only licensed data trains the shipped models (`handwriting.recipes`): the embedded synthetic set
(MIT) and the UNIPEN pen trajectories (CC BY 4.0). Sources without a stated licence (the 28x28
`real_letters`, the touchscreen writers `kenan:*`) are never trained on: they are the test sets
of writers the models never saw. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from handwriting.data.dataset import Dataset
from handwriting.data.formats import load
from handwriting.data.strokes_json import load_strokes_json
from handwriting.imaging.redraw import original_source
from handwriting.paths import shared_data_dir

UNIPEN_LICENCE = "CC BY 4.0 (UNIPEN train_r01_v07, Zenodo re-release; cite Guyon et al., ICPR 1994)"


def lab_of(writer: str) -> str:
    """'unipen:apb/xyz' -> 'apb' (the contributing laboratory)."""
    return writer.split(":", 1)[1].split("/", 1)[0] if writer.startswith("unipen:") else ""


def unipen(pen_widths: tuple[float, ...], shared: Path | None = None, flags=("ok",), redraws: int = 0) -> Dataset:
    """The UNIPEN capitals (clean ones by default), rendered once per pen width and `redraws` more
    times redrawn (`handwriting.imaging.redraw`)."""
    strokes = load_strokes_json((shared or shared_data_dir()) / "strokes_letters.json", pen_widths, flags=flags,
                                redraws=redraws)
    data = strokes[original_source(strokes.source) == "unipen"]
    data.licences = {"unipen": UNIPEN_LICENCE}  # (train() gives "unipen (redrawn)" the same, by prefix)
    return data


def labs(data: Dataset) -> np.ndarray:
    return np.array([lab_of(w) for w in data.writer])


def unseen_writer_sets(shared: Path | None = None) -> dict[str, Dataset]:
    """Writers the shipped model never saw: each real_letters source and the touchscreen writers."""
    shared = shared or shared_data_dir()
    real = load(shared / "real_letters.npz")
    sets = {f"real_letters/{name}": real[real.source == name] for name in np.unique(real.source)}
    strokes = load_strokes_json(shared / "strokes_letters.json", flags=("ok",))
    sets["touchscreen (kenan, 22 writers)"] = strokes[strokes.source == "kenan"]
    return sets
