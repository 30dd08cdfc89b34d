"""Benchmark: a dashboard kernel's start, from launch to a ready app (issue 18: <= 3 s).

A real IPython kernel is launched (jupyter_client, as Voila's pool does) with the environment of a
pre-started dashboard kernel, and runs the dashboard notebook's cell (`build_app()`, which waits for
the models and the word list when pre-started); the time from the launch to the cell's reply is the
kernel's start. Each run starts one kernel alone, on an otherwise idle server.

The baseline, in the same run and taking turns with it: the same kernel with no cached word list
(a data folder of its own, empty), which reads and ranks pyspellchecker's list as every kernel did
before the list was cached (`handwriting.words.lexicon.Lexicon.builtin`).

    .venv/bin/python bench/bench_kernel_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client import KernelManager

CELL = "from handwriting.app.dashboard import build_app\napp = build_app()"


def start_to_ready(data_dir: Path, db: Path) -> float:
    """Seconds from launching a kernel to its app being ready."""
    env = dict(os.environ, VOILA_PREHEAT="True", HANDWRITING_DATA_DIR=str(data_dir), HANDWRITING_DB=str(db))
    manager = KernelManager(kernel_name="python3")
    started = time.perf_counter()
    manager.start_kernel(env=env, stderr=subprocess.DEVNULL)  # its log: "kernel ready", TCP warnings
    client = manager.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=120)
        reply = client.execute_interactive(CELL, timeout=300, output_hook=lambda msg: None)
        took = time.perf_counter() - started
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the dashboard cell failed: {reply['content'].get('evalue')}")
        return took
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="kernels started each way, taking turns (default 5)")
    args = parser.parse_args()
    times: dict[str, list[float]] = {"cached word list": [], "baseline: word list built": []}
    with tempfile.TemporaryDirectory(prefix="bench-kernel-start-") as tmp:
        kept = Path(tmp) / "kept"  # the cache is written by a first, untimed start
        start_to_ready(kept, Path(tmp) / "db.sqlite")
        for i in range(args.runs):
            times["cached word list"].append(start_to_ready(kept, Path(tmp) / "db.sqlite"))
            times["baseline: word list built"].append(start_to_ready(Path(tmp) / f"empty-{i}", Path(tmp) / "db.sqlite"))
            print(f"run {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)
    medians = {k: statistics.median(v) for k, v in times.items()}
    for k, v in times.items():
        print(f"{k}: median {medians[k]:.2f} s (range {min(v):.2f}-{max(v):.2f}) over {len(v)} kernels")
    print(f"ratio cached / baseline: {medians['cached word list'] / medians['baseline: word list built']:.3f}; "
          f"issue 18's target: ready <= 3 s after the kernel starts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
