"""Benchmark: read_kaggle_csv against pandas on a full-size Kaggle A-Z CSV file.

Generates a file in the exact format (no header, 785 integers a line; letter-like strokes so the
byte size is close to the real 700 MB file), then, each in a fresh subprocess, times
(a) the usual notebook baseline `pd.read_csv(path).astype("float32")` and (b) `read_kaggle_csv`,
with the peak RSS of that whole process, and checks that both read the same numbers (the baseline
takes line 1 as a header, so rows 2.. are compared).

    .venv/bin/python bench/bench_kaggle_csv.py [--rows 372450] [--repeat 1]

The generated file is kept (git-ignored) under data/interim/bench/ and reused by later runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handwriting.paths import data_dir  # noqa: E402

FULL_ROWS = 372_450             # lines in the real "A_Z Handwritten Data.csv"
GENERATOR = "v1"                # bump when the generated content changes

# Each runs in a fresh interpreter and prints one JSON line: seconds, peak RSS, a digest of the
# numbers read. The digest is computed after the peak is taken, so it does not inflate it.
# The peak is the kernel's high-water mark of this process's memory (VmHWM): unlike
# ru_maxrss, it does not inherit the peak of the parent that forked it.
_COMMON = """
import hashlib, json, sys, time
path = sys.argv[1]

def peak_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
"""
BASELINE = _COMMON + """
import numpy as np
import pandas as pd
t = time.perf_counter()
data = pd.read_csv(path).astype("float32")
seconds = time.perf_counter() - t
peak = peak_mb()
values = data.to_numpy()
rows = values.astype(np.uint8)
ok = bool((rows == values).all())
print(json.dumps({"seconds": seconds, "peak_mb": peak, "rows": len(rows), "integral": ok,
                  "digest": hashlib.sha256(rows.tobytes()).hexdigest()}))
"""
OURS = _COMMON + """
import numpy as np
from handwriting.kaggle_csv import read_kaggle_csv
t = time.perf_counter()
x, y = read_kaggle_csv(path)
seconds = time.perf_counter() - t
peak = peak_mb()
digest = hashlib.sha256()
for start in range(1, len(y), 50_000):   # rows 2.. as label + pixels, like the baseline's rows
    stop = min(start + 50_000, len(y))
    digest.update(np.concatenate([y[start:stop, None], x[start:stop].reshape(-1, 784)], 1))
print(json.dumps({"seconds": seconds, "peak_mb": peak, "rows": len(y), "integral": True,
                  "digest": digest.hexdigest()}))
"""
IMPORT_ONLY = _COMMON + """
import numpy as np
import handwriting.kaggle_csv
peak = peak_mb()
print(json.dumps({"seconds": 0.0, "peak_mb": peak, "rows": 0, "integral": True, "digest": ""}))
"""


def letter_pool(count: int, seed: int) -> np.ndarray:
    """Letter-like 28x28 images: random pen strokes through the project's stroke renderer."""
    from handwriting.strokes import render_strokes

    rng = np.random.default_rng(seed)
    images = []
    for _ in range(count):
        strokes = [np.cumsum(rng.normal(0, 1, (rng.integers(2, 5), 2)), axis=0)
                   for _ in range(rng.integers(2, 6))]
        images.append(render_strokes(strokes, pen_width=3.2))
    # Brighter ink, like the scanned Kaggle letters (mostly 0 with solid strokes near 255).
    return np.clip(np.stack(images) * 1.6, 0, 255).astype(np.uint8)


def make_file(rows: int, folder: Path) -> Path:
    from handwriting.kaggle_csv import write_kaggle_csv

    path = folder / f"az_{rows}_{GENERATOR}.csv"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    rng = np.random.default_rng(1)
    pool = letter_pool(2000, seed=0)
    pick = rng.integers(0, len(pool), rows)
    write_kaggle_csv(path, pool[pick], rng.integers(0, 26, rows).astype(np.uint8))
    print(f"generated {path} ({path.stat().st_size / 1e6:.0f} MB, {rows} lines) "
          f"in {time.perf_counter() - t:.1f} s")
    return path


def run(code: str, path: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          env=env, check=False)
    if done.returncode != 0:
        sys.exit(f"benchmark subprocess failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=FULL_ROWS)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best is shown")
    parser.add_argument("--dir", type=Path, default=data_dir() / "interim" / "bench")
    args = parser.parse_args()

    path = make_file(args.rows, args.dir)
    with open(path, "rb") as f:            # same page-cache state for both contestants
        while f.read(64 << 20):
            pass

    base_runs, our_runs = [], []
    for _ in range(args.repeat):           # interleaved, so background load hits both alike
        base_runs.append(run(BASELINE, path))
        our_runs.append(run(OURS, path))
    base = min(base_runs, key=lambda r: r["seconds"])
    ours = min(our_runs, key=lambda r: r["seconds"])
    idle = run(IMPORT_ONLY, path)

    size_mb = path.stat().st_size / 1e6
    print(f"\nfile: {path.name}, {size_mb:.0f} MB, {args.rows} lines; "
          f"{os.cpu_count()} CPUs; best of {args.repeat}")
    print(f"{'reader':46s} {'seconds':>8s} {'peak MB':>8s} {'rows':>8s} {'speed-up':>9s}")
    baseline_name = 'pd.read_csv(path).astype("float32") (baseline)'
    print(f"{baseline_name:46s} {base['seconds']:8.2f} "
          f"{base['peak_mb']:8.0f} {base['rows']:8d} {'1.0x':>9s}")
    print(f"{'read_kaggle_csv(path)':46s} {ours['seconds']:8.2f} {ours['peak_mb']:8.0f} "
          f"{ours['rows']:8d} {base['seconds'] / ours['seconds']:8.1f}x")
    print(f"{'(python + numpy + handwriting, no read)':46s} {'':8s} {idle['peak_mb']:8.0f}")
    print(f"throughput: {size_mb / ours['seconds']:.0f} MB/s; result arrays "
          f"{args.rows * 785 / 1e6:.0f} MB")

    agree = base["digest"] == ours["digest"] and base["integral"]
    lost = ours["rows"] - base["rows"]
    print(f"same numbers in rows 2..{ours['rows']}: {'yes' if agree else 'NO'}; "
          f"the baseline lost {lost} row(s) to its header")
    if not agree or lost != 1:
        sys.exit(1)


if __name__ == "__main__":
    main()
