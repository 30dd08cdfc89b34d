"""Stage 1, imaging: pictures and pen strokes to ink.

Decoding any picture, finding the ink on paper, cleaning up a page, one letter to the 28x28 model
input, and the one renderer of pen strokes. Imports nothing of the later stages.
"""
