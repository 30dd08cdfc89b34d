"""Model speed: training throughput and the time to answer one letter.

    .venv/bin/python bench/bench_model.py [--images 20000]

Baselines measured in the same run: training with Keras' own array input (`model.fit(x, y)`, no
augmentation) against the project's pipeline (tf.data with augmentation), and `model.predict` on
one image against the compiled call the Recognizer uses. Floors from the issue: >= 5,000 images/s
training, <= 2 ms per single letter.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()

    import keras

    from handwriting.data.synthetic import generate
    from handwriting.letters.augment import Augmentation
    from handwriting.letters.model import build_model
    from handwriting.letters.stream import batches
    from handwriting.runtime import traced_call

    data = generate(args.images, seed=0)
    x, y = data.x, data.y

    def fresh(loss="sparse_categorical_crossentropy"):
        model = build_model()
        model.compile("adam", loss)
        return model

    def timed_fit(model, *fit_args, **fit_kwargs):
        model.fit(*fit_args, epochs=1, verbose=0, **fit_kwargs)  # warm-up: tracing and allocation
        start = time.perf_counter()
        model.fit(*fit_args, epochs=1, verbose=0, **fit_kwargs)
        return args.images / (time.perf_counter() - start)

    baseline = timed_fit(fresh(), x.astype(np.float32), y, batch_size=args.batch_size)
    parts = [(x, y, np.ones(len(x), np.float32))]
    ours = timed_fit(fresh("categorical_crossentropy"), batches(parts, args.batch_size, Augmentation(), 0, shuffle=True))
    print(f"training, images/s: keras fit on arrays (baseline, no augmentation) {baseline:,.0f}; "
          f"project pipeline with augmentation {ours:,.0f}  (ratio {ours / baseline:.2f}x)")

    model = build_model()
    one = x[:1].astype(np.float32)
    model.predict(one, verbose=0)
    n = 200
    start = time.perf_counter()
    for _ in range(n):
        model.predict(one, verbose=0)
    predict_ms = (time.perf_counter() - start) / n * 1000
    call = traced_call(model)
    call(one)
    start = time.perf_counter()
    for _ in range(n):
        np.asarray(call(one))
    call_ms = (time.perf_counter() - start) / n * 1000
    print(f"one letter, ms: model.predict (baseline) {predict_ms:.2f}; compiled call {call_ms:.2f}  "
          f"(ratio {predict_ms / call_ms:.1f}x faster)")
    print(f"keras {keras.__version__}; {os.cpu_count()} CPU cores")


if __name__ == "__main__":
    main()
