"""Stage 3, letters: the A-Z network, its training, evaluation and calibration.

Learns from any `Dataset`; it never imports the words stage: the recipes hand it word pieces as
data when a model should learn from them.
"""
