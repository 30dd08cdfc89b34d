"""Shared fixtures: the real handwriting beside the repo, Chromium, and CI's no-skip rule.

On a user's machine, tests that need `../shared/data` or Chromium skip with a reason. Under CI
(`CI=true`) such a skip would hide untested code, so it fails the run instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from handwriting.paths import default_model_path, shared_data_dir

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("HANDWRITING_CHROMIUM", "/usr/bin/chromium")


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, present when `make test` runs two workers
def pytest_xdist_make_scheduler(config, log):
    """`make test` runs two workers (`-n 2 --dist loadgroup`). Every browser test goes to the same one,
    in order (some build on the rows of those before), sharing one Voila server and one Chromium as
    when run alone; the other worker meanwhile trains and reads. The group is chosen here by path:
    with pytest 9.2, pytest-xdist's own `xdist_group` marks are silently ignored
    (pytest-dev/pytest-xdist#1386)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "browser" if nodeid.startswith("tests/e2e/") else nodeid

    return BrowserTestsTogether(config, log)


def _missing(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run in CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real handwriting collection (../shared/data), or a skip when it is absent."""
    path = shared_data_dir()
    if not (path / "README.md").is_file():
        _missing(f"real handwriting not found at {path} (set HANDWRITING_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path to a Chromium executable for Playwright, or a skip when there is none."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def rec():
    """The shipped letter and word models behind one Recognizer, loaded once for the whole run."""
    path = default_model_path()
    if not path.is_file():
        reason = f"no model at {path} (train one: handwriting train -p model_path {path})"
        if IN_CI:
            pytest.fail(reason + " (CI=true: the shipped model must exist)")
        pytest.skip(reason)
    from handwriting.recognize.reader import Recognizer

    return Recognizer(path)


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for the whole run (tests/postgres.py), stopped and removed at the end;
    a skip (a failure under CI) when Debian's postgresql package is not installed."""
    from tests.postgres import BIN_GLOB, PostgresServer, find_bin

    bin_dir = find_bin()
    if bin_dir is None:
        where = os.environ.get("HANDWRITING_POSTGRES_BIN") or BIN_GLOB
        _missing(f"PostgreSQL server binaries (initdb, pg_ctl) not found in {where} (apt-get install postgresql)")
    server = PostgresServer(bin_dir).start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL (password included) of a new, empty PostgreSQL database on the test server."""
    return postgres_server.url(postgres_server.create_database())
