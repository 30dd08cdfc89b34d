"""Training words for the word model, composed from letters: no labelled word images needed.

Two kinds, because people give us both:
- pen words: the recorded pen trajectories of one writer's letters, placed side by side with gaps
  from overlapping to wide, slanted together and drawn with one pen of random width; where two
  letters overlap their strokes cross, as in a real pen-written word;
- picture words: 28x28 letter images (the embedded synthetic set, a CSV or image folder) cut to
  their ink and set side by side, for words made of scanned or drawn letters.
A third kind, when real pen-written words are at hand: each redrawn several times with another
size, width, slant and pen (`redrawn_words`), so the model meets real joins, ligatures and
lower-case shapes that composed words lack.

The composed letters are random (no dictionary): the model must read names and codes too, and must not
learn the test words' language. Pen words are composed in capitals, in lower case or capitalised when
the pen letters hold both cases, lower-case letters sized and set on the baseline as written
(`LOWER_SHAPE`). Nothing here imports TensorFlow.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from handwriting import LETTERS
from handwriting.imaging.compose import compose, ink_crop, scaled
from handwriting.imaging.strokes import as_arrays, draw_path
from handwriting.words.model import CHARSET, HEIGHT, MAX_LETTERS, WIDTH, strip

DRAW_HEIGHT = 56            # capital letter height (pixels) while composing
LENGTH_WEIGHTS = np.array([1, 3, 4, 5, 5, 5, 4, 4, 3, 2, 2, 1, 1, 1, 0.5, 0.5, 0.5, 0.5])  # mostly 3-8 letters
LENGTHS = np.arange(1, len(LENGTH_WEIGHTS) + 1)
OVERLAPPING = 0.3           # share of letter gaps that overlap or touch (pen words often do)
# A lower-case letter's height and how far it reaches below the baseline, in capital heights:
# x-height letters are about half a capital, ascenders as tall, descenders hang below the line.
LOWER_SHAPE = {**{c: (0.55, 0.0) for c in "acemnorsuvwxz"}, **{c: (1.0, 0.0) for c in "bdfhklt"},
               **{c: (0.9, 0.4) for c in "gpqy"}, "i": (0.75, 0.0), "j": (1.05, 0.4)}
STYLES = ("capitals", "lower", "capitalised")  # how composed pen words are written, when both cases are at hand


def _gap(rng: np.random.Generator) -> float:
    """The space before a letter, in letter heights (negative: overlapping its neighbour)."""
    return rng.uniform(-0.3, 0.1) if rng.random() < OVERLAPPING else rng.uniform(0.05, 0.9)


def pen_word(letters: list, rng: np.random.Generator, height: float = DRAW_HEIGHT, text: str | None = None) -> np.ndarray:
    """Pen trajectories, one list of strokes per letter (of `text`, when some are lower case) -> the
    word's soft ink (0-1)."""
    return _draw(placed_letters(letters, rng, height, text), rng, height)


def placed_letters(letters: list, rng: np.random.Generator, height: float = DRAW_HEIGHT,
                   text: str | None = None) -> list[np.ndarray]:
    """Pen trajectories, one list of strokes per letter (of `text`) -> the word's strokes, the
    letters set side by side on one baseline (pixels)."""
    placed, right = [], 0.0
    for k, strokes in enumerate(letters):
        arrays = as_arrays(strokes)
        points = np.concatenate(arrays)
        lo, extent = points.min(axis=0), np.ptp(points, axis=0)
        tall, below = LOWER_SHAPE.get(text[k], (1.0, 0.0)) if text else (1.0, 0.0)
        scale = tall * height * rng.uniform(0.85, 1.15) / max(float(extent[1]), float(extent[0]) / 3, 1e-6)
        left = right + _gap(rng) * height if k else 0.0
        # letters stand on a wavering baseline, descenders below it
        drop = rng.normal(0, 0.04 * height) + below * height - extent[1] * scale
        placed += [(a - lo) * scale + (left, drop) for a in arrays]
        right = max(right, left + float(extent[0]) * scale)
    return placed


def written_word(strokes, rng: np.random.Generator, height: float = DRAW_HEIGHT) -> np.ndarray:
    """A real pen-written word's strokes -> its soft ink (0-1), redrawn as another writer might have
    written it: random size, width, slant and pen. Raises ValueError for malformed strokes."""
    arrays = as_arrays(strokes)
    points = np.concatenate(arrays)
    lo, extent = points.min(axis=0), np.ptp(points, axis=0)
    scale = height * rng.uniform(0.85, 1.15) / max(float(extent[1]), float(extent[0]) / 30, 1e-6)
    stretch = np.array([rng.uniform(0.85, 1.15), 1.0])  # narrower or wider letters
    return _draw([(a - lo) * scale * stretch for a in arrays], rng, height)


def _draw(placed: list[np.ndarray], rng: np.random.Generator, height: float) -> np.ndarray:
    """Strokes placed in one frame (pixels) -> slanted together and drawn with one pen of random
    width (0.06-0.16 of the letter height): the word's soft ink (0-1)."""
    points = np.concatenate(placed)
    middle, slant = float(points[:, 1].mean()), rng.normal(0, 0.12)
    placed = [np.column_stack([a[:, 0] - slant * (a[:, 1] - middle), a[:, 1]]) for a in placed]
    points = np.concatenate(placed)
    lo = points.min(axis=0)
    pen = rng.uniform(0.06, 0.16) * height
    margin = int(pen) + 2
    size = np.ceil(points.max(axis=0) - lo).astype(int) + 2 * margin + 1
    canvas = Image.new("L", (int(size[0]), int(size[1])), 0)
    draw = ImageDraw.Draw(canvas)
    for a in placed:
        draw_path(draw, a - lo + margin, pen)
    return np.asarray(canvas, dtype=np.float32) / 255


def picture_word(crops: list[np.ndarray], rng: np.random.Generator, height: int = DRAW_HEIGHT) -> np.ndarray:
    """Letter ink crops (0-1, `height` high) -> the word's soft ink, letters apart or touching."""
    sized = [scaled(crop, rng.uniform(0.8, 1.2)) for crop in crops]
    # A gap overlaps at most 0.3 of the letter before it. (A gap after the last letter is drawn
    # and not used: the words stay those the shipped word model learnt from.)
    gaps = [max(rng.uniform(-0.15, 0.6) * height, -0.3 * c.shape[1]) for c in sized][:-1]
    drops = [rng.normal(0, 0.05) * height for _ in sized]
    return compose(sized, gaps, drops, margin=height // 2, line=(int(2.2 * height), int(1.7 * height))).ink


def composed_words(count: int, pen_letters: list[dict] | None = None, images: np.ndarray | None = None,
                   labels: np.ndarray | None = None, picture_share: float = 0.3,
                   seed: int = 0, trajectories: bool = False) -> tuple[np.ndarray | list, list[str]]:
    """`count` random words as word-model strips (uint8 count x 32 x 256) and their texts; with
    `trajectories`, pen words only, as their strokes (lists of arrays) for the pen model.

    `pen_letters` are strokes records ({"label", "writer", "strokes"}) of capitals and, if given,
    lower-case letters: a pen word takes all its letters from one writer where that writer wrote
    them, and is written in one of `STYLES` (capitals only when no lower-case letters are given). `images`/`labels` are 28x28 letters
    (labels 0-25) for picture words, `picture_share` of the words when both kinds are given.
    """
    if not pen_letters and images is None:
        raise ValueError("composed_words needs pen letters, letter images, or both")
    rng = np.random.default_rng(seed)
    by_writer: dict[str, dict[str, list]] = {}
    by_letter: dict[str, list] = {}
    for i, record in enumerate(pen_letters or []):
        if len(record["label"]) != 1 or record["label"] not in CHARSET:
            raise ValueError(f"pen letter {i} (writer {record.get('writer', '?')!r}): label {record['label']!r} "
                             "is not one letter A-Z or a-z")
        by_writer.setdefault(str(record.get("writer", "")), {}).setdefault(record["label"], []).append(record["strokes"])
        by_letter.setdefault(record["label"], []).append(record["strokes"])
    writers = sorted(by_writer)
    if trajectories and not pen_letters:
        raise ValueError("composed_words needs pen letters for trajectories")
    share = 0.0 if trajectories else \
        picture_share if pen_letters and images is not None else (1.0 if images is not None else 0.0)
    if images is not None:
        by_class = {k: np.flatnonzero(np.asarray(labels) == k) for k in range(len(LETTERS))}
        missing = [LETTERS[k] for k, idx in by_class.items() if len(idx) == 0]
        if missing:
            raise ValueError(f"the letter images have no {', '.join(missing)}: every letter is needed")
    cases = [c for c in (LETTERS, LETTERS.lower()) if set(c) & set(by_letter)]
    for case in cases:
        if not set(case) <= set(by_letter):
            raise ValueError(f"the pen letters have no {', '.join(sorted(set(case) - set(by_letter)))}")
    styles = STYLES if len(cases) == 2 else ("lower",) if cases and cases[0] != LETTERS else ("capitals",)
    crops: dict[int, np.ndarray | None] = {}
    strips, texts = [], []
    while len(strips) < count:
        n = int(rng.choice(LENGTHS, p=LENGTH_WEIGHTS / LENGTH_WEIGHTS.sum()))
        text = "".join(LETTERS[k] for k in rng.integers(len(LETTERS), size=n))
        if rng.random() < share:  # letter images are capitals
            picks = [int(rng.choice(by_class[LETTERS.index(c)])) for c in text]
            for i in picks:
                if i not in crops:
                    crops[i] = ink_crop(images[i], DRAW_HEIGHT)
            if any(crops[i] is None for i in picks):
                continue  # a blank image
            ink = picture_word([crops[i] for i in picks], rng)
        else:
            style = styles[rng.integers(len(styles))]
            text = text if style == "capitals" else text.lower() if style == "lower" else text.capitalize()
            own = by_writer[writers[rng.integers(len(writers))]]
            letters = []
            for c in text:
                pool = own.get(c) or by_letter[c]
                letters.append(pool[rng.integers(len(pool))])
            if trajectories:
                strips.append(placed_letters(letters, rng, text=text))
                texts.append(text)
                continue
            ink = pen_word(letters, rng, text=text)
        strips.append(strip(ink)[0])
        texts.append(text)
    return (strips if trajectories else np.stack(strips)), texts


def check_words(records: list[dict]) -> None:
    """ValueError naming the first word (index and writer) whose label is not 1-18 letters A-Z, a-z."""
    for i, record in enumerate(records):
        label = record.get("label")
        if not isinstance(label, str) or not 1 <= len(label) <= MAX_LETTERS or not set(label) <= set(CHARSET):
            raise ValueError(f"word {i} (writer {record.get('writer', '?')!r}): label {label!r} is not "
                             f"1-{MAX_LETTERS} letters A-Z, a-z")


def redrawn_words(records: list[dict], copies: int, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Real pen-written words ({"label", "writer", "strokes"}), each redrawn `copies` times
    (`written_word`), as word-model strips (uint8) and their texts.

    Raises ValueError naming the word (index and writer) whose label is not 1-18 letters A-Z, a-z
    or whose strokes are malformed.
    """
    check_words(records)
    rng = np.random.default_rng(seed)
    strips, texts = [], []
    for i, record in enumerate(records):
        for _ in range(copies):
            try:
                ink = written_word(record["strokes"], rng)
            except (KeyError, ValueError) as error:
                raise ValueError(f"word {i} (writer {record.get('writer', '?')!r}): {error}") from None
            strips.append(strip(ink)[0])
            texts.append(record["label"])
    if not strips:
        return np.zeros((0, HEIGHT, WIDTH), dtype=np.uint8), []
    return np.stack(strips), texts
