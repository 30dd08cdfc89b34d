"""handwriting: read handwritten capital letters (A-Z) and words.

The package is laid out by pipeline stage; each stage imports only the stages before it
(tests/test_layout.py checks every import, lazy ones included):

    paths, cards, LETTERS                        the bottom: no stage
    imaging -> data -> letters -> words -> recognize -> app
    cli, plots, recipes                          the top: may use any stage

imaging turns pictures and pen strokes into ink and 28x28 letters; data loads every source as one
Dataset; letters trains and evaluates the A-Z network; words segments lines and reads them with the
word model; recognize is the front that reads a letter, word or page; app holds the store, the
`predict` command and the dashboard. TensorFlow is imported only where a model is built or run, so
the data tools and the command line start fast. docs/architecture.md has the map.
"""

__version__ = "0.1.0"

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
