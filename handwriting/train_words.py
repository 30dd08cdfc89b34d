"""Train the word model (`handwriting.word_model`) on words composed from letters.

No labelled word pictures are needed: words are composed from letter images and, when given,
pen trajectories of letters (`handwriting.word_corpus`). The default config uses the embedded
synthetic letters only, so it trains anywhere; the shipped model adds the UNIPEN letters
(`bench/ship_words.py`). Real pen-written words (`test_words`) are only read, to report how well
the model reads words people really wrote; they never train it.
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from handwriting import __version__
from handwriting.data import load, read_strokes_json, select_records, split_filters
from handwriting.modelcard import save_card
from handwriting.paths import local_models_dir
from handwriting.train import describe_sources

TASK = "words and lines of handwritten capitals A-Z, read along the line (CRNN + CTC, 32 x 256 strips)"


@dataclass
class WordTrainConfig:
    letters: list[str] = field(default_factory=lambda: ["synthetic:26000"])  # letter images (any `data.load` spec)
    pen_letters: str | None = None   # a strokes JSON of letters (with a selection) for pen-written words
    picture_share: float = 0.3       # share of words made of letter images when pen letters are given too
    words: int = 100_000             # composed training words
    epochs: int = 12
    words_per_epoch: int = 32_000
    batch_size: int = 64
    learning_rate: float = 1e-3
    validation_words: int = 2_000    # composed words of other random letters, for the progress line
    test_words: str | None = None    # a strokes JSON of real words to read after training (never trained on)
    pen_widths: tuple[float, ...] = (1.5, 2.2, 3.0)
    seed: int = 0
    model_path: str = str(local_models_dir() / "words.keras")

    def to_dict(self) -> dict:
        return dict(asdict(self), pen_widths=list(self.pen_widths))


def strokes_records(spec: str) -> list[dict]:
    """The records of a strokes JSON spec, with its selection (`strokes_letters.json?flag=ok&writer=unipen:*`)."""
    path, filters = split_filters(spec)
    return select_records(read_strokes_json(Path(path)), filters, path)


def exact(log_probs: np.ndarray, texts: list[str]) -> float:
    """Share of texts the model's best path reads exactly."""
    from handwriting.word_model import greedy

    return float(np.mean([greedy(lp)[0] == t for lp, t in zip(log_probs, texts)])) if texts else 0.0


def real_word_strips(spec: str) -> tuple[np.ndarray, list[str]]:
    """Real pen-written words drawn on paper and cut to their line, as the word reader sees them."""
    from handwriting.preprocess import TEXT_SIDE, extract_ink
    from handwriting.segment import line_ink, main_line, strokes_on_paper
    from handwriting.word_model import strip

    strips, texts = [], []
    for record in strokes_records(spec):
        page = extract_ink(strokes_on_paper(record["strokes"]), max_side=TEXT_SIDE, text=True)
        line = main_line(page)
        if line is not None:
            strips.append(strip(line_ink(page, line))[0])
            texts.append(record["label"])
    return np.stack(strips), texts


def train_words(config: WordTrainConfig, log=print):
    """Compose the words, train, save the model and its card; returns (model, card)."""
    import keras
    import tensorflow as tf

    from handwriting.word_corpus import composed_words
    from handwriting.word_model import build_word_model, ctc_loss, log_softmax, targets

    started = time.time()
    keras.utils.set_random_seed(config.seed)
    images = load(config.letters, pen_widths=config.pen_widths) if config.letters else None
    pen = strokes_records(config.pen_letters) if config.pen_letters else None
    kwargs = dict(pen_letters=pen, images=None if images is None else images.x,
                  labels=None if images is None else images.y, picture_share=config.picture_share)
    x, texts = composed_words(config.words, seed=config.seed, **kwargs)
    vx, vtexts = composed_words(config.validation_words, seed=config.seed + 10_000, **kwargs)
    log(f"composed {len(x)} training and {len(vx)} validation words in {time.time() - started:.0f} s")

    model = build_word_model()
    steps = max(1, config.words_per_epoch // config.batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, config.epochs * steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=ctc_loss)
    data = tf.data.Dataset.from_tensor_slices((x.astype(np.float32), targets(texts))) \
        .shuffle(min(len(x), 50_000), seed=config.seed).repeat().batch(config.batch_size)
    history: dict[str, list[float]] = {"loss": [], "validation_exact": []}

    class Progress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            read = exact(log_softmax(np.asarray(self.model.predict(vx.astype(np.float32), verbose=0))), vtexts)
            history["loss"].append(float(logs["loss"]))
            history["validation_exact"].append(read)
            log(f"epoch {epoch + 1}/{config.epochs}: loss {logs['loss']:.3f}, composed words read exactly {100 * read:.1f} %")

    model.fit(data, steps_per_epoch=steps, epochs=config.epochs, callbacks=[Progress()], verbose=0, shuffle=False)
    out = Path(config.model_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    saved = build_word_model()  # the same weights without the optimizer's state: a third of the file
    saved.set_weights(model.get_weights())
    saved.save(out)
    metrics = {"composed words (other random letters)": {"count": len(vx), "accuracy": history["validation_exact"][-1]}}
    if config.test_words:
        rx, rtexts = real_word_strips(config.test_words)
        read = exact(log_softmax(np.asarray(model.predict(rx.astype(np.float32), verbose=0))), rtexts)
        metrics[f"real pen-written words ({Path(split_filters(config.test_words)[0]).name}), drawn on paper"] = {
            "count": len(rx), "accuracy": read}
        log(f"real pen-written words read exactly by the word model alone: {100 * read:.1f} %")
    sources = describe_sources(images) if images is not None else []
    if pen:
        sources.append({"name": "pen letters composed into words", "count": len(pen),
                        "licence": "that of the letters' collection (UNIPEN: CC BY 4.0, Guyon et al., ICPR 1994)"})
    card = {"version": f"{__version__}+words-{_dt.date.today().isoformat()}", "created": _dt.datetime.now().isoformat(timespec="seconds"),
            "task": TASK, "data": sources, "params": config.to_dict(),
            "training": {"seconds": round(time.time() - started), "words": len(x), "epochs": config.epochs,
                         "composed words read exactly, per epoch": [round(v, 4) for v in history["validation_exact"]]},
            "metrics": metrics}
    save_card(out, card)
    return model, card
