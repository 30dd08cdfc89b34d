"""handwriting: read handwritten capital letters (A-Z) and words.

The package is laid out by pipeline stage, each importing only the stages before it:
paths -> dataset -> preprocess -> strokes -> data / synthetic -> features -> model -> train ->
evaluate -> recognize -> store -> dashboard, cli.
Nothing below `model` imports TensorFlow, so data tools start fast.
"""

__version__ = "0.1.0"

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
