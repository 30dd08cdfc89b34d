"""How long preprocessing and one model call take, against baselines measured in the same run.

    .venv/bin/python bench/bench_preprocess.py

- A 12-megapixel JPEG phone photo (4032x3024, a letter on paper with uneven light) decoded and
  preprocessed to 28x28 (budget 150 ms), against Pillow decoding the same file at full size.
- The same picture as HEIC (no reduced-scale decoding there), as a 1-bit PNG canvas, and a 245 px
  card cell, for comparison.
- With the shipped model: one letter through the Recognizer's compiled call (budget 2 ms)
  against `model.predict` on the same image, and images per second in batches.
"""

from __future__ import annotations

import io
import statistics
import time

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from handwriting.imaging.letter import preprocess_image
from handwriting.paths import default_model_path, shared_data_dir


def timed(fn, repeat: int) -> float:
    """Median seconds of `repeat` calls (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def phone_photo(size=(4032, 3024)) -> Image.Image:
    """A letter in marker on paper, light falling off across the sheet, camera noise and blur."""
    w, h = size
    rng = np.random.default_rng(0)
    sheet = Image.new("L", size, 235)
    d = ImageDraw.Draw(sheet)
    cx, cy, s = w // 2, h // 2, h // 3
    for a, b in (((cx - s // 2, cy + s // 2), (cx, cy - s // 2)), ((cx, cy - s // 2), (cx + s // 2, cy + s // 2)),
                 ((cx - s // 4, cy + s // 10), (cx + s // 4, cy + s // 10))):
        d.line([a, b], fill=30, width=s // 12)
    light = np.linspace(1.0, 0.6, w)[None, :] * np.linspace(1.0, 0.85, h)[:, None]
    grain = np.asarray(Image.fromarray(rng.integers(0, 255, (h // 16, w // 16), dtype=np.uint8))
                       .resize(size, Image.Resampling.BICUBIC), np.float32) / 255 - 0.5
    a = np.asarray(sheet, np.float32) * light + 8 * grain
    photo = Image.fromarray(a.clip(0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(2))
    return Image.merge("RGB", (photo, photo, photo.point(lambda v: v * 0.95)))


def encoded(image: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **kw)
    return buf.getvalue()


def main() -> int:
    photo = phone_photo()
    jpeg = encoded(photo, "JPEG", quality=90)
    print(f"12 MP JPEG ({len(jpeg) / 1e6:.1f} MB):")
    full = timed(lambda: Image.open(io.BytesIO(jpeg)).load(), 5)
    ours = timed(lambda: preprocess_image(jpeg), 5)
    print(f"  Pillow full decode (baseline)       {1000 * full:7.1f} ms")
    print(f"  decode + preprocess to 28x28        {1000 * ours:7.1f} ms  ({ours / full:.2f}x the baseline; budget 150 ms)")
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
        heic = encoded(photo, "HEIF", quality=80)
        print(f"  same photo as HEIC: decode + preprocess {1000 * timed(lambda: preprocess_image(heic), 3):7.1f} ms")
    except Exception as e:  # noqa: BLE001 - an encoder-less libheif build
        print(f"  (HEIC not measured: {e})")
    canvas = encoded(photo.convert("L").resize((600, 450)).point(lambda v: 255 if v > 128 else 0).convert("1"), "PNG")
    print(f"  600x450 1-bit PNG canvas                {1000 * timed(lambda: preprocess_image(canvas), 20):7.1f} ms")
    cells = sorted((shared_data_dir() / "photos").glob("*__sse__*.jpg"))[:20]
    if cells:
        t = timed(lambda: [preprocess_image(c) for c in cells], 3) / len(cells)
        print(f"  245 px card cell (real photo)           {1000 * t:7.1f} ms")

    model_path = default_model_path()
    if not model_path.is_file():
        print(f"(no model at {model_path}: model timings skipped)")
        return 0
    from handwriting.recognize.reader import Recognizer

    rec = Recognizer(model_path, runtime="keras")
    lite = Recognizer(model_path, runtime="litert")
    one = preprocess_image(jpeg).image[None]
    compiled = timed(lambda: rec.probabilities(one), 200)
    light = timed(lambda: lite.probabilities(one), 200)
    predict = timed(lambda: rec.letter_model.predict.model.predict(one.astype(np.float32), verbose=0), 20)
    print("one letter through the model:")
    print(f"  model.predict (baseline)            {1000 * predict:7.2f} ms")
    print(f"  Keras traced call                   {1000 * compiled:7.2f} ms  ({predict / compiled:.0f}x faster; budget 2 ms)")
    print(f"  LiteRT (the dashboard's kernels)    {1000 * light:7.2f} ms  ({predict / light:.0f}x faster)")
    batch = np.repeat(one, 512, axis=0)
    for name, r in (("Keras", rec), ("LiteRT", lite)):
        t = timed(lambda: r.probabilities(batch), 5)
        print(f"  batches of 512, {name:6}              {len(batch) / t:7.0f} images/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
