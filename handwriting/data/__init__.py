"""Stage 2, data: every source of labelled letters as one `Dataset`.

Loaders of each format (Kaggle CSV, EMNIST, image folders and zips, .npz, pen-stroke JSON), the
embedded synthetic set and its glyphs, the not-letters, the shared real handwriting with its
licences, and the numbers of the EDA notebook. Imports only `imaging`.
"""

from handwriting.data.dataset import DataError, Dataset
from handwriting.data.formats import detect_format, load, save

__all__ = ["DataError", "Dataset", "detect_format", "load", "save"]
