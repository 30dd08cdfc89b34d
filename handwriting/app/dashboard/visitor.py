"""Whose page this is: a visitor, who sees and changes only their own rows, or the teacher, who sees all.

The page's script (etc/jupyter/voila/templates/handwriting/index.html.j2) makes a random key once per
browser (192 bits, base64url), keeps it in localStorage so that a reload finds the same rows, and
writes it, with the page address's `?admin=` value, into a hidden text widget (CSS class
`hw-identity`) as JSON `{"key": ..., "admin": ...}`. A widget value reaches the kernel however it was
started, including a kernel Voila pre-started before anyone came: its notebook has run by then, and
the key arrives when the visitor's page shows the widgets.

The kernel takes the first valid key and ignores every later value: once a page has a key, no
message from it can switch to another visitor's. Until the key arrives, rows are tagged with a random
key of this kernel's own, so nothing is ever stored under a key another page could claim.

The teacher is the page whose `admin` equals the token the launcher gives kernels in
HANDWRITING_ADMIN_TOKEN (compared in constant time; with no token set nobody is the teacher). The
teacher's page works on the unscoped store: every visitor's rows, and those stored before visitors
existed; the teacher's own drawings are still tagged with the teacher's key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets

from handwriting.app import ADMIN_TOKEN_ENV
from handwriting.app.store import check_visitor_key

log = logging.getLogger("handwriting.app.dashboard")

IDENTITY_CLASS = "hw-identity"
MAX_IDENTITY_CHARS = 1024  # a key (<= 128) and a token: anything longer is not from our page


@dataclass(frozen=True)
class Identity:
    key: str        # the visitor key this page's rows are tagged with
    teacher: bool   # True: the page sees every visitor's rows


def admin_token() -> str | None:
    """The teacher's token given to this kernel, or None (then nobody is the teacher)."""
    return os.environ.get(ADMIN_TOKEN_ENV) or None


def is_teacher(given: str | None, token: str | None) -> bool:
    if not token or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def read_identity(value: str, token: str | None) -> Identity:
    """The identity a page sent (the hidden widget's JSON); ValueError saying what is wrong."""
    if len(value) > MAX_IDENTITY_CHARS:
        raise ValueError(f"visitor identity: {len(value)} characters, at most {MAX_IDENTITY_CHARS}")
    try:
        sent = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"visitor identity: not JSON ({exc})") from None
    if not isinstance(sent, dict) or not isinstance(sent.get("key"), str):
        raise ValueError('visitor identity: expected {"key": "...", "admin": "..."}')
    admin = sent.get("admin")
    return Identity(check_visitor_key(sent["key"]), is_teacher(admin if isinstance(admin, str) else None, token))


def visitor_tag(key: str | None) -> str:
    """A short tag that tells visitors apart in the teacher's view without showing their keys."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:6] if key else ""


class TeacherStore:
    """The unscoped store (every row), except that rows the teacher adds carry the teacher's key."""

    def __init__(self, store, key: str):
        self._all, self._own = store, store.scoped(key)
        self.key = key

    def add(self, *args, **kwargs) -> int:
        return self._own.add(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._all, name)


class VisitorIdentity:
    """The hidden widget the page fills with its key, and the store this page may use."""

    def __init__(self, store, on_identified: Callable[[VisitorIdentity], None], token: str | None = None):
        self.base, self.token, self.on_identified = store, token, on_identified
        self.identity: Identity | None = None
        self.store = store.scoped(secrets.token_urlsafe(24))  # until the page's key arrives
        self.widget = widgets.Text(value="", continuous_update=True, layout=widgets.Layout(display="none"))
        self.widget.add_class(IDENTITY_CLASS)
        self.widget.observe(self._received, "value")

    @property
    def teacher(self) -> bool:
        return self.identity is not None and self.identity.teacher

    def _received(self, change) -> None:
        if self.identity is not None or not change["new"]:
            return  # the first key stays: a page cannot switch to another visitor's rows
        try:
            identity = read_identity(change["new"], self.token)
        except ValueError as exc:
            log.warning("ignored: %s", exc)
            return
        self.identity = identity
        self.store = TeacherStore(self.base, identity.key) if identity.teacher else self.base.scoped(identity.key)
        self.on_identified(self)
