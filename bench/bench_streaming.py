"""Benchmark: `handwriting.letters.train.train()` streaming memory-mapped caches, 52,000 images against 520,000.

Makes the data in its exact formats from the real letters' pixel statistics (bench_kaggle_csv.py's
generator): a Kaggle-size A-Z CSV (372,450 lines) and EMNIST-format letters (gzip IDX, 147,550
images, stored transposed with labels 1-26 as EMNIST ships them): 520,000 images; and a subset of
52,000 (the first 37,245 lines of that CSV, the first 14,755 EMNIST images). Each source is
parsed once into the `.npy` cache (`handwriting.data.formats`), as any second load finds it.

Then, each in a fresh subprocess, on each set:
  - streamed: `train()` end to end, as `handwriting train -p data ... ` runs it: both sources
    loaded (memory-mapped), a tenth of each held out for validation, --epochs whole epochs (default
    1: every training image read once, every page of the data touched, so the peak is that of a
    full epoch) of the letter CNN, batch 256, no augmentation, then the model and its card saved
    (to a scratch folder). `train()` has no step limit and no per-batch hook (its loop calls
    callbacks at each epoch's end): the child counts the batches where `handwriting.letters.stream`
    gathers them, which its prefetch does a few batches ahead of training;
  - baseline: `model.fit` on in-memory arrays (the sources joined, one-hot targets), the way a
    notebook does it, for --steps steps (default 300) of batch 256, the same model and optimizer.
Each child prints its progress and reports its peak memory (`ru_maxrss`), images/s over the steps
after each epoch's first 5 (graph tracing), and where its memory was at the end (RssAnon: private,
what a copy takes; RssFile: pages of mapped files, which the kernel can drop); the streamed runs
also their end-to-end time (validation at each epoch's end, saving). The check: the streamed run's
peak grows by less than 1.5x the uint8 images added (468,000 x 784 bytes = 350 MB; MB here are
2^20 bytes, as ru_maxrss counts).

    .venv/bin/python bench/bench_streaming.py [--scale 1.0] [--epochs 1] [--steps 300]

`--scale 0.1` makes everything 10x smaller, for trying the script out; its growth check fails
there, and means nothing: validation predicts 2,048 images at a time, whose activations (the
first convolution's output alone: 170 MB) the large run's 5,200 held-out images fill and the small
run's 518 do not (at full size both runs fill them). The generated files (about
800 MB, git-ignored) stay in data/interim/bench/ and the caches in data/interim/cache/ for later
runs. This parent stays small (no numpy): the children's peaks are their own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_kaggle_csv import FULL_ROWS, GENERATOR, REAL_LETTERS, generate_csv, real_letters_file

TOTAL = 520_000
SUBSET = 52_000
BATCH = 256

EMNIST = REAL_LETTERS + """
import gzip, os, struct, sys, time

real_path, folder, rows, small = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t = time.perf_counter()
images, labels = real_letters(real_path, rows, "resampled", seed=1)

def write_idx(path, array):
    # IDX as EMNIST ships it: magic 0 0 8 ndim, big-endian sizes, the bytes; gzip, renamed into place
    header = struct.pack(">HBB", 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path + ".tmp", "wb", compresslevel=1) as f:
        f.write(header)
        f.write(array.tobytes())
    os.replace(path + ".tmp", path)

for name, count in (("all", rows), ("subset", small)):
    stem = os.path.join(folder, f"emnist-{name}-{count}")
    write_idx(stem + "-labels-idx1-ubyte.gz", labels[:count] + 1)
    write_idx(stem + "-images-idx3-ubyte.gz", images[:count].transpose(0, 2, 1))
print(f"generated EMNIST-format files of {rows} and {small} images in {time.perf_counter() - t:.1f} s")
"""

# Parse every source once, so that the training children find the .npy cache.
PREPARE = """
import json, sys, time
from pathlib import Path
from handwriting.data.formats import load
for source in sys.argv[1:]:
    t = time.perf_counter()
    data = load(Path(source))
    print(f"  {Path(source).name}: {len(data):,} images ready in {time.perf_counter() - t:.1f} s "
          f"(parsed once, then memory-mapped from the .npy cache: {type(data.x.base).__name__})", flush=True)
"""

TRAIN = """
import json, resource, shutil, sys, tempfile, time
from pathlib import Path
import numpy as np

mode, label, steps, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sources = sys.argv[5:]
WARM = 5   # steps of each epoch left out of the rate (graph tracing, the pipeline filling)

def memory():
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    mb = lambda key: int(fields[key].split()[0]) / 1024
    return {"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "anon_mb": mb("RssAnon"), "file_mb": mb("RssFile")}

def show(what, rate=None):
    m = memory()
    rate = "" if rate is None else f", {rate:,.0f} images/s"
    print(f"    {label}: {what}{rate}, peak {m['peak_mb']:,.0f} MB (private {m['anon_mb']:,.0f}, "
          f"mapped files {m['file_mb']:,.0f})", flush=True)

import keras
import tensorflow as tf

if mode == "streamed":
    from handwriting.letters import stream
    from handwriting.letters.train import TrainConfig, train

    served, timed = [], []   # when each batch of this epoch was gathered; (images, seconds) of each epoch
    gather = stream.gather

    def counted(parts, starts, numbers):
        batch = gather(parts, starts, numbers)
        per_epoch = -(-int(starts[-1]) // %(batch)d)
        served.append(time.perf_counter())
        step = len(served)
        warm = min(WARM, per_epoch // 2)
        rate = (step - warm) * %(batch)d / (served[-1] - served[warm - 1]) if warm and step > warm else None
        if step %% max(1, per_epoch // 10) == 0 or step == per_epoch:
            show(f"epoch {len(timed) + 1}/{epochs}, step {step}/{per_epoch}", rate)
        if step == per_epoch:
            if rate is not None:
                timed.append(((step - warm) * %(batch)d, served[-1] - served[warm - 1]))
            served.clear()
        return batch

    stream.gather = counted
    scratch = Path(tempfile.mkdtemp(prefix="bench-streaming-"))
    config = TrainConfig(data=sources, epochs=epochs, patience=epochs, batch_size=%(batch)d, augment=False,
                         seed=0, model_path=str(scratch / "model.keras"))
    started = time.perf_counter()
    result = train(config, verbose=0)
    seconds = time.perf_counter() - started
    shutil.rmtree(scratch)
    trained = sum(row["count"] for row in result.card["data"])
    images = trained + len(result.validation)
    steps = epochs * -(-trained // %(batch)d)
    rate = sum(n for n, _ in timed) / sum(t for _, t in timed) if timed else 0.0
    show(f"train() done in {seconds:.0f} s: {trained:,} images trained on, {len(result.validation):,} validated, "
         f"end to end {trained * epochs / seconds:,.0f} images/s, validation accuracy "
         f"{result.card['metrics']['validation (held-out writers)']['accuracy']:.3f}")
else:
    from handwriting.data.formats import load
    from handwriting.letters.model import build_model

    keras.utils.set_random_seed(0)
    datasets = [load(s) for s in sources]
    images = sum(len(d) for d in datasets)
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="categorical_crossentropy",
                  metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")])
    x = np.concatenate([d.x for d in datasets])
    y = np.concatenate([d.y for d in datasets])
    targets = np.eye(26, dtype=np.float32)[y]
    steps = min(steps, len(x) // %(batch)d)
    warm = min(WARM, steps // 2)

    class Progress(keras.callbacks.Callback):
        # the time of the steps after the first few, and a line every tenth of them
        def on_train_batch_end(self, batch, logs=None):
            if batch == warm - 1:
                self.start = time.perf_counter()
            if (batch + 1) %% max(1, steps // 10) == 0 or batch + 1 == steps:
                if batch >= warm:
                    self.rate = (batch + 1 - warm) * %(batch)d / (time.perf_counter() - self.start)
                show(f"step {batch + 1}/{steps}", self.rate if batch >= warm else None)

    progress = Progress()
    model.fit(x, targets, batch_size=%(batch)d, shuffle=True, steps_per_epoch=steps, epochs=1, verbose=0,
              callbacks=[progress])
    rate = progress.rate    # over the steps alone: fit's own setup and teardown are not training
result = {"images": images, "steps": steps, "images_per_s": rate, **memory()}
print("RESULT " + json.dumps(result), flush=True)
""" % {"batch": BATCH}


def run(code: str, *args: str) -> str:
    """A fresh Python running `code`, its lines shown as they come; returns its RESULT line."""
    process = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    result = ""
    for line in process.stdout:
        if line.startswith("RESULT "):
            result = line[len("RESULT "):]
        else:
            print(line, end="", flush=True)
    errors = process.stderr.read()
    if process.wait() != 0:
        sys.exit(f"benchmark subprocess failed:\n{errors[-4000:]}")
    return result


def head_lines(source: Path, target: Path, lines: int) -> None:
    """The first `lines` lines of a file, written beside their final name and renamed into place."""
    tmp = target.with_name(target.name + ".tmp")
    with open(source, "rb") as f, open(tmp, "wb") as out:
        for _ in range(lines):
            out.write(f.readline())
    os.replace(tmp, target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes (for trying it out)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs of each streamed train() run")
    parser.add_argument("--steps", type=int, default=300, help="training steps of batch 256 in each model.fit run")
    args = parser.parse_args()

    from handwriting.paths import data_dir

    started = time.perf_counter()
    folder = data_dir() / "interim" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    csv_rows = round(FULL_ROWS * args.scale)
    emnist_rows = round(TOTAL * args.scale) - csv_rows
    csv_small = round(csv_rows * SUBSET / TOTAL)
    emnist_small = round(SUBSET * args.scale) - csv_small
    big_csv = folder / f"az_{csv_rows}_{GENERATOR}_resampled.csv"
    small_csv = folder / f"az_{csv_rows}_{GENERATOR}_resampled-first-{csv_small}.csv"
    emnist = folder / f"emnist-all-{emnist_rows}-images-idx3-ubyte.gz"
    emnist_subset = folder / f"emnist-subset-{emnist_small}-images-idx3-ubyte.gz"

    print("data (made once, then reused):", flush=True)
    if not big_csv.exists():
        generate_csv(big_csv, csv_rows)
    if not small_csv.exists():
        head_lines(big_csv, small_csv, csv_small)
    if not (emnist.exists() and emnist_subset.exists()):
        print(run(EMNIST, str(real_letters_file()), str(folder), str(emnist_rows), str(emnist_small)), end="")
    run(PREPARE, str(big_csv), str(small_csv), str(emnist), str(emnist_subset))

    sets = {"small": [small_csv, emnist_subset], "large": [big_csv, emnist]}
    results = {}
    for mode in ("streamed", "model.fit"):
        for size, sources in sets.items():
            label = f"{mode} {size}"
            print(f"{label}: fresh process, sources {', '.join(s.name for s in sources)}", flush=True)
            results[mode, size] = json.loads(run(TRAIN, mode, label, str(args.steps), str(args.epochs),
                                                 *map(str, sources)))

    small, large = results["streamed", "small"], results["streamed", "large"]
    added_mb = (large["images"] - small["images"]) * 784 / 2**20
    grown_mb = large["peak_mb"] - small["peak_mb"]
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"\n{os.cpu_count()} CPUs, load average {load}; batch {BATCH}; {time.perf_counter() - started:.0f} s in all")
    print(f"{'run':22s} {'images':>9s} {'steps':>6s} {'images/s':>9s} {'peak MB':>8s} {'private':>8s} {'mapped':>8s}")
    for (mode, size), r in results.items():
        print(f"{mode + ' ' + size:22s} {r['images']:9,d} {r['steps']:6d} {r['images_per_s']:9,.0f} "
              f"{r['peak_mb']:8,.0f} {r['anon_mb']:8,.0f} {r['file_mb']:8,.0f}")
    ratio = grown_mb / added_mb
    print(f"streamed: {large['images'] - small['images']:,} images added ({added_mb:,.0f} MB as uint8), "
          f"peak memory grew {grown_mb:,.0f} MB = {ratio:.2f}x the data added (must be < 1.5x)")
    for size in sets:
        fit, streamed = results["model.fit", size], results["streamed", size]
        print(f"{size}: streamed through train() {streamed['images_per_s']:,.0f} images/s, model.fit on in-memory "
              f"arrays {fit['images_per_s']:,.0f} images/s ({streamed['images_per_s'] / fit['images_per_s']:.2f}x)")
    if ratio >= 1.5:
        sys.exit(1)


if __name__ == "__main__":
    main()
