"""Training speed and memory with one replica and with two (docs/training.md).

The same quick config (synthetic letters, `--limit` images, `--epochs` epochs, seed 0, augmentation
on) trained by `handwriting.letters.train.train` with `strategy one` (batch 256) and with
`strategy mirrored` over N logical CPU devices (batch 256 / N per replica: the same global batch),
each in a fresh process. Prints images/s (the card's, validation included), the whole process's
peak memory and the held-out validation accuracy. On a CPU the replicas share the same cores: this
measures the overhead of the distributed path, not a speed-up. No GPU was tried here.

    .venv/bin/python bench/bench_distribute.py [--limit 7800] [--epochs 3] [--replicas 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys
import tensorflow as tf
replicas = int(sys.argv[1])
if replicas > 1:
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * replicas)
from handwriting.letters.train import TrainConfig, train
config = TrainConfig(strategy="mirrored" if replicas > 1 else "one", batch_size=256 // replicas,
                     **json.loads(sys.argv[2]))
card = train(config, verbose=0).card
print(json.dumps({"replicas": replicas, "images_per_second": card["training"]["images_per_second"],
                  "seconds": card["training"]["seconds"],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "validation_accuracy": card["metrics"]["validation (held-out writers)"]["accuracy"]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=7800)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for replicas in (1, args.replicas):
            config = {"data": ["synthetic:26000"], "limit": args.limit, "epochs": args.epochs, "seed": 0,
                      "model_path": str(Path(scratch) / f"m{replicas}.keras")}
            done = subprocess.run([sys.executable, "-c", CHILD, str(replicas), json.dumps(config)],
                                  capture_output=True, text=True, check=True,
                                  env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"{replicas} replica(s): {rows[-1]['images_per_second']} images/s, {rows[-1]['seconds']} s, "
                  f"peak {rows[-1]['peak_mb']:.0f} MB, validation accuracy {rows[-1]['validation_accuracy']:.4f}",
                  flush=True)
    print(f"{args.replicas} replicas / 1: {rows[1]['images_per_second'] / rows[0]['images_per_second']:.2f}x the images/s")


if __name__ == "__main__":
    main()
