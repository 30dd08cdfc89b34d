"""Stage 1, imaging: pictures and pen strokes to ink.

A picture people give us goes through these steps, each its own module:

1. `decode`: any picture (path, bytes, PIL image, array; JPEG at reduced scale, HEIC, EXIF
   orientation) upright at working size, or `ImageReadError`.
2. `ink`: how much darker than the paper each pixel is (any colour, either polarity), photos'
   paper flattened, an Otsu threshold, specks dropped; with `page` (the table beyond the paper,
   the paper's edges, a page askew straightened) and `lines` (ruled and grid lines removed), an
   `InkImage`, or `NoInkError`. `measure` has the stroke width every step uses.
3. `letter`: one letter's components cropped, thin strokes thickened, fitted into 28x28 and
   centred as the training data is; `preprocess_image` runs all three for one letter, and
   `handwriting.words.segment` cuts words and pages from an `InkImage`.

Pen strokes are drawn by `strokes` (one letter, 28x28, as the training data) and `paper` (a word:
its ink, or dark ink on light paper as a scan); `redraw` makes new drawings of a trajectory.
Imports nothing of the later stages.
"""
