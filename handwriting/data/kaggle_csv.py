"""Read and write the Kaggle "A-Z Handwritten Alphabets" CSV fast, losing no line.

The file (`A_Z Handwritten Data.csv`) has NO header: each line is 785 integers, the label 0-25
then 784 pixels 0-255 of a 28x28 image row by row (white ink on black, upright). Reading it with
a header, as most notebooks do, silently drops the first image; this reader keeps every line.

Why not pandas: `pd.read_csv` of the 700 MB file takes tens of seconds and several GB. Here the
raw bytes are read in chunks of 512 KB cut on newlines, and each chunk is parsed and checked in
ONE pass by a small loop that numba compiles to machine code: the vectorised numpy parser it
replaces made about 15 passes over every byte (plus scratch arrays) and took twice the CPU time.
Two threads parse (the compiled loop releases the GIL) into a preallocated uint8 result, so the
reader's own memory stays near the size of that result. numba is imported on the first read, not
with this module (it adds about 150 MB to a process, and the dashboard imports the data package);
its cache=True keeps the compiled loop on disk (__pycache__), so only the first process ever
compiles it (seconds) and later ones load it. Only when a chunk looks wrong does a slow, exact
Python pass run over that chunk, to say which file, line and field is bad. Nothing here caches
arrays: `data.py` does.
"""

from __future__ import annotations

import functools
import mmap
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from handwriting.data.dataset import DataError

FIELDS = 785                    # label + 28 * 28 pixels
PIXELS = FIELDS - 1
MAX_LABEL = 25
MIN_LINE_BYTES = 2 * FIELDS     # 785 one-digit values, 784 commas and a newline
MAX_LINE_BYTES = 4 * FIELDS + 1  # 785 three-digit values, separators and a CR
CHUNK_BYTES = 1 << 19           # small enough to stay in a core's cache from the read to the copy into place
WORKERS = min(2, os.cpu_count() or 1)

_COMMA, _NEWLINE = ord(","), ord("\n")


def read_kaggle_csv(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """All images (uint8 N x 28 x 28) and labels (uint8 N, 0-25) of a Kaggle A-Z CSV file.

    Raises DataError naming the file, the 1-based line and field for anything malformed; never
    returns part of a file.
    """
    path = Path(path)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, not a Kaggle A-Z CSV file") from None
    except OSError as e:
        raise DataError(f"{path}: cannot open: {e.strerror or e}") from None
    with f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise DataError(f"{path}: the file is empty, expected lines of {FIELDS} integers")
        # Every line takes at least MIN_LINE_BYTES (the last may lack its newline), which bounds
        # the line count; the pages that are never written cost no memory.
        capacity = (size + 1) // MIN_LINE_BYTES
        x = _plain_pages(capacity * PIXELS).reshape(capacity, 28, 28)
        y = np.empty(capacity, dtype=np.uint8)
        rows = _Reader(path, f, x.reshape(capacity, PIXELS), y).run()
    return x[:rows], y[:rows]


def _plain_pages(nbytes: int) -> np.ndarray:
    """Zeroed uint8 memory in plain 4 KB pages, each costing nothing until written. np.empty asks
    the kernel for huge pages for a big array (madvise), and on a busy machine a first write to one
    can then wait for the kernel to compact memory: for the full file's result that took 1.2-1.4 s
    of system time here, against 0.3 s in plain pages."""
    return np.frombuffer(mmap.mmap(-1, max(nbytes, 1)), dtype=np.uint8)[:nbytes]


class _Chunk:
    """A reusable buffer holding whole lines of the file, and the values parsed from them."""

    def __init__(self, size: int) -> None:
        self.raw = bytearray(size + 1)          # + 1: room for a missing final newline
        self.array = np.frombuffer(self.raw, dtype=np.uint8)
        self.values = np.empty(size // 2 + 1, dtype=np.uint8)  # a value takes 2+ bytes
        self.end = 0            # raw[:end] are the lines, the last ending in a newline
        self.last = False       # the final chunk of the file


def _parse_lines(text, values):
    """Parse lines of `FIELDS` comma-separated integers (uint8 bytes, the last one a newline)
    into values; the number of lines, or -1 if anything is off: a byte other than a digit, comma
    or newline, a field of no or more than 3 digits, a label above MAX_LABEL or a pixel above
    255, a line of other than FIELDS fields. Compiled by `_parser`; `values` must have room for
    len(text) // 2 + 1 values (each takes a digit and a separator, checked before it is stored).
    """
    count = 0                   # values stored
    field = 0                   # index of the current field in its line
    value = 0
    digits = 0
    for byte in text:
        if 48 <= byte <= 57:                    # '0'-'9'
            value = value * 10 + (byte - 48)
            digits += 1
            continue
        top = MAX_LABEL if field == 0 else 255
        if digits == 0 or digits > 3 or value > top:
            return -1
        if byte == _COMMA:
            field += 1
            if field == FIELDS:
                return -1
        elif byte == _NEWLINE and field == FIELDS - 1:
            field = 0
        else:
            return -1
        values[count] = value
        count += 1
        value = 0
        digits = 0
    if count == 0 or field != 0 or digits != 0:     # nothing, or no newline at the end
        return -1
    return count // FIELDS


@functools.cache
def _parser():
    """`_parse_lines` compiled: here, not at import, so that importing this module (and the
    dashboard, which imports the data package) does not pay for numba's import; numba's
    cache=True keeps the machine code in __pycache__, so only the first process ever compiles."""
    import numba

    return numba.njit("int64(uint8[::1], uint8[::1])", nogil=True, cache=True)(_parse_lines)


def _parse_fast(chunk: _Chunk) -> int | None:
    """Parse a chunk's lines into chunk.values; the number of lines, or None if anything is off."""
    lines = _parser()(chunk.array[:chunk.end], chunk.values)
    return lines if lines >= 0 else None


class _Reader:
    """Reads a file chunk by chunk, parses chunks on a thread pool, fills x and y in order."""

    def __init__(self, path: Path, f, x: np.ndarray, y: np.ndarray) -> None:
        self.path, self.f, self.x, self.y = path, f, x, y
        self.rows = 0

    def run(self) -> int:
        _parser()               # compile or load it here, not in both workers at once
        chunks = [_Chunk(CHUNK_BYTES) for _ in range(2 * WORKERS + 2)]
        pending: deque = deque()
        carry = b""
        with ThreadPoolExecutor(WORKERS) as pool:
            try:
                while True:
                    if not chunks:
                        chunks.append(self._collect(*pending.popleft()))
                    chunk = chunks.pop()
                    carry = self._fill(chunk, carry, pending)
                    if chunk.end == 0:          # the file ended exactly at the last chunk
                        if pending:
                            pending[-1][0].last = True
                        break
                    pending.append((chunk, pool.submit(_parse_fast, chunk)))
                    if chunk.last:
                        break
                while pending:
                    self._collect(*pending.popleft())
            finally:
                for _, future in pending:
                    future.cancel()
        if self.rows == 0:
            raise DataError(f"{self.path}: no lines of {FIELDS} integers")
        return self.rows

    def _fill(self, chunk: _Chunk, carry: bytes, pending: deque) -> bytes:
        """Put the carried-over partial line and then file data into chunk, cut after its last
        newline; returns the new partial line."""
        raw = chunk.raw
        start = len(carry)
        raw[:start] = carry
        stop = CHUNK_BYTES
        view = memoryview(raw)
        end = start
        while end < stop:
            got = self.f.readinto(view[end:stop])
            if not got:
                break
            end += got
        view.release()
        at_eof = end < stop
        cut = raw.rfind(b"\n", 0, end) + 1
        if at_eof:
            if end > 0 and raw[end - 1] != _NEWLINE:     # the last line lacks its newline
                raw[end] = _NEWLINE
                end += 1
            cut = end
        elif cut == 0:
            while pending:      # report earlier errors first, and learn this line's number
                self._collect(*pending.popleft())
            raise DataError(f"{self.path}: line {self.rows + 1} is longer than {CHUNK_BYTES} "
                            f"bytes (a line of {FIELDS} values is at most {MAX_LINE_BYTES}); "
                            "is this a Kaggle A-Z CSV file?")
        carry = bytes(raw[cut:end])
        if raw.find(b"\r", 0, cut) >= 0:              # CRLF line ends
            lines = bytes(raw[:cut]).replace(b"\r\n", b"\n")
            raw[:len(lines)] = lines
            cut = len(lines)
        chunk.end = cut
        chunk.last = at_eof
        return carry

    def _collect(self, chunk: _Chunk, future) -> _Chunk:
        """Wait for a chunk's parse, copy its values into place (or report it); frees it."""
        lines = future.result()
        if lines is None:
            _raise_precise(self.path, self.rows + 1, bytes(chunk.raw[:chunk.end]), chunk.last)
        start, stop = self.rows, self.rows + lines
        if stop > len(self.y):      # only if the file grew while being read
            raise DataError(f"{self.path}: more lines than its size allows; did it change "
                            "while being read?")
        values = chunk.values[:lines * FIELDS].reshape(lines, FIELDS)
        self.y[start:stop] = values[:, 0]
        self.x[start:stop] = values[:, 1:]
        self.rows = stop
        return chunk


def _raise_precise(path: Path, first_line: int, text: bytes, at_end: bool) -> None:
    """Find and report the first bad line and field of a chunk the fast parser refused."""
    lines = text.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for offset, raw in enumerate(lines):
        where = f"{path}: line {first_line + offset}"
        fields = raw.split(b",")
        if len(fields) != FIELDS:
            if not raw.strip():
                raise DataError(f"{where} is blank, expected {FIELDS} comma-separated integers")
            last = at_end and offset == len(lines) - 1
            hint = " (truncated file?)" if last and len(fields) < FIELDS else ""
            raise DataError(f"{where} has {len(fields)} fields, expected {FIELDS}{hint}")
        for index, field_text in enumerate(fields):
            is_label = index == 0
            top = MAX_LABEL if is_label else 255
            field = f"{where}, field {index + 1} ({'label' if is_label else f'pixel {index}'})"
            if not (1 <= len(field_text) <= 3 and field_text.isdigit()):
                shown = field_text.decode("utf-8", "replace")
                if len(shown) > 20:
                    shown = shown[:20] + "..."
                raise DataError(f"{field}: {shown!r} is not an integer 0-{top}")
            if int(field_text) > top:
                raise DataError(f"{field}: {int(field_text)} is out of range 0-{top}")
    raise DataError(f"{path}: lines {first_line}-{first_line + len(lines) - 1}: the fast reader "
                    "refused them but no bad field was found (please report this bug)")


# Each byte value 0-255 as its decimal digits, padded to 4 bytes, followed by its separator.
_TEXT = np.zeros((256, 4), dtype=np.uint8)
_KEEP = np.zeros((256, 4), dtype=bool)
for _v in range(256):
    _digits = str(_v).encode()
    _TEXT[_v, :len(_digits)] = np.frombuffer(_digits, dtype=np.uint8)
    _TEXT[_v, len(_digits)] = _COMMA
    _KEEP[_v, :len(_digits) + 1] = True
_TEXT_LAST = _TEXT.copy()
_TEXT_LAST[_TEXT == _COMMA] = _NEWLINE
del _v, _digits

WRITE_ROWS = 8192               # rows turned into text at a time (about 25 MB of temporaries)


def write_kaggle_csv(path: str | os.PathLike, x: np.ndarray, y: np.ndarray) -> Path:
    """Write images (N x 28 x 28, 0-255) and labels (N, 0-25) in the exact Kaggle A-Z format.

    The file is written next to `path` and renamed into place, so a failed write leaves no
    half file behind. Returns the path.
    """
    path = Path(path)
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise DataError(f"images must be N x 28 x 28, got shape {x.shape}")
    if y.shape != (len(x),):
        raise DataError(f"{len(x)} images but labels of shape {y.shape}")
    for name, a, top in (("image", x, 255), ("label", y, MAX_LABEL)):
        whole = a.dtype.kind in "biu" or np.array_equal(a, np.round(a))
        if a.size and not (whole and a.min() >= 0 and a.max() <= top):
            raise DataError(f"{name} values must be integers 0-{top}")
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            for start in range(0, len(x), WRITE_ROWS):
                block = np.empty((min(WRITE_ROWS, len(x) - start), FIELDS), dtype=np.uint8)
                block[:, 0] = y[start:start + WRITE_ROWS]
                block[:, 1:] = x[start:start + WRITE_ROWS].reshape(-1, PIXELS)
                text = _TEXT[block]                      # rows x 785 x 4
                text[:, -1] = _TEXT_LAST[block[:, -1]]
                f.write(text[_KEEP[block]].tobytes())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
