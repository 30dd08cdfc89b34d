"""The letter K drawn cleanly and preprocessed: what every harder picture of it is compared with."""

import numpy as np
import pytest

from handwriting.imaging.letter import preprocess_image
from tests.pictures import draw


@pytest.fixture(scope="module")
def clean_k() -> np.ndarray:
    return preprocess_image(draw("K")).image
