"""The page's front end (handwriting/app/frontend) as the repository ships it: built from the
sources beside it, with every bundled package's licence."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "handwriting" / "app" / "frontend"
STATIC = ROOT / "etc" / "jupyter" / "voila" / "templates" / "handwriting" / "static"
REBUILD = "rebuild it: cd handwriting/app/frontend && npm ci && node build.mjs"


def sources_hash() -> str:
    """build.mjs's hash of what the page is built from: each file's path and bytes, in order."""
    digest = hashlib.sha256()
    files = ["package-lock.json"] + [f"src/{p.name}" for p in sorted((FRONTEND / "src").iterdir())]
    for name in files:
        digest.update(f"{name}\n".encode())
        digest.update((FRONTEND / name).read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize("name", ["page.js", "page.css"])
def test_the_built_page_is_built_from_the_sources_here(name):
    header = (STATIC / name).read_text(encoding="utf-8").split("\n", 1)[0]
    built_from = re.search(r"from sources ([0-9a-f]{64})", header)
    assert built_from, f"{name}: no sources hash in its first line ({REBUILD})"
    assert built_from.group(1) == sources_hash(), f"{name} is older than the sources in {FRONTEND} ({REBUILD})"


def test_the_licences_name_every_package_the_page_depends_on():
    licences = (STATIC / "page.licences.txt").read_text(encoding="utf-8")
    lock = json.loads((FRONTEND / "package-lock.json").read_text())
    direct = [name for name in json.loads((FRONTEND / "package.json").read_text())["devDependencies"]
              if name != "esbuild"]  # the bundler: none of its code is in the page
    for name in direct:
        version = lock["packages"][f"node_modules/{name}"]["version"]
        assert re.search(rf"^{re.escape(name)} {re.escape(version)}: \S+", licences, re.M), name


def test_the_page_template_loads_the_built_page_and_not_voilas():
    template = (STATIC.parent / "index.html.j2").read_text(encoding="utf-8")
    assert 'include_js("static/page.js")' in template and 'include_css("static/page.css")' in template
    assert "voila_setup_labextensions(" not in template and "voila-style.js" not in template
