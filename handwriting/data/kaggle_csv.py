"""Read and write the Kaggle "A-Z Handwritten Alphabets" CSV fast, losing no line.

The file (`A_Z Handwritten Data.csv`) has NO header: each line is 785 integers, the label 0-25
then 784 pixels 0-255 of a 28x28 image row by row (white ink on black, upright). Reading it with
a header, as most notebooks do, silently drops the first image; this reader keeps every line.

Why not pandas: `pd.read_csv` of the 700 MB file takes tens of seconds and several GB. Here the
raw bytes are parsed with vectorised numpy in chunks of 512 KB cut on newlines (two threads, as
numpy releases the GIL) into a preallocated uint8 result, so the whole process stays near the
size of that result. Only when a chunk looks wrong does a slow, exact Python pass run over
that chunk, to say which file, line and field is bad. Nothing here caches: `data.py` does.
"""

from __future__ import annotations

import os
import threading
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
CHUNK_BYTES = 1 << 19           # temporaries of a chunk (about 12x) then stay in the CPU caches
WORKERS = min(2, os.cpu_count() or 1)
PAD = 8                         # newlines before each chunk, so looking 1-2 bytes back is safe

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
        # the line count; the pages of np.empty that are never written cost no memory.
        capacity = (size + 1) // MIN_LINE_BYTES
        x = np.empty((capacity, 28, 28), dtype=np.uint8)
        y = np.empty(capacity, dtype=np.uint8)
        rows = _Reader(path, f, x.reshape(capacity, PIXELS), y).run()
    return x[:rows], y[:rows]


class _Chunk:
    """A reusable buffer holding whole lines of the file, and the values parsed from them."""

    def __init__(self, size: int) -> None:
        self.raw = bytearray(PAD + size + 1)     # + 1: room for a missing final newline
        self.raw[:PAD] = b"\n" * PAD
        self.array = np.frombuffer(self.raw, dtype=np.uint8)
        self.values = np.empty(size // 2 + 1, dtype=np.uint8)  # a value takes 2+ bytes
        self.end = PAD          # raw[PAD:end] are the lines, the last ending in a newline
        self.last = False       # the final chunk of the file


class _Workspace:
    """One thread's scratch arrays for parsing a chunk, allocated once, reused for every chunk."""

    def __init__(self, size: int) -> None:
        n = PAD + size + 1
        self.digit = np.empty(n, dtype=np.uint8)
        self.is_digit = np.empty(n, dtype=bool)
        self.is_sep = np.empty(n, dtype=bool)
        self.flag = np.empty(n, dtype=bool)
        self.pairs = np.empty(n, dtype=np.uint8)
        self.fours = np.empty(n, dtype=np.uint8)
        self.tens = np.empty(n, dtype=np.uint8)
        self.hundreds = np.empty(n, dtype=np.uint8)
        self.value = np.empty(n, dtype=np.uint16)
        self.gathered = np.empty(size // 2 + 1, dtype=np.uint16)


def _parse_fast(chunk: _Chunk, ws: _Workspace) -> int | None:
    """Parse a chunk's lines into chunk.values; the number of lines, or None if anything is off.

    Contiguous passes over the bytes are cheap and gathers are not, so the value of a field is
    computed at every byte (`digit + 10 x the digit before + 100 x the one before that, when
    that is still the same field`) and then picked once, at the byte before each separator.
    Every check is a whole-chunk pass too: no byte above '9', separators only commas and a
    newline after every 785th field, never two separators side by side (an empty field) nor
    four digits in a row (a field too long).
    """
    end = chunk.end
    raw = chunk.array[:end]
    body = raw[PAD:]
    if raw.max() > ord("9"):
        return None
    is_sep = np.less(raw, ord("0"), out=ws.is_sep[:end])
    sep = np.flatnonzero(is_sep[PAD:])
    n = len(sep)
    if n == 0 or n % FIELDS:
        return None
    lines = n // FIELDS
    if np.count_nonzero(np.equal(body, _COMMA, out=ws.flag[PAD:end])) != n - lines:
        return None
    if not (body[sep[FIELDS - 1::FIELDS]] == _NEWLINE).all():    # so the rest are the commas
        return None
    # pairs[i]: separators among bytes i-1, i; fours[i]: among bytes i-3..i (from the last pad
    # byte on, so a chunk cannot start with an empty field either).
    seps = is_sep.view(np.uint8)
    pairs = np.add(seps[PAD - 1:-1], seps[PAD:], out=ws.pairs[PAD:end])
    if pairs.max() > 1:
        return None
    fours = np.add(pairs[2:], pairs[:-2], out=ws.fours[PAD + 2:end])
    if fours.min() == 0:
        return None

    # value[i] = digit[i] + 10 digit[i-1] + 100 digit[i-2], the last only if i-1 is a digit:
    # then a field ending at i is right whether it has 1, 2 or 3 digits (separators are 0).
    # Tens and ones fit in uint8; with the hundreds it takes uint16, so 256-999 can be refused.
    digit, is_digit = ws.digit[:end], ws.is_digit[:end]
    np.subtract(raw, 48, out=digit)                  # separators wrap to values above 9
    np.less_equal(digit, 9, out=is_digit)
    np.multiply(digit, is_digit.view(np.uint8), out=digit)   # separators count as digit 0
    value, tens, hundreds = ws.value[:end], ws.tens[:end], ws.hundreds[:end]
    np.multiply(digit[1:-1], 10, out=tens[2:])
    np.add(tens[2:], digit[2:], out=tens[2:])
    np.multiply(digit[:-2], is_digit[1:-1].view(np.uint8), out=hundreds[2:])
    np.multiply(hundreds[2:], np.uint16(100), out=value[2:])
    np.add(value[2:], tens[2:], out=value[2:])
    # (mode="clip" skips a bounds check per index: they are positions in this chunk)
    gathered = np.take(value[PAD - 1:], sep, out=ws.gathered[:n], mode="clip")
    if gathered.max() > 255 or gathered[::FIELDS].max() > MAX_LABEL:
        return None
    np.copyto(chunk.values[:n], gathered, casting="unsafe")
    return lines


class _Reader:
    """Reads a file chunk by chunk, parses chunks on a thread pool, fills x and y in order."""

    def __init__(self, path: Path, f, x: np.ndarray, y: np.ndarray) -> None:
        self.path, self.f, self.x, self.y = path, f, x, y
        self.rows = 0
        self.local = threading.local()

    def run(self) -> int:
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
                    if chunk.end == PAD:        # the file ended exactly at the last chunk
                        if pending:
                            pending[-1][0].last = True
                        break
                    pending.append((chunk, pool.submit(self._parse, chunk)))
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

    def _parse(self, chunk: _Chunk) -> int | None:
        ws = getattr(self.local, "ws", None)
        if ws is None:
            ws = self.local.ws = _Workspace(CHUNK_BYTES)
        return _parse_fast(chunk, ws)

    def _fill(self, chunk: _Chunk, carry: bytes, pending: deque) -> bytes:
        """Put the carried-over partial line and then file data into chunk, cut after its last
        newline; returns the new partial line."""
        raw = chunk.raw
        start = PAD + len(carry)
        raw[PAD:start] = carry
        stop = PAD + CHUNK_BYTES
        view = memoryview(raw)
        end = start
        while end < stop:
            got = self.f.readinto(view[end:stop])
            if not got:
                break
            end += got
        view.release()
        at_eof = end < stop
        cut = raw.rfind(b"\n", PAD, end) + 1
        if at_eof:
            if end > PAD and raw[end - 1] != _NEWLINE:   # the last line lacks its newline
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
        if raw.find(b"\r", PAD, cut) >= 0:            # CRLF line ends
            lines = bytes(raw[PAD:cut]).replace(b"\r\n", b"\n")
            raw[PAD:PAD + len(lines)] = lines
            cut = PAD + len(lines)
        chunk.end = cut
        chunk.last = at_eof
        return carry

    def _collect(self, chunk: _Chunk, future) -> _Chunk:
        """Wait for a chunk's parse, copy its values into place (or report it); frees it."""
        lines = future.result()
        if lines is None:
            _raise_precise(self.path, self.rows + 1, bytes(chunk.raw[PAD:chunk.end]), chunk.last)
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
