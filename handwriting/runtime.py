"""Answer a saved Keras model with or without TensorFlow: Keras, or a LiteRT conversion kept beside it.

A dashboard kernel that imports TensorFlow holds 500-700 MB and needs seconds before its pad works;
the same models through LiteRT's interpreter (`ai-edge-litert`) hold about 50 MB and load in
milliseconds. So each `.keras` model is converted once, with TensorFlow (`handwriting litert`, the
recipes, or the dashboard's launcher), to a LiteRT file beside it named by the `.keras` file's hash:
`handwriting.keras` -> `handwriting.<12 hex of its SHA-256>.tflite`. The name is the key, so a model
retrained in place never meets a stale conversion; the card records both files' hashes.

The conversion takes a batch of one (a fixed batch converts the word model's GRUs, a dynamic one does
not), so a LiteRT predictor answers a batch one row at a time: ~0.5 ms a letter, ~5 ms a word strip
here. Which runtime answers is `HANDWRITING_RUNTIME`: `auto` (LiteRT where a fresh conversion is
there, else Keras), `litert` (converting first if needed) or `keras`.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from handwriting.cards import card_path, file_sha256, save_card

ENV = "HANDWRITING_RUNTIME"
RUNTIMES = ("auto", "litert", "keras")
# What LiteRT's C++ writes to descriptor 2 for every interpreter it makes: into the dashboard
# server's log once per kernel, and under every `handwriting predict`.
DELEGATE_NOTICE = re.compile(r"^INFO: Created TensorFlow Lite XNNPACK delegate for CPU\.")
KEY_HEX = 12  # of the SHA-256: 48 bits tell one file's conversions from another's


@contextmanager
def filtered_stderr(dropped: re.Pattern, status: str | None = None) -> Iterator[None]:
    """Capture descriptor 2 (where C++ libraries log) meanwhile; afterwards give back every line
    `dropped` does not match, or every line if the block failed (what explains a broken install is
    never hidden). `status` is shown on the terminal meanwhile and erased after."""
    sys.stderr.flush()
    with tempfile.TemporaryFile() as capture:
        saved = os.dup(2)
        if status:
            os.write(saved, f"{status}\r".encode())
        os.dup2(capture.fileno(), 2)
        failed = True
        try:
            yield
            failed = False
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if status:
                sys.stderr.write("\r\033[K")   # erase the status line
            capture.seek(0)
            lines = capture.read().decode(errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(lines if failed else [ln for ln in lines if not dropped.match(ln)]))
            sys.stderr.flush()


def conversion_path(keras_path: str | Path) -> Path:
    """Where the LiteRT conversion of this very `.keras` file lives (whether or not it exists)."""
    keras_path = Path(keras_path)
    return keras_path.with_name(f"{keras_path.stem}.{file_sha256(keras_path)[:KEY_HEX]}.tflite")


def fresh_conversion(keras_path: str | Path) -> Path | None:
    """The LiteRT file converted from the `.keras` file as it is now, or None. Cheap: no TensorFlow."""
    path = conversion_path(keras_path)
    return path if path.is_file() else None


def convert(keras_path: str | Path) -> Path:
    """Convert a `.keras` model to LiteRT beside it (unless a fresh conversion is there), remove its
    stale conversions, record both files' hashes in its card, and return the LiteRT file."""
    keras_path = Path(keras_path)
    if not keras_path.is_file():
        raise FileNotFoundError(f"{keras_path}: no model file to convert")
    out = conversion_path(keras_path)
    if not out.is_file():
        import keras

        model = keras.saving.load_model(keras_path, compile=False)
        shape = (1,) + tuple(model.input_shape[1:])
        partial = out.with_name(out.stem + ".partial.tflite")  # a reader never sees half a file
        model.export(str(partial), format="litert", verbose=False,
                     input_signature=[keras.InputSpec(shape=shape, dtype="float32")])
        os.replace(partial, out)
    ours = re.compile(re.escape(keras_path.stem) + r"\.[0-9a-f]{%d}\.tflite" % KEY_HEX)
    for old in keras_path.parent.glob(f"{keras_path.stem}.*.tflite"):
        if old != out and ours.fullmatch(old.name):  # this model's stale conversion, not another model's file
            old.unlink()
    if card_path(keras_path).is_file():
        card = json.loads(card_path(keras_path).read_text())  # as written (load_card fills in defaults)
        recorded = {"file": out.name, "sha256": file_sha256(out), "from_sha256": file_sha256(keras_path)}
        if card.get("litert") != recorded:
            save_card(keras_path, dict(card, litert=recorded))
    return out


def runtime_choice(runtime: str | None = None) -> str:
    """`runtime`, else `HANDWRITING_RUNTIME`, else "auto"; anything else is a clear error."""
    choice = (runtime or os.environ.get(ENV) or "auto").strip().lower()
    if choice not in RUNTIMES:
        source = "runtime" if runtime else ENV
        raise ValueError(f"{source}={choice!r}: the runtime is one of {', '.join(RUNTIMES)}")
    return choice


class LiteRTPredictor:
    """A LiteRT file answering float32 batches, one row at a time (its batch is fixed at one)."""

    runtime = "litert"

    def __init__(self, path: str | Path, threads: int = 1):
        # One thread: a class's kernels share the machine's cores, and one letter is ~0.5 ms anyway.
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(path)
        with filtered_stderr(DELEGATE_NOTICE):
            self._interpreter = Interpreter(model_path=str(self.path), num_threads=threads)
            self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self.input_shape = tuple(int(n) for n in self._input["shape"][1:])
        self.output_shape = tuple(int(n) for n in self._output["shape"][1:])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        out = []
        for row in x:
            self._interpreter.set_tensor(self._input["index"], row[None])
            self._interpreter.invoke()
            out.append(self._interpreter.get_tensor(self._output["index"])[0])
        return np.stack(out) if out else np.zeros((0, *self._output["shape"][1:]), np.float32)


def traced_call(model):
    """A Keras model's call traced once for float32 batches of any size: `model.predict` costs tens of
    milliseconds for one image, this about one."""
    import tensorflow as tf

    return tf.function(lambda x: model(x, training=False),
                       input_signature=[tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)],
                       reduce_retracing=True)


class KerasPredictor:
    """A `.keras` file answering float32 batches of any size through its traced call."""

    runtime = "keras"

    def __init__(self, path: str | Path):
        import keras

        self.path = Path(path)
        self.model = keras.saving.load_model(self.path, compile=False)
        self.input_shape = tuple(self.model.input_shape[1:])
        self.output_shape = tuple(self.model.output_shape[1:])
        self.function = traced_call(self.model)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.function(np.asarray(x, dtype=np.float32)))


def load_predictor(keras_path: str | Path, runtime: str | None = None) -> LiteRTPredictor | KerasPredictor:
    """The `.keras` model at `keras_path`, answered by the chosen runtime (see the module's docstring)."""
    choice = runtime_choice(runtime)
    keras_path = Path(keras_path)
    if not keras_path.is_file():
        raise FileNotFoundError(f"{keras_path}: no model file")
    if choice == "keras":
        return KerasPredictor(keras_path)
    lite = fresh_conversion(keras_path)
    if lite is None and choice == "litert":
        lite = convert(keras_path)
    return LiteRTPredictor(lite) if lite is not None else KerasPredictor(keras_path)
