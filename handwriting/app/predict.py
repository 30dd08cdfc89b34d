"""`handwriting predict FILE...`: read a letter, a word or lines of text from each image file.

One result per file, in the order given. A file that cannot be read (not an image, truncated,
empty, a decompression bomb, a directory, missing) gets an error line and makes the command
exit with status 1 at the end; the other files are still read. A picture with no ink is not an
error: its answer is "nothing to read".

With --json, one JSON object per line:
  letter: {"file", "letter", "confidence", "top_k": [[letter, p], ...], "uncertain"}
  --word: {"file", "word", "raw", "as_written", "correction", "confidence", "top_k": [[word, p], ...],
           "uncertain", "letters": [{"letter", "confidence", "top_k", "uncertain", "box"}, ...],
           "alternatives": [[the word model's text as written, p], ...]}
  --text: {"file", "text", "raw", "as_written", "confidence", "top_k": [[text, p]], "uncertain",
           "lines": [<a --word object without "file">, ...]}
`raw` is the reading in A-Z without a word list (a word is read in any case, compared in capitals);
`word` is the word list's correction where one applies, else `raw`; `as_written` is the reading with
its case (capitals, lower case or both).
  error:  {"file", "error"}
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import sys
from pathlib import Path

from tqdm import tqdm


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="image files (PNG, JPEG, HEIC, ...)")
    parser.add_argument("--model", help="a .keras model with its .json card (default: the shipped model)")
    parser.add_argument("--word-model", dest="word_model", default="default", metavar="PATH",
                        help="the word model weighed in by --word and --text (default: the shipped one; "
                             "'none': letters alone)")
    parser.add_argument("--top-k", type=int, default=3, dest="top_k", help="alternatives to show (default 3)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--word", action="store_true", help="each file is one word, in any case")
    mode.add_argument("--text", action="store_true", help="each file has lines of letters or words")
    parser.add_argument("--lexicon", metavar="FILE",
                        help="word list (one word per line) proposing corrections for --word/--text; "
                             "'builtin' or 'builtin:LANG' uses pyspellchecker's list (en, fr, de, es, ...)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def best_strings(letters, k: int) -> list[tuple[str, float]]:
    """The k most probable strings from per-letter top-k lists (independent letters)."""
    beams: list[tuple[float, str]] = [(0.0, "")]
    for reading in letters:
        options = reading.top_k or [(reading.letter or "?", max(reading.confidence, 1e-12))]
        grown = [(lp + math.log(max(p, 1e-12)), s + c) for lp, s in beams for c, p in options]
        beams = heapq.nlargest(k, grown)
    return [(s, math.exp(lp)) for lp, s in beams]


def _round(p: float) -> float:
    return round(float(p), 4)


def _word_dict(reading, top_k: int) -> dict:
    d = reading.to_dict()
    plain = [r for r in reading.letters]
    alternatives = best_strings(plain, top_k) if plain else []
    # Keep the raw reading's own spacing in the alternatives (letters carry no spaces).
    spaces = [i for i, c in enumerate(reading.raw) if c == " "]
    for i, (s, p) in enumerate(alternatives):
        for pos in spaces:
            s = s[:pos] + " " + s[pos:]
        alternatives[i] = (s, p)
    d["top_k"] = [[s, _round(p)] for s, p in alternatives]
    return d


def _result(recognizer, path: Path, args, lexicon) -> dict:
    if args.word:
        return _word_dict(recognizer.read_word(path, top_k=args.top_k, lexicon=lexicon), args.top_k)
    if args.text:
        lines = recognizer.read_text(path, top_k=args.top_k, lexicon=lexicon)
        confidence = math.prod(ln.confidence for ln in lines) if lines else 0.0
        text = "\n".join(ln.word for ln in lines)
        out = {"text": text, "raw": "\n".join(ln.raw for ln in lines),
               "as_written": "\n".join(ln.as_written for ln in lines), "confidence": _round(confidence),
               "top_k": [[text, _round(confidence)]] if lines else [],
               "uncertain": (not lines) or any(ln.uncertain for ln in lines),
               "lines": [_word_dict(ln, args.top_k) for ln in lines]}
        if not lines:
            out["message"] = "nothing to read"
        return out
    return recognizer.read_letter(path, top_k=args.top_k).to_dict()


def _human(name: str, result: dict) -> str:
    if "error" in result:
        return f"{name}: error: {result['error']}"
    flag = "  (uncertain)" if result.get("uncertain") else ""
    if "text" in result:
        if not result["lines"]:
            return f"{name}: {result.get('message', 'nothing to read')}"
        body = "\n".join(f"  {ln['word']}  {ln['confidence']:.2f}" + ("  (uncertain)" if ln["uncertain"] else "")
                         for ln in result["lines"])
        return f"{name}:\n{body}"
    if "word" in result:
        if not result["letters"]:
            return f"{name}: {result.get('message', 'nothing to read')}"
        raw = f"  (raw {result['raw']}, corrected by the word list)" if result.get("correction") else ""
        written = f"  (as written: {result['as_written']})" if result["as_written"] != result["raw"] else ""
        letters = " ".join(f"{r['letter']}:{r['confidence']:.2f}" for r in result["letters"])
        return f"{name}: {result['word']}  {result['confidence']:.2f}{flag}{raw}{written}\n  letters {letters}"
    if result.get("letter") is None:
        return f"{name}: {result.get('message', 'nothing to read')}"
    alts = ", ".join(f"{c} {p:.2f}" for c, p in result["top_k"])
    return f"{name}: {result['letter']}  {result['confidence']:.2f}{flag}  ({alts})"


def run(args) -> int:
    from handwriting.imaging.decode import ImageReadError
    from handwriting.recognize.reader import Recognizer
    from handwriting.words.lexicon import Lexicon

    if args.top_k < 1:
        raise ValueError("--top-k must be at least 1")
    if args.lexicon and not (args.word or args.text):
        raise ValueError("--lexicon applies to --word or --text")
    lexicon = Lexicon.coerce(args.lexicon) if args.lexicon else None
    # A bar over the files on stderr, only when it is a terminal (disable=None) and not with --json.
    with tqdm(total=len(args.files), desc="loading the model", unit="file", leave=False,
              disable=True if args.json else None) as bar:
        recognizer = Recognizer(args.model, word_model=None if args.word_model == "none" else args.word_model)
        bar.set_description_str("reading")
        failed = 0
        for name in args.files:
            path = Path(name)
            try:
                result = _result(recognizer, path, args, lexicon)
            except ImageReadError as e:
                result = {"error": str(e)}
            except (OSError, ValueError) as e:  # anything else wrong with this one file
                result = {"error": f"{name}: {e}"}
            if "error" in result:
                failed += 1
            with tqdm.external_write_mode(file=sys.stdout):   # the answer, not mixed into the bar
                print(json.dumps({"file": name, **result}) if args.json else _human(name, result), flush=True)
            bar.update(1)
    if failed:
        print(f"handwriting predict: {failed} of {len(args.files)} file(s) could not be read", file=sys.stderr)
    return 1 if failed else 0
