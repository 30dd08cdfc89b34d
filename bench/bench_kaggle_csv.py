"""Benchmark: read_kaggle_csv against pandas on a full-size Kaggle A-Z CSV file.

Generates a file in the exact format (no header, 785 integers a line) from the real letters of
../shared/data/real_letters.npz, so it has their pixel statistics (77 % zeros, the strokes near 255;
about 1,790 bytes a line, 670 MB in all, like the real 700 MB file): random real letters shifted by
up to 2 pixels and re-inked by up to 15 %, or with `--from-real` the real letters as they are,
tiled. Then, each in a fresh subprocess, it times
(a) the usual notebook baseline `pd.read_csv(path).astype("float32")` and (b) `read_kaggle_csv`,
with the wall-clock and CPU seconds and the peak memory of that whole process, and checks that both
read the same numbers (the baseline takes line 1 as a header, so rows 2.. are compared).

read_kaggle_csv parses with a loop that numba compiles and keeps in its on-disk cache. (b) is timed
after a read of a one-line file has imported numba and loaded the loop (pandas' import is not timed
either), and also as the first read of a fresh process, that loading included. Before timing, the
cache is filled if the loop changed, so no timed read compiles; the output says whether every timed
read loaded the loop from the cache, and how long compiling it without a cache takes (once, on the
first read ever).

    .venv/bin/python bench/bench_kaggle_csv.py [--rows 372450] [--repeat 1] [--from-real]

The generated file is kept (git-ignored) under data/interim/bench/ and reused by later runs.
This parent process stays small (no numpy): a child's ru_maxrss starts from the peak of the
process that spawned it, so a big parent would inflate the children's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

FULL_ROWS = 372_450             # lines in the real "A_Z Handwritten Data.csv"
GENERATOR = "v2"                # bump when the generated content changes

# Each child prints one JSON line: seconds, peak memory (VmHWM, the kernel's high-water mark of
# this process, and ru_maxrss), and a digest of the numbers read, computed after the peak was
# taken so that it does not inflate it.
_COMMON = """
import hashlib, json, resource, sys, time
path = sys.argv[1]

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

def peaks():
    with open("/proc/self/status") as status:
        hwm = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_mb": hwm / 1024, "maxrss_mb": maxrss / 1024}
"""
BASELINE = _COMMON + """
import numpy as np
import pandas as pd
t, c = time.perf_counter(), cpu()
data = pd.read_csv(path).astype("float32")
seconds, cpu_seconds = time.perf_counter() - t, cpu() - c
peak = peaks()
values = data.to_numpy()
rows = values.astype(np.uint8)
ok = bool((rows == values).all())
print(json.dumps({"seconds": seconds, "cpu": cpu_seconds, **peak, "rows": len(rows), "integral": ok,
                  "digest": hashlib.sha256(rows.tobytes()).hexdigest()}))
"""
# read_kaggle_csv parses with a loop that numba compiles on the first read of a process, or loads
# from numba's on-disk cache (handwriting/data/__pycache__). "warm": a one-line file is read first
# (numba imported, the loop loaded), and only the big read is timed, as pandas' import is not timed
# either; "cold": the first read of the process is timed, numba's import and the loading included.
OURS = _COMMON + """
import os, tempfile
import numpy as np
from handwriting.data import kaggle_csv
from handwriting.data.kaggle_csv import read_kaggle_csv, write_kaggle_csv
warmup = 0.0
if sys.argv[2] == "warm":
    with tempfile.TemporaryDirectory() as tmp:
        tiny = write_kaggle_csv(os.path.join(tmp, "tiny.csv"), np.zeros((1, 28, 28), np.uint8), np.zeros(1, np.uint8))
        t = time.perf_counter()
        read_kaggle_csv(tiny)
        warmup = time.perf_counter() - t
t, c = time.perf_counter(), cpu()
x, y = read_kaggle_csv(path)
seconds, cpu_seconds = time.perf_counter() - t, cpu() - c
peak = peaks()
stats = kaggle_csv._parser().stats
digest = hashlib.sha256()
for start in range(1, len(y), 50_000):   # rows 2.. as label + pixels, like the baseline's rows
    stop = min(start + 50_000, len(y))
    digest.update(np.concatenate([y[start:stop, None], x[start:stop].reshape(-1, 784)], 1))
print(json.dumps({"seconds": seconds, "cpu": cpu_seconds, **peak, "rows": len(y), "integral": True,
                  "digest": digest.hexdigest(), "warmup": warmup,
                  "cache_hit": sum(stats.cache_hits.values()) > 0}))
"""
IMPORT_ONLY = _COMMON + """
import numpy as np
import handwriting.data.kaggle_csv
numba_imported = "numba" in sys.modules
if sys.argv[2] == "numba":
    handwriting.data.kaggle_csv._parser()
print(json.dumps({"seconds": 0.0, "cpu": 0.0, **peaks(), "rows": 0, "integral": True, "digest": "",
                  "numba_imported": numba_imported}))
"""
# The loop compiled, timed: with NUMBA_CACHE_DIR set to an empty folder ("compile", as the first
# read ever does) or to numba's usual cache ("load", as every later process does).
COMPILE = _COMMON + """
t = time.perf_counter()
from handwriting.data import kaggle_csv
parser = kaggle_csv._parser()
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "cache_hit": sum(parser.stats.cache_hits.values()) > 0,
                  "cache_path": parser.stats.cache_path}))
"""
# Letters with the pixel statistics of real scans (mostly 0, the strokes near 255): the real letters
# of real_letters.npz, as they are ("tiled") or each moved by up to 2 pixels (zeros come in at the
# edge) with its ink made up to 15 % lighter or darker ("resampled"), never the same image twice.
# Also used by bench_streaming.py to make its EMNIST-format files.
REAL_LETTERS = """
import numpy as np

def real_letters(real_path, rows, how, seed=0):
    with np.load(real_path) as real:
        x, y = real["x"], real["y"].astype(np.uint8)
    rng = np.random.default_rng(seed)
    pick = np.resize(np.arange(len(x)), rows) if how == "tiled" else rng.integers(0, len(x), rows)
    images = np.empty((rows, 28, 28), np.uint8)
    for start in range(0, rows, 20_000):
        chosen = x[pick[start:start + 20_000]]
        if how == "resampled":
            out = np.zeros_like(chosen)
            shifts = rng.integers(-2, 3, (len(chosen), 2))
            for dy, dx in np.unique(shifts, axis=0):
                which = (shifts[:, 0] == dy) & (shifts[:, 1] == dx)
                src = chosen[which, max(0, -dy):28 - max(0, dy), max(0, -dx):28 - max(0, dx)]
                out[which, max(0, dy):28 - max(0, -dy), max(0, dx):28 - max(0, -dx)] = src
            gain = rng.uniform(0.85, 1.15, (len(out), 1, 1))
            chosen = np.clip(np.rint(out * gain), 0, 255).astype(np.uint8)
        images[start:start + 20_000] = chosen
    return images, y[pick]
"""
GENERATE = REAL_LETTERS + """
import sys, time
from handwriting.data.kaggle_csv import write_kaggle_csv

real_path, path, rows, how = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
t = time.perf_counter()
write_kaggle_csv(path, *real_letters(real_path, rows, how))
print(f"generated {path} ({how} from {real_path}) in {time.perf_counter() - t:.1f} s")
"""


def real_letters_file() -> Path:
    """../shared/data/real_letters.npz, which the generated letters are made from."""
    from handwriting.paths import shared_data_dir

    real = shared_data_dir() / "real_letters.npz"
    if not real.is_file():
        sys.exit(f"{real}: not found; the benchmark files are made from the real letters "
                 "(set HANDWRITING_SHARED_DATA)")
    return real


def generate_csv(path: Path, rows: int, how: str = "resampled") -> None:
    """Write a Kaggle-format CSV of `rows` lines made from the real letters (REAL_LETTERS), in a
    subprocess, so the caller stays small."""
    path.parent.mkdir(parents=True, exist_ok=True)
    print(child(GENERATE, str(real_letters_file()), str(path), str(rows), how), flush=True)


def child(code: str, *args: str, env: dict | None = None) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False,
                          env=env)
    if done.returncode != 0:
        sys.exit(f"benchmark subprocess failed:\n{done.stderr}")
    return done.stdout.strip()


def run(code: str, path: Path, *args: str, env: dict | None = None) -> dict:
    return json.loads(child(code, str(path), *args, env=env).splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=FULL_ROWS)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best is shown")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the generated file goes (default data/interim/bench)")
    parser.add_argument("--from-real", action="store_true",
                        help="the real letters of real_letters.npz tiled as they are, instead of "
                             "resampled (shifted, re-inked) ones")
    args = parser.parse_args()

    from handwriting.paths import PROJECT_ROOT, data_dir

    how = "tiled" if args.from_real else "resampled"
    folder = args.dir or data_dir() / "interim" / "bench"
    path = folder / f"az_{args.rows}_{GENERATOR}_{how}.csv"
    if not path.exists():
        generate_csv(path, args.rows, how)
    with open(path, "rb") as f:            # same page-cache state for both contestants
        while f.read(1 << 20):
            pass

    # numba's cache first: filled now if the loop changed since, so that no timed read compiles it.
    # Then the compile that the first read ever pays, with an empty cache of its own.
    prepared = run(COMPILE, path)
    loaded = run(COMPILE, path)
    with tempfile.TemporaryDirectory() as empty:
        compiled = run(COMPILE, path, env=dict(os.environ, NUMBA_CACHE_DIR=empty))

    base_runs, our_runs, cold_runs = [], [], []
    for _ in range(args.repeat):           # interleaved, so background load hits both alike
        base_runs.append(run(BASELINE, path))
        our_runs.append(run(OURS, path, "warm"))
        cold_runs.append(run(OURS, path, "cold"))
    base = min(base_runs, key=lambda r: r["seconds"])
    ours = min(our_runs, key=lambda r: r["seconds"])
    cold = min(cold_runs, key=lambda r: r["seconds"])
    idle = run(IMPORT_ONLY, path, "")
    idle_numba = run(IMPORT_ONLY, path, "numba")

    size_mb = path.stat().st_size / 1e6
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"\nfile: {path.name}, {size_mb:.0f} MB, {args.rows} lines of real letters {how}; "
          f"{os.cpu_count()} CPUs, "
          f"load average {load}; best of {args.repeat}")
    print(f"{'reader':50s} {'seconds':>8s} {'cpu s':>6s} {'peak MB':>8s} {'maxrss':>7s} {'rows':>7s} "
          f"{'speed-up':>9s}")

    def line(name, r, ratio=""):
        seconds = f"{r['seconds']:8.2f}" if r["seconds"] else " " * 8
        cpu = f"{r['cpu']:6.2f}" if r["cpu"] else " " * 6
        rows = f"{r['rows']:7d}" if r["rows"] else " " * 7
        print(f"{name:50s} {seconds} {cpu} {r['peak_mb']:8.0f} {r['maxrss_mb']:7.0f} {rows} {ratio:>9s}".rstrip())

    line('pd.read_csv(path).astype("float32") (baseline)', base, "1.0x")
    line("read_kaggle_csv(path), numba loaded before", ours, f"{base['seconds'] / ours['seconds']:.1f}x")
    line("read_kaggle_csv(path), first read of the process", cold, f"{base['seconds'] / cold['seconds']:.1f}x")
    line("(python + numpy + handwriting, no read)", idle)
    line("(python + numpy + handwriting + numba, no read)", idle_numba)
    print(f"throughput {size_mb / ours['seconds']:.0f} MB/s; the result arrays are "
          f"{ours['rows'] * 785 / 1e6:.0f} MB; CPU seconds (all threads) {base['cpu'] / ours['cpu']:.1f}x fewer "
          "than the baseline's")
    timed = our_runs + cold_runs
    cached = sum(r["cache_hit"] for r in timed)
    where = Path(loaded["cache_path"])  # shown from the project's folder: the output goes into the docs
    where = where.relative_to(PROJECT_ROOT) if where.is_relative_to(PROJECT_ROOT) else where
    print(f"numba's compiled loop: {'loaded from' if loaded['cache_hit'] else 'NOT found in'} its cache "
          f"({where}) in {loaded['seconds']:.2f} s, numba's import included; compiling it "
          f"without a cache (the first read ever) took {compiled['seconds']:.2f} s"
          + ("" if prepared["cache_hit"] else " (this run compiled it first: the loop had changed)"))
    print(f"timed reads that loaded the loop from numba's cache: {cached} of {len(timed)}; the first read "
          f"of the process above includes that loading (warm-up read of a one-line file: "
          f"{min(r['warmup'] for r in our_runs):.2f} s); importing handwriting.data.kaggle_csv imports "
          f"numba: {'YES' if idle['numba_imported'] else 'no'}")

    agree = base["digest"] == ours["digest"] and base["integral"]
    lost = ours["rows"] - base["rows"]
    print(f"same numbers in rows 2..{ours['rows']}: {'yes' if agree else 'NO'}; "
          f"the baseline lost {lost} row(s) to its header")
    if not agree or lost != 1 or cached != len(timed):
        sys.exit(1)


if __name__ == "__main__":
    main()
