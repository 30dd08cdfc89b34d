"""Stage 4, words: lines and letters of a page, the word model, its corpus, training and metrics.

Segmentation into lines and candidate letters, their alignment with a text, the CRNN word model and
its decoding, the lexicon, the composed-word corpus and word-model training.
"""
