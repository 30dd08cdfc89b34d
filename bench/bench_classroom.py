"""Benchmark: a class at one dashboard. N visitors open their pages within 2 s and write letters.

For each page count N and each runtime in turn (the light one first, then `keras`, today's TensorFlow
kernels, as the baseline measured in the same run), a real `handwriting dashboard` is started (free
port, a temporary SQLite database, the shipped models) and the run begins when it prints its address.
N headless Chromium pages, each its own browser context (its own visitor, its own network link),
open within 2 s; each writes 10 real letters of one writer from ../shared/data/strokes_letters.json
(a different writer per page) on the Draw pad as a person would: the pen's points at about 60 Hz,
a short pause between letters, and each reading waited for.

Reported per N and runtime: page opened -> pad usable (median, max), pen-up -> letter shown
(median, p90), the kernels' resident (RSS) and private (USS) memory while every page is open, rows
stored (the database read unscoped, and how many visitor keys they carry) against drawings made,
page errors, and the CPU seconds each kind of process (Chromium's renderers, its other processes,
the Voila server, the kernels) used while the pages loaded. After the 4-page run, memory back: 2 pages are closed and the time until their
kernels are gone is measured, while a third page's network is down for 60 s (browser offline and
its connections cut) and must still read a letter once it is back.

    .venv/bin/python bench/bench_classroom.py [--pages 1 4 8 16] [--runtime litert keras] [--repeat 1] [--out bench/results/classroom.json]

On this machine the same run's pad-ready time varies by 2x between runs (the browsers and the server
share 2 cores): --repeat N runs each page count N times, the runtimes taking turns, and reports each
figure as the median over the repeats with its range; the ratios and the floors use those medians.

Floors at 8 pages: every page usable, pad ready median <= 8 s, pen-up -> letter median <= 300 ms,
nothing lost. Goal: <= 3 s, <= 100 ms, and 16 pages usable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from handwriting.app.browser import CHROMIUM_ARGS, PAGE_PROBES, load_json, replayable
from handwriting.app.serve import stop_process
from handwriting.paths import PROJECT_ROOT, shared_data_dir

LETTERS_PER_PAGE = 10
ARRIVAL_S = 2.0          # every page is opened within this window
MOVE_S = 1 / 60          # a pen reports its position about 60 times a second
PAUSE_S = 1.0            # between one letter's reading and the next letter
OFFLINE_S = 60.0         # how long the network of one page is down (memory back)
CULL_GIVE_UP_S = 240.0   # closed pages' kernels not gone by then: reported as not freed
FLOORS = {"pad_ready_median_s": 8.0, "pen_up_median_ms": 300.0}
GOALS = {"pad_ready_median_s": 3.0, "pen_up_median_ms": 100.0, "pages": 16}
WAIT = "([r, s, t]) => window.__hwWait(r, s, t)"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")  # /proc/<pid>/stat counts CPU time in these
# When each reading (data-seq) was first shown, as ms since the pen-up before it: measured in the page,
# so a busy benchmark process that starts waiting late does not lengthen it.
SHOWN_PROBE = """
window.__hwShown = {};
(function watch() {
  const box = document.querySelector('.hw-prediction');
  if (!box) { setTimeout(watch, 20); return; }
  const note = () => {
    const el = box.querySelector('.hw-result');
    if (el && el.dataset.seq && !(el.dataset.seq in window.__hwShown)) {
      window.__hwShown[el.dataset.seq] = performance.now() - window.__hw.up;
    }
  };
  note();
  new MutationObserver(note).observe(box, { subtree: true, childList: true, attributes: true, characterData: true });
})();
"""
KERNEL_ID = "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


# --- the server's processes, read from /proc --------------------------------------------------------

def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _children() -> dict[int, list[int]]:
    tree = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            tree[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry.name))
    return tree


def descendants(launcher: int) -> dict[int, int]:
    """{pid: parent pid} of every process under `launcher`."""
    tree, found, todo = _children(), {}, [launcher]
    while todo:
        pid = todo.pop()
        for child in tree.get(pid, []):
            found[child] = pid
            todo.append(child)
    return found


def kernel_pids(processes: dict[int, int]) -> dict[str, int]:
    """{kernel id: pid} of the kernels among `processes` (from `descendants`): the Voila process's
    children running ipykernel_launcher (the id is in their connection file's name)."""
    found = {}
    for pid, parent in processes.items():
        command = _cmdline(pid)
        if "ipykernel_launcher" in command and "voila" in _cmdline(parent):
            match = re.search(r"kernel-([0-9a-f-]+)\.json", command)
            found[match.group(1) if match else str(pid)] = pid
    return found


def cpu_seconds(processes) -> dict[str, float]:
    """CPU seconds (user + system) each kind of process has used so far, among `processes` (pids):
    Chromium's renderers apart from its other processes (browser, GPU, network), Playwright's
    driver, the Voila server and its kernels."""
    used: dict[str, float] = defaultdict(float)
    for pid in processes:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        command = _cmdline(pid)
        if "ipykernel_launcher" in command:
            kind = "kernels"
        elif "-m voila" in command:
            kind = "Voila server"
        elif "--type=renderer" in command:
            kind = "Chromium renderers"
        elif "chrom" in command:
            kind = "Chromium, other processes"
        elif "playwright" in command:
            kind = "Playwright driver"
        else:
            continue
        used[kind] += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return used


@dataclass
class KernelMemory:
    pid: int
    rss_mb: float        # resident: its own pages and the shared libraries it maps
    uss_mb: float        # private: Private_Clean + Private_Dirty, what closing it gives back
    peak_rss_mb: float   # VmHWM
    tensorflow: bool     # TensorFlow's runtime library is mapped


def kernel_memory(pid: int) -> KernelMemory | None:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return None
    kb = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+):\s+(\d+) kB", rollup + status, re.MULTILINE)}
    return KernelMemory(pid, round(kb["Rss"] / 1024, 1),
                        round((kb["Private_Clean"] + kb["Private_Dirty"]) / 1024, 1),
                        round(kb["VmHWM"] / 1024, 1), "libtensorflow_framework" in maps)


def available_mb() -> float:
    """The machine's MemAvailable: a run that drives it near 0 measures swapping or the OOM killer."""
    match = re.search(r"^MemAvailable:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    return round(int(match.group(1)) / 1024)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dashboard:
    """A real `handwriting dashboard` on a free port with its own database, for one runtime."""

    def __init__(self, work: Path, runtime: str, extra: list[str]):
        work.mkdir(parents=True)
        self.db, self.log = work / "predictions.sqlite", work / "dashboard.log"
        command = [sys.executable, "-m", "handwriting", "dashboard", "--port", str(free_port()),
                   "--db", str(self.db), "--runtime", runtime, *extra]
        env = dict(os.environ, HANDWRITING_DATA_DIR=str(work / "data"))
        self.started = time.monotonic()
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                            cwd=PROJECT_ROOT)
        self.seen: dict[int, str] = {}  # every process met under the launcher: none may outlive the run

    async def address(self, timeout: float = 600) -> tuple[str, float]:
        """(the visitors' address: the printed one without the teacher's ?admin=, seconds until printed)."""
        while time.monotonic() - self.started < timeout:
            match = re.search(r"Dashboard: (http://\S+)", self.log.read_text(errors="replace"))
            if match:
                return match.group(1).split("?")[0], time.monotonic() - self.started
            if self.process.poll() is not None:
                break
            await asyncio.sleep(0.2)
        raise RuntimeError(f"the dashboard printed no address:\n{self.log.read_text(errors='replace')[-3000:]}")

    def kernels(self) -> dict[str, int]:
        processes = descendants(self.process.pid)
        self.seen.update((pid, _cmdline(pid)) for pid in processes if pid not in self.seen)
        return kernel_pids(processes)

    def stop(self) -> None:
        self.kernels()
        stop_process(self.process, timeout=60)
        time.sleep(1)
        for pid, command in self.seen.items():  # what the launcher left behind: ours, by pid
            if command and _cmdline(pid) == command:
                os.kill(pid, signal.SIGKILL)


# --- one page's network link: a TCP relay that can be cut ------------------------------------------

class Link:
    """The page talks to the server through this relay. `cut()` drops its connections, the page's
    websocket to its kernel included (Playwright's offline emulation alone leaves open websockets
    working, microsoft/playwright#4910), and refuses new ones until `restore()`."""

    def __init__(self, port: int):
        self.target, self.down, self.open = port, False, set()
        self.connections = self.cut_connections = self.refused = 0  # what shows the drop was real
        self.server = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/"

    async def _connection(self, reader, writer) -> None:
        if self.down:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self.open.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self.open.difference_update((writer, up_writer))

    @staticmethod
    async def _pipe(reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
            writer.close()
        except (ConnectionError, OSError):
            writer.transport.abort()

    def cut(self) -> None:
        self.down = True
        self.cut_connections += len(self.open) // 2
        for writer in list(self.open):
            writer.transport.abort()

    def restore(self) -> None:
        self.down = False

    def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()


# --- visitors --------------------------------------------------------------------------------------

def writers_letters(pages: int, per_page: int, seed: int = 0) -> list[list[dict]]:
    """For each page, `per_page` different letters of one writer (clean samples), a different
    writer per page, reproducibly."""
    path = shared_data_dir() / "strokes_letters.json"
    if not path.is_file():
        raise SystemExit(f"bench_classroom: needs {path} (set HANDWRITING_SHARED_DATA)")
    by_writer = defaultdict(dict)
    for record in load_json(path):
        if record.get("flag", "ok") == "ok":
            by_writer[record["writer"]].setdefault(record["label"], record)
    writers = sorted(w for w, letters in by_writer.items() if len(letters) >= per_page)
    if len(writers) < pages:
        raise SystemExit(f"bench_classroom: {path} has {len(writers)} writers with {per_page} letters, "
                         f"not {pages}")
    rng = np.random.default_rng(seed)
    chosen = []
    for i in rng.permutation(len(writers))[:pages]:
        letters = sorted(by_writer[writers[i]])
        chosen.append([by_writer[writers[i]][letters[j]] for j in sorted(rng.permutation(len(letters))[:per_page])])
    return chosen


@dataclass
class Visitor:
    index: int
    letters: list[dict]
    ready_ms: float | None = None
    ready_at: float | None = None  # time.monotonic() when the pad became usable
    pen_up_ms: list[float] = field(default_factory=list)
    pen_up_at: list[float] = field(default_factory=list)  # time.monotonic() at each pen-up
    rows: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    kernel: str | None = None

    @property
    def usable(self) -> bool:
        return self.ready_ms is not None and len(self.rows) == len(self.letters)


class Page:
    """One visitor's browser context, page and network link."""

    def __init__(self, visitor: Visitor, link: Link):
        self.visitor, self.link = visitor, link
        self.context = None
        self.last_up = 0.0  # time.monotonic() at the last letter's pen-up

    async def open(self, browser, url: str, ready_timeout: float) -> None:
        self.context = await browser.new_context(viewport={"width": 1200, "height": 900})
        await self.context.add_init_script(PAGE_PROBES + SHOWN_PROBE)
        self.page = await self.context.new_page()
        self.page.on("pageerror", lambda e: self.visitor.errors.append(f"page: {e}"[:300]))
        self.page.on("console", lambda m: m.type == "error" and self.visitor.errors.append(
            f"console: {m.text} ({m.location.get('url', '?')})"[:300]))
        try:
            await self.page.goto(url, timeout=ready_timeout * 1000)
            self.visitor.ready_ms = round(await asyncio.wait_for(
                self.page.evaluate("window.__hwCanvasReady"), ready_timeout), 1)
            self.visitor.ready_at = time.monotonic()
            self.visitor.kernel = await self.page.evaluate(KERNEL_ID)
        except Exception as exc:  # noqa: BLE001 - a page that never gets a pad is a result, not a crash
            self.visitor.errors.append(f"pad not ready: {exc}"[:300])

    async def write(self, sample: dict, timeout_ms: int = 60_000) -> tuple[float, int]:
        """One letter on the Draw pad: (pen-up -> letter shown in ms, the stored row's id)."""
        page = self.page
        await page.locator(".hw-draw .hw-clear").click(timeout=timeout_ms)
        await page.evaluate(WAIT, [".hw-prediction", ".hw-result-empty", timeout_ms])
        canvas = page.locator("canvas.hw-draw-canvas")
        box = await canvas.bounding_box()
        width, height = await canvas.evaluate("c => [c.width, c.height]")
        sx, sy = box["width"] / width, box["height"] / height
        strokes = replayable(sample["strokes"], width, height, margin=40)
        for i, stroke in enumerate(strokes):
            if i:
                await asyncio.sleep(0.2)  # the pen travels to the next stroke
            await page.mouse.move(box["x"] + stroke[0][0] * sx, box["y"] + stroke[0][1] * sy)
            await page.mouse.down()
            for x, y in stroke[1:]:
                await asyncio.sleep(MOVE_S)
                await page.mouse.move(box["x"] + x * sx, box["y"] + y * sy)
            await page.mouse.up()
        self.last_up = time.monotonic()
        shown = await page.evaluate(WAIT, [".hw-prediction", f'.hw-result[data-strokes="{len(strokes)}"]', timeout_ms])
        stored = await page.evaluate(WAIT, [".hw-prediction", f'.hw-result[data-strokes="{len(strokes)}"][data-row]',
                                            timeout_ms])
        took = await page.evaluate("s => window.__hwShown[s]", shown["data"]["seq"])
        return (shown["sinceUp"] if took is None else took), int(stored["data"]["row"])

    async def write_all(self) -> None:
        for sample in self.visitor.letters:
            try:
                took, row = await self.write(sample)
            except Exception as exc:  # noqa: BLE001
                self.visitor.errors.append(f"letter {sample['label']}: {exc}"[:300])
                continue
            self.visitor.pen_up_ms.append(round(took, 1))
            self.visitor.pen_up_at.append(self.last_up)
            self.visitor.rows.append(row)
            await asyncio.sleep(PAUSE_S)

    async def close(self, goodbye: bool = False) -> None:
        """`goodbye`: as a person closes a tab (the page's beforeunload runs, and Voila's goodbye
        with it); else as a tab that is killed or a phone that never comes back."""
        if goodbye and self.context is not None:
            closed = asyncio.ensure_future(self.page.wait_for_event("close", timeout=15_000))
            await self.page.close(run_before_unload=True)
            await closed
        if self.context is not None:
            context, self.context = self.context, None
            await context.close()
        self.link.close()


# --- one run: N pages on one server ----------------------------------------------------------------

def stats(values: list[float], *names: str) -> dict:
    if not values:
        return {name: None for name in names}
    ordered = sorted(values)
    pick = {"median": statistics.median(values), "max": ordered[-1],
            "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]}
    return {name: round(pick[name], 1) for name in names}


async def memory_back(server: Dashboard, pages: list[Page]) -> dict:
    """Close 2 pages (one as a person closes a tab, one killed) and time their kernels' end, while
    a third page is offline for OFFLINE_S."""
    closing, away = pages[:2], pages[2]
    kernels = server.kernels()
    watched = {p.visitor.kernel: kernels.get(p.visitor.kernel) for p in closing}
    freed_mb = sum(m.uss_mb for pid in watched.values() if pid and (m := kernel_memory(pid)))
    started = time.monotonic()
    await closing[0].close(goodbye=True)
    await closing[1].close()

    async def watch() -> dict:
        gone = {}
        while len(gone) < len(watched) and time.monotonic() - started < CULL_GIVE_UP_S:
            alive = set(server.kernels())
            for kernel in watched:
                if kernel not in alive and kernel not in gone:
                    gone[kernel] = round(time.monotonic() - started, 1)
            await asyncio.sleep(1)
        return gone

    async def offline() -> dict:
        await away.context.set_offline(True)
        away.link.cut()
        await asyncio.sleep(OFFLINE_S)
        link = {"connections_cut": away.link.cut_connections, "refused_while_down": away.link.refused}
        before = away.link.connections
        away.link.restore()
        await away.context.set_offline(False)
        back = time.monotonic()
        sample = away.visitor.letters[0]
        try:
            took, row = await away.write(sample, timeout_ms=120_000)
            return dict(link, read_after_return=True, pen_up_ms=round(took, 1), row=row,
                        seconds_back_to_reading=round(time.monotonic() - back, 1),
                        connections_after_return=away.link.connections - before)
        except Exception as exc:  # noqa: BLE001
            return dict(link, read_after_return=False, error=str(exc)[:300],
                        connections_after_return=away.link.connections - before)

    gone, returned = await asyncio.gather(watch(), offline())
    closed_tab, killed_tab = (gone.get(p.visitor.kernel) for p in closing)
    return {"closed_pages": len(closing), "closed_tab_kernel_gone_after_s": closed_tab,
            "killed_tab_kernel_gone_after_s": killed_tab, "gave_up_after_s": CULL_GIVE_UP_S,
            "private_mb_of_closed_kernels": round(freed_mb, 1),
            "offline_page": dict(returned, offline_s=OFFLINE_S)}


async def run(playwright, args, runtime: str, pages: int, work: Path, repeat: int = 0) -> dict:
    server = Dashboard(work / f"{runtime}-{pages}", runtime, shlex.split(args.dashboard_args))
    browser = None
    result: dict = {"runtime": runtime, "pages": pages, "repeat": repeat}
    try:
        url, printed = await server.address()
        result["address_printed_after_s"] = round(printed, 1)
        port = int(url.rsplit(":", 1)[1].strip("/"))
        browser = await playwright.chromium.launch(executable_path=args.chromium, headless=True,
                                                   args=CHROMIUM_ARGS)
        visitors = [Visitor(i, letters) for i, letters in enumerate(writers_letters(pages, LETTERS_PER_PAGE))]
        open_pages = []
        for visitor in visitors:
            link = Link(port)
            open_pages.append((Page(visitor, link), await link.start()))

        def processes() -> set[int]:  # the browser (under this script's Playwright driver) and the server
            return set(descendants(os.getpid())) | set(descendants(server.process.pid))

        cpu_before, opened, cpu_loading = cpu_seconds(processes()), [], {}
        loading_started = time.monotonic()

        async def visit(i: int, page: Page, link_url: str) -> None:
            await asyncio.sleep(i * ARRIVAL_S / pages)
            await page.open(browser, link_url, args.ready_timeout)
            opened.append(page)
            if len(opened) == pages:  # the last page has its pad (or gave up): where the cores went
                cpu_loading.update({k: round(v - cpu_before.get(k, 0.0), 2) for k, v in
                                    sorted(cpu_seconds(processes()).items(), key=lambda kv: -kv[1])},
                                   seconds=round(time.monotonic() - loading_started, 1))
            if page.visitor.ready_ms is not None:
                await page.write_all()

        lowest = [available_mb()]

        async def watch_memory() -> None:
            while True:
                lowest[0] = min(lowest[0], available_mb())
                await asyncio.sleep(2)

        watcher = asyncio.create_task(watch_memory())
        await asyncio.gather(*(visit(i, p, u) for i, (p, u) in enumerate(open_pages)))
        watcher.cancel()
        kernels = server.kernels()
        everyone = {k: m for k, pid in kernels.items() if (m := kernel_memory(pid))}
        # The pages' own kernels; the others are the pool's, started and waiting for the next visitors.
        memory = [everyone[v.kernel] for v in visitors if v.kernel in everyone]
        from handwriting.app.store import Store

        with Store(server.db) as store:  # unscoped: every visitor's rows
            records = store.query(limit=None)
        drawings = sum(len(v.letters) for v in visitors)
        all_ready = max((v.ready_at for v in visitors if v.ready_at is not None), default=0.0)
        pen_ups = [(t, at) for v in visitors for t, at in zip(v.pen_up_ms, v.pen_up_at)]
        result.update({
            "usable_pages": sum(v.usable for v in visitors),
            "pad_ready_s": {k: (round(v / 1000, 2) if v is not None else None) for k, v in
                            stats([v.ready_ms for v in visitors if v.ready_ms is not None], "median", "max").items()},
            "pages_without_pad": sum(v.ready_ms is None for v in visitors),
            "pen_up_to_letter_ms": stats([t for v in visitors for t in v.pen_up_ms], "median", "p90"),
            # The letters written while other pages were still loading (their scripts take most of the
            # cores here) apart from those written once every pad was usable.
            "pen_up_while_pages_load_ms": stats([t for t, at in pen_ups if at < all_ready], "median", "p90"),
            "pen_up_once_all_ready_ms": stats([t for t, at in pen_ups if at >= all_ready], "median", "p90"),
            "kernels": {"count": len(memory), "rss_mb": stats([m.rss_mb for m in memory], "median", "max"),
                        "uss_mb": stats([m.uss_mb for m in memory], "median", "max"),
                        "peak_rss_mb": stats([m.peak_rss_mb for m in memory], "median", "max"),
                        "with_tensorflow": sum(m.tensorflow for m in memory),
                        "all_kernels": len(everyone),
                        "all_kernels_rss_mb": round(sum(m.rss_mb for m in everyone.values())),
                        "all_kernels_uss_mb": round(sum(m.uss_mb for m in everyone.values()))},
            # CPU seconds by kind of process from the first page opening to the last pad ready (the
            # pages ready first are writing meanwhile), and that window's length: 2 cores give 2 s a second.
            "cpu_while_pages_load_s": cpu_loading,
            "lowest_available_mb": lowest[0],
            # How long each kernel took to load its models, as it said on the server's log: the pool's
            # refills run while the pages connect, and compete with them for the cores.
            "kernel_warm_s": [float(x) for x in re.findall(r"kernel ready, .*, ([\d.]+) s",
                                                              server.log.read_text(errors="replace"))],
            "drawings": drawings, "letters_read": sum(len(v.rows) for v in visitors),
            "rows_stored": len(records),
            "visitor_keys_in_rows": len({getattr(r, "visitor", None) for r in records} - {None}),
            "errors": [f"page {v.index}: {e}" for v in visitors for e in v.errors],
        })
        result["nothing_lost"] = result["rows_stored"] == drawings == result["letters_read"]
        if result["errors"]:  # what the server said, for finding out why (its log goes with the run)
            result["server_log_tail"] = server.log.read_text(errors="replace").splitlines()[-80:]
        # Memory back is the serving's, not the runtime's: measured once, on the first runtime.
        if pages == 4 and not args.no_memory_back and runtime == args.runtime[0] and repeat == 0:
            result["memory_back"] = await memory_back(server, [p for p, _ in open_pages])
        for page, _ in open_pages:
            await page.close()
    finally:
        if browser is not None:
            await browser.close()
        server.stop()
    return result


# --- the report --------------------------------------------------------------------------------------

def over_repeats(runs: list[dict]) -> dict:
    """One runtime's runs at one page count, repeated: each figure's median over the runs, its range,
    and whether every run kept every page usable and lost nothing."""
    def spread(values: list) -> dict:
        values = [v for v in values if v is not None]
        if not values:
            return {"median": None, "min": None, "max": None}
        return {"median": round(statistics.median(values), 2), "min": min(values), "max": max(values)}

    return {"runtime": runs[0]["runtime"], "pages": runs[0]["pages"], "runs": len(runs),
            "pad_ready_median_s": spread([r["pad_ready_s"]["median"] for r in runs]),
            "pad_ready_max_s": spread([r["pad_ready_s"]["max"] for r in runs]),
            "pen_up_median_ms": spread([r["pen_up_to_letter_ms"]["median"] for r in runs]),
            "pen_up_p90_ms": spread([r["pen_up_to_letter_ms"]["p90"] for r in runs]),
            "rss_median_mb": spread([r["kernels"]["rss_mb"]["median"] for r in runs]),
            "uss_median_mb": spread([r["kernels"]["uss_mb"]["median"] for r in runs]),
            "every_page_usable": all(r["usable_pages"] == r["pages"] for r in runs),
            "nothing_lost": all(r["nothing_lost"] for r in runs)}


def floors(summary: dict) -> dict:
    """Issue 18's floors and goals on the medians over the repeats (every run must be whole)."""
    ready, pen = summary["pad_ready_median_s"]["median"], summary["pen_up_median_ms"]["median"]
    return {
        "every_page_usable": summary["every_page_usable"],
        "pad_ready_median": ready is not None and ready <= FLOORS["pad_ready_median_s"],
        "pen_up_median": pen is not None and pen <= FLOORS["pen_up_median_ms"],
        "nothing_lost": summary["nothing_lost"],
        "goal_pad_ready": ready is not None and ready <= GOALS["pad_ready_median_s"],
        "goal_pen_up": pen is not None and pen <= GOALS["pen_up_median_ms"],
    }


def fmt(value, unit: str = "") -> str:
    return "-" if value is None else f"{value:g}{unit}"


def fmt_spread(figure: dict) -> str:
    if figure["median"] is None or figure["min"] == figure["max"]:
        return fmt(figure["median"])
    return f"{fmt(figure['median'])} ({fmt(figure['min'])}-{fmt(figure['max'])})"


def report(results: list[dict], runtimes: list[str]) -> dict:
    print(f"\n{'runtime':8} {'pages':>5} {'address s':>9} {'usable':>6} {'pad ready med/max s':>20} "
          f"{'pen-up med/p90 ms':>18} {'RSS med/max MB':>15} {'USS med/max MB':>15} {'TF':>3} "
          f"{'all kernels, RSS MB':>19} {'rows/drawn':>10} {'errors':>6}")
    results = sorted(results, key=lambda r: (r["pages"], runtimes.index(r["runtime"])))
    for r in results:
        k = r["kernels"]
        print(f"{r['runtime']:8} {r['pages']:>5} {r['address_printed_after_s']:>9} {r['usable_pages']:>6} "
              f"{fmt(r['pad_ready_s']['median']) + ' / ' + fmt(r['pad_ready_s']['max']):>20} "
              f"{fmt(r['pen_up_to_letter_ms']['median']) + ' / ' + fmt(r['pen_up_to_letter_ms']['p90']):>18} "
              f"{fmt(k['rss_mb']['median']) + ' / ' + fmt(k['rss_mb']['max']):>15} "
              f"{fmt(k['uss_mb']['median']) + ' / ' + fmt(k['uss_mb']['max']):>15} {k['with_tensorflow']:>3} "
              f"{str(k['all_kernels']) + ', ' + str(k['all_kernels_rss_mb']):>19} "
              f"{str(r['rows_stored']) + '/' + str(r['drawings']):>10} {len(r['errors']):>6}")
    grouped: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for r in results:
        grouped[(r["runtime"], r["pages"])].append(r)
    summaries = {key: over_repeats(runs) for key, runs in grouped.items()}
    if any(len(runs) > 1 for runs in grouped.values()):
        print(f"\nmedians over the repeats (range):\n{'runtime':8} {'pages':>5} {'runs':>4} "
              f"{'pad ready median s':>22} {'pen-up median ms':>20} {'pen-up p90 ms':>20}")
        for (runtime, pages), m in sorted(summaries.items(), key=lambda kv: (kv[0][1], runtimes.index(kv[0][0]))):
            print(f"{runtime:8} {pages:>5} {m['runs']:>4} {fmt_spread(m['pad_ready_median_s']):>22} "
                  f"{fmt_spread(m['pen_up_median_ms']):>20} {fmt_spread(m['pen_up_p90_ms']):>20}")
    ratios = {}
    if len(runtimes) == 2:
        light, base = runtimes
        for (runtime, pages), m in sorted(summaries.items(), key=lambda kv: kv[0][1]):
            b = summaries.get((base, pages))
            if runtime != light or b is None:
                continue
            pairs = {name: (m[figure]["median"], b[figure]["median"]) for name, figure in (
                ("pad_ready_median", "pad_ready_median_s"), ("pen_up_median", "pen_up_median_ms"),
                ("rss_median", "rss_median_mb"), ("uss_median", "uss_median_mb"))}
            ratios[pages] = {name: round(x / y, 3) if x and y else None for name, (x, y) in pairs.items()}
            print(f"{light}/{base} at {pages} pages: " + ", ".join(f"{n} {fmt(v)}" for n, v in ratios[pages].items()))
    for r in results:
        if "memory_back" in r:
            m, o = r["memory_back"], r["memory_back"]["offline_page"]
            print(f"{r['runtime']}: memory back: kernel of a closed tab gone after "
                  f"{fmt(m['closed_tab_kernel_gone_after_s'], ' s')}, of a killed tab after "
                  f"{fmt(m['killed_tab_kernel_gone_after_s'], ' s')} ('-': not within {CULL_GIVE_UP_S:g} s), "
                  f"{m['private_mb_of_closed_kernels']} MB private; page offline {OFFLINE_S:g} s then "
                  + ("read a letter" if o["read_after_return"] else f"did NOT read a letter ({o.get('error')})"))
    checked = {}
    for (runtime, pages), m in summaries.items():
        if pages == 8:
            checked[runtime] = f = floors(m)
            verdict = "PASS" if all(f[k] for k in ("every_page_usable", "pad_ready_median", "pen_up_median",
                                                   "nothing_lost")) else "FAIL"
            print(f"floors at 8 pages, {runtime}: {verdict} (" + ", ".join(
                f"{k} {'ok' if v else 'no'}" for k, v in f.items()) + ")")
        if pages == GOALS["pages"]:
            usable = [r["usable_pages"] for r in grouped[(runtime, pages)]]
            print(f"goal, {runtime}: {'/'.join(map(str, usable))} of {pages} pages usable")
    return {"over_repeats": [summaries[key] for key in sorted(summaries, key=lambda k: (k[1], runtimes.index(k[0])))],
            "ratios_light_over_baseline": ratios, "floors_at_8_pages": checked}


async def main_async(args) -> dict:
    from playwright.async_api import async_playwright

    results = []
    with tempfile.TemporaryDirectory(prefix="bench-classroom-") as tmp:
        async with async_playwright() as playwright:
            # The runtimes take turns at each page count, so a slow spell of the shared machine falls on both.
            order = [(runtime, pages, i) for pages in args.pages for i in range(args.repeat) for runtime in args.runtime]
            for runtime, pages, repeat in order:
                print(f"--- {runtime}, {pages} pages" + (f", repeat {repeat + 1}/{args.repeat}"
                                                        if args.repeat > 1 else ""), flush=True)
                results.append(await run(playwright, args, runtime, pages, Path(tmp) / f"{repeat}", repeat))
                r = results[-1]
                print(f"    usable {r['usable_pages']}/{pages}, pad ready {r['pad_ready_s']}, "
                      f"pen-up {r['pen_up_to_letter_ms']} (while pages load {r['pen_up_while_pages_load_ms']}, "
                      f"once all ready {r['pen_up_once_all_ready_ms']}), rows {r['rows_stored']}/{r['drawings']}\n"
                      f"    CPU-s while the pages loaded: {r['cpu_while_pages_load_s']}", flush=True)
    return {"runs": results}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument("--runtime", nargs="+", default=["litert", "keras"],
                        help="the light runtime first, then the baseline (default: litert keras)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run each page count N times, the runtimes taking turns; report medians and ranges")
    parser.add_argument("--ready-timeout", type=float, default=300, help="seconds a page may wait for its pad")
    parser.add_argument("--no-memory-back", action="store_true", help="skip closing pages after the 4-page run")
    parser.add_argument("--dashboard-args", default="", metavar="ARGS",
                        help="more options for `handwriting dashboard`, e.g. \"--pool-size 16\" (default: none, "
                             "the dashboard as a teacher starts it)")
    parser.add_argument("--chromium", default=os.environ.get("HANDWRITING_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "results" / "classroom.json")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    started = time.monotonic()
    result = asyncio.run(main_async(args))
    result.update(report(result["runs"], args.runtime))
    result["settings"] = {"dashboard_args": args.dashboard_args, "letters_per_page": LETTERS_PER_PAGE,
                          "arrival_s": ARRIVAL_S, "move_s": round(MOVE_S, 4), "pause_s": PAUSE_S,
                          "offline_s": OFFLINE_S, "floors": FLOORS, "goals": GOALS}
    result["command"] = shlex.join([".venv/bin/python", "bench/bench_classroom.py"] + sys.argv[1:])
    result["machine"] = {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
                         "minutes": round((time.monotonic() - started) / 60, 1)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {args.out} ({result['machine']['minutes']} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
