"""Benchmark: read_kaggle_csv against pandas on a full-size Kaggle A-Z CSV file.

Generates a file in the exact format (no header, 785 integers a line; letter-like strokes so the
byte size is close to the real 700 MB file), then, each in a fresh subprocess, times
(a) the usual notebook baseline `pd.read_csv(path).astype("float32")` and (b) `read_kaggle_csv`,
with the peak memory of that whole process, and checks that both read the same numbers (the
baseline takes line 1 as a header, so rows 2.. are compared).

    .venv/bin/python bench/bench_kaggle_csv.py [--rows 372450] [--repeat 1]

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
from pathlib import Path

FULL_ROWS = 372_450             # lines in the real "A_Z Handwritten Data.csv"
GENERATOR = "v1"                # bump when the generated content changes

# Each child prints one JSON line: seconds, peak memory (VmHWM, the kernel's high-water mark of
# this process, and ru_maxrss), and a digest of the numbers read, computed after the peak was
# taken so that it does not inflate it.
_COMMON = """
import hashlib, json, resource, sys, time
path = sys.argv[1]

def peaks():
    with open("/proc/self/status") as status:
        hwm = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_mb": hwm / 1024, "maxrss_mb": maxrss / 1024}
"""
BASELINE = _COMMON + """
import numpy as np
import pandas as pd
t = time.perf_counter()
data = pd.read_csv(path).astype("float32")
seconds = time.perf_counter() - t
peak = peaks()
values = data.to_numpy()
rows = values.astype(np.uint8)
ok = bool((rows == values).all())
print(json.dumps({"seconds": seconds, **peak, "rows": len(rows), "integral": ok,
                  "digest": hashlib.sha256(rows.tobytes()).hexdigest()}))
"""
OURS = _COMMON + """
import numpy as np
from handwriting.data.kaggle_csv import read_kaggle_csv
t = time.perf_counter()
x, y = read_kaggle_csv(path)
seconds = time.perf_counter() - t
peak = peaks()
digest = hashlib.sha256()
for start in range(1, len(y), 50_000):   # rows 2.. as label + pixels, like the baseline's rows
    stop = min(start + 50_000, len(y))
    digest.update(np.concatenate([y[start:stop, None], x[start:stop].reshape(-1, 784)], 1))
print(json.dumps({"seconds": seconds, **peak, "rows": len(y), "integral": True,
                  "digest": digest.hexdigest()}))
"""
IMPORT_ONLY = _COMMON + """
import numpy as np
import handwriting.data.kaggle_csv
print(json.dumps({"seconds": 0.0, **peaks(), "rows": 0, "integral": True, "digest": ""}))
"""
GENERATE = """
import sys, time
import numpy as np
from handwriting.data.kaggle_csv import write_kaggle_csv
from handwriting.imaging.strokes import render_strokes

path, rows = sys.argv[1], int(sys.argv[2])
t = time.perf_counter()
rng = np.random.default_rng(0)
# Letter-like 28x28 images: random pen strokes through the project's stroke renderer, with
# brighter ink like the scanned Kaggle letters (mostly 0, solid strokes near 255).
pool = []
for _ in range(2000):
    strokes = [np.cumsum(rng.normal(0, 1, (rng.integers(2, 5), 2)), axis=0)
               for _ in range(rng.integers(2, 6))]
    pool.append(render_strokes(strokes, pen_width=3.2))
pool = np.clip(np.stack(pool) * 1.6, 0, 255).astype(np.uint8)
pick = rng.integers(0, len(pool), rows)
write_kaggle_csv(path, pool[pick], rng.integers(0, 26, rows).astype(np.uint8))
print(f"generated {path} in {time.perf_counter() - t:.1f} s")
"""


def child(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"benchmark subprocess failed:\n{done.stderr}")
    return done.stdout.strip()


def run(code: str, path: Path) -> dict:
    return json.loads(child(code, str(path)).splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=FULL_ROWS)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best is shown")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the generated file goes (default data/interim/bench)")
    args = parser.parse_args()

    from handwriting.paths import data_dir

    folder = args.dir or data_dir() / "interim" / "bench"
    path = folder / f"az_{args.rows}_{GENERATOR}.csv"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        print(child(GENERATE, str(path), str(args.rows)))
    with open(path, "rb") as f:            # same page-cache state for both contestants
        while f.read(1 << 20):
            pass

    base_runs, our_runs = [], []
    for _ in range(args.repeat):           # interleaved, so background load hits both alike
        base_runs.append(run(BASELINE, path))
        our_runs.append(run(OURS, path))
    base = min(base_runs, key=lambda r: r["seconds"])
    ours = min(our_runs, key=lambda r: r["seconds"])
    idle = run(IMPORT_ONLY, path)

    size_mb = path.stat().st_size / 1e6
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"\nfile: {path.name}, {size_mb:.0f} MB, {args.rows} lines; {os.cpu_count()} CPUs, "
          f"load average {load}; best of {args.repeat}")
    print(f"{'reader':48s} {'seconds':>8s} {'peak MB':>8s} {'maxrss':>8s} {'rows':>8s} "
          f"{'speed-up':>9s}")

    def line(name, r, ratio=""):
        seconds = f"{r['seconds']:8.2f}" if r["seconds"] else " " * 8
        rows = f"{r['rows']:8d}" if r["rows"] else " " * 8
        print(f"{name:48s} {seconds} {r['peak_mb']:8.0f} {r['maxrss_mb']:8.0f} {rows} {ratio:>9s}")

    line('pd.read_csv(path).astype("float32") (baseline)', base, "1.0x")
    line("read_kaggle_csv(path)", ours, f"{base['seconds'] / ours['seconds']:.1f}x")
    line("(python + numpy + handwriting, no read)", idle)
    print(f"throughput {size_mb / ours['seconds']:.0f} MB/s; the result arrays are "
          f"{ours['rows'] * 785 / 1e6:.0f} MB")

    agree = base["digest"] == ours["digest"] and base["integral"]
    lost = ours["rows"] - base["rows"]
    print(f"same numbers in rows 2..{ours['rows']}: {'yes' if agree else 'NO'}; "
          f"the baseline lost {lost} row(s) to its header")
    if not agree or lost != 1:
        sys.exit(1)


if __name__ == "__main__":
    main()
