"""handwriting: read handwritten capital letters (A-Z) and words.

The package is laid out by pipeline stage, each importing only the stages before it:
paths -> dataset -> kaggle_csv, preprocess -> strokes -> glyphs, synthetic -> data -> corpus,
features, explore, plots -> augment, model -> modelcard, evaluate -> train -> segment, lexicon ->
recognize -> predict, store -> dashboard/, serve -> cli.
TensorFlow is imported only by augment, model and the functions that run a model, so the data
tools and the command line start fast.
"""

__version__ = "0.1.0"

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
