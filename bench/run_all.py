"""`make bench`: every quick benchmark, one after another (they share 2 cores, so never in parallel).

The long runs (heldout.py, words_heldout.py, word_model_folds.py, words_any_case.py, bench_words.py, tune_words.py,
and bench_classroom.py, a class of up to 16 browser pages on each runtime, about 25 minutes on a quiet
machine) are not included; run them by hand. Each script imports the installed package
(`pip install -e .`), never the folder it sits in. The shipped models are made by their recipes
(`handwriting ship letters`, `handwriting ship words`), not here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = ["bench_kaggle_csv.py", "bench_synthetic.py", "bench_model.py", "bench_preprocess.py",
         "bench_dashboard.py", "bench_kernel_start.py"]


def main() -> int:
    failed = []
    for name in QUICK:
        script = HERE / name
        if not script.is_file():
            continue
        print(f"\n=== {name}", flush=True)
        if subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
