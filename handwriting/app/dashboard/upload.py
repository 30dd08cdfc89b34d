"""The Upload tab: one or many pictures of single letters (phone photos included); each shows the
original, what the model sees and the prediction. A file that is not a picture, is damaged, is too
large or has no ink gets a card with its message, kept in the list like the others; the other
files are read as usual.

A file over the limit never travels whole: the page's guard (etc/jupyter/voila/templates/
handwriting/index.html.j2) sends a few-byte stand-in with its name and size instead, so the
kernel gives it the same lasting card as a large file that came some other way.

An upload's name is shown (escaped) and stored as text, never used as a path: nothing uploaded is
written to disk except as PNG bytes inside the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ipywidgets as widgets

from handwriting.app.dashboard.common import (MAX_UPLOAD_BYTES, STORED_SIDE, Services, confidence_text, esc,
                                          guarded, img_tag, log, model_view_html, note_html, picture_upload,
                                          thumbnail_png, to_png, top_k_html, uncertain_badge)
from handwriting.imaging.decode import DamagedImageError, ImageReadError, load_image

MAX_CARDS = 60  # results kept on the page (all are in History)
HINT = ("Choose one or more pictures, each of one capital letter: photos, scans or drawings "
        f"(PNG, JPEG, HEIC, WebP...; at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB each).")


def display_name(name) -> str:
    """An upload's name as plain text for the page and the database (never a path)."""
    text = str(name or "unnamed").replace("\x00", "")
    return text if len(text) <= 120 else text[:117] + "..."


def size_text(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


# What the page's upload guard sends in place of a file over the limit (index.html.j2 writes it).
STAND_IN = re.compile(rb"handwriting: over the upload limit \((\d{1,15}) bytes\)")


@dataclass
class UploadedFile:
    name: str    # as given, for showing and storing (never a path)
    data: bytes  # empty for a file the page kept back
    size: int    # the file's own size, even when only a stand-in came

    @property
    def too_large(self) -> bool:
        return self.size > MAX_UPLOAD_BYTES

    def too_large_text(self) -> str:
        return (f"too large ({size_text(self.size)}); the limit is {size_text(MAX_UPLOAD_BYTES)} per picture. "
                "Nothing was read: choose a smaller picture.")


def upload_files(value) -> list[UploadedFile]:
    """ipywidgets 8 FileUpload.value (a tuple of dicts, content a memoryview) -> the files."""
    files = []
    for item in value or ():
        content = item.get("content") if isinstance(item, dict) else getattr(item, "content", None)
        name = item.get("name") if isinstance(item, dict) else getattr(item, "name", None)
        data = bytes(content) if content is not None else b""
        kept_back = STAND_IN.fullmatch(data)
        if kept_back and int(kept_back[1]) > MAX_UPLOAD_BYTES:
            files.append(UploadedFile(display_name(name), b"", int(kept_back[1])))
        else:
            files.append(UploadedFile(display_name(name), data, len(data)))
    return files


def unreadable_text(error: ImageReadError) -> str:
    """Why a file that load_image refused cannot be read, in the user's words."""
    if isinstance(error, DamagedImageError):
        return "damaged: the picture file is cut short or corrupted, so it cannot be read (copy or send it again)"
    return "not a picture this app can read (PNG, JPEG, HEIC, WebP, GIF, BMP, TIFF)"


def error_card(name: str, message: str) -> str:
    return (f'<div class="hw-card hw-card-error" data-error="1" role="alert">'
            f'<div class="hw-card-name">{esc(name)}</div><div class="hw-error-text">{esc(message)}</div></div>')


class UploadTab:
    def __init__(self, services: Services):
        self.services = services
        self.upload = picture_upload("Choose pictures", multiple=True, css_class="hw-upload")
        self.upload.observe(self._uploaded, "value")
        self.status = widgets.HTML()
        self.status.add_class("hw-status")
        self.empty_note = widgets.HTML(note_html("Results appear here, newest first."))
        self.results = widgets.VBox([self.empty_note])
        self.results.add_class("hw-upload-results")
        head = widgets.HBox([self.upload, widgets.HTML(note_html(HINT))])
        head.add_class("hw-controls")
        self.widget = widgets.VBox([head, self.status, self.results])
        self.widget.add_class("hw-tab")
        self.widget.add_class("hw-upload-tab")

    @guarded()
    def _uploaded(self, change) -> None:
        files = upload_files(change["new"])
        if not files:
            return
        self.status.value = note_html(f"Reading {len(files)} picture{'s' if len(files) > 1 else ''}...")
        new = []
        for file in files:  # one card widget each: earlier cards are not sent again
            card = widgets.HTML(self.read_file(file))
            card.add_class("hw-card-box")
            new.append(card)
        old = [c for c in self.results.children if c is not self.empty_note]
        self.results.children = tuple(reversed(new)) + tuple(old[:MAX_CARDS - len(new)])
        self.status.value = ""
        self.upload.value = ()  # so the same file can be chosen again

    def read_file(self, file: UploadedFile) -> str:
        """One picture -> its result card (HTML); stores the prediction when there was one."""
        name, data = file.name, file.data
        if file.too_large:
            return error_card(name, file.too_large_text())
        if not data:
            return error_card(name, "empty file (0 bytes)")
        try:
            picture, _ = load_image(data, max_side=STORED_SIDE)
            thumb = thumbnail_png(picture, 160)
            stored = thumbnail_png(picture, STORED_SIDE)
        except ImageReadError as e:
            return error_card(name, unreadable_text(e))
        except Exception:
            log.exception("reading upload %r failed", name)
            return error_card(name, "this picture could not be read")
        reader = self.services.recognizer.get()
        try:
            reading = reader.read_letter(data)
        except ImageReadError as e:
            return error_card(name, unreadable_text(e))
        except Exception:
            log.exception("reading upload %r failed", name)
            return error_card(name, "the letter in this picture could not be read")
        original = (f'<figure class="hw-figure">{img_tag(thumb, "hw-thumb", name)}'
                    f'<figcaption>original</figcaption></figure>')
        if reading.letter is None:
            return (f'<div class="hw-card hw-card-empty" data-letter="">{original}<div class="hw-card-result">'
                    f'<div class="hw-card-name">{esc(name)}</div>{note_html(reading.message or "nothing to read")}'
                    f'</div></div>')
        row_id = self.services.store.add(
            "upload", stored, reader.version, reading.letter, reading.confidence, reading.top_k,
            reading.uncertain, preprocessed=to_png(reading.preprocessed.image), name=name)
        self.services.stored()
        return (f'<div class="hw-card" data-letter="{esc(reading.letter)}" data-row="{row_id}">'
                f'<div class="hw-card-images">{original}{model_view_html(reading.preprocessed.image, 84)}</div>'
                f'<div class="hw-card-result"><div class="hw-card-name">{esc(name)}</div>'
                f'<div class="hw-result-head"><div class="hw-letter hw-letter-small">{esc(reading.letter)}</div>'
                f'<div class="hw-result-side"><div class="hw-confidence">{confidence_text(reading.confidence)}</div>'
                f'{uncertain_badge(reading.uncertain)}</div></div>{top_k_html(reading.top_k, reading.letter)}'
                f'</div></div>')
