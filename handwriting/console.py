"""What the command line shows on a terminal: TensorFlow started without its C++ start-up chatter,
and progress bars only where a person is watching.

TensorFlow 2.21 writes its start-up lines (absl, oneDNN, CUDA stubs, cpu_feature_guard, cuInit)
from C++ straight to file descriptor 2, and TF_CPP_MIN_LOG_LEVEL does not stop all of them, so
`import_tensorflow` points descriptor 2 at a temporary file while TensorFlow and Keras load and
find their devices, then gives back every other line. If the import fails, everything captured
is shown before the error: the lines that explain a broken install are never hidden. Later
imports of TensorFlow anywhere in the package are then silent, as Python imports a module once.
"""

from __future__ import annotations

import importlib
import os
import re
import threading

from tqdm import tqdm

from handwriting.runtime import filtered_stderr

# A line TensorFlow's C++ logging writes, in the absl format ("I0000 00:00:1796595128.144196  8989
# port.cc:153] ..."), the older one ("2024-05-01 12:00:00.000000: I tensorflow/...cc:12] ..."), or
# the preamble and the continuation line that come with them.
TF_LOG_LINE = re.compile(
    r"^(?:[IWEF]\d{4} \d\d:\d\d:[\d.]+\s+\d+ \S+:\d+\]"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] \S+:\d+\]"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|To enable the following instructions: .* rebuild TensorFlow)")


def tensorflow_log_filtered(status: str | None = None):
    """Descriptor 2 captured meanwhile; afterwards what is not TensorFlow's log is shown, or all of it
    on error. `status` is shown on the terminal meanwhile and erased after."""
    return filtered_stderr(TF_LOG_LINE, status)


def import_tensorflow(quiet: bool = False) -> None:
    """Import TensorFlow and Keras and start TensorFlow's devices (where the cuInit line comes
    from) without their log lines; on a terminal, say so while it takes, unless `quiet`."""
    status = "starting TensorFlow..." if os.isatty(2) and not quiet else None
    with tensorflow_log_filtered(status):
        import tensorflow as tf

        importlib.import_module("keras")   # as the stages do: Keras 3 on TensorFlow
        tf.config.list_physical_devices()


class Stages:
    """A bar over the named steps of a command whose loaders report no finer progress; its clock
    ticks while a step runs, so a long step does not look stuck."""

    def __init__(self, *names: str, quiet: bool = False) -> None:
        self.names = names
        # disable=None: tqdm shows the bar only when stderr is a terminal.
        self.bar = tqdm(total=len(names), desc=names[0], leave=False, disable=True if quiet else None,
                        bar_format="{desc}: {n}/{total} steps |{bar}| [{elapsed}]")
        self._stop = threading.Event()
        if not self.bar.disable:
            threading.Thread(target=self._tick, daemon=True).start()

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            self.bar.refresh()

    def next(self) -> None:
        """The current step is done; the next one starts."""
        self.bar.update(1)
        if self.bar.n < len(self.names):
            self.bar.set_description_str(self.names[self.bar.n])

    def __enter__(self) -> "Stages":
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.bar.close()
