"""Loaders: every supported source -> one `Dataset` (or, for training, several sources as `Rows`).

Formats: the Kaggle A-Z CSV and EMNIST letters (gzip IDX), both cached once parsed as `.npy`
files that later loads memory-map (training then streams their rows, `handwriting.letters.stream`,
through `load_rows`, which neither joins the sources nor copies the rows it keeps),
a folder (or zip) of images with one sub-folder per letter, `.npz` with `x`/`y`, pen trajectories
as JSON, and "synthetic" (the embedded default). `load` detects the format; every loader validates its input and raises
`DataError` naming the file and line/record instead of returning part of a data set.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import struct
import warnings
import zipfile
from pathlib import Path

import numpy as np

from handwriting import LETTERS
from handwriting.data.dataset import DataError, Dataset, Rows
from handwriting.data.strokes_json import load_strokes_json, matches, split_filters
from handwriting.imaging.ink import NoInkError
from handwriting.imaging.letter import preprocess_image
from handwriting.imaging.strokes import DEFAULT_PEN_WIDTH
from handwriting.paths import cache_dir

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".heic", ".heif"}


# --------------------------------------------------------------------------- detection and dispatch

def detect_format(source: str | Path) -> str:
    """The format name of a data source, from its name and (for ambiguous names) its first bytes."""
    source, _ = split_filters(source)
    text = str(source)
    if text == "synthetic" or text.startswith("synthetic:"):
        return "synthetic"
    path = Path(source)
    if not path.exists():
        raise DataError(f"{path}: no such file or directory")
    if path.is_dir():
        return "image-folder"
    name = path.name.lower()
    if name.endswith(".npz"):
        return "npz"
    if name.endswith(".zip"):
        return "image-zip"
    if name.endswith(".json"):
        return "strokes-json"
    if "idx" in name or name.endswith("-ubyte") or name.endswith("-ubyte.gz"):
        return "emnist-idx"
    if name.endswith(".csv"):
        return "kaggle-csv"
    raise DataError(f"{path}: cannot tell the data format from the name "
                    "(expected .csv, .npz, .zip, .json, an EMNIST idx file, a folder or 'synthetic')")


def load(source: str | Path | list, limit: int | None = None, seed: int = 0,
         pen_widths: tuple[float, ...] = (DEFAULT_PEN_WIDTH,), cache: bool = True, redraws: int = 0) -> Dataset:
    """Read one source, or a list of sources joined into one data set.

    `limit` keeps at most that many samples (a reproducible random subset, for quick runs);
    `pen_widths` renders pen trajectories once per width, and `redraws` more times each redrawn a
    little differently (`handwriting.imaging.redraw`); "synthetic:N" generates N images.
    A query selects samples by field, with * wildcards: `strokes_letters.json?flag=ok&writer=unipen:*`
    (any field of a strokes record) or `real_letters.npz?source=tessalonica_alfabet` (source, writer).
    """
    if isinstance(source, (list, tuple)):
        return load_rows(source, limit, seed, pen_widths, cache, redraws).dataset()
    fmt = detect_format(source)
    if fmt == "synthetic":
        from handwriting.data.synthetic import generate

        count = int(str(source).partition(":")[2] or 26_000)
        return generate(min(count, limit or count), seed=seed)
    path, filters = split_filters(source)
    path = Path(path)
    if fmt == "strokes-json":
        return load_strokes_json(path, pen_widths=pen_widths, filters=filters, redraws=redraws,
                                 seed=seed).head(limit, seed)
    if fmt == "kaggle-csv":
        data = load_kaggle_csv(path, cache=cache)
    elif fmt == "emnist-idx":
        data = load_emnist(path, cache=cache)
    elif fmt == "image-folder":
        data = load_image_folder(path)
    elif fmt == "image-zip":
        data = load_image_zip(path)
    elif fmt == "npz":
        data = load_npz(path)
    for key, pattern in filters.items():
        if key not in ("source", "writer"):
            raise DataError(f"{path}: cannot select by '{key}' (this format has: source, writer)")
        data = data[np.array([matches(v, pattern) for v in getattr(data, key)], dtype=bool)]
    if filters and not len(data):
        raise DataError(f"{source}: no samples match the selection")
    return data.head(limit, seed)


def load_rows(source: str | Path | list, limit: int | None = None, seed: int = 0,
              pen_widths: tuple[float, ...] = (DEFAULT_PEN_WIDTH,), cache: bool = True, redraws: int = 0) -> Rows:
    """What `load` reads, as `Rows`: the sources of a list stay apart (a cached one memory-mapped)
    and `limit` keeps row numbers, so no image is copied. What training streams from."""
    if not isinstance(source, (list, tuple)):
        return Rows.of([load(source, limit, seed, pen_widths, cache, redraws)])
    return Rows.of([load(s, None, seed, pen_widths, cache, redraws) for s in source]).head(limit, seed)


# --------------------------------------------------------------------------- the cache of parsed arrays

def _cache_folder(files: list[Path]) -> Path:
    """Where the parsed arrays of these files go: named by the first, keyed by every file's
    path, size and modification time, so a changed file is parsed again."""
    key = "|".join(f"{p.resolve()}|{p.stat().st_size}|{p.stat().st_mtime_ns}" for p in files)
    return cache_dir() / f"{files[0].stem[:40]}-{hashlib.sha1(key.encode()).hexdigest()[:16]}"


def _open_cached(folder: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """x and y memory-mapped from a cache folder, or None if it is missing or damaged."""
    try:
        x = np.load(folder / "x.npy", mmap_mode="r")
        y = np.load(folder / "y.npy", mmap_mode="r")
    except Exception:  # missing, truncated, not .npy: a cache is only a cache
        return None
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (len(x),):
        return None
    return x, y


def _cached(files: list[Path], read, cache: bool) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) that `read()` parses from `files`, kept as uncompressed `.npy` files that later
    loads open memory-mapped: no parse, and nothing read into memory until training asks for the
    rows (the kernel pages them in and can drop them again).

    A cache folder is written beside its final name and renamed into place, so a reader never
    sees half of one; a damaged one is parsed again and replaced; one that cannot be written
    (a full disk) only costs the parse next time."""
    folder = _cache_folder(files)
    if cache and (stored := _open_cached(folder)) is not None:
        return stored
    x, y = read()
    if not cache:
        return x, y
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        np.save(tmp / "x.npy", np.ascontiguousarray(x))
        np.save(tmp / "y.npy", np.asarray(y, np.uint8))
        if folder.exists():  # damaged (a sound one was opened above)
            shutil.rmtree(folder, ignore_errors=True)
        os.rename(tmp, folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if (stored := _open_cached(folder)) is not None:  # another process stored it meanwhile
            return stored
        warnings.warn(f"{files[0]}: could not cache the parsed arrays in {folder.parent} ({exc})", stacklevel=3)
        return x, y
    return _open_cached(folder) or (x, y)


# --------------------------------------------------------------------------- Kaggle CSV

def load_kaggle_csv(path: Path, cache: bool = True) -> Dataset:
    """The Kaggle A-Z CSV (no header; label then 784 pixels per line), cached as memory-mapped .npy."""
    from handwriting.data.kaggle_csv import read_kaggle_csv

    if not path.is_file():
        raise DataError(f"{path}: no such file")
    x, y = _cached([path], lambda: read_kaggle_csv(path), cache)
    return Dataset(x, y, format="kaggle-csv", licences={"kaggle-csv": "see the data's own terms"})


def save(data: Dataset, out: str | Path) -> Path:
    """Write a data set as .npz (x, y, source, writer) or as a Kaggle-format .csv."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        from handwriting.data.kaggle_csv import write_kaggle_csv

        write_kaggle_csv(out, data.x, data.y)
    elif out.suffix.lower() == ".npz":
        np.savez_compressed(out, x=data.x, y=data.y, source=data.source, writer=data.writer)
    else:
        raise DataError(f"{out}: choose an output ending in .npz or .csv")
    return out


# --------------------------------------------------------------------------- EMNIST IDX

def _open_maybe_gzip(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"{path}: damaged gzip data ({exc})") from None
    return raw


def read_idx(path: Path) -> np.ndarray:
    """An IDX array of unsigned bytes (the MNIST/EMNIST file format), validated against its header."""
    raw = _open_maybe_gzip(path)
    if len(raw) < 4:
        raise DataError(f"{path}: too short for an IDX file ({len(raw)} bytes)")
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise DataError(f"{path}: not an IDX file of unsigned bytes (magic {raw[:4].hex()})")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated IDX header")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise DataError(f"{path}: header promises {shape} = {expected} bytes of data, "
                        f"file holds {len(raw) - header} (truncated or wrong file)")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _emnist_pair(path: Path) -> tuple[Path, Path]:
    name = path.name
    if "images-idx3" in name:
        return path, path.with_name(name.replace("images-idx3", "labels-idx1"))
    if "labels-idx1" in name:
        return path.with_name(name.replace("labels-idx1", "images-idx3")), path
    raise DataError(f"{path}: EMNIST files are named *-images-idx3-ubyte[.gz] / *-labels-idx1-ubyte[.gz]")


def load_emnist(path: Path, cache: bool = True) -> Dataset:
    """EMNIST letters as distributed: images stored transposed, labels 1-26 -> Kaggle orientation, 0-25.
    The turned images are cached as memory-mapped .npy, like the Kaggle CSV."""
    images_path, labels_path = _emnist_pair(path)
    for p in (images_path, labels_path):
        if not p.is_file():
            raise DataError(f"{p}: missing (EMNIST needs both the images and the labels file)")

    def read() -> tuple[np.ndarray, np.ndarray]:
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise DataError(f"{images_path}: expected N x 28 x 28 images, got {images.shape}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise DataError(f"{labels_path}: {labels.shape} labels for {len(images)} images")
        bad = np.flatnonzero((labels < 1) | (labels > 26))
        if len(bad):
            raise DataError(f"{labels_path}: record {bad[0] + 1}: label {labels[bad[0]]} is out of range 1-26 "
                            "(is this the EMNIST 'letters' split?)")
        return np.ascontiguousarray(images.transpose(0, 2, 1)), labels - 1

    x, y = _cached([images_path, labels_path], read, cache)
    return Dataset(x, y, format="emnist-idx", licences={"emnist": "see NIST SD19 terms"})


# --------------------------------------------------------------------------- images: folder or zip

def _letter_of(folder_name: str) -> int | None:
    name = folder_name.strip().upper()
    return LETTERS.index(name) if len(name) == 1 and name in LETTERS else None


def _images_to_dataset(items, origin: str, fmt: str) -> Dataset:
    """items: (label, readable, display name, source, writer) -> preprocessed Dataset.

    An unreadable file stops the load; a blank image (no ink, e.g. an empty crop) is left out with a
    warning that names it, since it cannot teach or test anything.
    """
    xs, ys, sources, writers = [], [], [], []
    for label, readable, name, source, writer in items:
        try:
            xs.append(preprocess_image(readable).image)
        except NoInkError:
            warnings.warn(f"{name}: skipped, nothing to read (the image has no ink)", stacklevel=3)
            continue
        except Exception as exc:  # Pillow raises many types for unreadable files
            raise DataError(f"{name}: cannot read this image ({exc})") from None
        ys.append(label)
        sources.append(source)
        writers.append(writer)
    if not xs:
        raise DataError(f"{origin}: no images found in letter folders A-Z (e.g. {origin}/A/1.png)")
    return Dataset(np.stack(xs), np.array(ys, dtype=np.uint8), np.array(sources), np.array(writers),
                   format=fmt)


def load_image_folder(path: Path) -> Dataset:
    """A folder with one sub-folder per letter (A/, B/, ... any case), any common image format."""
    def items():
        for sub in sorted(p for p in path.iterdir() if p.is_dir()):
            label = _letter_of(sub.name)
            if label is None:
                continue
            for f in sorted(sub.iterdir()):
                if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES:
                    yield label, f, str(f), path.name, ""
    return _images_to_dataset(items(), str(path), "image-folder")


def load_image_zip(path: Path) -> Dataset:
    """A zip of `[<source>/]<LETTER>/<file>` images (the layout of real_letters_raw.zip)."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise DataError(f"{path}: not a zip file") from None
    with archive:
        def items():
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                parts = info.filename.split("/")
                if info.is_dir() or len(parts) < 2 or Path(parts[-1]).suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                label = _letter_of(parts[-2])
                if label is None:
                    continue
                source = parts[-3] if len(parts) >= 3 else path.stem
                yield label, archive.read(info), f"{path}:{info.filename}", source, ""
        return _images_to_dataset(items(), str(path), "image-zip")


# --------------------------------------------------------------------------- npz

def load_npz(path: Path) -> Dataset:
    """`.npz` with `x` (N x 28 x 28, 0-255) and `y` (0-25), optional `source` and `writer`/`group`.

    A numeric `source` is an index into the `sources` list of a JSON file of the same name beside
    it (as in real_letters.npz + real_letters.json).
    """
    try:
        archive = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise DataError(f"{path}: not a readable .npz file ({exc})") from None
    with archive:
        for key in ("x", "y"):
            if key not in archive.files:
                raise DataError(f"{path}: missing array '{key}' (has {sorted(archive.files)})")
        try:
            x, y = archive["x"], archive["y"]
            source = archive["source"] if "source" in archive.files else None
            writer = archive["writer"] if "writer" in archive.files else (
                archive["group"] if "group" in archive.files else None)
        except Exception as exc:
            raise DataError(f"{path}: damaged array data ({exc})") from None
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise DataError(f"{path}: field 'x' must be N x 28 x 28, got {x.shape}")
    if y.shape != (len(x),):
        raise DataError(f"{path}: field 'y' has shape {y.shape}, expected ({len(x)},)")
    if len(x) == 0:
        raise DataError(f"{path}: empty data set")
    if not np.issubdtype(x.dtype, np.integer) and not np.array_equal(x, np.round(x)):
        raise DataError(f"{path}: field 'x' holds non-integer pixels ({x.dtype})")
    bad = np.flatnonzero(((x < 0) | (x > 255)).reshape(len(x), -1).any(axis=1))
    if len(bad):
        raise DataError(f"{path}: field 'x', record {bad[0]}: pixel out of range 0-255")
    if y.dtype.kind in "US":
        letters = np.char.upper(y.astype(str))
        bad = np.flatnonzero(~np.isin(letters, list(LETTERS)))
        if len(bad):
            raise DataError(f"{path}: field 'y', record {bad[0]}: '{letters[bad[0]]}' is not a letter A-Z")
        y = np.searchsorted(np.array(list(LETTERS)), letters)
    else:
        bad = np.flatnonzero((y < 0) | (y > 25) | (y != np.round(y)))
        if len(bad):
            raise DataError(f"{path}: field 'y', record {bad[0]}: label {y[bad[0]]} is out of range 0-25")
    names = None
    if source is not None and source.dtype.kind in "iu":
        meta = path.with_suffix(".json")
        if meta.is_file():
            names = [s["name"] for s in json.loads(meta.read_text())["sources"]]
            source = np.array(names)[source]
        else:
            source = np.char.add(f"{path.stem}:", source.astype(str))
    if writer is not None:
        writer = writer.astype(str)
        if source is not None:  # group ids repeat across sources: make them unique
            writer = np.char.add(np.char.add(np.asarray(source).astype(str), "/"), writer)
    return Dataset(x.astype(np.uint8), y.astype(np.uint8), source if source is not None else path.stem,
                   writer, format="npz")
