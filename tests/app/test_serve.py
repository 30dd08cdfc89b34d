"""The dashboard's launcher (`handwriting dashboard`, `make dashboard`), run as real processes: a real
Voila with real kernels on a free port, each test under a minute.

What it promises: the address appears only once a pre-started kernel has said it is ready (so the
first page works at once), it carries the teacher's token and nothing else in the output does, bad
options are refused before anything starts, and a page that went away gives its kernel back while
the pool's kernels stay.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from handwriting.app import serve
from handwriting.app.serve import stop_process
from handwriting.paths import PROJECT_ROOT, default_model_path

START_TIMEOUT = 50  # seconds for the launcher to print the address; a failure, not a measurement
TOKEN = "teacher-token-for-the-test-0123456789"
NO_KERNEL = "00000000-0000-4000-8000-000000000000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Launcher:
    """`python -m handwriting.app.serve ...` with its stdout and stderr in one pipe, read line by
    line in the order written."""

    def __init__(self, tmp_path: Path, *options: str, env: dict | None = None):
        self.port = free_port()
        environment = {k: v for k, v in os.environ.items() if k != serve.ADMIN_TOKEN_ENV}
        environment.update(env or {}, PYTHONPATH=str(PROJECT_ROOT), HANDWRITING_DATA_DIR=str(tmp_path / "data"))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "handwriting.app.serve", "--port", str(self.port),
             "--db", str(tmp_path / "predictions.sqlite"), *options],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment, cwd=PROJECT_ROOT)
        self.lines: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for raw in iter(self.process.stdout.readline, b""):
            self._queue.put(raw.decode(errors="replace"))
        self._queue.put(None)

    def until(self, pattern: str, timeout: float = START_TIMEOUT, start: int = 0) -> re.Match:
        """Read lines until one (from line `start` on) matches; fail with the output so far if the
        launcher ends or the time is up."""
        deadline = time.monotonic() + timeout
        for line in self.lines[start:]:
            if found := re.search(pattern, line):
                return found
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if found := re.search(pattern, line):
                return found
        pytest.fail(f"no line matching {pattern!r} (exit {self.process.poll()}):\n{self.output()[-4000:]}")

    def drain(self, seconds: float) -> None:
        """Keep reading what comes for a while (nothing is asserted about its timing)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                return
            if line is None:
                return
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> None:
        stop_process(self.process, timeout=30)
        self.drain(2)


@pytest.fixture
def launch(tmp_path):
    started: list[Launcher] = []

    def start(*options: str, env: dict | None = None) -> Launcher:
        launcher = Launcher(tmp_path, *options, env=env)
        started.append(launcher)
        return launcher

    yield start
    for launcher in started:
        launcher.stop()


@pytest.fixture(scope="module")
def model() -> Path:
    path = default_model_path()
    if not path.is_file():
        pytest.skip(f"no model at {path}")
    return path


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.status == 200
        return response.read().decode()


def test_the_address_comes_after_a_kernel_is_ready_and_carries_the_token(launch, model):
    launcher = launch("--pool-size", "1", "--admin-token", TOKEN)
    address = launcher.until(r"Dashboard: (\S+)").group(1)
    before = launcher.output()
    assert serve.READY_LINE in before[:before.index("Dashboard: ")]
    assert address == f"http://127.0.0.1:{launcher.port}/?admin={TOKEN}"
    # The page fetched right after gets that pre-started kernel, notebook already run.
    page = fetch(f"http://127.0.0.1:{launcher.port}/")
    assert "application/vnd.jupyter.widget-view+json" in page
    launcher.until(r"Using pre-heated kernel")
    fetch(address)  # the teacher's page
    with pytest.raises(urllib.error.HTTPError):  # a failed request is logged with its address: masked
        urllib.request.urlopen(f"http://127.0.0.1:{launcher.port}/api/kernels/{NO_KERNEL}?admin={TOKEN}", timeout=30)
    launcher.until(rf"404 GET /api/kernels/{NO_KERNEL}\?admin=\*\*\*", timeout=30)
    launcher.stop()
    assert launcher.output().count(TOKEN) == 1, launcher.output()


def test_a_generated_token_is_printed_once_and_without_a_pool_the_address_comes_once_listening(launch, model):
    launcher = launch("--pool-size", "0")
    token = launcher.until(r"Dashboard: http://\S+\?admin=(\S+)").group(1)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token)
    assert launcher.until(r"Visitors: +(\S+)").group(1) == f"http://127.0.0.1:{launcher.port}/"
    with socket.create_connection(("127.0.0.1", launcher.port), timeout=5):
        pass
    launcher.stop()
    assert launcher.output().count(token) == 1, launcher.output()


def test_a_model_without_a_fresh_conversion_is_converted_before_voila_starts(launch, tmp_path, model):
    """In a child process (the launcher stays free of TensorFlow), once; --runtime keras skips it."""
    light, heavy = tmp_path / "light", tmp_path / "heavy"
    for folder in (light, heavy):
        folder.mkdir()
        shutil.copy(model, folder / model.name)
    launcher = launch("--pool-size", "0", "--model", str(light / model.name))
    launcher.until(r"Dashboard: ", timeout=55)
    output = launcher.output()
    assert output.count(f"converting {model.name} to LiteRT") == 1
    assert output.index("converting") < output.index("Dashboard: ")
    assert serve.fresh_conversion(light / model.name) is not None
    keras = launch("--pool-size", "0", "--model", str(heavy / model.name), "--runtime", "keras")
    keras.until(r"Dashboard: ")
    assert "converting" not in keras.output() and not list(heavy.glob("*.tflite"))


def test_a_kernel_that_dies_while_starting_does_not_hold_the_address_back(launch, tmp_path):
    notebook = tmp_path / "dies.ipynb"
    notebook.write_text(json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "id": "a", "metadata": {}, "outputs": [],
                   "source": ["import os\n", "os._exit(1)\n"]}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}))
    launcher = launch("--pool-size", "1", "--notebook", str(notebook))
    launcher.until(r"Dashboard: ")
    assert "warning: a kernel died while starting" in launcher.output()
    assert serve.READY_LINE not in launcher.output()


@pytest.mark.parametrize("options, environment, message", [
    (["--runtime", "tensorflow"], {}, "--runtime: invalid choice"),
    ([], {"HANDWRITING_RUNTIME": "tensorflow"}, "HANDWRITING_RUNTIME='tensorflow'"),
    (["--admin-token", "short"], {}, "at least 16 characters"),
])
def test_bad_options_are_refused_before_anything_starts(tmp_path, options, environment, message):
    done = subprocess.run([sys.executable, "-m", "handwriting.app.serve", "--port", str(free_port()),
                           "--db", str(tmp_path / "p.sqlite"), *options],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60,
                          env=dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), **environment))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Dashboard:" not in done.stdout and not (tmp_path / "p.sqlite").exists()


def test_make_dashboard_hands_the_token_and_the_database_over_without_echoing_them(tmp_path):
    """ADMIN_TOKEN= and DB= reach the launcher (a stand-in `handwriting` here) in its environment."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    seen = tmp_path / "seen"
    fake = bin_dir / "handwriting"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n%s\\n%s\\n" "$*" "$HANDWRITING_ADMIN_TOKEN" "$HANDWRITING_DB" > {seen}\n')
    fake.chmod(0o755)
    model = tmp_path / "model.keras"
    model.write_bytes(b"")  # exists, so make does not train one
    database = "postgresql://teacher:pa55word@db.example/handwriting"
    command = ["make", "--no-print-directory", "-o", ".venv/.installed", "dashboard", f"BIN={bin_dir}",
               f"MODEL={model}", f"ADMIN_TOKEN={TOKEN}", f"DB={database}", "PORT=9999"]
    dry = subprocess.run(["make", "-n", *command[1:]], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert f"{bin_dir}/handwriting dashboard" in dry.stdout and "--port 9999" in dry.stdout
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    arguments, token, db = seen.read_text().splitlines()
    assert arguments.startswith("dashboard --host 127.0.0.1 --port 9999 --model")
    assert (token, db) == (TOKEN, database)
    for output in (dry.stdout, dry.stderr, done.stdout, done.stderr):
        assert TOKEN not in output and "pa55word" not in output


def test_a_gone_page_gives_its_kernel_back_and_the_pool_stays(launch, model):
    """A page fetched and never connected (a tab closed before its script ran) is culled after the
    idle timeout; the pool's kernel, idle just as long, is not."""
    launcher = launch("--pool-size", "1", "--cull-idle", "2")
    launcher.until(r"Dashboard: ")
    fetch(f"http://127.0.0.1:{launcher.port}/")
    taken = launcher.until(r"Using pre-heated kernel: (\S+)").group(1)
    culled = launcher.until(r"Culling 'idle' kernel .*?([0-9a-f-]{36})", timeout=45).group(1)
    assert culled == taken
    started = re.findall(r"Kernel started: ([0-9a-f-]{36})", launcher.output())
    refill = [k for k in started if k != taken]
    assert refill, launcher.output()
    launcher.drain(serve.CULL_INTERVAL + 2)  # one more culler round: the pool kernel is idle but kept
    assert not any(k in line for k in refill for line in launcher.lines if "Culling" in line), launcher.output()
    seen = len(launcher.lines)
    fetch(f"http://127.0.0.1:{launcher.port}/")
    assert launcher.until(r"Using pre-heated kernel: (\S+)", start=seen).group(1) == refill[0]


def test_the_launcher_does_not_import_tensorflow():
    code = ("import sys, argparse; from handwriting.app import serve; p = argparse.ArgumentParser(); "
            "serve.add_arguments(p); serve.settings(p.parse_args([])); "
            "serve.fresh_conversion(serve.default_model_path()); print('tensorflow' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          timeout=60, env=dict(os.environ, PYTHONPATH=str(PROJECT_ROOT)))
    assert done.stdout.strip() == "False", done.stderr


def test_settings_default_to_this_machine_and_pass_db_model_and_token(tmp_path, monkeypatch):
    import argparse

    monkeypatch.delenv("HANDWRITING_DB", raising=False)
    monkeypatch.delenv(serve.ADMIN_TOKEN_ENV, raising=False)
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    args = parser.parse_args(["--db", str(tmp_path / "x.sqlite"), "--model", str(tmp_path / "m.keras")])
    command, env, url = serve.settings(args)
    assert url == f"http://127.0.0.1:8866/?admin={env[serve.ADMIN_TOKEN_ENV]}" and "--Voila.ip=127.0.0.1" in command
    assert env["HANDWRITING_DB"] == str(tmp_path / "x.sqlite") and env["HANDWRITING_MODEL"] == str(tmp_path / "m.keras")
    assert env["JUPYTER_CONFIG_PATH"].split(":")[0] == str(PROJECT_ROOT / "etc" / "jupyter")
    assert not any(env[serve.ADMIN_TOKEN_ENV] in part for part in command)  # never on a command line


def test_a_damaged_database_is_refused_before_starting(tmp_path, capsys):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x01" * 300)
    assert serve.main(["--db", str(bad), "--port", "1"]) == 2
    assert "bad.sqlite" in capsys.readouterr().err


@pytest.mark.parametrize("url, says", [
    ("postgresql://teacher:s3cret@127.0.0.1:1/class", "teacher:***@"),  # nothing listens on port 1
    ("mysql://teacher:s3cret@localhost/class", "unknown database URL scheme 'mysql'"),
])
def test_a_database_url_it_cannot_serve_is_refused_and_makes_no_file(tmp_path, monkeypatch, capsys, url, says):
    """A URL is never turned into a file path (it used to become a SQLite file named after it),
    and its password is never printed."""
    monkeypatch.chdir(tmp_path)
    assert serve.main(["--db", url, "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert says in err and "s3cret" not in err
    assert list(tmp_path.rglob("*")) == []


def test_the_kernel_manager_restarts_the_idle_clock_when_a_page_comes_or_goes():
    """handwriting.app.kernels on a real kernel: a socket closing after a long quiet spell, or a
    kernel the culler has not met before (just taken from the pool), is not culled at once."""
    import asyncio
    from datetime import timedelta

    from jupyter_server._tz import utcnow

    from handwriting.app.kernels import KernelManager

    async def scenario() -> list[bool]:
        manager = KernelManager(cull_idle_timeout=60)
        kernel = await manager.start_kernel(kernel_name="python3")
        alive = []
        try:
            def quiet_for_an_hour():
                manager.get_kernel(kernel).last_activity = utcnow() - timedelta(hours=1)

            quiet_for_an_hour()
            await manager.cull_kernel_if_idle(kernel)  # first look: counts as activity
            alive.append(kernel in manager)
            manager.notify_connect(kernel)
            quiet_for_an_hour()
            manager.notify_disconnect(kernel)  # the phone's socket drops: it may come back
            await manager.cull_kernel_if_idle(kernel)
            alive.append(kernel in manager)
            quiet_for_an_hour()  # and it did not
            await manager.cull_kernel_if_idle(kernel)
            alive.append(kernel in manager)
        finally:
            if kernel in manager:
                await manager.shutdown_kernel(kernel, now=True)
        return alive

    assert asyncio.run(scenario()) == [True, True, False]


def test_the_pool_refills_once_the_pages_have_arrived(monkeypatch):
    """handwriting.app.kernels holds the pool's replacements back while a class's pages arrive (on
    a clock the test moves): the first fill starts at once; a replacement waits for REFILL_QUIET
    without a page arriving, connecting or writing, REFILL_SPACING after the one before,
    REFILL_MAX_WAIT at most; a visitor's kernel started on demand, and a waiting replacement a
    visitor takes, start at once."""
    import asyncio
    from datetime import datetime, timedelta, timezone
    from types import SimpleNamespace

    from handwriting.app import kernels

    monkeypatch.setattr(kernels, "REFILL_POLL", 0.001)
    quiet, spacing, most = kernels.REFILL_QUIET, kernels.REFILL_SPACING, kernels.REFILL_MAX_WAIT
    clock, started, pool = [0.0], {}, []

    async def jupyter_starts(self, kernel_name: str, **kwargs) -> str:  # where a kernel process would start
        started[kernel_name] = clock[0]
        return kernel_name

    monkeypatch.setattr(kernels.AsyncMappingKernelManager, "start_kernel", jupyter_starts)

    # One page's kernel, connected, that last had a message at page["wrote"] (None: no such page).
    epoch, page = datetime(2026, 1, 1, tzinfo=timezone.utc), {"wrote": None}
    monkeypatch.setattr(kernels, "utcnow", lambda: epoch + timedelta(seconds=clock[0]))

    async def scenario() -> dict[str, float]:
        manager = kernels.KernelManager()
        manager._now = lambda: clock[0]
        manager._pools = {"dashboard.ipynb": pool}  # Voila's pool of kernel-starting tasks
        manager.list_kernel_ids = lambda: [] if page["wrote"] is None else ["page"]
        manager.kernel_model = lambda kernel_id: {"id": kernel_id, "connections": 1}
        manager.get_kernel = lambda kernel_id: SimpleNamespace(
            last_activity=epoch + timedelta(seconds=page["wrote"]))

        def start(name: str, pooled: bool = True) -> asyncio.Task:
            task = asyncio.get_running_loop().create_task(manager.start_kernel(kernel_name=name))
            if pooled:
                pool.append(task)
            return task

        async def at(t: float) -> None:
            clock[0] = t
            for _ in range(20):
                await asyncio.sleep(0.002)

        async def begin(name: str, t: float, pooled: bool = True) -> asyncio.Task:
            await at(t)
            task = start(name, pooled)
            await at(t)
            return task

        first = [start("first 1"), start("first 2")]
        await at(0)
        for task in first:  # two visitors take them; Voila puts a replacement in the pool for each
            pool.remove(task)
        await begin("refill a", 1)
        await begin("refill b", 2)
        await begin("on demand", 3, pooled=False)  # a visitor came while the pool held no ready kernel
        await at(4)
        manager.notify_connect("first 1")  # a page's scripts have loaded: it renders its widgets now
        await at(4 + quiet - 0.1)
        assert "refill a" not in started
        await at(4 + quiet)
        await at(4 + quiet + spacing - 0.1)
        assert "refill b" not in started
        await at(4 + quiet + spacing)
        taken = await begin("refill c", 20)
        await at(21)
        assert "refill c" not in started
        pool.remove(taken)  # a visitor took it while it waited
        await at(21)
        await begin("refill d", 30)
        for t in range(32, 32 + int(most) + 4, 4):  # pages keep arriving every 4 s
            await begin(f"on demand {t}", t, pooled=False)
        await begin("refill e", 200)
        for t in range(200, 211, 2):  # a page writes (each pen movement is a message to its kernel)
            page["wrote"] = t
            await at(t)
        await at(210 + quiet - 0.1)
        assert "refill e" not in started
        await at(210 + quiet)
        return started

    started = asyncio.run(scenario())
    assert started["first 1"] == started["first 2"] == 0
    assert started["on demand"] == 3
    assert started["refill a"] == 4 + quiet
    assert started["refill b"] == 4 + quiet + spacing
    assert started["refill c"] == 21
    assert 30 + most <= started["refill d"] <= 30 + most + 4
    assert started["refill e"] == 210 + quiet


def test_a_server_that_ignores_sigterm_is_killed_with_its_process_group():
    """What the launcher does to Voila (and the tests and benchmarks to the launcher): a process
    that ignores SIGTERM is killed after the timeout, the processes it started with it."""
    code = ("import signal, subprocess, sys, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "kid = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
            "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)'])\n"
            "print(kid.pid, flush=True)\n"
            "time.sleep(120)\n")
    stubborn = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                                start_new_session=True)
    kid = int(stubborn.stdout.readline())
    assert stop_process(stubborn, timeout=1) == -signal.SIGKILL
    for _ in range(50):  # the grandchild dies with the group (reaped by init, so poll for it)
        try:
            os.kill(kid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"process {kid} outlived its group's kill")


def test_ready_messages_that_share_a_line_are_each_counted():
    """The pool's kernels write to one pipe at once: two "kernel ready" messages were seen on one
    line (the launcher then waited its 120 s for a kernel that had long been ready)."""
    import io

    ready = f"{serve.READY_LINE}, model letters-x, 3.5 s"
    lines = ["[Voila] starting\n", f"{ready}\n", f"{ready}{ready}\n", "\n", f"{ready}\n"]
    log = serve.ServerLog(io.BytesIO("".join(lines).encode()), secrets_to_mask=[])
    log.run()  # reads the stream to its end, here in this thread
    assert log.ready == 4 and log.closed
